import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Governance history as people make it (SPEC §5, "Non-linear updates"),
/// through the `writ` binary and stock `git` only: two operators merge two
/// approval branches at once, the loser runs `git pull` and pushes a merge
/// whose first parent is their own commit. Nothing was rewritten, so
/// dispatch goes on and verify finds nothing; a real force-push still stops
/// the dispatcher, naming the commit it last processed.
@Suite struct GovernanceMergeTests {
    static let agent = TeamFlowTests.agent
    static let alice = TeamFlowTests.alice
    static let carol = TeamFlowTests.carol
    static let dispatcher = TeamFlowTests.dispatcher

    /// A team, its clones, and a dispatcher host whose executors append the
    /// intent id to a file, so every run is counted.
    struct Setup {
        let team: TeamFlowTests.Team
        let agent: URL
        let alice: URL
        let carol: URL
        let host: URL
        let state: URL
        let config: URL
        let runsFile: URL
        /// Serves the central repo over the smart protocol, when asked.
        let daemon: GitDaemon?

        /// `served`: every clone, the dispatcher's included, talks to the
        /// central repo through `git daemon --enable=receive-pack` (a real
        /// compare-and-swap on every push) instead of its path.
        init(_ name: String = #function, served: Bool = false) throws {
            team = try TeamFlowTests.Team(name)
            agent = try team.clone("agent", as: GovernanceMergeTests.agent)
            alice = try team.clone("alice", as: GovernanceMergeTests.alice)
            carol = try team.clone("carol", as: GovernanceMergeTests.carol)
            host = try team.clone("dispatch", as: GovernanceMergeTests.dispatcher)
            if served {
                // The daemon's readiness probe asks for `remote.git`.
                try FileManager.default.createSymbolicLink(
                    at: team.root.appendingPathComponent("remote.git"), withDestinationURL: team.central)
                let daemon = try GitDaemon.start(
                    basePath: team.root, log: team.root.appendingPathComponent("daemon.log"))
                for clone in [agent, alice, carol, host] {
                    try GitTestSupport.git(clone, "remote", "set-url", "origin", daemon.url("remote.git"))
                }
                self.daemon = daemon
            } else {
                daemon = nil
            }
            let targets = team.root.appendingPathComponent("targets")
            try FileManager.default.createDirectory(
                at: targets.appendingPathComponent("example"), withIntermediateDirectories: true)
            try GitTestSupport.git(targets.appendingPathComponent("example"), "init", "-q", "app")
            state = team.root.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            runsFile = team.root.appendingPathComponent("runs.txt")
            config = team.root.appendingPathComponent("dispatcher.toml")
            try GitTestSupport.write(
                """
                ops_repo = "\(host.path)"
                remote = "origin"
                identity = "\(GovernanceMergeTests.dispatcher)"
                signing_key = "\(try #require(team.keys[GovernanceMergeTests.dispatcher]))"
                state_dir = "\(state.path)"
                trust_root = "\(team.trustRoot)"
                clone_root = "\(targets.path)"

                [executors.dev]
                command = ["/bin/sh", "-c", "echo \\"$WRIT_INTENT_ID\\" >> \(runsFile.path)"]
                timeout = "1m"
                env_allowlist = ["PATH"]

                """, to: config)
        }

        /// The intent ids the executors ran, in order.
        func runs() -> [String] {
            ((try? String(contentsOf: runsFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// Proposes a medium intent, and has `approver` sign it onto its approval branch.
        func proposeAndApprove(_ id: String, by approver: URL) throws {
            let proposed = try CLI.run(
                "propose", "--kind", "dev", "--target", "example/app", "--id", id, "--push", in: agent)
            try #require(proposed.status == 0, "propose: \(proposed.stderr)")
            let approved = try CLI.run("approve", id, "--push", in: approver)
            try #require(approved.status == 0, "approve: \(approved.stderr)")
        }

        /// `git merge --no-ff origin/approval/<id>` in `clone`, on its `main`
        /// as last fetched; nothing is pushed.
        func mergeLocally(_ id: String, in clone: URL) throws {
            try GitTestSupport.git(clone, "fetch", "-q", "origin")
            try GitTestSupport.git(
                clone, "merge", "-q", "--no-ff", "-m", "Merge approval/\(id)", "origin/approval/\(id)")
        }

        func dispatch() throws -> GitTestSupport.Output {
            try CLI.run("dispatch", "--config", config.path, "--once", "--json")
        }

        func remove() {
            daemon?.stop()
            team.remove()
        }
    }

    @Test(arguments: [false, true])
    func gitPullMergeOnGovernanceKeepsDispatchingAndVerifies(served: Bool) throws {
        let setup = try Setup(served: served)
        defer { setup.remove() }
        try setup.proposeAndApprove("dev-a", by: setup.alice)
        try setup.proposeAndApprove("dev-b", by: setup.carol)

        // Both operators merge from the same main, at once.
        try setup.mergeLocally("dev-a", in: setup.alice)
        try setup.mergeLocally("dev-b", in: setup.carol)
        try GitTestSupport.git(setup.alice, "push", "-q", "origin", "main")
        let winner = try GitTestSupport.git(setup.alice, "rev-parse", "HEAD")

        // The dispatcher takes in the winner's merge and runs dev-a, its
        // claim anchored at that merge.
        let first = try setup.dispatch()
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(setup.runs() == ["dev-a"])

        // The loser's push is refused; git's own hint: `git pull`.
        let refused = try GitTestSupport.run(
            "/usr/bin/git", ["-C", setup.carol.path, "push", "-q", "origin", "main"])
        #expect(refused.status != 0)
        try GitTestSupport.git(setup.carol, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
        try GitTestSupport.git(setup.carol, "push", "-q", "origin", "main")
        let merged = try GitTestSupport.git(setup.carol, "rev-parse", "HEAD")
        // The winner's merge is off the new head's first-parent chain.
        let firstParents = try GitTestSupport.git(setup.carol, "rev-list", "--first-parent", "HEAD")
        #expect(!firstParents.contains(winner))

        // Before the dispatcher even sees it, an ordinary clone verifies the
        // history: dev-a's claim is judged at its anchor, off the new chain.
        try GitTestSupport.git(setup.agent, "fetch", "-q", "origin")
        let early = try CLI.run("verify", "--json", in: setup.agent)
        #expect(early.status == 0, "\(early.stdout)\(early.stderr)")
        let earlyLines = try early.jsonLines()
        #expect(!earlyLines.contains { $0["type"] as? String == "finding" }, "\(early.stdout)")
        #expect(earlyLines.contains { $0["kind"] as? String == "anchor_off_chain" }, "\(early.stdout)")

        // Dispatch goes on: dev-b runs once, and the run report says once
        // which commit fell off the chain.
        let second = try setup.dispatch()
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(setup.runs() == ["dev-a", "dev-b"])
        let report = try second.jsonObject()
        let offChain = try #require(report["governance_off_chain"] as? [[String: Any]])
        #expect(offChain.count == 1)
        #expect(offChain.first?["commit"] as? String == winner)
        #expect(offChain.first?["head"] as? String == merged)
        #expect(second.stderr.contains(winner), "the log names it: \(second.stderr)")

        let third = try setup.dispatch()
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
        #expect(setup.runs() == ["dev-a", "dev-b"], "each intent ran exactly once")
        #expect((try third.jsonObject()["governance_off_chain"] as? [Any])?.isEmpty == true, "said once")

        // verify: clean, with the claim of dev-a judged at its anchor.
        let verified = try CLI.run("verify", "--config", setup.config.path)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("anchor_off_chain"), "\(verified.stdout)")
        #expect(!verified.stdout.contains("not_approved"), "\(verified.stdout)")
        let json = try CLI.run("verify", "--config", setup.config.path, "--json")
        #expect(json.status == 0, "\(json.stdout)\(json.stderr)")
        let lines = try json.jsonLines()
        #expect(!lines.contains { $0["type"] as? String == "finding" }, "\(json.stdout)")
        let notes = lines.filter { $0["type"] as? String == "note" }
        #expect(notes.count == 1, "\(json.stdout)")
        #expect(notes.first?["kind"] as? String == "anchor_off_chain")
        #expect(notes.first?["anchor"] as? String == winner)
        #expect((notes.first?["path"] as? String)?.contains("/dev-a/") == true)
        let summary = try #require(lines.last)
        #expect(summary["ok"] as? Bool == true)
        #expect(summary["claims"] as? Int == 2)
        #expect(summary["notes"] as? Int == 1)

        // The report shows no finding either.
        let html = setup.team.root.appendingPathComponent("report.html")
        let written = try CLI.run("report", "--html", html.path, "--config", setup.config.path, "--json")
        #expect(written.status == 0, "\(written.stdout)\(written.stderr)")
        #expect(try written.jsonObject()["findings"] as? Int == 0, "\(written.stdout)")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("writ verify: clean"))
        #expect(page.contains("anchor_off_chain"))
        #expect(!page.contains("class=\"finding\""))

        // status and show from an ordinary clone agree.
        try GitTestSupport.git(setup.agent, "fetch", "-q", "origin")
        for id in ["dev-a", "dev-b"] {
            let shown = try CLI.run("show", id, "--json", in: setup.agent)
            #expect(shown.status == 0, "show: \(shown.stderr)")
            #expect(try shown.jsonObject()["state"] as? String == "succeeded", "\(shown.stdout)")
        }
    }

    @Test func forcePushedGovernanceStopsDispatchNamingTheLastProcessedCommit() throws {
        let setup = try Setup()
        defer { setup.remove() }
        try setup.proposeAndApprove("dev-a", by: setup.alice)
        let base = try GitTestSupport.git(setup.alice, "rev-parse", "HEAD")
        try setup.mergeLocally("dev-a", in: setup.alice)
        try GitTestSupport.git(setup.alice, "push", "-q", "origin", "main")
        let processed = try GitTestSupport.git(setup.alice, "rev-parse", "HEAD")
        let first = try setup.dispatch()
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(setup.runs() == ["dev-a"])

        // A real rewrite: main reset below the merge and force-pushed.
        try GitTestSupport.git(setup.alice, "reset", "-q", "--hard", base)
        try GitTestSupport.git(setup.alice, "commit", "-q", "--allow-empty", "-m", "rewritten")
        try GitTestSupport.git(setup.alice, "push", "-q", "--force", "origin", "main")
        try setup.proposeAndApprove("dev-later", by: setup.carol)

        let stopped = try setup.dispatch()
        #expect(stopped.status == 3, "\(stopped.stdout)\(stopped.stderr)")
        #expect(stopped.stderr.contains("history_rewritten"), "\(stopped.stderr)")
        #expect(
            stopped.stderr.contains("the governance commit this dispatcher last processed, \(processed)"),
            "\(stopped.stderr)")
        #expect(stopped.stderr.contains("from state_dir \(setup.state.path)"), "\(stopped.stderr)")
        #expect(stopped.stderr.contains("--forget-view"), "\(stopped.stderr)")
        #expect(setup.runs() == ["dev-a"])
        let again = try setup.dispatch()
        #expect(again.status == 3, "a rewrite stops every poll until it is dealt with")

        // verify: dev-a's claim names a governance commit the head no longer
        // reaches at all; that is a rewrite, reported on the claim.
        let verified = try CLI.run("verify", "--config", setup.config.path, "--json")
        #expect(verified.status == 1, "\(verified.stdout)\(verified.stderr)")
        let findings = try verified.jsonLines().filter { $0["type"] as? String == "finding" }
        #expect(findings.map { $0["reason"] as? String } == ["history_rewritten"], "\(verified.stdout)")
        #expect((findings.first?["detail"] as? String)?.contains(processed) == true, "\(verified.stdout)")
        #expect((findings.first?["path"] as? String)?.contains("/dev-a/") == true, "\(verified.stdout)")

        // The documented recovery: forget the remembered view, keep the journal.
        let journal = setup.state.appendingPathComponent("default/journal")
        let journalled = try FileManager.default.subpathsOfDirectory(atPath: journal.path).sorted()
        #expect(!journalled.isEmpty)
        let wrong = try CLI.run("dispatch", "--config", setup.config.path, "--forget-view", "0000000000")
        #expect(wrong.status == 3, "\(wrong.stdout)\(wrong.stderr)")
        let forgot = try CLI.run(
            "dispatch", "--config", setup.config.path, "--forget-view", String(processed.prefix(12)))
        #expect(forgot.status == 0, "\(forgot.stdout)\(forgot.stderr)")
        #expect(forgot.stdout.contains("kept the at-most-once journal"), "\(forgot.stdout)")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: journal.path).sorted() == journalled)

        let resumed = try setup.dispatch()
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(setup.runs() == ["dev-a"], "dev-a never runs again; dev-later's approval is not merged")
    }

    /// A head that descends from the trust root only through a second
    /// parent does not hold it on its first-parent chain: `history_rewritten`
    /// naming the trust root, from status and verify alike.
    @Test func trustRootOffTheFirstParentChainIsNamedAsTheTrustRoot() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let clone = setup.alice
        let tree = try GitTestSupport.git(clone, "rev-parse", "HEAD^{tree}")
        let orphan = try GitTestSupport.git(clone, "commit-tree", tree, "-m", "orphan")
        let merge = try GitTestSupport.git(clone, "commit-tree", tree, "-p", orphan, "-p", "HEAD", "-m", "merge")
        try GitTestSupport.git(clone, "reset", "-q", "--hard", merge)
        for command in [["verify"], ["status"]] {
            let output = try CLI.runArgs(command, in: clone)
            #expect(output.status == 3, "\(command): \(output.stdout)\(output.stderr)")
            let text = output.stdout + output.stderr
            #expect(text.contains("history_rewritten"), "\(text)")
            if command == ["verify"] {
                #expect(
                    text.contains("the trust root \(setup.team.trustRoot) is not on the first-parent history"),
                    "\(text)")
            }
        }
    }
}
