import ArgumentParser
import Foundation
import WritCore
import WritGit
import WritOps

/// The trust root to evaluate against: `--trust COMMIT`, else `trust_root`
/// in the config `RepoOptions` found.
struct TrustOptions: ParsableArguments {
    @Option(
        help: """
            The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its \
            leading hex digits (default: trust_root in the config).
            """)
    var trust: String?

    /// The ops repo and trust root: from a dispatcher.toml given as
    /// --config, else from the flags and the operator config.
    func resolve(_ repoOptions: RepoOptions) throws -> (OpsRepo, ObjectID?) {
        if let dispatcherConfig = try repoOptions.dispatcherConfig() {
            let ops = try OpsRepo(
                path: dispatcherConfig.opsRepo, governanceRef: dispatcherConfig.governanceRef,
                ledgerRef: dispatcherConfig.ledgerRef, remote: dispatcherConfig.remote)
            ops.repository.remoteAccess = try RepoOptions.remoteAccess(
                dispatcherConfig.remoteSettings, envFile: dispatcherConfig.envFile,
                config: repoOptions.config ?? "dispatcher.toml")
            if let notice = ops.remoteTrackingNotice() { Output.printError(notice) }
            CachedVerification.attach(ops)
            return (ops, dispatcherConfig.trustRoot)
        }
        let settings = try repoOptions.operatorConfig()
        let ops = try repoOptions.open(settings)
        CachedVerification.attach(ops)
        let root = try Self.trustRoot(
            trust ?? settings?.trustRoot, named: trust != nil ? "--trust" : "trust_root", in: ops.repository)
        return (ops, root)
    }

    /// A full commit id as given, or an abbreviated one resolved in the
    /// ops repo; one that names no commit, or more than one object, is
    /// refused (`trust_root_missing`: there is no trust root to start from).
    static func trustRoot(_ text: String?, named name: String, in repository: Repository) throws -> ObjectID? {
        guard let text else { return nil }
        if let id = ObjectID(hex: text) { return id }
        switch try repository.lookupCommit(prefix: text) {
        case .found(let id):
            return id
        case .ambiguous:
            throw WritError(
                .trustRootMissing,
                "\(name) \(text) is ambiguous: more than one object id starts with it; give more digits")
        case .notFound:
            throw WritError(
                .trustRootMissing, "\(name) must be a commit id (7 to 40 hex digits) in the ops repo, got \(text)")
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every intent with its tier, state and the one reason it may not run.",
        discussion: "Exits 3 (still printing the report) when governance is not trusted or the ledger is violated.")

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var trustOptions: TrustOptions

    @Flag(help: "Print JSON Lines: a header object, then one object per intent (docs/json.md).")
    var json = false

    @Flag(
        help: """
            Fetch the governance and ledger branches from the remote first (over its [remote] settings), and the \
            approval branches of the intents still open.
            """)
    var fetch = false

    @Option(
        help: ArgumentHelp(
            "List only the intents this principal (or [members] forge login) could approve now and has not signed.",
            discussion:
                "With no value (--waiting-for last, or before another option): the principal of the operator config.",
            valueName: "principal-or-login"))
    var waitingFor: String?

    func run() throws {
        let (ops, trustRoot) = try trustOptions.resolve(repoOptions)
        if fetch {
            guard let remote = ops.remote else {
                throw RuntimeError(
                    "--fetch needs a remote, and the ops repo has none configured",
                    fix: "--remote, or remote in the config")
            }
            // Only remote-tracking refs move; the newer of each pair is read.
            _ = try ops.repository.fetch(remote: remote, refs: [ops.governanceRef, ops.ledgerRef])
        }
        // The snapshot lets a status over a long history read only what is new.
        var status = try StatusEvaluator(ops: ops).evaluate(
            trustRoot: trustRoot, now: Date(), snapshot: StatusEvaluator.snapshotFile(of: ops))
        // Which approval branches matter is known only now: those of the
        // open intents. Fetched, they are read by a second, warm evaluation.
        if fetch, let remote = ops.remote {
            let branches = status.intents.filter { $0.state == .blocked }.map { "approval/\($0.id.rawValue)" }
            if !branches.isEmpty {
                _ = try ops.repository.fetch(remote: remote, refs: branches)
                status = try StatusEvaluator(ops: ops).evaluate(
                    trustRoot: trustRoot, now: Date(), snapshot: StatusEvaluator.snapshotFile(of: ops))
            }
        }
        if let waitingFor {
            // Only a bare --waiting-for reads the operator config: with a dispatcher.toml
            // as --config, a principal or login is all there is to go on.
            let settings = waitingFor == Self.configPrincipal ? try repoOptions.operatorConfig() : nil
            let principal = try Self.approver(waitingFor, in: status, settings: settings)
            status = status.keeping(status.waiting(for: principal))
        }
        if json {
            try StatusLines.print(status)
        } else {
            try StatusTable.print(status)
            if waitingFor == nil, status.intentCount == 0 {
                // A hint only; the config was already read without error above.
                let flags = SignerOptions.flagsHint(try? repoOptions.operatorConfig())
                print(
                    "no intents yet: propose one with writ propose --kind KIND --target REPO" + flags
                        + (ops.remote == nil ? "" : " --push"))
            }
        }
        if !status.isHealthy { throw ExitCode(ExitStatus.runtime) }
    }
}

extension Status {
    /// The value a bare `--waiting-for` is given: no argv can hold a NUL,
    /// so no principal or login typed on a command line is mistaken for it.
    static let configPrincipal = "\u{0}principal-of-.writ.toml"

    /// `arguments` (after the program name) with a bare `--waiting-for` of
    /// `writ status` (last, or followed by another option) given
    /// `configPrincipal`: the argument parser has no option whose value may
    /// be left out.
    static func optionalValues(_ arguments: [String]) -> [String] {
        guard arguments.first == "status" else { return arguments }
        var rewritten = arguments
        for index in rewritten.indices.dropFirst() {
            if rewritten[index] == "--" { break }
            let next = index + 1 < rewritten.count ? rewritten[index + 1] : nil
            if rewritten[index] == "--waiting-for", next.map({ $0.hasPrefix("-") }) ?? true {
                rewritten[index] = "--waiting-for=" + configPrincipal
            }
        }
        return rewritten
    }

    /// The principal `--waiting-for` names: the operator config's principal for
    /// no value (`configPrincipal`), else a principal or `[members]` login the trusted
    /// policy names. Anything else is a usage error (exit 2) with the
    /// nearest name; under untrusted governance any valid principal is
    /// taken (nothing is waiting then anyway).
    static func approver(_ text: String, in status: OpsStatus, settings: OperatorConfig?) throws -> Principal {
        if text == configPrincipal {
            guard let principal = settings?.principal else {
                throw ValidationError(
                    "--waiting-for with no value means the principal of the operator config (<git dir>/writ.toml), and it "
                        + "names none; "
                        + "give a principal or a [members] login")
            }
            return principal
        }
        guard status.policy != nil else {
            guard let principal = Principal(text) else {
                throw ValidationError(
                    "--waiting-for must be a principal or a [members] login, got \(String(reflecting: text))")
            }
            return principal
        }
        if let principal = status.approver(named: text) { return principal }
        let suggestion = CommandSuggestion.closest(to: text, among: status.approverNames)
        throw ValidationError(
            "--waiting-for \(String(reflecting: text)) is neither a principal of the trusted policy nor a [members] login"
                + (suggestion.map { "; did you mean \(String(reflecting: $0))?" } ?? ""))
    }
}

/// `writ status --json`: a header line (`"type":"status"`, governance and
/// ledger), then one line per intent (`"type":"intent"`), sorted by id.
enum StatusLines {
    private struct Header: Encodable {
        let governance: OpsStatus.Governance
        let ledger: OpsStatus.Ledger
        let intents: Int
        /// The `[[freeze]]` windows active now (SPEC §4.6); the key is
        /// left out while none is, so the header keeps its shape.
        let freezes: [FreezeView]?
    }

    static func print(_ status: OpsStatus) throws {
        var output = BufferedOutput()
        output.write(
            try Output.jsonLine(
                Header(
                    governance: status.governance, ledger: status.ledger, intents: status.intentCount,
                    freezes: status.freezes.isEmpty ? nil : status.freezes.map(FreezeView.init)),
                type: "status"))
        try status.forEachIntentBatch { output.write(pieces: $0) }
        output.flush()
    }
}

/// The human rendering of `writ status`.
enum StatusTable {
    static func print(_ status: OpsStatus) throws {
        let governance = status.governance
        // Untrusted, settled intents below are still true: the trail was
        // judged under the governance trusted when it was written.
        Swift.print(
            (governance.trusted
                ? "governance: trusted" : "governance is untrusted: \(governance.reason?.rawValue ?? "?")")
                + " at \(governance.commit?.hex.prefix(12) ?? "-") — \(governance.detail)")
        let ledger = status.ledger
        Swift.print(
            "ledger:     " + (ledger.ok ? "ok" : "VIOLATED (\(ledger.reason?.rawValue ?? "?"))")
                + " at \(ledger.commit?.hex.prefix(12) ?? "-") — \(ledger.detail)")
        // Every freeze active now (SPEC §4.6): nothing it covers is dispatched until its end.
        for window in status.freezes {
            Swift.print("freeze:     " + FreezeView(window).sentence)
        }
        let rows = try status.allIntents().map { intent in
            [
                intent.id.rawValue, intent.kind ?? "?", intent.tier?.rawValue ?? "?", intent.state.rawValue,
                "\(intent.approvals)/\(intent.required)", intent.reason?.rawValue ?? "-",
            ]
        }
        let header = ["ID", "KIND", "TIER", "STATE", "APPROVALS", "REASON"]
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            Swift.print(
                zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        // A ready intent a dispatcher will not run says why, under the table
        // (ready rows are never stored, so their verdicts are at hand).
        for intent in status.intents where intent.state == .ready {
            if let block = status.dispatchBlock(intent.id) { Swift.print("\(intent.id): \(block.sentence)") }
        }
        // Break-glass runs and their review (SPEC §4.7); the reason is
        // untrusted text, escaped like everything read from records.
        for intent in status.intents {
            if let run = intent.breakGlass { Swift.print(TerminalText.escape("\(intent.id): \(run.summary)")) }
        }
        // Signatures waiting on approval branches: shown, never counted.
        for intent in status.intents {
            if let branch = intent.approvalBranch { Swift.print("\(intent.id): \(branch.summary)") }
        }
    }
}
