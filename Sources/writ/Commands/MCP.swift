import ArgumentParser
import Foundation
import Logging
import WritCore
import WritMCP
import WritOps

struct MCPServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract:
            "Serve the Model Context Protocol over stdio: an agent proposes, waits and withdraws with its own key.",
        discussion: """
            Tools: writ_policy, writ_propose (pushes, through the same checked path as writ propose --push), \
            writ_status, writ_show, writ_wait (progress notifications; cancellable), writ_list, writ_withdraw. \
            Resources: writ://policy, writ://intent/<id>. The key signs through ssh-agent first and is never asked \
            for a passphrase; the server refuses to start (exit 3) when the key's principal, or any principal with \
            the same key, holds a role that approves, resolves, gates or changes governance. Standard output is \
            the protocol; logs go to standard error (docs/agents.md).
            """)

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions

    @Option(
        help: """
            The pinned governance commit (trust_root) every proposal is checked under: a commit id or 7 or more of \
            its leading hex digits (default: trust_root in the operator config).
            """)
    var trust: String?

    @Option(help: "The level of the log lines on standard error: trace, debug, info, notice, warning or error.")
    var logLevel: String = "warning"

    func run() async throws {
        // Standard output is the protocol: whatever logs, in this process or
        // a library it uses, writes to standard error.
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        let settings = try repoOptions.operatorConfig()
        let ops = try repoOptions.open(settings)
        guard let remote = ops.remote else {
            throw RuntimeError(
                "writ mcp pushes every proposal, and the ops repo has no remote",
                fix: "--remote, or remote in \(settings?.source ?? "the operator config")")
        }
        CachedVerification.attach(ops)
        guard
            let trustRoot = try TrustOptions.trustRoot(
                trust ?? settings?.trustRoot, named: trust != nil ? "--trust" : "trust_root", in: ops.repository)
        else {
            throw WritError(
                .trustRootMissing,
                "writ mcp checks every proposal under a pinned trust root: pass --trust or set trust_root in the "
                    + "operator config")
        }
        let identity = try signer.unattendedIdentity(settings)
        let desk = AgentDesk(ops: ops, identity: identity, trustRoot: trustRoot) { line in
            Output.printError("writ: " + line)
        }
        do {
            try desk.checkAtStart()
        } catch let refused as AgentKeyRefused {
            throw RuntimeError(refused.description, fix: "the agent's key and principal (docs/agents.md)")
        }
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        let logger = Logger(label: "writ.mcp") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        Output.printError(
            "writ mcp: serving \(identity.principal) (signing \(identity.signingMethod)) on stdio; ops repo "
                + "\(repoOptions.repoPath), remote \(remote), trust root \(trustRoot.hex.prefix(12))")
        try await AgentServer.serveStdio(desk, logger: logger)
    }
}

extension SignerOptions {
    /// The signer of a process with no person at its standard input:
    /// ssh-agent first, never a passphrase prompt (`writ mcp`).
    func unattendedIdentity(_ settings: OperatorConfig?) throws -> SigningIdentity {
        guard let text = principal ?? settings?.principal?.rawValue else {
            throw ValidationError("no principal: pass --as, or set principal in the operator config")
        }
        guard let parsed = Principal(text) else {
            throw ValidationError("--as must be 1-100 characters of [A-Za-z0-9._@+-]")
        }
        guard let keyPath = key ?? settings?.key else {
            throw ValidationError("no key: pass --key, or set key in the operator config")
        }
        return try SigningIdentity(principal: parsed, unattendedKeyPath: keyPath)
    }
}
