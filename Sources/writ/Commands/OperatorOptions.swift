import ArgumentParser
import Foundation
import WritKit

/// Where the ops repo is, which branches and remote it uses, and the
/// operator config (`.writ.toml`) that supplies what the flags leave out.
///
/// Each setting is taken from its flag, else from the config, else from
/// its default. The remote defaults to `origin` when the clone has one.
struct RepoOptions: ParsableArguments {
    @Option(help: "The ops repo: a clone, bare or not (default: the current directory).")
    var repo: String?

    @Option(help: "The governance branch (default: governance_ref in .writ.toml, else main).")
    var governanceRef: String?

    @Option(help: "The ledger branch (default: ledger_ref in .writ.toml, else writ/ledger).")
    var ledgerRef: String?

    @Option(help: "The remote to read and push branches through (default: remote in .writ.toml, else origin).")
    var remote: String?

    @Option(
        help: ArgumentHelp(
            "The operator config (default: .writ.toml at the top of the ops repo).",
            discussion: "status, show, log and verify also take a dispatcher.toml here."))
    var config: String?

    /// The repository path, the current directory by default.
    var repoPath: String { repo ?? "." }

    /// `--config`, else `.writ.toml` at the top of the repo; nil when neither.
    func operatorConfig() throws -> OperatorConfig? {
        if let config {
            guard try !OperatorConfig.isDispatcherConfig(config) else {
                throw ValidationError("--config \(config) is a dispatcher.toml; this command takes a .writ.toml")
            }
            return try OperatorConfig.load(config)
        }
        return try OperatorConfig.find(inRepository: repoPath).map(OperatorConfig.load)
    }

    /// The dispatcher host config when `--config` names one.
    func dispatcherConfig() throws -> DispatcherConfig? {
        guard let config, try OperatorConfig.isDispatcherConfig(config) else { return nil }
        return try ConfigFile.load(config)
    }

    /// The governance branch after flag and config.
    func governanceBranch(_ settings: OperatorConfig?) -> String {
        governanceRef ?? settings?.governanceRef ?? OpsRepoDefaults.governanceRef
    }

    /// Opens the ops repo, reading through remote-tracking refs of the
    /// chosen remote, and says on stderr when those stand in for local
    /// branches.
    func open(_ settings: OperatorConfig?) throws -> OpsRepo {
        let local = try OpsRepo(path: repoPath)
        let chosen: String?
        if let name = remote ?? settings?.remote {
            guard try local.repository.remoteURL(name) != nil else {
                throw RuntimeError("the ops repo has no remote '\(name)'", fix: "--remote, or remote in .writ.toml")
            }
            chosen = name
        } else {
            chosen = try local.repository.remoteURL("origin") != nil ? "origin" : nil
        }
        local.repository.remoteAccess = try Self.remoteAccess(
            settings?.remoteSettings, envFile: settings?.envFile, config: config ?? OperatorConfig.fileName)
        let ops = OpsRepo(
            repository: local.repository, governanceRef: governanceBranch(settings),
            ledgerRef: ledgerRef ?? settings?.ledgerRef ?? OpsRepoDefaults.ledgerRef, remote: chosen)
        if let notice = ops.remoteTrackingNotice() { Output.printError(notice) }
        return ops
    }

    /// How this process reaches a network remote: `[remote]` of the config
    /// when it has one, else the defaults (ssh-agent, ~/.ssh/known_hosts,
    /// 60s); every network fetch and push runs in a helper process so the
    /// timeout holds (SPEC §11).
    static func remoteAccess(_ settings: RemoteSettings?, envFile: String?, config: String) throws -> RemoteAccess {
        guard let settings else { return RemoteAccess(helper: RemoteHelper.currentExecutable) }
        return try settings.access(envFile: envFile, helper: RemoteHelper.currentExecutable, config: config)
    }

    func open() throws -> OpsRepo {
        try open(try operatorConfig())
    }

    /// The line to run to publish `branches` when `--push` was not given;
    /// nil when the repo has no remote.
    static func pushHint(_ ops: OpsRepo, _ branches: [String]) -> String? {
        ops.remote.map { "Not pushed; to publish: git push \($0) " + branches.joined(separator: " ") }
    }

    /// What `--push` published: each branch and the commit the remote now
    /// holds for it (the local branch, which the push left equal to it).
    static func pushedLine(_ ops: OpsRepo, _ branches: [String]) -> String {
        let commits = pushedCommits(ops, branches)
        return "Pushed to \(ops.remote ?? "the remote"): "
            + branches.map { "\($0) at \(commits[$0] ?? "?")" }.joined(separator: ", ")
    }

    /// Each branch pushed and the commit id it was pushed at, for `--json`.
    static func pushedCommits(_ ops: OpsRepo, _ branches: [String]) -> [String: String] {
        var commits: [String: String] = [:]
        for branch in branches {
            if let tip = (try? ops.repository.resolve(OpsRepo.refName(branch))) ?? nil { commits[branch] = tip.hex }
        }
        return commits
    }

    /// After a write: with `--push`, the branches and commits pushed; without
    /// it, the line that publishes them (nil when the repo has no remote).
    static func publishLine(_ ops: OpsRepo, _ branches: [String], pushed: Bool) -> String? {
        pushed ? pushedLine(ops, branches) : pushHint(ops, branches)
    }
}

/// Who signs: `--as PRINCIPAL --key KEYFILE`, shared by every writing
/// command; `principal` and `key` in `.writ.toml` stand in for them.
struct SignerOptions: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: "The principal to act as, as listed in allowed_signers (default: principal in .writ.toml).")
    var principal: String?

    @Option(help: "The principal's OpenSSH private key file (default: key in .writ.toml).")
    var key: String?

    /// The signer flags a suggested command still needs: ` --as PRINCIPAL
    /// --key KEY`, leaving out what `.writ.toml` supplies (empty when it
    /// names both), so a `next:` line can be pasted as it stands.
    static func flagsHint(_ settings: OperatorConfig?) -> String {
        (settings?.principal == nil ? " --as PRINCIPAL" : "") + (settings?.key == nil ? " --key KEY" : "")
    }

    func identity(_ settings: OperatorConfig?) throws -> SigningIdentity {
        guard let text = principal ?? settings?.principal?.rawValue else {
            throw ValidationError("no principal: pass --as, or set principal in .writ.toml")
        }
        guard let parsed = Principal(text) else {
            throw ValidationError("--as must be 1-100 characters of [A-Za-z0-9._@+-]")
        }
        guard let keyPath = key ?? settings?.key else {
            throw ValidationError("no key: pass --key, or set key in .writ.toml")
        }
        return try SigningIdentity(principal: parsed, keyPath: keyPath)
    }
}

/// `--push`, shared by the commands that append to a branch.
struct PushOptions: ParsableArguments {
    @Flag(
        help: """
            Push the branch after appending: compare-and-swap, and on a lost race fetch and append again on the \
            new tip; never forced.
            """)
    var push = false
}
