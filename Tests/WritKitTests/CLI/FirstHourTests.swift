import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The first hour of a team adopting writ, through the built binary and
/// stock git: `writ init` that cannot freeze governance, quiet reads in a
/// fresh clone, `--push` that says what it pushed, hints that can be pasted
/// as they stand, refusals that say what to do, and errors that name the
/// file, the line, the key and the nearest valid name.
@Suite struct FirstHourTests {
    typealias Team = TeamFlowTests.Team
    typealias World = PreWriteCheckTests.World
    static let alice = TeamFlowTests.alice
    static let carol = TeamFlowTests.carol
    static let agent = TeamFlowTests.agent
    static let dispatcher = TeamFlowTests.dispatcher

    /// `SHA256:...` of a private key's public half, as `ssh-keygen -lf` prints it.
    static func fingerprint(_ key: String) throws -> String {
        let out = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-lf", key])
        try #require(out.status == 0, "\(out.stderr)")
        return String(try #require(out.stdout.split(separator: " ").dropFirst().first))
    }

    // MARK: - writ init

    @Test func initRefusesAGovernanceQuorumNobodyCanMeet() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let alice = try CLI.makeKey(in: dir, name: "alice")
        let carol = try CLI.makeKey(in: dir, name: "carol")
        let policy = dir.appendingPathComponent("policy.toml")
        try GitTestSupport.write(OpsSandbox.demoPolicy, to: policy)
        func initialise(_ name: String, signers: String?, policy usePolicy: Bool = true) throws
            -> GitTestSupport.Output
        {
            var arguments = ["init", dir.appendingPathComponent(name).path, "--bare"]
            if usePolicy { arguments += ["--policy", policy.path] }
            if let signers {
                let file = dir.appendingPathComponent(name + ".signers")
                try GitTestSupport.write(signers, to: file)
                arguments += ["--signers", file.path]
            }
            return try CLI.runArgs(arguments)
        }
        func expectRefused(
            _ out: GitTestSupport.Output, _ why: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(out.status == 3, "exit \(out.status): \(out.stderr)", sourceLocation: sourceLocation)
            #expect(
                out.stderr.contains("governance can never change") && out.stderr.contains(why)
                    && out.stderr.contains("--policy and --signers"),
                "\(out.stderr)", sourceLocation: sourceLocation)
            #expect(!out.stderr.contains("policy_malformed"), sourceLocation: sourceLocation)
        }

        // The commented template names nobody: refused, and nothing is created.
        let bare = try CLI.run("init", dir.appendingPathComponent("template.git").path, "--bare")
        expectRefused(bare, "no principal holds those roles")
        #expect(bare.stderr.contains("the commented template"), "\(bare.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("template.git").path))
        // A signers file alone does not help: the template still names no admin.
        expectRefused(
            try initialise(
                "signers-only.git", signers: "alice@example.com \(try CLI.publicKey(alice))\n", policy: false),
            "no principal holds those roles")
        // [governance] needs two admins; only alice has a key.
        expectRefused(
            try initialise("one.git", signers: "alice@example.com \(try CLI.publicKey(alice))\n"),
            "only 1 of them can sign with distinct keys")
        // Two admins sharing one key are one signer.
        expectRefused(
            try initialise("shared.git", signers: "alice@example.com,carol@example.com \(try CLI.publicKey(alice))\n"),
            "only 1 of them")
        // Keys that may not sign under writ-governance do not count.
        expectRefused(
            try initialise(
                "namespaces.git",
                signers: """
                    alice@example.com namespaces="writ-approval" \(try CLI.publicKey(alice))
                    carol@example.com namespaces="writ-approval" \(try CLI.publicKey(carol))

                    """),
            "has a key in allowed_signers trusted for namespace writ-governance")

        // The near miss: both admins with their own keys.
        let ok = try initialise(
            "ok.git",
            signers: "alice@example.com \(try CLI.publicKey(alice))\ncarol@example.com \(try CLI.publicKey(carol))\n")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("trust_root = "))
    }

    // MARK: - reading a fresh clone

    @Test func theRemoteTrackingNoticeIsForABranchThatIsBehindOnly() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: Self.agent)
        let reader = try team.clone("reader", as: Self.alice)
        // A fresh clone has no local ledger branch: reading origin's is the
        // normal case and says nothing.
        let fresh = try CLI.run("status", in: reader)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stderr.isEmpty, "\(fresh.stderr)")
        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-1", "--push", in: agent)
        try #require(proposed.status == 0, "\(proposed.stderr)")
        #expect(!proposed.stderr.contains("reading origin"), "\(proposed.stderr)")

        // A local ledger branch that falls behind after a fetch is named.
        try GitTestSupport.git(reader, "fetch", "-q", "origin")
        try GitTestSupport.git(reader, "branch", "writ/ledger", "origin/writ/ledger")
        #expect(try CLI.run("status", in: reader).stderr.isEmpty)
        let more = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-2", "--push", in: agent)
        try #require(more.status == 0, "\(more.stderr)")
        try GitTestSupport.git(reader, "fetch", "-q", "origin")
        let behind = try CLI.run("status", in: reader)
        #expect(behind.status == 0)
        #expect(
            behind.stderr.contains("reading origin/writ/ledger: the local branch writ/ledger is behind"),
            "\(behind.stderr)")
        #expect(!behind.stderr.contains("origin/main"), "\(behind.stderr)")
    }

    // MARK: - --push and next steps

    @Test func pushSaysWhichRefsAndCommitsItPushed() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: Self.agent)
        let alice = try team.clone("alice", as: Self.alice)
        let host = try team.clone("host", as: Self.dispatcher)
        func tip(_ branch: String) throws -> String { try GitTestSupport.git(team.central, "rev-parse", branch) }

        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-1", "--requires", "ci", "--push",
            in: agent)
        try #require(proposed.status == 0, "\(proposed.stderr)")
        #expect(
            proposed.stdout.contains(
                "Pushed to origin: writ/ledger at \(try tip("writ/ledger")), approval/r-1 at \(try tip("approval/r-1"))"
            ),
            "\(proposed.stdout)")
        #expect(!proposed.stdout.contains("Not pushed"))

        let approved = try CLI.run("approve", "r-1", "--push", in: alice)
        try #require(approved.status == 0, "\(approved.stderr)")
        #expect(
            approved.stdout.contains("Pushed to origin: approval/r-1 at \(try tip("approval/r-1"))"),
            "\(approved.stdout)")

        // Under --json, the same as an object.
        let second = try CLI.run("approve", "r-1", "--push", "--json", in: try team.clone("carol", as: Self.carol))
        try #require(second.status == 0, "\(second.stderr)")
        #expect(
            try second.jsonObject()["pushed"] as? [String: String] == ["approval/r-1": try tip("approval/r-1")],
            "\(second.stdout)")
        let unpushed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-9", "--json", in: agent)
        #expect(try unpushed.jsonObject()["pushed"] as? [String: String] == [:], "\(unpushed.stdout)")

        let gated = try CLI.run("gate", "r-1", "--name", "ci", "--status", "pass", "--push", in: host)
        try #require(gated.status == 0, "\(gated.stderr)")
        #expect(gated.stdout.contains("Pushed to origin: writ/ledger at \(try tip("writ/ledger"))"), "\(gated.stdout)")

        // The near miss: without --push, the line to run and nothing pushed.
        let local = try CLI.run("gate", "r-1", "--name", "ci", "--status", "pass", in: host)
        try #require(local.status == 0, "\(local.stderr)")
        #expect(local.stdout.contains("Not pushed; to publish: git push origin writ/ledger"), "\(local.stdout)")
        #expect(!local.stdout.contains("Pushed to"))
    }

    @Test func nextLinesLeaveOutWhatTheConfigSupplies() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: Self.agent)
        let alice = try team.clone("alice", as: Self.alice)
        // An empty ledger says so, and what to run.
        let empty = try CLI.run("status", in: alice)
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("no intents yet: propose one with writ propose --kind KIND --target REPO --push"))
        #expect(!empty.stdout.contains("--as"), "\(empty.stdout)")

        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-1", "--push", in: agent)
        try #require(proposed.status == 0, "\(proposed.stderr)")
        try GitTestSupport.git(alice, "fetch", "-q", "origin")
        let shown = try CLI.run("show", "r-1", in: alice)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("next:     writ approve r-1\n"), "\(shown.stdout)")
        let nonEmpty = try CLI.run("status", in: alice)
        #expect(!nonEmpty.stdout.contains("no intents yet"))

        // The near miss: the same show with a config naming no signer keeps the flags.
        let bare = team.root.appendingPathComponent("bare.toml")
        try GitTestSupport.write("trust_root = \"\(team.trustRoot)\"\n", to: bare)
        let flagged = try CLI.run("show", "r-1", "--config", bare.path, in: alice)
        #expect(flagged.stdout.contains("next:     writ approve r-1 --as PRINCIPAL --key KEY"), "\(flagged.stdout)")
        // Only the missing half is asked for.
        let half = team.root.appendingPathComponent("half.toml")
        try GitTestSupport.write("trust_root = \"\(team.trustRoot)\"\nprincipal = \"\(Self.alice)\"\n", to: half)
        let halfShown = try CLI.run("show", "r-1", "--config", half.path, in: alice)
        #expect(halfShown.stdout.contains("next:     writ approve r-1 --key KEY\n"), "\(halfShown.stdout)")
    }

    @Test func anEmptyStatusWithoutConfigOrRemoteAsksForEverything() throws {
        let world = try World()
        let empty = try CLI.run("status", "--repo", world.repo, "--trust", world.trust)
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(
            empty.stdout.hasSuffix(
                "no intents yet: propose one with writ propose --kind KIND --target REPO --as PRINCIPAL --key KEY\n"),
            "\(empty.stdout)")
        // --json stays JSON Lines only.
        let json = try CLI.run("status", "--repo", world.repo, "--trust", world.trust, "--json")
        #expect(!json.stdout.contains("no intents yet"))
        // The near miss: a ledger with an intent.
        try world.proposeDev("dev-1")
        let some = try CLI.run("status", "--repo", world.repo, "--trust", world.trust)
        #expect(!some.stdout.contains("no intents yet"), "\(some.stdout)")
    }

    // MARK: - governance approve --push

    @Test func governanceApprovePushFetchesTheBranchFirst() throws {
        let team = try Team()
        defer { team.remove() }
        let alice = try team.clone("alice", as: Self.alice)
        // Carol's clone is made before the proposal and never fetched by hand.
        let carol = try team.clone("carol", as: Self.carol)
        let policy = team.root.appendingPathComponent("new-policy.toml")
        try GitTestSupport.write(
            OpsSandbox.demoPolicy.replacingOccurrences(of: "[kinds]\n", with: "[kinds]\ndeploy = \"medium\"\n"),
            to: policy)
        let signers = team.root.appendingPathComponent("allowed_signers")
        let proposed = try CLI.run(
            "governance", "propose", "--policy", policy.path, "--signers", signers.path, "--push", "--json", in: alice)
        try #require(proposed.status == 0, "\(proposed.stdout) \(proposed.stderr)")
        let answer = try proposed.jsonObject()
        let digest = try #require(answer["digest"] as? String)
        let branch = try #require(answer["branch"] as? String)

        let carolApproves = try CLI.run("governance", "approve", digest, "--push", in: carol)
        #expect(carolApproves.status == 0, "\(carolApproves.stderr)")
        #expect(
            carolApproves.stdout.contains(
                "Pushed to origin: \(branch) at \(try GitTestSupport.git(team.central, "rev-parse", branch))"),
            "\(carolApproves.stdout)")
        // Alice's clone has the branch as she pushed it; --push builds on Carol's record.
        let aliceApproves = try CLI.run("governance", "approve", digest, "--push", in: alice)
        #expect(aliceApproves.status == 0, "\(aliceApproves.stderr)")
        let files = try GitTestSupport.git(team.central, "ls-tree", "-r", "--name-only", branch)
        for principal in [Self.alice, Self.carol] {
            #expect(files.contains("\(principal).toml.sig"), "\(files)")
        }
        let status = try CLI.run("governance", "status", "--branch", branch, in: alice)
        #expect(status.stdout.contains("both quorums met"), "\(status.stdout) \(status.stderr)")
    }

    // MARK: - refusals

    @Test func refusalsSayWhoCanDoItInstead() throws {
        let world = try World()
        try world.proposeDev("dev-open")
        // The agent holds no role tier medium accepts: who does, leaving out the proposer.
        let agent = try world.writ(["approve", "dev-open"], as: "agent-1@example.com")
        #expect(agent.status == 1)
        #expect(
            agent.stderr.contains(
                "next: tier medium takes approvals from role(s) operator, admin: alice@example.com, bob@example.com, "
                    + "carol@example.com can approve"), "\(agent.stderr)")
        #expect(!agent.stderr.contains("--force"), "\(agent.stderr)")

        // Self-approval: anyone else in those roles.
        let proposed = try world.writ(
            ["propose", "--kind", "dev", "--target", "github.com/example/app", "--id", "dev-bob"], as: "bob@example.com"
        )
        try #require(proposed.status == 0, "\(proposed.stderr)")
        let own = try world.writ(["approve", "dev-bob"], as: "bob@example.com")
        #expect(own.status == 1)
        #expect(own.stderr.contains("alice@example.com, carol@example.com can approve"), "\(own.stderr)")

        // An expired intent: propose it again.
        let now = Date()
        try world.proposeDev(
            "dev-old", expiresAt: Timestamp(now.addingTimeInterval(-3600)), at: now.addingTimeInterval(-7200))
        let expired = try world.writ(["approve", "dev-old"], as: "bob@example.com")
        #expect(expired.status == 1)
        #expect(
            expired.stderr.contains("propose it again (writ propose --kind dev --target \"github.com/example/app\""),
            "\(expired.stderr)")

        // A proposer without a [proposers] role: who may, and how to get one.
        let dispatcher = try world.writ(
            ["propose", "--kind", "dev", "--target", "github.com/example/app", "--id", "dev-d"],
            as: "dispatch-1@example.com")
        #expect(dispatcher.status == 1)
        #expect(dispatcher.stderr.contains("writ governance propose"), "\(dispatcher.stderr)")
        #expect(dispatcher.stderr.contains("agent-1@example.com, alice@example.com, bob@example.com"))

        // A gate by someone outside [gates]: who attests instead.
        let gate = try world.writ(["gate", "dev-open", "--name", "ci", "--status", "pass"], as: "bob@example.com")
        #expect(gate.status == 1)
        #expect(gate.stderr.contains("dispatch-1@example.com can attest it"), "\(gate.stderr)")
    }

    @Test func signerUnknownNamesTheKeyFingerprintAndWhoItIsListedFor() throws {
        let world = try World()
        try world.proposeDev("dev-open")
        // A key no line lists.
        let stranger = try world.writ(
            ["approve", "dev-open"], as: "bob@example.com", key: world.key("mallory@example.com"))
        #expect(stranger.status == 1)
        #expect(stranger.stderr.contains("signer_unknown"))
        #expect(
            stranger.stderr.contains(
                "key \(try Self.fingerprint(world.key("mallory@example.com"))) is not listed for \"bob@example.com\""),
            "\(stranger.stderr)")
        #expect(stranger.stderr.contains("(no line lists that key)"), "\(stranger.stderr)")
        #expect(stranger.stderr.contains("next: check that --key"), "\(stranger.stderr)")
        // Alice's key used as bob: it is listed, for alice.
        let swapped = try world.writ(
            ["approve", "dev-open"], as: "bob@example.com", key: world.key("alice@example.com"))
        #expect(swapped.status == 1)
        #expect(
            swapped.stderr.contains(
                "key \(try Self.fingerprint(world.key("alice@example.com"))) is not listed for \"bob@example.com\" "
                    + "in allowed_signers (it is listed for \"alice@example.com\")"), "\(swapped.stderr)")
    }

    // MARK: - kinds and ids

    @Test func proposeWarnsThatAnUnlistedKindIsHigh() throws {
        let world = try World()
        let typo = try world.writ(
            ["propose", "--kind", "relase", "--target", "github.com/example/app", "--id", "r-1"],
            as: "agent-1@example.com")
        #expect(typo.status == 0, "\(typo.stderr)")
        #expect(typo.stdout.contains("tier high"))
        #expect(
            typo.stderr.contains(
                "warning: kind \"relase\" is not listed in [kinds] of the policy, so it is tier high; did you mean "
                    + "\"release\"?"), "\(typo.stderr)")
        // Unlisted and like nothing listed: the warning without a guess.
        let novel = try world.writ(
            ["propose", "--kind", "rotate-keys", "--target", "github.com/example/app", "--id", "k-1"],
            as: "agent-1@example.com")
        #expect(novel.status == 0, "\(novel.stderr)")
        #expect(novel.stderr.contains("kind \"rotate-keys\" is not listed"), "\(novel.stderr)")
        #expect(!novel.stderr.contains("did you mean"))
        // The near miss: a listed kind says nothing.
        let listed = try world.writ(
            ["propose", "--kind", "release", "--target", "github.com/example/app", "--id", "r-2"],
            as: "agent-1@example.com")
        #expect(listed.status == 0)
        #expect(listed.stderr.isEmpty, "\(listed.stderr)")
    }

    @Test func anUnknownIntentIDIsAUsageErrorWithTheNearestID() throws {
        let world = try World()
        try world.proposeDev("dev-open")
        for command in [["show", "dev-opne"], ["approve", "dev-opne"], ["resolve", "dev-opne", "--retry"]] {
            let out =
                command[0] == "show"
                ? try CLI.runArgs(command + ["--repo", world.repo, "--trust", world.trust])
                : try world.writ(command, as: "bob@example.com")
            #expect(out.status == 2, "\(command): exit \(out.status): \(out.stderr)")
            #expect(out.stderr.contains("no intent dev-opne on the ledger branch writ/ledger"), "\(out.stderr)")
            #expect(out.stderr.contains("did you mean \"dev-open\"?"), "\(out.stderr)")
            #expect(!out.stderr.contains("intent_malformed"), "\(out.stderr)")
        }
        let json = try CLI.run("show", "nothing-like-it", "--repo", world.repo, "--trust", world.trust, "--json")
        #expect(json.status == 2)
        let error = try json.jsonObject()
        #expect(error["reason"] is NSNull)
        #expect((error["error"] as? String)?.contains("no intent nothing-like-it") == true, "\(json.stdout)")
        #expect((error["error"] as? String)?.contains("did you mean") == false)
        // A unique prefix is offered too.
        let prefix = try CLI.run("show", "dev", "--repo", world.repo, "--trust", world.trust)
        #expect(prefix.stderr.contains("did you mean \"dev-open\"?"), "\(prefix.stderr)")
    }

    // MARK: - files and config

    @Test func aMissingFileIsARuntimeErrorNotAMalformedRecord() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        for name in ["policy.toml", "allowed_signers", "intent.toml"] {
            let path = dir.appendingPathComponent("missing").appendingPathComponent(name).path
            let out = try CLI.run("validate", path)
            #expect(out.status == 3, "\(name): exit \(out.status): \(out.stdout) \(out.stderr)")
            #expect(out.stderr.contains("writ: error: no such file: \(path) (check \(path))"), "\(out.stderr)")
            #expect(!(out.stdout + out.stderr).contains("_malformed"), "\(out.stdout) \(out.stderr)")
            let json = try CLI.run("validate", path, "--json")
            #expect(json.status == 3)
            let error = try json.jsonObject()
            #expect(error["reason"] is NSNull)
            #expect(error["fix"] as? String == path)
        }
        // The near miss: a file that is there and malformed is a finding with its reason code.
        let broken = dir.appendingPathComponent("policy.toml")
        try GitTestSupport.write("schema = 1\n[tiers.extreme]\napprovals = 1\n", to: broken)
        let malformed = try CLI.run("validate", broken.path)
        #expect(malformed.status == 1, "\(malformed.stdout) \(malformed.stderr)")
        #expect((malformed.stdout + malformed.stderr).contains("policy_malformed"))
        // init names a missing --policy the same way.
        let initialised = try CLI.run(
            "init", dir.appendingPathComponent("ops.git").path, "--policy", dir.appendingPathComponent("nope").path)
        #expect(initialised.status == 3)
        #expect(initialised.stderr.contains("(check --policy "), "\(initialised.stderr)")
    }

    @Test func configErrorsNameTheFileTheLineAndTheNearestKey() throws {
        let team = try Team()
        defer { team.remove() }
        let clone = try team.clone("alice", as: Self.alice)
        let config = Team.config(of: clone)
        try GitTestSupport.write(
            """
            # my settings
            principal = "\(Self.alice)"
            trust_roots = "\(team.trustRoot)"

            """, to: config)
        let typo = try CLI.run("status", in: clone)
        #expect(typo.status == 3)
        #expect(
            typo.stderr.contains("\(config.path):3: unknown key 'trust_roots' (did you mean \"trust_root\"?)"),
            "\(typo.stderr)")
        // A wrong type in a [remote] table names its line too.
        try GitTestSupport.write("[remote]\nname = \"origin\"\ntimeout = 60\n", to: config)
        let typed = try CLI.run("status", in: clone)
        #expect(typed.status == 3)
        #expect(typed.stderr.contains("\(config.path):3: field 'remote.timeout'"), "\(typed.stderr)")

        // A dispatcher config under its own name, with a typo in an executor table.
        let host = team.root.appendingPathComponent("prod-dispatcher.toml")
        try GitTestSupport.write(
            """
            ops_repo = "\(clone.path)"
            identity = "\(Self.dispatcher)"
            signing_key = "\(try #require(team.keys[Self.dispatcher]))"
            state_dir = "\(team.root.appendingPathComponent("state").path)"
            trust_root = "\(team.trustRoot)"
            clone_root = "\(team.root.path)"

            [executors.release]
            comand = ["/bin/true"]

            """, to: host)
        let dispatched = try CLI.run("dispatch", "--config", host.path, "--once", "--json")
        #expect(dispatched.status == 3)
        let error = try dispatched.jsonObject()
        #expect(
            (error["error"] as? String)?.contains(
                "\(host.path):9: unknown key 'executors.release.comand' (did you mean \"command\"?)") == true,
            "\(dispatched.stdout)")
        #expect(error["fix"] as? String == host.path)
        // A setting that cannot work, named by its line in that file.
        try GitTestSupport.write(
            "# the lock\nlock_ttl = \"5m\"\n"
                + (try String(contentsOf: host, encoding: .utf8)
                    .replacingOccurrences(
                        of: "comand = [\"/bin/true\"]", with: "command = [\"/bin/true\"]\ntimeout = \"1h\"")),
            to: host)
        let short = try CLI.run("dispatch", "--config", host.path, "--once")
        #expect(short.status == 3)
        #expect(short.stderr.contains("\(host.path):2: lock_ttl (5m) must exceed"), "\(short.stderr)")
        #expect(short.stderr.contains("(check lock_ttl in \(host.path))"), "\(short.stderr)")
    }

    @Test func aTildeInTheOperatorConfigIsHome() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: Self.agent)
        let home = team.root.appendingPathComponent("home")
        try FileManager.default.createDirectory(
            at: home.appendingPathComponent(".ssh"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: try #require(team.keys[Self.agent]), toPath: home.appendingPathComponent(".ssh/writ").path)
        try GitTestSupport.write(
            """
            trust_root = "\(team.trustRoot)"
            principal = "\(Self.agent)"
            key = "~/.ssh/writ"

            """, to: Team.config(of: agent))
        func propose(_ id: String, home: URL) throws -> GitTestSupport.Output {
            try GitTestSupport.run(
                "/usr/bin/env",
                [
                    "HOME=\(home.path)", CLI.binary, "propose", "--kind", "release", "--target", "example/app", "--id",
                    id,
                ],
                in: agent)
        }
        let proposed = try propose("r-1", home: home)
        #expect(proposed.status == 0, "\(proposed.stderr)")
        // The near miss: another $HOME has no such key, and the error names the expanded path.
        let elsewhere = team.root.appendingPathComponent("elsewhere")
        let missing = try propose("r-2", home: elsewhere)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains(elsewhere.appendingPathComponent(".ssh/writ").path), "\(missing.stderr)")

        #expect(HomePath.expand("~", environment: ["HOME": "/h"]) == "/h")
        #expect(HomePath.expand("~/k", environment: ["HOME": "/h"]) == "/h/k")
        #expect(HomePath.expand("~bob/k", environment: ["HOME": "/h"]) == "~bob/k")
        #expect(HomePath.resolve("k", from: "/etc/writ") == "/etc/writ/k")
    }
}
