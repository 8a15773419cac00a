import ArgumentParser
import Foundation
import WritKit

/// The trust root to evaluate against: `--trust COMMIT`.
struct TrustOptions: ParsableArguments {
    @Option(help: "The pinned governance commit (trust_root) to evaluate trust from.")
    var trust: String?

    @Option(help: "A dispatcher.toml: stands in for --repo, the refs and --trust.")
    var config: String?

    /// The ops repo and trust root, from --config or from --repo/--trust.
    func resolve(_ repoOptions: RepoOptions) throws -> (OpsRepo, ObjectID?) {
        if let config {
            let parsed = try ConfigFile.load(config)
            return (
                try OpsRepo(path: parsed.opsRepo, governanceRef: parsed.governanceRef, ledgerRef: parsed.ledgerRef),
                parsed.trustRoot
            )
        }
        return (try repoOptions.open(), try trustRoot())
    }

    func trustRoot() throws -> ObjectID? {
        guard let trust else { return nil }
        guard let id = ObjectID(hex: trust) else {
            throw WritError(.trustRootMissing, "--trust must be a full 40-hex commit id, got \(trust)")
        }
        return id
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

    func run() throws {
        let (ops, trustRoot) = try trustOptions.resolve(repoOptions)
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: Date())
        if json {
            try StatusLines.print(status)
        } else {
            StatusTable.print(status)
        }
        if !status.isHealthy { throw ExitCode(ExitStatus.runtime) }
    }
}

/// `writ status --json`: a header line (`"type":"status"`, governance and
/// ledger), then one line per intent (`"type":"intent"`), sorted by id.
enum StatusLines {
    private struct Header: Encodable {
        let governance: OpsStatus.Governance
        let ledger: OpsStatus.Ledger
        let intents: Int
    }

    static func print(_ status: OpsStatus) throws {
        try Output.printJSON(
            Header(governance: status.governance, ledger: status.ledger, intents: status.intents.count),
            type: "status")
        try Output.printJSONLines(status.intents, type: "intent")
    }
}

/// The human rendering of `writ status`.
enum StatusTable {
    static func print(_ status: OpsStatus) {
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
        let rows = status.intents.map { intent in
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
    }
}
