import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §7's gates for built-in executors, each with its exact reason
/// code, in their order, and `record` mode: the projection on the ledger,
/// nothing claimed, nothing sent.
@Suite struct TransportGateTests {
    static let repo = DispatchFixture.target  // github.com/example/app

    /// A fixture whose `triage` (low) and `dev` (medium) kinds are built-in
    /// comment executors, with `transport` as the `[transport]` table.
    private func fixture(_ transport: String, name: String = #function) throws -> DispatchFixture {
        let fixture = try DispatchFixture(name)
        var config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        for kind in ["triage", "dev"] {
            config = config.replacingOccurrences(of: "[executors.\(kind)]\n", with: "[executors.\(kind)-shell]\n")
            config += "\n[executors.\(kind)]\nbuiltin = \"forge.comment\"\n"
        }
        config += "\n[transport]\n" + transport + "\n"
        try Data(config.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        let clone = fixture.directory.appendingPathComponent("clones/\(Self.repo)")
        try GitTestSupport.git(clone, "remote", "add", "origin", "git@github.com:example/app.git")
        return fixture
    }

    private func propose(
        _ fixture: DispatchFixture, _ kind: String, _ id: String,
        params: [String: String] = ["number": "7", "body": "hi"],
        requires: [String] = []
    ) throws {
        var request = try fixture.request(kind, id, requires: requires)
        request.params = params
        try fixture.sandbox.propose(request, as: "agent-1@example.com")
    }

    private func poll(_ fixture: DispatchFixture) throws -> [String: RunReport.Entry] {
        let report = try fixture.dispatcher().poll()
        return Dictionary(uniqueKeysWithValues: report.intents.map { ($0.id.rawValue, $0) })
    }

    /// The audit events on the ledger for `id`, by kind.
    private func events(_ fixture: DispatchFixture, _ id: String) throws -> [String] {
        try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "ls-tree", "-r", "--name-only",
            "writ/ledger", "audit/"
        ).split(separator: "\n").filter { $0.contains("/\(id)/") }.map { String($0.split(separator: "-").last ?? "") }
    }

    @Test func offIsTransportDisabledEvenBeforeApprovals() throws {
        let fixture = try fixture("mode = \"off\"\nallow_repos = [\"\(Self.repo)\"]")
        defer { fixture.remove() }
        try propose(fixture, "triage", "comment-low")
        try propose(fixture, "dev", "comment-medium")
        let entries = try poll(fixture)
        #expect(entries["comment-low"]?.reason == .transportDisabled)
        // Not approved too, but the transport gate is said first.
        #expect(entries["comment-medium"]?.reason == .transportDisabled)
        #expect(try events(fixture, "comment-low").contains("blocked.json"))
        #expect(try !events(fixture, "comment-low").contains("claimed.json"))
    }

    @Test func anUnlistedRepoIsRepoNotAllowlisted() throws {
        let fixture = try fixture("mode = \"record\"\nallow_repos = [\"github.com/example/other\"]")
        defer { fixture.remove() }
        try propose(fixture, "triage", "comment-1")
        #expect(try poll(fixture)["comment-1"]?.reason == .repoNotAllowlisted)
    }

    @Test func aCloneBoundElsewhereIsRemoteMismatchEvenWithAnInsteadOfRewrite() throws {
        let fixture = try fixture("mode = \"record\"\nallow_repos = [\"\(Self.repo)\"]")
        defer { fixture.remove() }
        let clone = fixture.directory.appendingPathComponent("clones/\(Self.repo)")
        try GitTestSupport.git(clone, "remote", "set-url", "origin", "https://github.com/attacker/app.git")
        // A rewrite that would make the URL look right is not applied.
        try GitTestSupport.git(
            clone, "config", "url.https://github.com/example/app.git.insteadOf", "https://github.com/attacker/app.git")
        try propose(fixture, "triage", "comment-1")
        let entry = try poll(fixture)["comment-1"]
        #expect(entry?.reason == .remoteMismatch)
        #expect(try events(fixture, "comment-1").contains("blocked.json"))
    }

    /// A pull request's head branch that the clone does not hold is
    /// `remote_mismatch` (writ never creates it); one whose ref cannot be
    /// read is a clone that cannot be read, `clone_missing`, never taken
    /// for absent; one that is there passes.
    @Test func aHeadBranchThatCannotBeReadIsCloneMissingNotAbsent() throws {
        let root = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(root) }
        let clone = root.appendingPathComponent("github.com/example/app")
        try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
        try GitTestSupport.git(clone, "init", "-q", "-b", "main")
        try GitTestSupport.git(clone, "remote", "add", "origin", "git@github.com:example/app.git")
        try GitTestSupport.git(
            clone, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "one")
        let intent = try ExecFixtures.intent(
            kind: "open-pr", repo: "github.com/example/app",
            params: ["head": "fix", "base": "main", "title": "Fix", "body": "b"])
        let request = try ForgeRequest(operation: .pullRequest, intent: intent)
        var transport = TransportConfig()
        transport.mode = .record
        transport.allowRepos = [try #require(RepoSlug("github.com/example/app"))]
        func reason() -> ReasonCode? {
            do {
                try TransportGate.check(request, transport: transport, cloneRoot: root.path)
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(reason() == .remoteMismatch)
        let ref = clone.appendingPathComponent(".git/refs/heads/fix")
        try Data("not an object id\n".utf8).write(to: ref)
        #expect(reason() == .cloneMissing)
        try FileManager.default.removeItem(at: ref)
        try GitTestSupport.git(clone, "branch", "fix")
        #expect(reason() == nil)
    }

    @Test func aMissingRequiredGateIsGateMissingAndAMissingApprovalNotApproved() throws {
        let fixture = try fixture("mode = \"record\"\nallow_repos = [\"\(Self.repo)\"]")
        defer { fixture.remove() }
        try propose(fixture, "triage", "comment-gated", requires: ["ci"])
        try propose(fixture, "dev", "comment-medium")
        let entries = try poll(fixture)
        #expect(entries["comment-gated"]?.reason == .gateMissing)
        #expect(entries["comment-medium"]?.reason == .notApproved)
    }

    @Test func missingOrUnknownParamsAreIntentMalformed() throws {
        let fixture = try fixture("mode = \"record\"\nallow_repos = [\"\(Self.repo)\"]")
        defer { fixture.remove() }
        try propose(fixture, "triage", "no-body", params: ["number": "7"])
        try propose(fixture, "triage", "extra", params: ["number": "7", "body": "hi", "state": "closed"])
        try propose(fixture, "triage", "bad-number", params: ["number": "seven", "body": "hi"])
        let entries = try poll(fixture)
        for id in ["no-body", "extra", "bad-number"] {
            #expect(entries[id]?.reason == .intentMalformed, "\(id)")
        }
    }

    @Test func recordModePushesTheProjectionOnceAndClaimsNothing() throws {
        let fixture = try fixture("mode = \"record\"\nallow_repos = [\"\(Self.repo)\"]")
        defer { fixture.remove() }
        try propose(fixture, "triage", "comment-1")
        #expect(try poll(fixture)["comment-1"]?.result == .recorded)
        #expect(try poll(fixture)["comment-1"]?.result == .recorded)
        let kinds = try events(fixture, "comment-1")
        #expect(kinds.filter { $0 == "projection.json" }.count == 1, "\(kinds)")
        #expect(!kinds.contains("claimed.json") && !kinds.contains("succeeded.json"), "\(kinds)")
        #expect(fixture.runs().isEmpty)
        // What the projection says, as written on the ledger.
        let ledger = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let path = try #require(
            try GitTestSupport.git(ledger, "ls-tree", "-r", "--name-only", "writ/ledger", "audit/")
                .split(separator: "\n").first { $0.hasSuffix("-projection.json") })
        let event = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try GitTestSupport.git(ledger, "show", "writ/ledger:\(path)").utf8))
                as? [String: Any])
        #expect(event["operation"] as? String == "forge.comment")
        #expect(event["target"] as? String == "\(Self.repo)#7")
        #expect(event["key"] as? String == "comment-1")
        #expect(event["actor"] as? String == "dispatch-1@example.com")
    }
}

/// `[transport]` and `builtin` in dispatcher.toml.
struct TransportConfigTests {
    private func parse(_ extra: String) throws -> DispatcherConfig {
        try DispatcherConfigTests.parse(extra)
    }

    @Test(arguments: [
        "forge.merge", "forge.merge_pull_request", "forge.close", "forge.close_issue", "forge.reopen",
        "forge.delete_branch", "forge.force_push", "forge.project_move", "forge.set_state", "github.lock_issue",
    ])
    func forbiddenOperationsCannotBeConfigured(name: String) {
        do {
            _ = try parse("[executors.x]\nbuiltin = \"\(name)\"\n")
            Issue.record("\(name) was accepted")
        } catch let error as WritError {
            #expect(error.reason == .forbiddenOperation, "\(name): \(error)")
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    @Test func forbiddenOperationsAreRefusedByTheCommandWithTheirCode() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let path = directory.appendingPathComponent("dispatcher.toml")
        try Data((DispatcherConfigTests.base + "[executors.ship]\nbuiltin = \"forge.merge\"\n").utf8).write(to: path)
        let run = try CLI.run("dispatch", "--config", path.path, "--once")
        #expect(run.status == 3)
        #expect(run.stderr.contains("forbidden_operation"), "\(run.stderr)")
    }

    @Test func builtinsAndTransportParseStrictly() throws {
        let config = try parse(
            """
            [executors.note]
            builtin = "forge.comment"
            timeout = "1m"

            [transport]
            mode = "record"
            forge = "forgejo"
            api_url = "https://forgejo.example/api/v1"
            token_secret = "WRIT_FORGE_TOKEN"
            allow_repos = ["forgejo.example/acme/app"]
            sandbox_repos = ["forgejo.example/acme/sandbox"]
            approval_prs = true
            ops_repo_slug = "forgejo.example/acme/ops"
            """)
        #expect(config.executors["note"]?.builtin == .comment)
        #expect(config.transport.mode == .record)
        #expect(config.transport.forge == .forgejo)
        #expect(config.transport.allowRepos.map(\.description) == ["forgejo.example/acme/app"])
        #expect(try parse("").transport.mode == .off)

        for (extra, setting) in [
            ("[executors.note]\nbuiltin = \"forge.comment\"\ncommand = [\"/bin/true\"]\n", "command"),
            ("[executors.note]\nbuiltin = \"forge.teleport\"\n", "builtin"),
            ("[transport]\nmode = \"live\"\n", "token_secret"),
            ("[transport]\nmode = \"loud\"\n", "mode"),
            ("[transport]\napi_url = \"http://api.example.com\"\n", "api_url"),
            ("[transport]\nallow_repos = [\"acme/app\"]\n", "allow_repos"),
            ("[transport]\nverify = false\n", "verify"),
            ("[transport]\nforge = \"forgejo\"\n", "api_url"),
            ("[transport]\napproval_prs = true\n", "approval_prs"),
        ] {
            do {
                _ = try parse(extra)
                Issue.record("accepted \(extra)")
            } catch let error as RuntimeError {
                #expect(error.detail.contains(setting), "\(extra): \(error)")
            } catch {
                Issue.record("\(extra): \(error)")
            }
        }
        // Plain http only to this machine (a test forge).
        #expect(TransportConfig.isAcceptableAPIURL("http://127.0.0.1:8080/api/v3"))
        #expect(!TransportConfig.isAcceptableAPIURL("https://user:pw@api.github.com"))
    }
}

struct RepoSlugTests {
    @Test(arguments: [
        ("https://github.com/example/app.git", "github.com/example/app"),
        ("https://x-access-token@github.com/example/app", "github.com/example/app"),
        ("git@github.com:example/app.git", "github.com/example/app"),
        ("ssh://git@GitHub.com/example/app.git", "github.com/example/app"),
        ("ssh://git@forgejo.example:2222/acme/app.git", "forgejo.example/acme/app"),
        ("https://forgejo.example:3000/acme/app.git", "forgejo.example:3000/acme/app"),
        ("https://github.com:443/example/app", "github.com/example/app"),
    ])
    func remoteURLsNormalise(url: String, slug: String) {
        #expect(RepoSlug(remoteURL: url)?.description == slug)
    }

    @Test func whatIsNotARepoSlug() {
        for text in [
            "example/app", "github.com/example/app/extra", "github.com//app", "github.com/../app",
            "github.com/example/app.git",
        ] {
            #expect(RepoSlug(text) == nil, "\(text)")
        }
        #expect(RepoSlug(remoteURL: "/srv/app.git") == nil)
        #expect(RepoSlug(remoteURL: "git://github.com/example/app.git") == nil)
    }
}
