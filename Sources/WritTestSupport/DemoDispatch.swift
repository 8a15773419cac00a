import Foundation
import WritCore
import WritGit
import WritOps

/// The second half of the tour: a dispatcher with harmless executors polls
/// the demo repo, and the trail it leaves is read back as plain git.
package struct DemoDispatch {
    package let sandbox: OpsSandbox

    package init(sandbox: OpsSandbox) {
        self.sandbox = sandbox
    }

    /// Writes `dispatcher.toml` (executors that only echo) and a clone
    /// directory for the demo target, and returns the config path.
    package func writeConfig() throws -> String {
        let directory = sandbox.directory
        let clones = directory.appendingPathComponent("clones")
        // An empty repository stands in for the clone: preflight accepts
        // only a work tree root.
        _ = try Repository.create(at: clones.appendingPathComponent("github.com/example/app").path, bare: false)
        let echo = #"["/bin/echo", "{intent.id}", "on", "{target.repo}"]"#
        let config = """
            # writ demo: a dispatcher whose executors only echo.
            ops_repo = "\(sandbox.ops.repository.gitDirectory)"
            identity = "dispatch-1@example.com"
            signing_key = "\(sandbox.keyPath("dispatch-1@example.com"))"
            state_dir = "\(directory.appendingPathComponent("state").path)"
            trust_root = "\(sandbox.trustRoot.hex)"
            clone_root = "\(clones.path)"

            [executors.triage]
            command = \(echo)
            timeout = "1m"

            [executors.dev]
            command = \(echo)
            timeout = "1m"

            [executors.release]
            command = ["/bin/echo", "releasing", "{param.version}", "of", "{target.repo}"]
            timeout = "1m"
            workdir = "{clone}"

            """
        let path = directory.appendingPathComponent("dispatcher.toml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes the operator config an operator of the demo repo would keep:
    /// `writ.toml` in its git directory (docs/operators.md), holding the
    /// trust root, so `writ status --repo` needs no `--trust`. Returns its path.
    package func writeOperatorConfig() throws -> String {
        let path = (sandbox.ops.repository.commonDirectory as NSString)
            .appendingPathComponent(OperatorConfigLocation.gitDirectoryFileName)
        let config = """
            # writ demo: the operator config, in the git directory where no branch can write it.
            trust_root = "\(sandbox.trustRoot.hex)"

            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// One poll, as `writ dispatch --once` would run it.
    package func poll(configPath: String) throws -> RunReport {
        let config = try DispatcherConfig.parse(try Data(contentsOf: URL(fileURLWithPath: configPath)))
        return try Dispatcher(config: config, environment: ["PATH": "/usr/bin:/bin"]).poll()
    }

    /// The ledger's history, newest first, each commit with the principal
    /// its SSH signature verifies for (against the repo's allowed_signers),
    /// like `git log --show-signature`.
    package func signedHistory(limit: Int = 8) throws -> [String] {
        let repository = sandbox.ops.repository
        let signersText = try String(
            contentsOf: sandbox.directory.appendingPathComponent("allowed_signers"), encoding: .utf8)
        let signers = try AllowedSigners(parsing: signersText)
        let head = try sandbox.ops.ledgerHead()
        var lines: [String] = []
        for commitID in try repository.firstParentHistory(from: head, to: nil, order: .newestFirst).prefix(limit) {
            let commit = try repository.commit(commitID)
            let who = try LedgerWalk.signature(
                of: commitID, in: repository, trusted: signers, at: Date(), cache: sandbox.ops.verificationCache
            ).1
            let verdict =
                who.isEmpty
                ? "no trusted signature"
                : "Good \"git\" signature for \(who.map(\.rawValue).sorted().joined(separator: ", "))"
            let subject = commit.message.split(separator: "\n").first.map(String.init) ?? ""
            lines.append("\(commitID.hex.prefix(12))  \(verdict)\n              \(subject)")
        }
        return lines
    }
}
