import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A team working from ordinary clones of one bare central repo, through
/// the `writ` binary and stock `git` only: no `git branch --track`, no
/// hand-computed digest, no record lost.
@Suite struct TeamFlowTests {
    static let agent = "agent-1@example.com"
    static let alice = "alice@example.com"
    static let carol = "carol@example.com"
    static let dispatcher = "dispatch-1@example.com"

    /// A central repo made by `writ init --bare`, a key per principal, and
    /// a helper to make clones that each hold an operator config.
    struct Team {
        let root: URL
        let central: URL
        let trustRoot: String
        let keys: [String: String]

        /// `principals` get keys and allowed_signers lines; `extra` are given them besides.
        init(
            _ name: String = #function, policy: String = OpsSandbox.demoPolicy,
            principals: [String] = [
                TeamFlowTests.agent, TeamFlowTests.alice, TeamFlowTests.carol, TeamFlowTests.dispatcher,
            ],
            extra: [String] = []
        ) throws {
            root = try GitTestSupport.scratch(name)
            var keys: [String: String] = [:]
            var signers = ""
            for principal in principals + extra {
                let key = try CLI.makeKey(in: root, name: principal)
                keys[principal] = key
                signers += "\(principal) \(try CLI.publicKey(key))\n"
            }
            self.keys = keys
            try GitTestSupport.write(policy, to: root.appendingPathComponent("policy.toml"))
            try GitTestSupport.write(signers, to: root.appendingPathComponent("allowed_signers"))
            central = root.appendingPathComponent("central.git")
            let initialised = try CLI.run(
                "init", "--bare", central.path, "--policy", root.appendingPathComponent("policy.toml").path,
                "--signers", root.appendingPathComponent("allowed_signers").path, "--json")
            try #require(initialised.status == 0, "writ init: \(initialised.stderr)")
            trustRoot = try #require(try initialised.jsonObject()["trust_root"] as? String)
        }

        /// `git clone` of the central repo with an operator config
        /// (`.git/writ.toml`) for `principal`; the trust root is written
        /// abbreviated, as `git log --oneline` shows it.
        func clone(_ name: String, as principal: String) throws -> URL {
            let directory = root.appendingPathComponent(name)
            try GitTestSupport.git(root, "clone", "-q", central.path, directory.path)
            try GitTestSupport.write(
                """
                trust_root = "\(trustRoot.prefix(10))"
                principal = "\(principal)"
                key = "\(try #require(keys[principal]))"
                remote = "origin"

                """, to: Self.config(of: directory))
            return directory
        }

        /// A clone's operator config: `writ.toml` in its git directory.
        static func config(of clone: URL) -> URL {
            clone.appendingPathComponent(".git").appendingPathComponent(OperatorConfigLocation.gitDirectoryFileName)
        }

        /// A dispatcher.toml for `host`, a clone the dispatcher works in: a
        /// target clone `example/app` under `targets/`, a state dir, and
        /// `executors` (TOML) appended; its path.
        func dispatcherConfig(
            host: URL, executors: String = "[executors.release]\ncommand = [\"/bin/true\"]\ntimeout = \"1m\"\n"
        ) throws -> URL {
            let targets = root.appendingPathComponent("targets")
            try FileManager.default.createDirectory(
                at: targets.appendingPathComponent("example"), withIntermediateDirectories: true)
            try GitTestSupport.git(targets.appendingPathComponent("example"), "init", "-q", "app")
            let state = root.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            let config = root.appendingPathComponent("dispatcher.toml")
            try GitTestSupport.write(
                """
                ops_repo = "\(host.path)"
                remote = "origin"
                identity = "\(TeamFlowTests.dispatcher)"
                signing_key = "\(try #require(keys[TeamFlowTests.dispatcher]))"
                state_dir = "\(state.path)"
                trust_root = "\(trustRoot)"
                clone_root = "\(targets.path)"

                \(executors)
                """, to: config)
            return config
        }

        func remove() { GitTestSupport.remove(root) }
    }

    /// Runs `writ` with `arguments` in each directory at the same time.
    static func concurrently(_ runs: [(URL, [String])]) -> [GitTestSupport.Output?] {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var outputs: [GitTestSupport.Output?]
            init(_ count: Int) { outputs = Array(repeating: nil, count: count) }
        }
        let results = Results(runs.count)
        let jobs = runs.map { ($0.0.path, $0.1) }
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let output = try? CLI.runArgs(jobs[index].1, in: URL(fileURLWithPath: jobs[index].0))
            results.lock.lock()
            results.outputs[index] = output
            results.lock.unlock()
        }
        return results.outputs
    }

    @Test func proposeApproveMergeDispatchShowFromOrdinaryClones() throws {
        let team = try Team()
        defer { team.remove() }
        // init --bare points HEAD at the governance branch: clones check it out.
        #expect(try GitTestSupport.git(team.central, "symbolic-ref", "HEAD") == "refs/heads/main")

        let agent = try team.clone("agent", as: Self.agent)
        let alice = try team.clone("alice", as: Self.alice)
        let carol = try team.clone("carol", as: Self.carol)
        let host = try team.clone("dispatch", as: Self.dispatcher)

        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "release-1", "--param", "version=1.2.0",
            "--push", in: agent)
        try #require(proposed.status == 0, "propose: \(proposed.stderr)")
        #expect(proposed.stdout.contains("tier high"))
        #expect(!proposed.stdout.contains("git push"))
        // The agent's clone had no local ledger branch: it read origin's, and
        // that is nothing to warn about (no local branch is behind).
        #expect(!proposed.stderr.contains("reading origin/"), "\(proposed.stderr)")

        // Both admins approve at once, from clones made before the proposal.
        let approvals = Self.concurrently([
            (alice, ["approve", "release-1", "--push"]), (carol, ["approve", "release-1", "--push"]),
        ])
        for output in approvals {
            let output = try #require(output)
            #expect(output.status == 0, "approve: \(output.stderr)")
        }
        let onBranch = try GitTestSupport.git(
            team.central, "ls-tree", "-r", "--name-only", "approval/release-1")
        for principal in [Self.alice, Self.carol] {
            #expect(onBranch.contains("/release-1/\(principal).toml"), "\(onBranch)")
        }
        #expect(onBranch.contains("request.toml"))

        // A person merges the approval branch with stock git.
        try GitTestSupport.git(alice, "fetch", "-q", "origin")
        try GitTestSupport.git(
            alice, "merge", "-q", "--no-ff", "-m", "Merge approval/release-1", "origin/approval/release-1")
        try GitTestSupport.git(alice, "push", "-q", "origin", "main")

        // The dispatcher host runs it from its own clone.
        let config = try team.dispatcherConfig(host: host)
        let dispatched = try CLI.run("dispatch", "--config", config.path, "--once")
        #expect(dispatched.status == 0, "dispatch: \(dispatched.stdout) \(dispatched.stderr)")

        // Anyone's clone shows the outcome after a plain fetch.
        try GitTestSupport.git(agent, "fetch", "-q", "origin")
        let shown = try CLI.run("show", "release-1", "--json", in: agent)
        #expect(shown.status == 0, "show: \(shown.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(json["state"] as? String == "succeeded", "\(shown.stdout)")
        #expect(json["approvals"] as? Int == 2)
        #expect((json["governance"] as? [String: Any])?["trusted"] as? Bool == true)
        #expect(shown.stderr.contains("reading origin/"), "\(shown.stderr)")
    }

    /// A push that loses the race (the clone's view of the remote is
    /// stale) fetches, rebuilds the commit on the remote's new tip and
    /// keeps the other writer's record; nothing is forced.
    @Test func lostPushRaceIsRebuiltOnTheRemoteTip() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: Self.agent)
        let proposed = try CLI.run("propose", "--kind", "release", "--target", "example/app", "--id", "r-2", in: agent)
        try #require(proposed.status == 0, "propose: \(proposed.stderr)")
        // Without --push: the exact line to run.
        #expect(proposed.stdout.contains("git push origin writ/ledger approval/r-2"), "\(proposed.stdout)")
        try GitTestSupport.git(agent, "push", "-q", "origin", "writ/ledger", "approval/r-2")

        let alice = try team.clone("alice", as: Self.alice)
        let carol = try team.clone("carol", as: Self.carol)
        let first = try CLI.run("approve", "r-2", "--push", in: alice)
        try #require(first.status == 0, "alice: \(first.stderr)")

        // Carol's clone still holds the branch as it was before Alice's push.
        let ops = try OpsRepo(path: carol.path, remote: "origin")
        let branch = "approval/r-2"
        let stale = try #require(try ops.catchUp(branch))
        let signer = try SigningIdentity(
            principal: try #require(Principal(Self.carol)), keyPath: try #require(team.keys[Self.carol]))
        let path = "approvals/marker/\(Self.carol).txt"
        let commit = try BranchAppender(repository: ops.repository).append(
            to: branch, pushingTo: "origin", message: "carol\n", signer: signer, at: Date()
        ) { _ in [path: Data("carol\n".utf8)] }
        let remoteTip = try GitTestSupport.git(team.central, "rev-parse", branch)
        #expect(remoteTip == commit.hex)
        #expect(try ops.repository.commit(commit).parents != [stale], "rebuilt on the new tip")
        let onBranch = try GitTestSupport.git(team.central, "ls-tree", "-r", "--name-only", branch)
        #expect(onBranch.contains("\(Self.alice).toml") && onBranch.contains(path), "\(onBranch)")
        #expect(onBranch.contains("request.toml"))
    }

    /// A local branch with commits the remote lacks, while the remote moved
    /// on too, is refused before anything is written or pushed.
    @Test func divergedBranchIsRefused() throws {
        let team = try Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: Self.agent)
        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "r-3", "--push", in: agent)
        try #require(proposed.status == 0, "propose: \(proposed.stderr)")
        let alice = try team.clone("alice", as: Self.alice)
        let carol = try team.clone("carol", as: Self.carol)
        let local = try CLI.run("approve", "r-3", in: carol)
        try #require(local.status == 0, "carol: \(local.stderr)")
        #expect(local.stdout.contains("git push origin approval/r-3"), "\(local.stdout)")
        let first = try CLI.run("approve", "r-3", "--push", in: alice)
        try #require(first.status == 0, "alice: \(first.stderr)")
        let before = try GitTestSupport.git(team.central, "rev-parse", "approval/r-3")
        let refused = try CLI.run("approve", "r-3", "--push", in: carol)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("diverged"), "\(refused.stderr)")
        #expect(try GitTestSupport.git(team.central, "rev-parse", "approval/r-3") == before)
    }

    /// Short trust roots resolve; an ambiguous or unknown one is refused.
    @Test func shortTrustRootResolvesAndUnknownIsRefused() throws {
        let team = try Team()
        defer { team.remove() }
        let clone = try team.clone("reader", as: Self.alice)
        let status = try CLI.run("status", "--json", in: clone)
        #expect(status.status == 0, "\(status.stderr)")
        let unknown = try CLI.run("status", "--trust", "0000000", in: clone)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("trust_root_missing") || unknown.stdout.contains("trust_root_missing"))
        let typo = team.root.appendingPathComponent("typo.toml")
        try GitTestSupport.write("principal = \"\(Self.alice)\"\nremtoe = \"origin\"\n", to: typo)
        let strict = try CLI.run("status", "--config", typo.path, in: clone)
        #expect(strict.status == 3)
        #expect(strict.stderr.contains("remtoe"), "\(strict.stderr)")
    }
}
