import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Hand-made counting events and verdicts for driving the dispatcher's
/// parts (`OutcomeRecovery`, `RunRecorder`, `ClaimPublisher`) without a
/// poll or a ledger.
enum DispatchParts {
    static let dispatcher = Principal("dispatch-1@example.com")!
    static let digest = ContentDigest.sha256(of: Array("intent".utf8))
    static let at = Timestamp(secondsSinceEpoch: 1_800_000_000)

    static func id(_ text: String = "triage-one") throws -> IntentID { try #require(IntentID(text)) }

    /// A commit id made from `n`, distinct per `n`.
    static func commit(_ n: Int) -> ObjectID {
        ObjectID(hex: String(repeating: "0", count: 40 - String(n, radix: 16).count) + String(n, radix: 16))!
    }

    static func event(_ id: IntentID, _ payload: AuditEvent.Payload) throws -> AuditEvent {
        try AuditEvent(intent: id, intentDigest: digest, at: at, actor: dispatcher, payload: payload)
    }

    static func claimed(_ id: IntentID, run: String) throws -> AuditEvent {
        try event(id, .claimed(.init(tier: .low, runID: run, idempotencyKey: id.rawValue, approvals: [])))
    }

    static func outcome(_ id: IntentID, exitCode: Int = 0) throws -> AuditEvent {
        let empty = ContentDigest.sha256(of: [UInt8]())
        let outcome = AuditEvent.Outcome(
            exitCode: exitCode, durationMs: 7, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "",
            stderrTail: "")
        return try event(id, exitCode == 0 ? .succeeded(outcome) : .failed(outcome))
    }

    /// `events` as counting events numbered 1, 2, …, each added by its own commit.
    static func counting(_ events: [AuditEvent]) -> [CountingEvent] {
        events.enumerated().map { index, event in
            CountingEvent(
                path: event.path(sequence: index + 1).path, sequence: index + 1, commit: commit(index + 1),
                event: event)
        }
    }

    static func verdict(_ state: IntentState, _ id: IntentID, events: [CountingEvent]) -> Verdict {
        Verdict(
            state: state, reason: nil, detail: "", intent: nil, intentDigest: digest, tier: .low, approvalsCounted: 0,
            approvalsRequired: 0, counted: [], discarded: [], events: events)
    }
}
