import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `[transport] mode = "live"` against the fake forge, for GitHub and for
/// Forgejo: each built-in executor creates and then updates (adopting by
/// its marker), failures carry their one reason code and are retried on a
/// later poll, no request ever precedes its projection on the ledger, and
/// the token is nowhere but in the Authorization header.
@Suite(.serialized) struct TransportLiveTests {
    static let token = "forge-token-3b7d19e2a4"
    static let sandbox = "github.com/acme/sandbox"
    static let production = "github.com/acme/prod"

    /// A dispatch fixture whose `triage` (low) kind is `builtin`, a fake
    /// forge, and clones of the sandbox and production repos.
    struct Rig {
        let fixture: DispatchFixture
        let forge: FakeForge
        let builtin: ForgeOperation
        /// `HOST/OWNER/NAME` of the repo writes go to.
        let target: String
        var httpsGit: BackgroundServer?

        init(
            _ flavor: TransportConfig.Forge, _ builtin: ForgeOperation, target: String = TransportLiveTests.sandbox,
            extraTransport: String = "", policy: String = OpsSandbox.demoPolicy, name: String = #function
        ) throws {
            fixture = try DispatchFixture("\(name)-\(flavor)", policy: policy)
            self.builtin = builtin
            forge = try FakeForge(
                flavor, token: TransportLiveTests.token, ledger: fixture.sandbox.ops.repository.gitDirectory,
                in: fixture.directory)
            var target = target
            var transport = extraTransport
            if builtin == .pullRequest {
                // The head branch is pushed to the clone's origin: a real
                // https git server with a test CA, whose HOST is the slug's.
                let served = try Self.servePullRequestRepo(fixture)
                httpsGit = served.server
                target = served.slug
                transport += "\nca_file = \"\(served.caFile)\""
            } else {
                for repo in [TransportLiveTests.sandbox, TransportLiveTests.production] {
                    let clone = fixture.directory.appendingPathComponent("clones/\(repo)")
                    try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
                    try GitTestSupport.git(clone, "init", "-q")
                    let path = repo.split(separator: "/").dropFirst().joined(separator: "/")
                    try GitTestSupport.git(clone, "remote", "add", "origin", "https://github.com/\(path).git")
                }
            }
            self.target = target
            var config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
                .replacingOccurrences(of: "[executors.triage]\n", with: "[executors.triage-shell]\n")
            config += """

                [executors.triage]
                builtin = "\(builtin.rawValue)"
                timeout = "4s"

                [transport]
                mode = "live"
                forge = "\(flavor.rawValue)"
                api_url = "\(forge.apiURL)"
                token_secret = "WRIT_FORGE_TOKEN"
                allow_repos = ["\(target)", "\(TransportLiveTests.production)"]
                sandbox_repos = ["\(target)"]
                \(transport)

                """
            try Data(config.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        }

        /// `acme/sandbox.git` behind the https git server, and its clone
        /// under clone_root with a branch `fix-1` one commit ahead of main.
        static func servePullRequestRepo(_ fixture: DispatchFixture) throws
            -> (server: BackgroundServer, slug: String, caFile: String)
        {
            let root = fixture.directory.appendingPathComponent("served-git")
            let bare = root.appendingPathComponent("acme/sandbox.git")
            try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
            try GitTestSupport.git(bare, "init", "-q", "--bare")
            let ca = try TestCA.make(in: fixture.directory.appendingPathComponent("tls"), name: "forge")
            let server = try PythonServers.https(
                root: root, ca: ca, user: "x-access-token", token: TransportLiveTests.token, readOnlyToken: "read-only",
                in: fixture.directory)
            let slug = "127.0.0.1:\(server.port)/acme/sandbox"
            let clone = fixture.directory.appendingPathComponent("clones/\(slug)")
            try FileManager.default.createDirectory(at: clone, withIntermediateDirectories: true)
            try GitTestSupport.git(clone, "init", "-q", "-b", "main")
            try GitTestSupport.git(clone, "commit", "-q", "--allow-empty", "-m", "base")
            try GitTestSupport.git(clone, "push", "-q", bare.path, "main")
            try GitTestSupport.git(clone, "checkout", "-q", "-b", "fix-1")
            try GitTestSupport.git(clone, "commit", "-q", "--allow-empty", "-m", "the fix")
            try GitTestSupport.git(clone, "checkout", "-q", "main")
            try GitTestSupport.git(
                clone, "remote", "add", "origin", "https://127.0.0.1:\(server.port)/acme/sandbox.git")
            return (server, slug, ca.certificate)
        }

        func propose(_ id: String, _ params: [String: String], key: String? = nil, repo: String? = nil) throws {
            var request = Proposer.Request(kind: "triage", target: Intent.Target(repo: repo ?? target, branch: "main"))
            request.id = try #require(IntentID(id))
            request.summary = "forge write \(id)"
            request.params = params
            request.idempotencyKey = key
            try fixture.sandbox.propose(request, as: "agent-1@example.com")
        }

        func poll(token: String = TransportLiveTests.token) throws -> [String: RunReport.Entry] {
            let report = try fixture.dispatcher(environment: ["PATH": "/usr/bin:/bin", "WRIT_FORGE_TOKEN": token])
                .poll()
            return Dictionary(uniqueKeysWithValues: report.intents.map { ($0.id.rawValue, $0) })
        }

        /// The `OWNER/NAME` of the target in the forge.
        var apiRepo: String { target.split(separator: "/").dropFirst().joined(separator: "/") }

        /// The intent's events on the ledger, as (kind, JSON).
        func events(_ id: String) throws -> [(String, [String: Any])] {
            let ledger = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
            let paths = try GitTestSupport.git(ledger, "ls-tree", "-r", "--name-only", "writ/ledger", "audit/")
                .split(separator: "\n").filter { $0.contains("/\(id)/") }.sorted()
            return try paths.map { path in
                let text = try GitTestSupport.git(ledger, "show", "writ/ledger:\(path)")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                return (object["event"] as? String ?? "", object)
            }
        }

        /// Every write the forge received came after the intent's projection
        /// was on the ledger.
        func expectProjectionsPrecedeWrites(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            for write in try forge.writes() {
                let projections = write["projections"] as? [String] ?? []
                #expect(
                    projections.contains { $0.contains("/\(id)/") },
                    "\(write["method"] ?? "") \(write["path"] ?? "") arrived before \(id)'s projection",
                    sourceLocation: sourceLocation)
            }
        }

        func remove() {
            forge.stop()
            httpsGit?.stop()
            fixture.remove()
        }
    }

    // MARK: Comments

    /// The create's reply is lost (the comment is made, the forge answers
    /// 502): the write fails, and the next poll's retry finds the comment
    /// by its author and marker, past page 1, and makes no second one.
    @Test(arguments: [TransportConfig.Forge.github, .forgejo])
    func commentIsCreatedOnceAndARetryAdoptsIt(flavor: TransportConfig.Forge) throws {
        let rig = try Rig(flavor, .comment)
        defer { rig.remove() }
        try rig.forge.seedComments(rig.apiRepo, issue: 7, count: 120)  // the marker lands past page 1
        try rig.forge.inject([["method": "POST", "path": "/comments$", "status": 502, "after": true]])
        try rig.propose("note-1", ["number": "7", "body": "first"], key: "issue-7-summary")
        let first = try rig.poll()["note-1"]
        #expect(first?.result == .failed && first?.reason == .remoteError, "\(String(describing: first))")
        #expect(try rig.poll()["note-1"]?.result == .succeeded)

        let comments = try #require(try rig.forge.state(rig.apiRepo)["comments"] as? [[String: Any]])
        let ours = comments.filter { ($0["body"] as? String ?? "").contains("<!-- writ ") }
        #expect(ours.count == 1, "\(ours)")
        let body = ours.first?["body"] as? String ?? ""
        #expect(
            body == "first\n\n<!-- writ {\"schema\":1,\"intent\":\"note-1\",\"key\":\"issue-7-summary\"} -->")
        // The outcome names what was written.
        let outcome = try #require(try rig.events("note-1").last { $0.0 == "succeeded" }?.1)
        #expect(outcome["remote_id"] as? String == "\(ours.first?["id"] as? Int ?? -1)")
        #expect((outcome["remote_url"] as? String ?? "").contains("issuecomment"))
        try rig.expectProjectionsPrecedeWrites("note-1")
        #expect(try rig.forge.writes().filter { ($0["method"] as? String) == "POST" }.count == 1)
        #expect(try rig.forge.requests().allSatisfy { $0["authorized"] as? Bool == true })
        #expect(try rig.forge.requests().allSatisfy { ($0["user_agent"] as? String ?? "").hasPrefix("writ/") })
    }

    // MARK: Pull requests

    /// The head is pushed, the pull request made; its reply is lost, and
    /// the retry adopts the pull request writ made (its account, its
    /// repository's head, open, the asked base, the marker).
    @Test(arguments: [TransportConfig.Forge.github, .forgejo])
    func pullRequestCreatedOnceAfterPushingTheHeadAndARetryAdoptsIt(flavor: TransportConfig.Forge) throws {
        let rig = try Rig(flavor, .pullRequest)
        defer { rig.remove() }
        try rig.forge.inject([["method": "POST", "path": "/pulls$", "status": 502, "after": true]])
        let params = ["head": "fix-1", "base": "main", "title": "Fix it", "body": "Why: because."]
        try rig.propose("pr-1", params, key: "fix-1-pr")
        let first = try rig.poll()["pr-1"]
        let firstEvents = try rig.events("pr-1").map(\.1)
        #expect(
            first?.result == .failed && first?.reason == .remoteError, "\(String(describing: first)) \(firstEvents)")
        // The head branch reached the git server, fast-forward.
        let bare = rig.fixture.directory.appendingPathComponent("served-git/acme/sandbox.git")
        let clone = rig.fixture.directory.appendingPathComponent("clones/\(rig.target)")
        #expect(try GitTestSupport.git(bare, "rev-parse", "fix-1") == GitTestSupport.git(clone, "rev-parse", "fix-1"))

        #expect(try rig.poll()["pr-1"]?.result == .succeeded)
        let pulls = try #require(try rig.forge.state(rig.apiRepo)["pulls"] as? [[String: Any]])
        #expect(pulls.count == 1, "\(pulls)")
        #expect(pulls.first?["title"] as? String == "Fix it")
        #expect((pulls.first?["body"] as? String ?? "").contains("\"intent\":\"pr-1\",\"key\":\"fix-1-pr\""))
        let outcome = try #require(try rig.events("pr-1").last { $0.0 == "succeeded" }?.1)
        #expect(outcome["remote_id"] as? String == "1")
        #expect((outcome["remote_url"] as? String ?? "").hasSuffix("/pull/1"))
        // Never a state change: no write carried a state field.
        for write in try rig.forge.writes() {
            #expect((write["body"] as? [String: Any])?["state"] == nil, "\(write)")
        }
        try rig.expectProjectionsPrecedeWrites("pr-1")
    }

    /// The forge lists no pull request, but one exists (a race, or a reply
    /// lost after the create): the 422 on create re-enters adopt.
    @Test func aRaceReported422IsAdopted() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        try rig.forge.inject([["method": "POST", "path": "/pulls$", "status": 502, "after": true]])
        let params = ["head": "fix-1", "base": "main", "title": "Fix it", "body": "first"]
        try rig.propose("pr-1", params, key: "k")
        #expect(try rig.poll()["pr-1"]?.result == .failed)
        // The next list comes back empty once, as if the PR were not there yet.
        try rig.forge.inject([["method": "GET", "path": "/pulls$", "status": 200, "body": [] as [Any]]])
        #expect(try rig.poll()["pr-1"]?.result == .succeeded)
        let pulls = try #require(try rig.forge.state(rig.apiRepo)["pulls"] as? [[String: Any]])
        #expect(pulls.count == 1)
        #expect((pulls.first?["body"] as? String ?? "").hasPrefix("first"))
        let outcome = try #require(try rig.events("pr-1").last { $0.0 == "succeeded" }?.1)
        #expect(outcome["remote_id"] as? String == "1")
        let methods = try rig.forge.writes().map { "\($0["method"] ?? "") \($0["path"] ?? "")" }
        #expect(methods.filter { $0.hasPrefix("POST") && $0.hasSuffix("/pulls") }.count == 2, "\(methods)")
    }

    /// A dispatcher killed between the request and its outcome: the claim
    /// goes in doubt, the re-run adopts the pull request it made, and there
    /// is still exactly one.
    @Test func aCrashBetweenRequestAndOutcomeNeverMakesASecondPullRequest() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        let config = try String(contentsOfFile: rig.fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "claim_lease = \"30m\"", with: "claim_lease = \"1s\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: rig.fixture.configPath))
        // The create is answered only after a while: time to kill the dispatcher.
        try rig.forge.inject([["method": "POST", "path": "/pulls$", "delay": 2]])
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"], key: "k")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "-i", "PATH=/usr/bin:/bin", "HOME=/root", "WRIT_FORGE_TOKEN=\(Self.token)", CLI.binary, "dispatch",
            "--config", rig.fixture.configPath, "--once",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline,
            try !rig.forge.writes().contains(where: { ($0["path"] as? String ?? "").hasSuffix("/pulls") })
        {
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        sleep(3)  // the forge finishes the create; the lease runs out
        #expect(try !rig.events("pr-1").contains { $0.0 == "succeeded" })
        // In doubt, then retried: built-ins are idempotent by their marker.
        _ = try rig.poll()
        let entry = try rig.poll()["pr-1"]
        let kinds = try rig.events("pr-1").map(\.0)
        #expect(entry?.result == .succeeded, "\(String(describing: entry)) \(kinds)")
        let pulls = try #require(try rig.forge.state(rig.apiRepo)["pulls"] as? [[String: Any]])
        #expect(pulls.count == 1, "\(pulls)")
    }

    /// With the ops repo behind a remote, the projection the forge finds
    /// before each write is on the remote's ledger, not only the clone's.
    @Test func theProjectionIsOnTheRemoteLedgerBeforeTheRequest() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.propose("note-1", ["number": "9", "body": "hello"])
        let lanes = try RemoteLanes(rig.fixture)
        let config = try lanes.lane(0, url: lanes.remote.path, remoteTable: "")
        let forge = try FakeForge(.github, token: Self.token, ledger: lanes.remote.path, in: rig.fixture.directory)
        defer { forge.stop() }
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: rig.forge.apiURL, with: forge.apiURL)
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
        let run = try IsolatedCLI.run(
            ["dispatch", "--config", config, "--once"], environment: ["WRIT_FORGE_TOKEN": Self.token])
        #expect(run.status == 0, "\(run.stderr)")
        let writes = try forge.writes()
        #expect(writes.count == 1)
        for write in writes {
            #expect((write["projections"] as? [String] ?? []).contains { $0.contains("/note-1/") }, "\(write)")
        }
    }

    // MARK: Adoption: only what writ itself made

    /// A stranger's fork opens a pull request from a branch of the same
    /// name, its body carrying a copy of the marker: it is not writ's, so
    /// writ opens its own and leaves the stranger's alone.
    @Test func aStrangersForkPullRequestWithTheSameHeadIsNotAdopted() throws {
        let rig = try Rig(.forgejo, .pullRequest)
        defer { rig.remove() }
        let forged = ForgeWriter.marked("take me", intent: try #require(IntentID("pr-1")), key: "fix-1-pr")
        let stranger = try rig.forge.seedPullRequest(
            rig.apiRepo, head: "fix-1", body: forged, user: "stranger", userID: 66, headRepo: "stranger/sandbox")
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"], key: "fix-1-pr")
        let entry = try rig.poll()["pr-1"]
        #expect(entry?.result == .succeeded, "\(String(describing: entry))")
        let pulls = try #require(try rig.forge.state(rig.apiRepo)["pulls"] as? [[String: Any]])
        #expect(pulls.count == 2, "\(pulls)")
        let theirs = try #require(pulls.first { $0["number"] as? Int == stranger })
        #expect(theirs["body"] as? String == forged && theirs["title"] as? String == "seeded")
        let outcome = try #require(try rig.events("pr-1").last { $0.0 == "succeeded" }?.1)
        #expect(outcome["remote_id"] as? String == "\(stranger + 1)")
        #expect(try !rig.forge.writes().contains { ($0["method"] as? String) == "PATCH" })
    }

    /// Anyone can write a comment holding writ's marker for an intent:
    /// a comment by another account is never edited.
    @Test func aCommentWithAForgedMarkerByAnotherAccountIsNotEdited() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        let forged = ForgeWriter.marked("mallory's", intent: try #require(IntentID("note-1")), key: "note-1")
        try rig.forge.seedComment(rig.apiRepo, issue: 7, body: forged, user: "mallory")
        try rig.propose("note-1", ["number": "7", "body": "the reviewed text"])
        #expect(try rig.poll()["note-1"]?.result == .succeeded)
        let comments = try #require(try rig.forge.state(rig.apiRepo)["comments"] as? [[String: Any]])
        #expect(comments.count == 2, "\(comments)")
        #expect(comments.contains { $0["body"] as? String == forged })
        #expect(comments.contains { ($0["body"] as? String ?? "").hasPrefix("the reviewed text\n\n<!-- writ ") })
        #expect(try !rig.forge.writes().contains { ($0["method"] as? String) == "PATCH" })
    }

    /// A closed pull request of writ's own, marker and all, is not taken
    /// back: a new one is opened into the asked base.
    @Test func aClosedPullRequestIsNotAdopted() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        let body = ForgeWriter.marked("b", intent: try #require(IntentID("pr-1")), key: "k")
        let closed = try rig.forge.seedPullRequest(rig.apiRepo, head: "fix-1", state: "closed", body: body, userID: 7)
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"], key: "k")
        #expect(try rig.poll()["pr-1"]?.result == .succeeded)
        let pulls = try #require(try rig.forge.state(rig.apiRepo)["pulls"] as? [[String: Any]])
        let open = pulls.filter { $0["state"] as? String == "open" }
        #expect(open.count == 1 && open.first?["number"] as? Int != closed, "\(pulls)")
        #expect((open.first?["base"] as? [String: Any])?["ref"] as? String == "main")
        let outcome = try #require(try rig.events("pr-1").last { $0.0 == "succeeded" }?.1)
        #expect(outcome["remote_id"] as? String == "\(closed + 1)")
    }

    /// A pull request of writ's own from the same head into another base is
    /// not the one asked for: a new one into the asked base is opened.
    @Test func aPullRequestIntoAnotherBaseIsNotAdopted() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        let body = ForgeWriter.marked("b", intent: try #require(IntentID("pr-1")), key: "k")
        let other = try rig.forge.seedPullRequest(rig.apiRepo, head: "fix-1", base: "release", body: body, userID: 7)
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"], key: "k")
        #expect(try rig.poll()["pr-1"]?.result == .succeeded)
        let pulls = try #require(try rig.forge.state(rig.apiRepo)["pulls"] as? [[String: Any]])
        #expect(pulls.count == 2, "\(pulls)")
        let mine = try #require(pulls.first { $0["number"] as? Int != other })
        #expect((mine["base"] as? [String: Any])?["ref"] as? String == "main")
        #expect(try !rig.forge.writes().contains { ($0["method"] as? String) == "PATCH" })
    }

    /// A pull request without the marker is never adopted, not even as "the
    /// first one" for the head; when it holds the head and base (the forge
    /// answers 422), the write fails closed and leaves it alone.
    @Test func aPullRequestWithoutTheMarkerIsNeverAdopted() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        let theirs = try rig.forge.seedPullRequest(rig.apiRepo, head: "fix-1", body: "someone's own", userID: 7)
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"], key: "k")
        let entry = try rig.poll()["pr-1"]
        #expect(entry?.result == .failed && entry?.reason == .remoteMismatch, "\(String(describing: entry))")
        let failed = try #require(try rig.events("pr-1").last { $0.0 == "failed" }?.1)
        let tail = failed["stderr_tail"] as? String ?? ""
        #expect(tail.contains("never adopts") && tail.contains("A pull request already exists"), "\(failed)")
        let pulls = try #require(try rig.forge.state(rig.apiRepo)["pulls"] as? [[String: Any]])
        #expect(pulls.count == 1 && pulls.first?["number"] as? Int == theirs)
        #expect(pulls.first?["body"] as? String == "someone's own")
        #expect(try !rig.forge.writes().contains { ($0["method"] as? String) == "PATCH" })
    }

    /// A key belongs to the first intent on the ledger that used it: a
    /// later intent with the same key (here proposed second but deciding
    /// first, its id sorting before) is `intent_malformed` and sends
    /// nothing, so it cannot rewrite what the first one wrote.
    @Test func aSecondIntentReusingAnIdempotencyKeyIsMalformed() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.propose("note-b", ["number": "7", "body": "reviewed"], key: "shared")
        try rig.propose("note-a", ["number": "7", "body": "rewritten"], key: "shared")
        let entries = try rig.poll()
        #expect(entries["note-b"]?.result == .succeeded)
        #expect(entries["note-a"]?.result == .blocked && entries["note-a"]?.reason == .intentMalformed)
        let blocked = try #require(try rig.events("note-a").last { $0.0 == "blocked" }?.1)
        #expect(blocked["reason"] as? String == "intent_malformed")
        #expect((blocked["detail"] as? String ?? "").contains("bound to note-b"), "\(blocked)")
        #expect(try !rig.events("note-a").contains { $0.0 == "claimed" || $0.0 == "projection" })
        let comments = try #require(try rig.forge.state(rig.apiRepo)["comments"] as? [[String: Any]])
        #expect(comments.count == 1 && (comments.first?["body"] as? String ?? "").hasPrefix("reviewed"))
        // Later polls (the binding read back from the state dir) never run it.
        _ = try rig.poll()
        #expect(try !rig.events("note-a").contains { $0.0 == "claimed" })
        #expect(try rig.forge.writes().filter { ($0["method"] as? String) == "POST" }.count == 1)
    }

    // MARK: Protected heads

    /// A pull request whose head is the repository's default branch (the
    /// forge says which) would push the clone's unreviewed commits onto it:
    /// refused with `forbidden_operation` before anything is pushed.
    @Test(arguments: [TransportConfig.Forge.github, .forgejo])
    func aHeadThatIsTheDefaultBranchIsForbiddenBeforeAnyPush(flavor: TransportConfig.Forge) throws {
        let rig = try Rig(flavor, .pullRequest)
        defer { rig.remove() }
        try rig.forge.setDefaultBranch(rig.apiRepo, "fix-1")
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"])
        let entry = try rig.poll()["pr-1"]
        #expect(entry?.result == .failed && entry?.reason == .forbiddenOperation, "\(String(describing: entry))")
        let failed = try #require(try rig.events("pr-1").last { $0.0 == "failed" }?.1)
        #expect(failed["reason"] as? String == "forbidden_operation")
        #expect((failed["stderr_tail"] as? String ?? "").contains("default branch"), "\(failed)")
        let bare = rig.fixture.directory.appendingPathComponent("served-git/acme/sandbox.git")
        let refs = try GitTestSupport.git(bare, "for-each-ref", "--format=%(refname)")
        #expect(refs == "refs/heads/main", "nothing pushed: \(refs)")
        #expect(try rig.forge.writes().isEmpty)
    }

    /// The head-branch push gets what is left of the forge write's deadline
    /// (the executor's timeout), not a remote timeout of its own: against
    /// a git server that accepts and never answers, the write fails with
    /// `timeout`, abandoned within the executor's 4 s, and nothing is
    /// written to the forge.
    @Test func aHeadBranchPushToASilentServerEndsAtTheWritesDeadline() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        let silent = try PythonServers.silent(in: rig.fixture.directory)
        defer { silent.stop() }
        // The same repository, bound to the silent server's host.
        let slug = "127.0.0.1:\(silent.port)/acme/sandbox"
        let clones = rig.fixture.directory.appendingPathComponent("clones")
        let clone = clones.appendingPathComponent(slug)
        try FileManager.default.createDirectory(
            at: clone.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: clones.appendingPathComponent(rig.target), to: clone)
        try GitTestSupport.git(
            clone, "remote", "set-url", "origin", "https://127.0.0.1:\(silent.port)/acme/sandbox.git")
        let config = try String(contentsOfFile: rig.fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "\"\(rig.target)\"", with: "\"\(slug)\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: rig.fixture.configPath))
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"], repo: slug)

        // The helper process is what can abandon a server that never answers.
        var dispatcher = try rig.fixture.dispatcher(
            environment: ["PATH": "/usr/bin:/bin", "WRIT_FORGE_TOKEN": TransportLiveTests.token])
        dispatcher.remoteHelper = CLI.binary
        let entry = try dispatcher.poll().intents.first { $0.id.rawValue == "pr-1" }
        #expect(entry?.result == .failed && entry?.reason == .timeout, "\(String(describing: entry))")
        let failed = try #require(try rig.events("pr-1").last { $0.0 == "failed" }?.1)
        #expect(failed["reason"] as? String == "timeout")
        // The time the push was given, as its message states it: the share
        // of the executor's 4 s left when the push began.
        let tail = failed["stderr_tail"] as? String ?? ""
        let stated = tail.range(of: #"within [0-9.]+s"#, options: .regularExpression).flatMap {
            Double(tail[$0].dropFirst("within ".count).dropLast())
        }
        #expect(stated.map { $0 > 0 && $0 <= 4 } == true, "\(tail)")
        #expect(try rig.forge.writes().isEmpty)
    }

    /// `head` = `base` is refused before the claim, with the same code.
    @Test func aHeadThatIsTheBaseIsForbidden() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        try rig.propose("pr-1", ["head": "main", "base": "main", "title": "Fix it", "body": "b"])
        let entry = try rig.poll()["pr-1"]
        #expect(entry?.result == .blocked && entry?.reason == .forbiddenOperation, "\(String(describing: entry))")
        let bare = rig.fixture.directory.appendingPathComponent("served-git/acme/sandbox.git")
        #expect(try GitTestSupport.git(bare, "for-each-ref", "--format=%(refname)") == "refs/heads/main")
        #expect(try !rig.events("pr-1").contains { $0.0 == "claimed" })
        #expect(try rig.forge.requests().isEmpty)
    }

    // MARK: Labels and statuses

    @Test(arguments: [TransportConfig.Forge.github, .forgejo])
    func labelsAreAddedAndRemoved(flavor: TransportConfig.Forge) throws {
        let rig = try Rig(flavor, .label)
        defer { rig.remove() }
        try rig.propose("label-1", ["number": "3", "add": "bug, triage", "remove": ""])
        #expect(try rig.poll()["label-1"]?.result == .succeeded)
        try rig.propose("label-2", ["number": "3", "add": "ready", "remove": "triage"])
        #expect(try rig.poll()["label-2"]?.result == .succeeded)
        let labels = try #require(try rig.forge.state(rig.apiRepo)["issue_labels"] as? [String: [String]])
        #expect(labels["3"] == ["bug", "ready"])
        try rig.expectProjectionsPrecedeWrites("label-1")
    }

    /// A label named `.` or `..` would be a dot segment in the DELETE's
    /// URL path (another endpoint): refused as `intent_malformed` before
    /// anything is claimed or sent.
    @Test(arguments: [".", ".."])
    func aDotLabelIsMalformedAndNeverSent(label: String) throws {
        let rig = try Rig(.github, .label)
        defer { rig.remove() }
        try rig.propose("label-dots", ["number": "3", "add": "", "remove": label])
        let entry = try rig.poll()["label-dots"]
        #expect(entry?.result == .blocked && entry?.reason == .intentMalformed, "\(String(describing: entry))")
        #expect(try !rig.events("label-dots").contains { $0.0 == "claimed" })
        #expect(try rig.forge.requests().isEmpty)
    }

    @Test(arguments: [TransportConfig.Forge.github, .forgejo])
    func aCommitStatusIsSet(flavor: TransportConfig.Forge) throws {
        let rig = try Rig(flavor, .status)
        defer { rig.remove() }
        let sha = String(repeating: "ab", count: 20)
        try rig.propose(
            "status-1",
            ["sha": sha, "state": "success", "context": "writ/review", "description": "approved", "target_url": ""])
        #expect(try rig.poll()["status-1"]?.result == .succeeded)
        let statuses = try #require(try rig.forge.state(rig.apiRepo)["statuses"] as? [[String: Any]])
        #expect(statuses.count == 1)
        #expect(statuses.first?["state"] as? String == "success")
        #expect(statuses.first?["sha"] as? String == sha)
    }

    // MARK: Failures: one reason each, nothing recorded as success, retried later

    @Test(arguments: [
        (401, [String: String](), ReasonCode.authInsufficient),
        (403, [:], .authInsufficient),
        (429, ["Retry-After": "30"], .rateLimited),
        (403, ["x-ratelimit-remaining": "0"], .rateLimited),
        (500, [:], .remoteError),
        (502, [:], .remoteError),
    ])
    func aRefusedWriteFailsWithItsReasonAndIsRetried(status: Int, headers: [String: String], reason: ReasonCode)
        throws
    {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.forge.inject([["method": "POST", "path": "/comments$", "status": status, "headers": headers]])
        try rig.propose("note-1", ["number": "7", "body": "hello"])
        let first = try rig.poll()["note-1"]
        #expect(first?.result == .failed)
        #expect(first?.reason == reason)
        let failed = try #require(try rig.events("note-1").last { $0.0 == "failed" }?.1)
        #expect(failed["reason"] as? String == reason.rawValue)
        #expect(try !rig.events("note-1").contains { $0.0 == "succeeded" })
        // The next poll tries again through the adopt flow, and succeeds.
        #expect(try rig.poll()["note-1"]?.result == .succeeded)
        let comments = try #require(try rig.forge.state(rig.apiRepo)["comments"] as? [[String: Any]])
        #expect(comments.count == 1)
        let kinds = try rig.events("note-1").map(\.0)
        #expect(kinds.filter { $0 == "claimed" }.count == 2, "\(kinds)")
        #expect(kinds.filter { $0 == "projection" }.count == 2, "\(kinds)")
    }

    /// A forge reply that echoes the token (an error message quoting the
    /// request) reaches the `failed` event redacted and capped, never whole.
    @Test func aForgeReplyEchoingTheTokenIsRedactedInTheEvent() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.forge.inject([
            [
                "method": "POST", "path": "/comments$", "status": 500,
                "body": ["message": "internal error for Authorization: Bearer \(Self.token) at /repos/x"],
            ]
        ])
        try rig.propose("note-echo", ["number": "7", "body": "hello"])
        #expect(try rig.poll()["note-echo"]?.result == .failed)
        let failed = try #require(try rig.events("note-echo").last { $0.0 == "failed" }?.1)
        let tail = failed["stderr_tail"] as? String ?? ""
        #expect(tail.contains("internal error for Authorization: Bearer"), "\(tail)")
        #expect(!tail.contains(Self.token), "the token reached the ledger: \(tail)")
        let ledger = URL(fileURLWithPath: rig.fixture.sandbox.ops.repository.gitDirectory)
        let everything = try GitTestSupport.git(ledger, "log", "-p", "writ/ledger")
        #expect(!everything.contains(Self.token))
    }

    /// A reply body over the cap is abandoned while it streams in, and the
    /// write fails with `remote_error` (the fake forge streams it; writ
    /// never holds it).
    @Test func aReplyLargerThanTheCapIsRemoteError() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.forge.inject([["method": "GET", "path": "/comments$", "size": ForgeHTTP.maximumBodySize + 4096]])
        try rig.propose("note-big", ["number": "7", "body": "hello"])
        let entry = try rig.poll()["note-big"]
        #expect(entry?.result == .failed && entry?.reason == .remoteError, "\(String(describing: entry))")
        let failed = try #require(try rig.events("note-big").last { $0.0 == "failed" }?.1)
        #expect((failed["stderr_tail"] as? String ?? "").contains("larger than 4 MiB"), "\(failed)")
        #expect(try !rig.forge.writes().contains { ($0["method"] as? String) == "POST" })
    }

    /// Pages each under the cap add up to no more than the list cap: a
    /// forge that keeps sending big pages is abandoned after a few, not 50.
    @Test func aListOfManyBigPagesIsCappedAsAWhole() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        let next = "<http://127.0.0.1:{port}/repos/acme/sandbox/issues/7/comments?page=2>; rel=\"next\""
        try rig.forge.inject([
            [
                "method": "GET", "path": "/comments$", "size": ForgeHTTP.maximumBodySize - 4096, "times": 50,
                "headers": ["Link": next],
            ]
        ])
        try rig.propose("note-pages", ["number": "7", "body": "hello"])
        let entry = try rig.poll()["note-pages"]
        #expect(entry?.result == .failed && entry?.reason == .remoteError, "\(String(describing: entry))")
        let failed = try #require(try rig.events("note-pages").last { $0.0 == "failed" }?.1)
        #expect((failed["stderr_tail"] as? String ?? "").contains("ran past 16 MiB"), "\(failed)")
        let pages = try rig.forge.requests().filter { ($0["path"] as? String ?? "").hasSuffix("/comments") }
        #expect(pages.count == 5, "\(pages.count) pages read")
    }

    /// Forge text in an error (the message of a refusal, which may echo the
    /// token or pieces of it, and be of any length) is redacted and capped
    /// where the client makes the error, so no message built from it, in an
    /// event, a report or a log, holds the token.
    @Test func forgeTextInAnErrorIsRedactedAndCappedAtTheClient() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        let echo = "denied for Bearer \(Self.token); piece \(Self.token.prefix(9))|\(Self.token.dropFirst(9)) "
        try rig.forge.inject([
            [
                "method": "GET", "path": "/user$", "status": 403,
                "body": ["message": echo + String(repeating: "x", count: 20_000)],
            ]
        ])
        var transport = TransportConfig()
        transport.apiURL = rig.forge.apiURL
        let client = try ForgeClient(transport: transport, token: Self.token, timeout: .seconds(20))
        let error = try #require(throws: ForgeError.self) { try client.account() }.failure
        #expect(error.reason == .authInsufficient)
        #expect(error.detail.contains("denied for Bearer"), "\(error.detail)")
        #expect(
            !error.detail.contains(Self.token) && !error.detail.contains(Self.token.dropFirst(9)), "\(error.detail)")
        #expect(error.detail.count < 1_000, "\(error.detail.count) characters")

        // Through the dispatcher, as a CLI run: not in the ledger, the state
        // dir (reports, journal) or the output and log.
        try rig.forge.inject([
            ["method": "GET", "path": "/user$", "status": 500, "body": ["message": echo], "times": 5]
        ])
        try rig.propose("note-echo", ["number": "7", "body": "hello"])
        let run = try IsolatedCLI.run(
            ["dispatch", "--config", rig.fixture.configPath, "--once", "--json"],
            environment: ["WRIT_FORGE_TOKEN": Self.token])
        let failed = try #require(try rig.events("note-echo").last { $0.0 == "failed" }?.1, "\(run.stderr)")
        #expect(failed["reason"] as? String == "remote_error")
        #expect(!run.stdout.contains(Self.token) && !run.stderr.contains(Self.token))
        let grep = try GitTestSupport.run(
            "/bin/grep", ["-r", "-a", "-l", "-F", String(Self.token.dropFirst(9)), rig.fixture.directory.path])
        let hits = grep.stdout.split(separator: "\n").filter { !$0.contains("forge-") }  // the forge's own log
        #expect(hits.isEmpty, "the token is in \(hits)")
    }

    @Test func aWrongTokenIsAuthInsufficient() throws {
        let rig = try Rig(.forgejo, .comment)
        defer { rig.remove() }
        try rig.propose("note-1", ["number": "7", "body": "hello"])
        let entry = try rig.poll(token: "not-the-token")["note-1"]
        #expect(entry?.result == .failed && entry?.reason == .authInsufficient)
    }

    @Test func aHungForgeIsATimeout() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.forge.inject([["method": "GET", "path": "/comments$", "hang": true]])
        try rig.propose("note-1", ["number": "7", "body": "hello"])
        let entry = try rig.poll()["note-1"]
        #expect(entry?.reason == .timeout, "\(String(describing: entry))")
    }

    /// One request of a write that never answers, wherever it falls (asking
    /// who the token is, listing, or the write itself after the others
    /// answered), is `timeout`: each request's deadline is what is left of
    /// the executor's timeout, and the write ends with it.
    @Test(arguments: [("GET", "/user$"), ("GET", "/comments$"), ("POST", "/comments$")])
    func anyOneHungRequestIsATimeout(method: String, path: String) throws {
        let rig = try Rig(.forgejo, .comment)
        defer { rig.remove() }
        try rig.forge.inject([["method": method, "path": path, "hang": true]])
        try rig.propose("note-1", ["number": "7", "body": "hello"])
        let entry = try rig.poll()["note-1"]
        #expect(entry?.result == .failed && entry?.reason == .timeout, "\(String(describing: entry))")
        let failed = try #require(try rig.events("note-1").last { $0.0 == "failed" }?.1)
        #expect(failed["reason"] as? String == "timeout")
        let requests = try rig.forge.requests().map { "\($0["method"] ?? "") \($0["path"] ?? "")" }
        #expect(
            requests.last.map { $0.hasPrefix(method) && $0.range(of: path, options: .regularExpression) != nil }
                == true, "\(requests)")
    }

    /// The head-branch push is part of the same write: a forge that never
    /// says which branch is the default one times the write out before
    /// anything is pushed.
    @Test func aHungRequestBeforeThePushIsATimeoutAndNothingIsPushed() throws {
        let rig = try Rig(.github, .pullRequest)
        defer { rig.remove() }
        try rig.forge.inject([["method": "GET", "path": "/repos/acme/sandbox$", "hang": true]])
        try rig.propose("pr-1", ["head": "fix-1", "base": "main", "title": "Fix it", "body": "b"])
        let entry = try rig.poll()["pr-1"]
        #expect(entry?.result == .failed && entry?.reason == .timeout, "\(String(describing: entry))")
        let bare = rig.fixture.directory.appendingPathComponent("served-git/acme/sandbox.git")
        #expect(try GitTestSupport.git(bare, "for-each-ref", "--format=%(refname)") == "refs/heads/main")
    }

    @Test func aMalformedReplyIsRemoteError() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.forge.inject([["method": "GET", "path": "/comments$", "status": 200, "body": ["not": "a list"]]])
        try rig.propose("note-1", ["number": "7", "body": "hello"])
        #expect(try rig.poll()["note-1"]?.reason == .remoteError)
    }

    // MARK: Approval PRs on the ops repo's forge

    /// 3 medium and 1 high intent waiting: over 5 polls each gets exactly
    /// one pull request and one notification; a poll that crashed before
    /// saving what it did duplicates neither; a settled one gets its final
    /// comment.
    @Test func approvalPullRequestsAreOpenedOnceAndClosedOutWithAComment() throws {
        let rig = try Rig(
            .github, .comment,
            extraTransport: "approval_prs = true\nops_repo_slug = \"github.com/acme/ops\"\n"
                + "sandbox_repos = [\"\(Self.sandbox)\", \"github.com/acme/ops\"]")
        defer { rig.remove() }
        // The rig's sandbox_repos line is replaced by the one above.
        let config = try String(contentsOfFile: rig.fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "sandbox_repos = [\"\(Self.sandbox)\"]\n", with: "")
        try Data(config.utf8).write(to: URL(fileURLWithPath: rig.fixture.configPath))
        for index in 1...3 {
            try rig.fixture.sandbox.propose(
                try rig.fixture.request("dev", "change-\(index)"), as: "agent-1@example.com")
        }
        try rig.fixture.sandbox.propose(try rig.fixture.request("release", "release-1"), as: "agent-1@example.com")
        for _ in 1...5 { _ = try rig.poll() }

        func opsState() throws -> (pulls: [[String: Any]], comments: [[String: Any]]) {
            let state = try rig.forge.state("acme/ops")
            return (state["pulls"] as? [[String: Any]] ?? [], state["comments"] as? [[String: Any]] ?? [])
        }
        var (pulls, comments) = try opsState()
        #expect(pulls.count == 4, "\(pulls.map { $0["head"] ?? "" })")
        #expect(Set(pulls.compactMap { ($0["head"] as? [String: Any])?["ref"] as? String }).count == 4)
        #expect(pulls.allSatisfy { ($0["base"] as? [String: Any])?["ref"] as? String == "main" })
        #expect(comments.count == 4)
        #expect(comments.filter { ($0["body"] as? String ?? "").hasPrefix("pending async review") }.count == 3)
        #expect(
            comments.filter { ($0["body"] as? String ?? "").hasPrefix("blocked until 2 admin approvals") }.count == 1)
        let release = try #require(
            pulls.first { ($0["head"] as? [String: Any])?["ref"] as? String == "approval/release-1" })
        let body = release["body"] as? String ?? ""
        #expect(body.contains("writ approve release-1 --push") && body.contains("Approvals: 0 of 2"), "\(body)")

        // A crash before the state was saved: the markers find everything again.
        try FileManager.default.removeItem(
            at: rig.fixture.directory.appendingPathComponent("state/default/approval-prs.json"))
        _ = try rig.poll()
        (pulls, comments) = try opsState()
        #expect(pulls.count == 4 && comments.count == 4, "\(pulls.count) pulls, \(comments.count) comments")

        // One medium intent is approved, runs, and its PR gets the final comment.
        try rig.fixture.sandbox.approve(try #require(IntentID("change-1")), as: "bob@example.com")
        #expect(try rig.poll()["change-1"]?.result == .succeeded)
        _ = try rig.poll()
        _ = try rig.poll()
        (pulls, comments) = try opsState()
        let change = try #require(
            pulls.first { ($0["head"] as? [String: Any])?["ref"] as? String == "approval/change-1" })
        let finals = comments.filter {
            ($0["issue"] as? Int) == (change["number"] as? Int) && ($0["body"] as? String ?? "").contains("succeeded")
        }
        #expect(finals.count == 1, "\(comments)")
        #expect(pulls.allSatisfy { ($0["state"] as? String) == "open" }, "writ never closes or merges")
    }

    /// A tier with a `require` group (SPEC §4.6), through the dispatcher:
    /// the body shows the group unmet with who may still fill it; a
    /// record signed on the branch that fills it makes it ready to merge.
    @Test func anApprovalPullRequestShowsEachRequireGroup() throws {
        let rig = try Rig(
            .github, .comment,
            extraTransport: "approval_prs = true\nops_repo_slug = \"github.com/acme/ops\"\n"
                + "sandbox_repos = [\"\(Self.sandbox)\", \"github.com/acme/ops\"]", policy: ShowGoldenTests.groupPolicy)
        defer { rig.remove() }
        let config = try String(contentsOfFile: rig.fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "sandbox_repos = [\"\(Self.sandbox)\"]\n", with: "")
        try Data(config.utf8).write(to: URL(fileURLWithPath: rig.fixture.configPath))
        let id = try #require(IntentID("release-1"))
        try rig.fixture.sandbox.propose(try rig.fixture.request("release", "release-1"), as: "agent-1@example.com")
        try rig.fixture.sandbox.approve(id, as: "alice@example.com")
        _ = try rig.poll()
        func body() throws -> String {
            let pulls = try rig.forge.state("acme/ops")["pulls"] as? [[String: Any]] ?? []
            let pull = pulls.first { ($0["head"] as? [String: Any])?["ref"] as? String == "approval/release-1" }
            return pull?["body"] as? String ?? ""
        }
        var text = try body()
        #expect(text.contains("Approvals: 1 of 1 counted"), "\(text)")
        #expect(
            text.contains(
                "- group 1 of 1, 1 of &#91;security&#93;: **not met**; counted: none; signed on the branch: none; "
                    + "may still approve: <code>bob&#64;example&#46;com</code> (forge login <code>bob</code>)"),
            "\(text)")
        #expect(!text.contains("ready to merge"), "\(text)")

        // bob signs on the approval branch, not merged: it would fill the group.
        try rig.fixture.sandbox.approve(id, as: "bob@example.com", merge: false)
        _ = try rig.poll()
        text = try body()
        #expect(
            text.contains(
                "**not met**; counted: none; signed on the branch: <code>bob&#64;example&#46;com</code>; "
                    + "may still approve: none"), "\(text)")
        #expect(text.contains("signed, ready to merge**"), "\(text)")
    }

    /// A withdrawn intent's approval PR gets its final comment like a run's
    /// (SPEC §4.8): who withdrew it and the note, escaped; it never runs.
    @Test func aWithdrawnIntentsApprovalPullRequestGetsItsFinalComment() throws {
        let rig = try Rig(
            .github, .comment,
            extraTransport: "approval_prs = true\nops_repo_slug = \"github.com/acme/ops\"\n"
                + "sandbox_repos = [\"\(Self.sandbox)\", \"github.com/acme/ops\"]")
        defer { rig.remove() }
        let config = try String(contentsOfFile: rig.fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "sandbox_repos = [\"\(Self.sandbox)\"]\n", with: "")
        try Data(config.utf8).write(to: URL(fileURLWithPath: rig.fixture.configPath))
        try rig.fixture.sandbox.propose(try rig.fixture.request("dev", "change-1"), as: "agent-1@example.com")
        _ = try rig.poll()
        func comments() throws -> [String] {
            (try rig.forge.state("acme/ops")["comments"] as? [[String: Any]] ?? []).compactMap { $0["body"] as? String }
        }
        #expect(try comments().count == 1, "the notice")

        let note = "wrong *target* @team"
        try OperatorEvents(ops: rig.fixture.sandbox.ops).withdraw(
            try #require(IntentID("change-1")), note: note, as: try rig.fixture.sandbox.identity("agent-1@example.com"),
            now: Date())
        _ = try rig.poll()
        _ = try rig.poll()
        let all = try comments()
        let finals = all.filter { $0.contains("**withdrawn**") }
        #expect(finals.count == 1, "\(all)")
        let final = try #require(finals.first)
        #expect(final.contains("by \(UntrustedText.markdownCode("agent-1@example.com"))"), "\(final)")
        #expect(final.contains(UntrustedText.markdown(note)), "\(final)")
        #expect(!final.contains("*target*") && !final.contains("@team"), "the note is escaped: \(final)")
        #expect(rig.fixture.runs().isEmpty)
        // Once: a later poll adds nothing.
        _ = try rig.poll()
        #expect(try comments().filter { $0.contains("**withdrawn**") }.count == 1)
    }

    /// The approval PR body follows the branch: two admins sign on
    /// `approval/<id>` without merging and the body says "2 of 2 signed,
    /// ready to merge" with the proposer and expiry; once merged and run,
    /// the final comment names the run that executed it, not a later poll's.
    @Test func approvalPullRequestBodyFollowsTheBranchAndTheFinalCommentNamesTheExecutingRun() throws {
        let rig = try Rig(
            .github, .comment,
            extraTransport: "approval_prs = true\nops_repo_slug = \"github.com/acme/ops\"\n"
                + "sandbox_repos = [\"\(Self.sandbox)\", \"github.com/acme/ops\"]")
        defer { rig.remove() }
        let config = try String(contentsOfFile: rig.fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "sandbox_repos = [\"\(Self.sandbox)\"]\n", with: "")
        try Data(config.utf8).write(to: URL(fileURLWithPath: rig.fixture.configPath))
        var request = try rig.fixture.request("release", "release-1")
        request.expiresAt = try #require(Timestamp(rfc3339: "2099-01-01T00:00:00Z"))
        try rig.fixture.sandbox.propose(request, as: "agent-1@example.com")
        let id = try #require(IntentID("release-1"))

        func body() throws -> String {
            let pulls = try rig.forge.state("acme/ops")["pulls"] as? [[String: Any]] ?? []
            #expect(pulls.count == 1)
            return pulls.first?["body"] as? String ?? ""
        }
        let code = UntrustedText.markdownCode
        _ = try rig.poll()
        var text = try body()
        #expect(text.contains("**0 of 2 signed**") && !text.contains("ready to merge"), "\(text)")
        #expect(text.contains("| proposer | \(code("agent-1@example.com")) |"), "\(text)")
        #expect(text.contains("| expires | \(code("2099-01-01T00:00:00Z")) |"), "\(text)")
        #expect(text.contains("- \(code("alice@example.com")) (forge login \(code("alice")))"), "\(text)")
        #expect(text.contains("only a signed record does"))

        try rig.fixture.sandbox.approve(id, as: "alice@example.com", merge: false)
        try rig.fixture.sandbox.approve(id, as: "carol@example.com", merge: false)
        _ = try rig.poll()
        text = try body()
        #expect(text.contains("**2 of 2 signed, ready to merge**"), "\(text)")
        #expect(text.contains("- ✓ \(code("alice@example.com")): signature verified, counts once merged"))
        #expect(text.contains("- ✓ \(code("carol@example.com")): signature verified, counts once merged"))
        #expect(text.contains("Approvals: 0 of 2 counted"), "nothing counts until merged: \(text)")
        #expect(!text.contains("Who may still approve"), "\(text)")
        // An unchanged body is not sent again.
        let patches = try rig.forge.writes().filter { ($0["method"] as? String) == "PATCH" }.count
        _ = try rig.poll()
        #expect(try rig.forge.writes().filter { ($0["method"] as? String) == "PATCH" }.count == patches)

        try GovernanceMerger(ops: rig.fixture.sandbox.ops).merge(
            branch: "approval/release-1", as: try rig.fixture.sandbox.identity("alice@example.com"), now: Date())
        var posting: [String] = []
        let executing = try rig.fixture.dispatcher(environment: [
            "PATH": "/usr/bin:/bin", "WRIT_FORGE_TOKEN": Self.token,
        ])
        .poll()
        #expect(executing.intents.first { $0.id == id }?.result == .succeeded)
        for _ in 1...2 {
            posting.append(
                try rig.fixture.dispatcher(environment: ["PATH": "/usr/bin:/bin", "WRIT_FORGE_TOKEN": Self.token])
                    .poll().runID)
        }
        let claimed = try #require(try rig.events("release-1").first { $0.0 == "claimed" }?.1)
        let runID = try #require(claimed["run_id"] as? String)
        #expect(runID == executing.runID)
        let outcome = try #require(try rig.events("release-1").last { $0.0 == "succeeded" }?.1)
        let comments = try rig.forge.state("acme/ops")["comments"] as? [[String: Any]] ?? []
        let finals = comments.compactMap { $0["body"] as? String }.filter { $0.contains("**succeeded**") }
        #expect(finals.count == 1, "\(comments)")
        let final = finals.first ?? ""
        #expect(final.contains("in run \(code(runID))"), "\(final)")
        #expect(
            final.contains(
                "exit code \(outcome["exit_code"] as? Int ?? -1), \(outcome["duration_ms"] as? Int ?? -1) ms"))
        #expect(final.contains("ledger commit <code>"), "\(final)")
        for later in posting where later != runID { #expect(!final.contains(code(later)), "\(final)") }
    }

    // MARK: The test-process guard

    /// A `writ` binary launched by this test, with a valid token and a
    /// non-sandbox repo allowlisted in live mode, sends nothing for that
    /// repo; the sandbox repo in the same poll works.
    @Test func theGuardRefusesNonSandboxWritesFromABinaryATestStarted() throws {
        let rig = try Rig(.github, .comment)
        defer { rig.remove() }
        try rig.propose("prod-note", ["number": "1", "body": "to production"], repo: Self.production)
        try rig.propose("sandbox-note", ["number": "1", "body": "to the sandbox"])
        let run = try IsolatedCLI.run(
            ["dispatch", "--config", rig.fixture.configPath, "--once", "--json"],
            environment: ["WRIT_FORGE_TOKEN": Self.token])
        #expect(run.stdout.contains("\"sandbox-note\""), "\(run.stdout) \(run.stderr)")
        let paths = try rig.forge.requests().compactMap { $0["path"] as? String }
        #expect(!paths.contains { $0.contains("acme/prod") }, "\(paths)")
        #expect(paths.contains { $0.contains("acme/sandbox") })
        let failed = try #require(try rig.events("prod-note").last { $0.0 == "failed" }?.1)
        #expect((failed["stderr_tail"] as? String ?? "").contains("TEST PROCESS GUARD"))
        #expect(try rig.events("sandbox-note").contains { $0.0 == "succeeded" })
        #expect(TestProcessGuard.testRunner() != nil)
        // The token is nowhere on the ledger, in the state dir or the output.
        let grep = try GitTestSupport.run(
            "/bin/grep", ["-r", "-a", "-l", "-F", Self.token, rig.fixture.directory.path])
        #expect(grep.status == 1, "the token is in \(grep.stdout)")
        let objects = try GitTestSupport.run(
            "/usr/bin/git",
            ["-C", rig.fixture.sandbox.ops.repository.gitDirectory, "cat-file", "--batch-all-objects", "--batch"])
        #expect(!objects.stdout.contains(Self.token))
        #expect(!run.stdout.contains(Self.token) && !run.stderr.contains(Self.token))
    }
}
