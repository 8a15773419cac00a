import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ check-pr` over real repositories built with stock git, records
/// signed with `ssh-keygen -Y sign`: roles × path classes, records that do
/// not verify, governance quorums, and a head that tries to rewrite the
/// rules it is judged by.
@Suite struct CheckPRTests {
    static let policy = PolicyFixture(
        members: PolicyFixture.demoMembers + [
            .init("writ-agent[bot]", "agent-1@example.com"), .init("writ-dispatch[bot]", "dispatch-1@example.com"),
            .init("mallory", "blocked"),
        ]
    ).text

    /// A repository whose `main` holds the policy and signers; each case
    /// branches off it with stock git.
    final class Repo {
        let root: URL
        let work: URL
        var keys: [String: String] = [:]
        let signers: String

        init(_ name: String = #function) throws {
            root = try GitTestSupport.scratch(name)
            work = root.appendingPathComponent("ops")
            var signers = ""
            for principal in ["alice@example.com", "carol@example.com", "bob@example.com", "agent-1@example.com"] {
                let key = try CLI.makeKey(in: root, name: principal)
                keys[principal] = key
                signers += "\(principal) \(try CLI.publicKey(key))\n"
            }
            self.signers = signers
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try GitTestSupport.git(work, "init", "-q", "-b", "main")
            try write("policy.toml", CheckPRTests.policy)
            try write("allowed_signers", signers)
            try write("README.md", "the ops repository\n")
            for outsider in ["dana@example.com", "mallory@example.com"] {
                keys[outsider] = try CLI.makeKey(in: root, name: outsider)
            }
            try GitTestSupport.git(work, "add", "-A")
            try GitTestSupport.git(work, "commit", "-q", "-m", "governance")
        }

        func write(_ path: String, _ text: String) throws {
            let url = work.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }

        /// Signs `path` into `path.sig` with `principal`'s key under `namespace`.
        func sign(_ path: String, as principal: String, namespace: String = "writ-approval") throws {
            let file = work.appendingPathComponent(path).path
            try? FileManager.default.removeItem(atPath: file + ".sig")
            let signed = try GitTestSupport.run(
                "/usr/bin/ssh-keygen", ["-Y", "sign", "-q", "-f", try #require(keys[principal]), "-n", namespace, file])
            try #require(signed.status == 0, "\(signed.stderr)")
        }

        /// A branch off main with `change` applied and committed.
        func branch(_ name: String, _ change: (Repo) throws -> Void) throws -> String {
            try GitTestSupport.git(work, "checkout", "-q", "-B", name, "main")
            try change(self)
            try GitTestSupport.git(work, "add", "-A")
            try GitTestSupport.git(work, "commit", "-q", "--allow-empty", "-m", name)
            try GitTestSupport.git(work, "checkout", "-q", "main")
            return name
        }

        func check(_ head: String, actor: String) throws -> (status: Int32, report: [String: Any]) {
            let run = try CLI.run(
                "check-pr", "--repo", work.path, "--base", "main", "--head", head, "--actor", actor, "--json")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                "\(run.stdout) \(run.stderr)")
            return (run.status, report)
        }

        func remove() { GitTestSupport.remove(root) }
    }

    static let intent = "deploy-1"
    static var folder: String { "approvals/\(IntentID(intent)!.fanOut)/\(intent)" }

    static func record(_ approver: String) -> String {
        """
        schema = 1
        intent = "\(intent)"
        intent_digest = "sha256:\(String(repeating: "5d", count: 32))"
        tier = "medium"
        decision = "approve"
        approver = "\(approver)"
        created_at = "2026-12-01T10:00:00Z"

        """
    }

    /// Files `approver`'s record, signed by `signer` under `namespace`.
    static func fileRecord(_ approver: String, signer: String? = nil, namespace: String = "writ-approval")
        -> @Sendable (Repo) throws -> Void
    {
        { repo in
            let path = "\(folder)/\(approver).toml"
            try repo.write(path, record(approver))
            try repo.sign(path, as: signer ?? approver, namespace: namespace)
        }
    }

    static let joinRequestDana = """
        schema = 1
        login = "dana"
        principal = "dana@example.com"
        public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKSIWXgMaTI9I3ysXk+hWPvGXq306+rh0RxAPio/DNDE"
        created_at = "2026-12-01T10:00:00Z"
        note = "joining the release rota"

        """

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let actor: String
        let status: String
        let closes: Bool
        let reason: String?
        let change: @Sendable (Repo) throws -> Void
        var testDescription: String { "\(actor): \(name)" }
    }

    static let cases: [Case] = [
        // A member, and a bot mapped in [members].
        Case(
            name: "own record", actor: "bob", status: "pass", closes: false, reason: nil,
            change: fileRecord("bob@example.com")),
        Case(
            name: "bot's own record", actor: "writ-agent[bot]", status: "pass", closes: false, reason: nil,
            change: fileRecord("agent-1@example.com")),
        // A record is judged by its signature, not by who opened the PR.
        Case(
            name: "another approver's valid record", actor: "bob", status: "pass", closes: false, reason: nil,
            change: fileRecord("alice@example.com")),
        Case(
            name: "own record signed by another principal's key", actor: "bob", status: "blocked", closes: true,
            reason: "record_not_own", change: fileRecord("bob@example.com", signer: "alice@example.com")),
        Case(
            name: "another's record signed by the author", actor: "bob", status: "blocked", closes: true,
            reason: "record_not_own", change: fileRecord("alice@example.com", signer: "bob@example.com")),
        Case(
            name: "record naming another approver", actor: "bob", status: "blocked", closes: true,
            reason: "record_not_own",
            change: { repo in
                let path = "\(folder)/alice@example.com.toml"
                try repo.write(path, record("bob@example.com"))
                try repo.sign(path, as: "bob@example.com")
            }),
        Case(
            name: "record signed by an unlisted key", actor: "bob", status: "blocked", closes: true,
            reason: "signer_unknown", change: fileRecord("bob@example.com", signer: "dana@example.com")),
        Case(
            name: "own record under the wrong namespace", actor: "bob", status: "blocked", closes: true,
            reason: "approval_signature_invalid", change: fileRecord("bob@example.com", namespace: "git")),
        Case(
            name: "unparseable record", actor: "bob", status: "blocked", closes: true, reason: "approval_malformed",
            change: { repo in
                try repo.write("\(folder)/bob@example.com.toml", "schema = 1\nintent = [\n")
                try repo.sign("\(folder)/bob@example.com.toml", as: "bob@example.com")
            }),
        Case(
            name: "malformed request.toml", actor: "bob", status: "blocked", closes: true,
            reason: "approval_malformed", change: { try $0.write("\(folder)/request.toml", "schema = 2\n") }),
        Case(
            name: "policy.toml", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try $0.write("policy.toml", CheckPRTests.policy + "\n# edited\n") }),
        Case(
            name: "allowed_signers removed", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try FileManager.default.removeItem(at: $0.work.appendingPathComponent("allowed_signers")) }),
        Case(
            name: ".github workflow", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try $0.write(".github/workflows/x.yml", "on: push\n") }),
        Case(
            name: ".forgejo workflow", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try $0.write(".forgejo/workflows/x.yml", "on: push\n") }),
        Case(
            name: "action", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try $0.write("action/check-pr/action.yml", "runs: {}\n") }),
        Case(
            name: "unlisted path", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try $0.write("notes.txt", "hi\n") }),
        Case(
            name: "rename of the policy", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try GitTestSupport.git($0.work, "mv", "policy.toml", "policy.old") }),
        Case(
            name: "symlink as a record", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { repo in
                let link = repo.work.appendingPathComponent("\(folder)/bob@example.com.toml")
                try FileManager.default.createDirectory(
                    at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc/passwd")
            }),
        Case(
            name: "submodule entry", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { repo in
                let head = try GitTestSupport.git(repo.work, "rev-parse", "HEAD")
                // An empty directory stands for the uninitialised submodule.
                try FileManager.default.createDirectory(
                    at: repo.work.appendingPathComponent("\(folder)/vendor"), withIntermediateDirectories: true)
                try GitTestSupport.git(
                    repo.work, "update-index", "--add", "--cacheinfo", "160000,\(head),\(folder)/vendor")
            }),
        Case(
            name: "join request", actor: "bob", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try $0.write("join-requests/bob.toml", CheckPRTests.joinRequestDana) }),
        // Unknown actors: their own join request only.
        Case(
            name: "own join request", actor: "dana", status: "pass", closes: false, reason: nil,
            change: { try $0.write("join-requests/dana.toml", CheckPRTests.joinRequestDana) }),
        Case(
            name: "someone else's join request", actor: "dana", status: "blocked", closes: true,
            reason: "path_admin_only",
            change: { try $0.write("join-requests/erin.toml", CheckPRTests.joinRequestDana) }),
        Case(
            name: "malformed join request", actor: "dana", status: "blocked", closes: true,
            reason: "approval_malformed", change: { try $0.write("join-requests/dana.toml", "schema = 1\n") }),
        Case(
            name: "a record", actor: "dana", status: "blocked", closes: false, reason: "actor_unknown",
            change: fileRecord("bob@example.com")),
        Case(
            name: "workflow", actor: "dana", status: "blocked", closes: true, reason: "path_admin_only",
            change: { try $0.write(".github/workflows/x.yml", "on: push\n") }),
        // Blocked actors: nothing.
        Case(
            name: "own join request", actor: "mallory", status: "blocked", closes: true, reason: "actor_blocked",
            change: { try $0.write("join-requests/mallory.toml", CheckPRTests.joinRequestDana) }),
        // Admins: anything, own records verified, governance pending its quorum.
        Case(
            name: "workflow", actor: "alice", status: "pass", closes: false, reason: nil,
            change: { try $0.write(".github/workflows/x.yml", "on: push\n") }),
        Case(
            name: "own record", actor: "alice", status: "pass", closes: false, reason: nil,
            change: fileRecord("alice@example.com")),
        Case(
            name: "someone else's record, theirs", actor: "alice", status: "pass", closes: false, reason: nil,
            change: fileRecord("bob@example.com")),
        Case(
            name: "someone else's record, signed by the admin", actor: "alice", status: "blocked", closes: true,
            reason: "record_not_own", change: fileRecord("bob@example.com", signer: "alice@example.com")),
        Case(
            name: "policy without quorum", actor: "alice", status: "pending", closes: false,
            reason: "policy_unapproved", change: { try $0.write("policy.toml", CheckPRTests.policy + "\n# v2\n") }),
    ]

    // MARK: Every role × every path class

    enum Actor: String, CaseIterable, Sendable {
        case admin = "alice"
        case member = "bob"
        case bot = "writ-agent[bot]"
        case unknown = "dana"
        case blocked = "mallory"

        var principal: String {
            switch self {
            case .admin: "alice@example.com"
            case .member: "bob@example.com"
            case .bot: "agent-1@example.com"
            case .unknown: "dana@example.com"
            case .blocked: "mallory@example.com"
            }
        }
    }

    enum PathClass: String, CaseIterable, Sendable {
        case adminFile, ownRecord, othersRecord, request, joinRequest, github, forgejo, action, unlisted, rename,
            deletion, symlink, submodule

        func apply(_ repo: Repo, _ actor: Actor) throws {
            switch self {
            case .adminFile: try repo.write("allowed_signers", repo.signers + "# note\n")
            case .ownRecord: try fileRecord(actor.principal)(repo)
            case .othersRecord: try fileRecord("carol@example.com")(repo)
            case .request:
                let example = RepoRoot.url.appendingPathComponent(
                    "approvals/examples/approvals/eb/rotate-db-password-7f3a/request.toml")
                try repo.write(
                    "approvals/eb/rotate-db-password-7f3a/request.toml",
                    try String(contentsOf: example, encoding: .utf8))
            case .joinRequest:
                try repo.write(
                    "join-requests/\(actor.rawValue).toml",
                    CheckPRTests.joinRequestDana.replacingOccurrences(
                        of: "login = \"dana\"", with: "login = \"\(actor.rawValue)\""))
            case .github: try repo.write(".github/workflows/ci.yml", "on: push\n")
            case .forgejo: try repo.write(".forgejo/workflows/ci.yml", "on: push\n")
            case .action: try repo.write("action/check-pr/action.yml", "runs: {}\n")
            case .unlisted: try repo.write("notes/plan.txt", "plan\n")
            case .rename: try GitTestSupport.git(repo.work, "mv", "README.md", "ABOUT.md")
            case .deletion: try FileManager.default.removeItem(at: repo.work.appendingPathComponent("README.md"))
            case .symlink:
                let link = repo.work.appendingPathComponent("\(folder)/\(actor.principal).toml")
                try FileManager.default.createDirectory(
                    at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "../../../README.md")
            case .submodule:
                let head = try GitTestSupport.git(repo.work, "rev-parse", "HEAD")
                try FileManager.default.createDirectory(
                    at: repo.work.appendingPathComponent("vendor"), withIntermediateDirectories: true)
                try GitTestSupport.git(repo.work, "update-index", "--add", "--cacheinfo", "160000,\(head),vendor")
            }
        }

        /// What check-pr must say: status, close_recommended, the reason.
        func expected(for actor: Actor) -> (status: String, closes: Bool, reason: String?) {
            if actor == .blocked { return ("blocked", true, "actor_blocked") }
            switch (self, actor) {
            case (.symlink, _), (.submodule, _): return ("blocked", true, "path_admin_only")
            case (.adminFile, .admin): return ("pending", false, "policy_unapproved")
            case (_, .admin): return ("pass", false, nil)
            // Records are judged by their signatures: carol's own record
            // passes whoever carries it.
            case (.ownRecord, .member), (.ownRecord, .bot), (.othersRecord, .member), (.othersRecord, .bot),
                (.request, .member), (.request, .bot):
                return ("pass", false, nil)
            case (.ownRecord, .unknown), (.othersRecord, .unknown), (.request, .unknown):
                return ("blocked", false, "actor_unknown")
            case (.joinRequest, .unknown): return ("pass", false, nil)
            default: return ("blocked", true, "path_admin_only")
            }
        }
    }

    @Test(arguments: Actor.allCases, PathClass.allCases)
    func everyRoleTimesEveryPathClass(_ actor: Actor, _ pathClass: PathClass) throws {
        let repo = try Repo("matrix-\(actor)-\(pathClass)")
        defer { repo.remove() }
        let head = try repo.branch("pr") { try pathClass.apply($0, actor) }
        let (status, report) = try repo.check(head, actor: actor.rawValue)
        let expected = pathClass.expected(for: actor)
        #expect(report["status"] as? String == expected.status, "\(report)")
        #expect(report["close_recommended"] as? Bool == expected.closes, "\(report)")
        let reasons = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        if let reason = expected.reason {
            #expect(reasons.contains(reason), "\(reasons)")
        } else {
            #expect(reasons.isEmpty, "\(reasons)")
        }
        #expect(status == (expected.status == "blocked" ? 1 : 0))
    }

    @Test(arguments: cases)
    func rolesAndPaths(_ item: Case) throws {
        let repo = try Repo("check-\(item.actor)-\(item.name)".filter { $0.isLetter })
        defer { repo.remove() }
        let head = try repo.branch("pr", item.change)
        let (status, report) = try repo.check(head, actor: item.actor)
        #expect(report["status"] as? String == item.status, "\(report)")
        #expect(report["close_recommended"] as? Bool == item.closes, "\(report)")
        let reasons = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        if let reason = item.reason {
            #expect(reasons.contains(reason), "\(reasons)")
        } else {
            #expect(reasons.isEmpty, "\(reasons)")
        }
        #expect(status == (item.status == "blocked" ? 1 : 0))
    }

    /// `writ validate` tells a join request by its path and checks it.
    @Test func validateChecksJoinRequests() throws {
        let repo = try Repo()
        defer { repo.remove() }
        try repo.write("join-requests/dana.toml", Self.joinRequestDana)
        try repo.write("join-requests/erin.toml", Self.joinRequestDana)
        let good = try CLI.run("validate", repo.work.appendingPathComponent("join-requests/dana.toml").path)
        #expect(good.status == 0, "\(good.stdout) \(good.stderr)")
        let misfiled = try CLI.run("validate", repo.work.appendingPathComponent("join-requests/erin.toml").path)
        #expect(misfiled.status == 1)
        #expect((misfiled.stdout + misfiled.stderr).contains("approval_malformed"))
    }

    /// A head that rewrites policy.toml to make its author an admin is
    /// judged by the base's policy.
    @Test func theHeadCannotRewriteTheRulesItIsJudgedBy() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let head = try repo.branch("pr") { repo in
            try repo.write(
                "policy.toml",
                CheckPRTests.policy.replacingOccurrences(
                    of: "admin = [\"alice@example.com\", \"carol@example.com\"]",
                    with: "admin = [\"alice@example.com\", \"carol@example.com\", \"bob@example.com\"]"))
            try repo.write(".github/workflows/x.yml", "on: push\n")
        }
        let (status, report) = try repo.check(head, actor: "bob")
        #expect(status == 1)
        #expect(report["role"] as? String == "member")
        #expect(report["status"] as? String == "blocked" && report["close_recommended"] as? Bool == true)
    }

    /// An admin's governance change passes once the head holds the quorum
    /// of the old and the new policy (two admins, each `replaces` the base).
    @Test func aGovernanceChangeWithItsQuorumPasses() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let newPolicy = withGovernanceVersion(2, CheckPRTests.policy + "\n# v2\n")
        let base = GovernanceDigest.compute(
            policy: Data(CheckPRTests.policy.utf8), allowedSigners: Data(repo.signers.utf8))
        let next = GovernanceDigest.compute(policy: Data(newPolicy.utf8), allowedSigners: Data(repo.signers.utf8))
        let head = try repo.branch("pr") { repo in
            try repo.write("policy.toml", newPolicy)
            for admin in ["alice@example.com", "carol@example.com"] {
                let path = "approvals/_governance/\(next.hex)/\(admin).toml"
                try repo.write(
                    path,
                    """
                    schema = 1
                    governance_digest = "\(next)"
                    replaces = "\(base)"
                    decision = "approve"
                    approver = "\(admin)"
                    created_at = "2026-12-01T10:00:00Z"

                    """)
                try repo.sign(path, as: admin, namespace: "writ-governance")
            }
        }
        let (status, report) = try repo.check(head, actor: "alice")
        #expect(status == 0)
        #expect(report["status"] as? String == "pass", "\(report["findings"] ?? "")")
    }

    /// check-pr reads objects only: refs and objects are unchanged, and a
    /// hostile filter, hook or checkout script in the head never runs.
    @Test func checkPRNeverWritesOrRunsAnythingFromTheHead() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let marker = repo.root.appendingPathComponent("pwned")
        try GitTestSupport.git(repo.work, "config", "filter.evil.smudge", "sh -c 'touch \(marker.path)'")
        try GitTestSupport.git(repo.work, "config", "filter.evil.clean", "sh -c 'touch \(marker.path)'")
        let head = try repo.branch("pr") { repo in
            try repo.write(".gitattributes", "* filter=evil\n")
            try repo.write(".githooks/post-checkout", "#!/bin/sh\ntouch \(marker.path)\n")
            try repo.write("\(Self.folder)/bob@example.com.toml", Self.record("bob@example.com"))
        }
        try? FileManager.default.removeItem(at: marker)
        let refs = try GitTestSupport.git(repo.work, "for-each-ref")
        let objects = try GitTestSupport.git(repo.work, "count-objects", "-v")
        let (status, _) = try repo.check(head, actor: "bob")
        #expect(status == 1)
        #expect(try GitTestSupport.git(repo.work, "for-each-ref") == refs)
        #expect(try GitTestSupport.git(repo.work, "count-objects", "-v") == objects)
        #expect(!FileManager.default.fileExists(atPath: marker.path))
    }
}

/// Forge logins compare as forges compare them: without case, ASCII only.
@Suite struct ForgeLoginTests {
    @Test func loginsFoldWithoutCaseAndLookAlikesAreNoLogins() {
        #expect(ForgeLogin.folded("Mallory") == "mallory")
        #expect(ForgeLogin.folded("writ-dispatch[bot]") == "writ-dispatch[bot]")
        #expect(ForgeLogin.same("Mallory", "mALLORY"))
        // The Kelvin sign lower-cases to "k" in Unicode; no forge login holds it.
        #expect(ForgeLogin.folded("\u{212A}evin") == nil)
        #expect(!ForgeLogin.same("\u{212A}evin", "kevin"))
        for bad in ["", "a b", "a/b", "é", "a\u{200F}"] {
            #expect(ForgeLogin.folded(bad) == nil, "\(bad.debugDescription)")
        }
    }

    /// `Mallory = "blocked"` stops `mallory`; a look-alike of a member's
    /// login is nobody; two keys for one login are a malformed policy.
    @Test func membersAreLookedUpWithoutCase() throws {
        let base = OpsSandbox.demoPolicy.replacingOccurrences(
            of: "[members]\n", with: "[members]\nMallory = \"blocked\"\nKevin = \"bob@example.com\"\n")
        let policy = try Policy.parse(Data(base.utf8))
        #expect(PullRequestCheck.role(of: "mallory", policy: policy).0 == .blocked)
        #expect(PullRequestCheck.role(of: "MALLORY", policy: policy).0 == .blocked)
        #expect(PullRequestCheck.role(of: "ALICE", policy: policy).0 == .admin)
        #expect(PullRequestCheck.role(of: "kevin", policy: policy).0 == .member)
        #expect(PullRequestCheck.role(of: "\u{212A}evin", policy: policy).0 == .unknown)
        let twice = base.replacingOccurrences(of: "[members]\n", with: "[members]\nALICE = \"carol@example.com\"\n")
        #expect { try Policy.parse(Data(twice.utf8)) } throws: { ($0 as? WritError)?.reason == .policyMalformed }
        let lookAlike = base.replacingOccurrences(
            of: "[members]\n", with: "[members]\n\"\u{212A}arl\" = \"carol@example.com\"\n")
        #expect { try Policy.parse(Data(lookAlike.utf8)) } throws: { ($0 as? WritError)?.reason == .policyMalformed }
    }
}
