import Foundation
import WritCore
import WritSystem

/// Finds and publishes the outcomes of claims made earlier that a poll
/// which died could not publish: those this dispatcher journalled
/// (`journal/`), and those a dispatcher from before outcomes went to the
/// journal left in `outbox/<run>/<id>.json`.
///
/// Invariant: an outcome is published only while it still answers its
/// claim — the latest counting claim is that run's, and no counting outcome
/// (this one included) answers it yet — judged from counting events only,
/// so a forged claim or outcome can neither get a real outcome dropped nor
/// one published twice.
struct OutcomeRecovery {
    let store: StateStore

    /// The outcome this dispatcher journalled for the intent's latest
    /// counting claim, when it still answers that claim; nil otherwise.
    func outcomeToRecover(_ id: IntentID, events: [CountingEvent]) throws -> AuditEvent? {
        guard case .claimed(let claim)? = Self.lastClaim(events)?.payload,
            let event = try store.journalledOutcome(id, run: claim.runID),
            Self.stillAnswersClaim(of: claim.runID, events: events, outcome: event)
        else { return nil }
        return event
    }

    /// Publishes the outcome `outcomeToRecover` finds for a claimed intent
    /// and brings the view up to date. Says whether it published one.
    func recover(_ id: IntentID, verdict: Verdict, on ledger: inout PollLedger) throws -> Bool {
        guard let event = try outcomeToRecover(id, events: verdict.events) else { return false }
        try ledger.publish(
            [event], message: "writ: \(event.kind.rawValue) \(id) (recovered)\n",
            after: Self.numbering(id, after: verdict), extendingOwnTip: true)
        try ledger.resync()
        return true
    }

    /// Publishes the outcomes left in `outbox/` under the same rule as
    /// `recover`, and removes the folder.
    func flushOutbox(on ledger: inout PollLedger) throws {
        let folder = store.root + "/outbox"
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for run in runs.sorted() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + run)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") {
                let path = folder + "/" + run + "/" + name
                guard let bytes = try StateFiles.read(path), let event = try? AuditEvent.parse(bytes) else { continue }
                if let evidence = try ledger.evidence(for: event.intent) {
                    let verdict = ledger.decide(evidence)
                    if Self.stillAnswersClaim(of: run, events: verdict.events, outcome: event) {
                        try ledger.publish(
                            [event], message: "writ: \(event.kind.rawValue) \(event.intent) (recovered)\n",
                            after: Self.numbering(event.intent, after: verdict), extendingOwnTip: false)
                        try ledger.resync()
                    }
                }
                try? FileManager.default.removeItem(atPath: path)
            }
            try? FileManager.default.removeItem(atPath: folder + "/" + run)
        }
    }

    /// Whether an outcome from `run` should still be published: the latest
    /// counting claim is that run's, and no counting outcome (this one
    /// included) answers it yet.
    static func stillAnswersClaim(of run: String, events: [CountingEvent], outcome: AuditEvent) -> Bool {
        guard let last = events.lastIndex(where: { $0.event.kind == .claimed }),
            case .claimed(let claim) = events[last].event.payload, claim.runID == run
        else { return false }
        return !events[(last + 1)...].contains { entry in
            entry.event == outcome || entry.event.kind == .succeeded || entry.event.kind == .failed
        }
    }

    /// The latest counting claim.
    static func lastClaim(_ events: [CountingEvent]) -> AuditEvent? {
        events.last { $0.event.kind == .claimed }?.event
    }

    /// The sequence number new events of the verdict's intent follow: the
    /// highest among the events that count (events that do not count, a
    /// planted `999999999999999999-blocked.json` among them, are not
    /// numbered after).
    static func numbering(_ id: IntentID, after verdict: Verdict) -> [IntentID: Int] {
        [id: verdict.events.last?.sequence ?? 0]
    }
}
