import Foundation
import Logging
import WritCore

/// What a poll says about the intents it acted on: the run report's
/// entries, each logged as it is added, and the `blocked` events to publish
/// at the end of the poll.
///
/// Invariant: a `blocked` event is written only when the intent's reason
/// changes (the latest counting `blocked` since its latest claim gives
/// another reason, or there is none), and never in a dry run; an unchanged
/// reason is reported again only when it is a host reason, which nobody
/// approving will ever fix.
struct RunRecorder {
    package let runID: String
    package let identity: Principal
    package let dryRun: Bool
    package let logger: Logger
    package private(set) var entries: [RunReport.Entry] = []
    /// Blocked events to publish at the end of the poll, each with the
    /// sequence number its intent's counting events reached.
    private(set) var blockedEvents: [(event: AuditEvent, after: Int)] = []

    init(runID: String, identity: Principal, dryRun: Bool, logger: Logger) {
        self.runID = runID
        self.identity = identity
        self.dryRun = dryRun
        self.logger = logger
    }

    /// Adds `entry` to the run report and logs it.
    package mutating func record(_ entry: RunReport.Entry) {
        entries.append(entry)
        var metadata: Logger.Metadata = ["intent": "\(entry.id)", "run": "\(runID)"]
        if let reason = entry.reason { metadata["reason"] = "\(reason.rawValue)" }
        if let duration = entry.durationMs { metadata["duration_ms"] = "\(duration)" }
        let level: Logger.Level = entry.result == .failed || entry.result == .inDoubt ? .warning : .info
        logger.log(level: level, "\(entry.result.rawValue)", metadata: metadata)
    }

    /// Reports the intent blocked for `reason`, and keeps a `blocked` event
    /// for it when the reason changed.
    mutating func noteBlocked(
        _ id: IntentID, verdict: Verdict, reason: ReasonCode, detail: String, now: @autoclosure () -> Date
    ) {
        let unchanged = Self.lastBlockedReason(verdict.events) == reason
        // A host reason is in every poll's report (and exit status) while
        // it lasts: nobody approving will ever fix it, and a poll that said
        // nothing would read as green while the intent never runs. The
        // event is still written only when the reason changes.
        guard !unchanged || RunReport.hostReasons.contains(reason) else { return }
        record(.init(id: id, tier: verdict.tier, result: .blocked, reason: reason, durationMs: nil))
        guard !unchanged, !dryRun,
            let event = try? AuditEvent(
                intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now()), actor: identity,
                payload: .blocked(reason: reason, detail: detail))
        else { return }
        blockedEvents.append((event, verdict.events.last?.sequence ?? 0))
    }

    /// Publishes the kept `blocked` events in one commit.
    mutating func publishBlocked(on ledger: inout PollLedger) throws {
        guard !blockedEvents.isEmpty else { return }
        let after = Dictionary(blockedEvents.map { ($0.event.intent, $0.after) }, uniquingKeysWith: max)
        try ledger.publish(
            blockedEvents.map(\.event), message: "writ: blocked \(blockedEvents.count) intent(s) (\(runID))\n",
            after: after, extendingOwnTip: false)
        blockedEvents = []
    }

    /// The reason of the latest counting `blocked` event since the latest
    /// counting claim, nil when there is none.
    static func lastBlockedReason(_ events: [CountingEvent]) -> ReasonCode? {
        for counting in events.reversed() {
            switch counting.event.payload {
            case .blocked(let reason, _): return reason
            case .claimed: return nil
            default: continue
            }
        }
        return nil
    }
}
