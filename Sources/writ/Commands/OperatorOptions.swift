import ArgumentParser
import Foundation
import Synchronization
import WritCore
import WritGit
import WritOps

/// Where the ops repo is, which branches and remote it uses, and the
/// operator config (`<git dir>/writ.toml`, docs/operators.md) that supplies
/// what the flags leave out.
///
/// Each setting is taken from its flag, else from the config, else from
/// its default. The remote defaults to `origin` when the clone has one.
struct RepoOptions: ParsableArguments {
    @Option(help: "The ops repo: a clone, bare or not (default: the current directory).")
    var repo: String?

    @Option(help: "The governance branch (default: governance_ref in the operator config, else main).")
    var governanceRef: String?

    @Option(help: "The ledger branch (default: ledger_ref in the operator config, else writ/ledger).")
    var ledgerRef: String?

    @Option(help: "The remote to read and push branches through (default: remote in the operator config, else origin).")
    var remote: String?

    @Option(
        help: ArgumentHelp(
            "The operator config (default: writ.toml in the ops repo's git directory).",
            discussion: """
                Without it: <git dir>/writ.toml, else an untracked .writ.toml at the top of the work tree (with a \
                warning; a tracked one is refused), else $XDG_CONFIG_HOME/writ/config.toml. status, show, log and \
                verify also take a dispatcher.toml here.
                """))
    var config: String?

    /// The repository path, the current directory by default.
    var repoPath: String { repo ?? "." }

    /// `--config`, else the first of `<git dir>/writ.toml`, an untracked
    /// legacy `.writ.toml` and the per-user file (``OperatorConfigLocation``);
    /// nil when none exists. Warnings go to stderr once per process.
    func operatorConfig() throws -> OperatorConfig? {
        if let config {
            guard try !OperatorConfig.isDispatcherConfig(config) else {
                throw ValidationError("--config \(config) is a dispatcher.toml; this command takes an operator config")
            }
            return try OperatorConfig.load(config)
        }
        guard let location = try OperatorConfigLocation.find(inRepository: repoPath) else { return nil }
        for warning in location.warnings { Self.warnOnce(warning) }
        return try OperatorConfig.load(location)
    }

    /// The warnings already printed: commands read the config more than once.
    private static let warned = Mutex<Set<String>>([])

    private static func warnOnce(_ line: String) {
        guard warned.withLock({ $0.insert(line).inserted }) else { return }
        Output.printError("writ: " + line)
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
                throw RuntimeError(
                    "the ops repo has no remote '\(name)'",
                    fix: "--remote, or remote in \(settings?.source ?? "the operator config")")
            }
            chosen = name
        } else {
            chosen = try local.repository.remoteURL("origin") != nil ? "origin" : nil
        }
        local.repository.remoteAccess = try Self.remoteAccess(
            settings?.remoteSettings, envFile: settings?.envFile,
            config: settings?.source ?? config ?? OperatorConfigLocation.gitDirectoryFileName)
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
/// command; `principal` and `key` in the operator config stand in for them.
struct SignerOptions: ParsableArguments {
    @Option(
        name: .customLong("as"),
        help: "The principal to act as, as listed in allowed_signers (default: principal in the operator config).")
    var principal: String?

    @Option(help: "The principal's OpenSSH private key file (default: key in the operator config).")
    var key: String?

    /// The signer flags a suggested command still needs: ` --as PRINCIPAL
    /// --key KEY`, leaving out what the operator config supplies (empty when it
    /// names both), so a `next:` line can be pasted as it stands.
    static func flagsHint(_ settings: OperatorConfig?) -> String {
        (settings?.principal == nil ? " --as PRINCIPAL" : "") + (settings?.key == nil ? " --key KEY" : "")
    }

    func identity(_ settings: OperatorConfig?) throws -> SigningIdentity {
        guard let text = principal ?? settings?.principal?.rawValue else {
            throw ValidationError(
                "no principal: pass --as, or set principal in the operator config (<git dir>/writ.toml)")
        }
        guard let parsed = Principal(text) else {
            throw ValidationError("--as must be 1-100 characters of [A-Za-z0-9._@+-]")
        }
        guard let keyPath = key ?? settings?.key else {
            throw ValidationError("no key: pass --key, or set key in the operator config (<git dir>/writ.toml)")
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
