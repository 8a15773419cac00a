import ArgumentParser
import Foundation
import WritKit

/// The trust root to evaluate against: `--trust COMMIT`.
struct TrustOptions: ParsableArguments {
    @Option(help: "The pinned governance commit (trust_root) to evaluate trust from.")
    var trust: String?

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

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let status = try StatusEvaluator(ops: try repoOptions.open())
            .evaluate(trustRoot: try trustOptions.trustRoot(), now: Date())
        if json {
            try Output.printJSON(status)
        } else {
            StatusTable.print(status)
        }
        if !status.isHealthy { throw ExitCode(ExitStatus.runtime) }
    }
}

/// The human rendering of `writ status`.
enum StatusTable {
    static func print(_ status: OpsStatus) {
        let governance = status.governance
        Swift.print("governance: " + (governance.trusted ? "trusted" : "NOT TRUSTED (\(governance.reason?.rawValue ?? "?"))")
            + " at \(governance.commit?.hex.prefix(12) ?? "-") — \(governance.detail)")
        let ledger = status.ledger
        Swift.print("ledger:     " + (ledger.ok ? "ok" : "VIOLATED (\(ledger.reason?.rawValue ?? "?"))")
            + " at \(ledger.commit?.hex.prefix(12) ?? "-") — \(ledger.detail)")
        let rows = status.intents.map { intent in
            [intent.id.rawValue, intent.kind ?? "?", intent.tier?.rawValue ?? "?", intent.state.rawValue,
             "\(intent.approvals)/\(intent.required)", intent.reason?.rawValue ?? "-"]
        }
        let header = ["ID", "KIND", "TIER", "STATE", "APPROVALS", "REASON"]
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            Swift.print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}
