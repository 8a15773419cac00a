import ArgumentParser
import Foundation
import WritKit

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Show one intent: its file, each approval with its verified signer and merge commit, its events, the verdict."
    )

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var trustOptions: TrustOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        let (ops, trustRoot) = try trustOptions.resolve(repoOptions)
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: Date())
        guard let summary = status.intents.first(where: { $0.id == intentID }) else {
            throw WritError(.intentMalformed, "no intent \(intentID) on the ledger")
        }
        let verdict = status.verdicts[intentID]
        let events = (status.events[intentID] ?? []).map { evidence in
            ShownEvent(
                path: evidence.path, commit: evidence.commit.hex,
                signers: evidence.signers.map(\.rawValue).sorted(), counts: evidence.counts ?? false,
                event: try? AuditEvent.parse(evidence.bytes, expectedPath: evidence.path))
        }
        let shown = Shown(
            id: intentID.rawValue, kind: summary.kind, tier: summary.tier?.rawValue,
            proposer: verdict?.intent?.proposer.rawValue, summary: verdict?.intent?.summary,
            target: verdict?.intent?.target.repo, intent_digest: verdict?.intentDigest.description,
            state: summary.state.rawValue, reason: summary.reason?.rawValue, detail: summary.detail,
            approvals: summary.approvals, required: summary.required,
            counted: verdict?.counted ?? [], discarded: verdict?.discarded ?? [], events: events,
            governance_trusted: status.governance.trusted, ledger_ok: status.ledger.ok)
        if json {
            try Output.printJSON(shown)
        } else {
            shown.printText()
        }
        if !status.isHealthy { throw ExitCode(ExitStatus.runtime) }
    }

    struct ShownEvent: Encodable {
        let path: String
        let commit: String
        let signers: [String]
        /// Whether the event counts, as the one ledger walk judged it.
        let counts: Bool
        let event: AuditEvent?
    }

    struct Shown: Encodable {
        let id: String, kind: String?, tier: String?, proposer: String?, summary: String?, target: String?
        let intent_digest: String?, state: String, reason: String?, detail: String
        let approvals: Int, required: Int
        let counted: [CountedApproval], discarded: [DiscardedRecord], events: [ShownEvent]
        let governance_trusted: Bool, ledger_ok: Bool

        func printText() {
            print("\(id): \(summary ?? "(unreadable intent)")")
            print("  kind \(kind ?? "?"), tier \(tier ?? "?"), proposed by \(proposer ?? "?") for \(target ?? "?")")
            print("  digest \(intent_digest ?? "?")")
            print("  verdict: \(state)" + (reason.map { " (\($0))" } ?? "") + " — \(detail)")
            print("  approvals: \(approvals) of \(required)")
            for approval in counted {
                print(
                    "    ✓ \(approval.approver) (signature verified), merged in \(approval.commit.hex.prefix(12)), record \(approval.recordDigest)"
                )
            }
            for record in discarded {
                print("    ✗ \(record.kind.rawValue) \(record.path): \(record.reason.rawValue) — \(record.detail)")
            }
            print("  events: \(events.count)")
            for event in events {
                let name = event.event.map { "\($0.kind.rawValue) by \($0.actor)" } ?? "unreadable"
                let signers =
                    event.signers.isEmpty
                    ? "unsigned or untrusted" : "signed by " + event.signers.joined(separator: ", ")
                print(
                    "    \(event.path.split(separator: "/").last ?? ""): \(name), commit \(event.commit.prefix(12)), \(signers)"
                        + (event.counts ? "" : ", does not count"))
            }
        }
    }
}
