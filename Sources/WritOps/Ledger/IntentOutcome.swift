import Foundation
import WritCore

/// What ran: the last `succeeded` or `failed` event of an intent that
/// counts, as `writ show` and the MCP server's `writ_show` report it.
package struct IntentOutcome: Sendable, Equatable {
    /// `succeeded` or `failed`.
    package let event: String
    package let at: Timestamp
    /// The ledger commit that carries the event.
    package let commit: ObjectID
    package let exitCode: Int
    package let durationMs: Int
    /// Redacted when the dispatcher wrote them; untrusted text all the same.
    package let stdoutTail: String
    package let stderrTail: String
}

extension Verdict {
    /// The intent's outcome, nil while nothing has run.
    package var outcome: IntentOutcome? {
        events.reversed().lazy.compactMap { event -> IntentOutcome? in
            switch event.event.payload {
            case .succeeded(let ran), .failed(let ran):
                IntentOutcome(
                    event: event.event.kind.rawValue, at: event.event.at, commit: event.commit,
                    exitCode: ran.exitCode, durationMs: ran.durationMs, stdoutTail: ran.stdoutTail,
                    stderrTail: ran.stderrTail)
            default: nil
            }
        }.first
    }
}
