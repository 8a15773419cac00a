import WritCore

/// Why a dispatcher did not run an intent that the policy holds ready: the
/// latest counting `blocked` event since the latest counting claim, when its
/// reason is one only a dispatcher can see (a host's executor, environment,
/// secret or clone; its transport gates; its own journal). The policy
/// verdict cannot see these, so without this an intent that never runs
/// would read "ready" in `writ status` and `writ show` for as long as the
/// host stays broken.
package struct DispatchBlock: Sendable, Equatable {
    /// The dispatcher that wrote the event.
    package let actor: Principal
    package let reason: ReasonCode
    /// The event's detail, as written (untrusted: escape it to print it).
    package let detail: String
    package let at: Timestamp
    /// The ledger commit that added the event.
    package let commit: ObjectID

    /// Reasons a dispatcher blocks a policy-ready intent for. A blocked
    /// event with any other reason (`not_approved`, `gate_missing`, …) was
    /// the policy's answer before the intent became ready, and is stale.
    static let dispatcherReasons: Set<ReasonCode> = RunReport.hostReasons.union([
        .alreadyExecuted, .transportDisabled, .repoNotAllowlisted, .remoteMismatch, .forbiddenOperation,
        .intentMalformed,
    ])

    /// The block holding `verdict`'s intent, nil when the verdict is not
    /// `ready` or no dispatcher has said why it did not run it.
    package static func of(_ verdict: Verdict) -> DispatchBlock? {
        guard verdict.state == .ready else { return nil }
        return latest(in: verdict.events)
    }

    /// The latest counting `blocked` event since the latest claim, when it
    /// is a dispatcher's reason.
    package static func latest(in events: [CountingEvent]) -> DispatchBlock? {
        for counting in events.reversed() {
            switch counting.event.payload {
            case .blocked(let reason, let detail):
                guard dispatcherReasons.contains(reason) else { return nil }
                return DispatchBlock(
                    actor: counting.event.actor, reason: reason, detail: detail, at: counting.event.at,
                    commit: counting.commit)
            case .claimed, .resolved, .succeeded, .failed, .inDoubt, .withdrawn:
                return nil
            default:
                continue
            }
        }
        return nil
    }

    /// `ready per policy, blocked on dispatch-1: executor_missing: <detail>`,
    /// the actor and detail escaped for a terminal.
    package var sentence: String {
        "ready per policy, blocked on \(TerminalText.escape(actor.rawValue)): \(reason.rawValue): "
            + TerminalText.escape(detail)
    }
}

/// A remote write made in `[transport] mode = "record"`: its `projection`
/// event is the whole effect, nothing was sent (SPEC §7).
package struct RecordedProjection: Sendable, Equatable {
    package let operation: String
    /// The projection's target (untrusted: escape it to print it).
    package let target: String
    package let key: String
    package let at: Timestamp
    /// The ledger commit that added the event.
    package let commit: ObjectID

    /// What show and the report say about it.
    package static let notice = "recorded: nothing is sent until [transport] mode = live"

    /// The intent's recorded projection, when its outcome is one: a counting
    /// `projection` event with no open claim before it (a live write's
    /// projection follows its claim), and no claim after it.
    package static func of(_ verdict: Verdict) -> RecordedProjection? {
        var open = false
        var recorded: RecordedProjection?
        for counting in verdict.events {
            switch counting.event.payload {
            case .claimed:
                open = true
                recorded = nil
            case .succeeded, .failed, .resolved:
                open = false
            case .projection(let operation, let target, let key) where !open:
                recorded = RecordedProjection(
                    operation: operation, target: target, key: key, at: counting.event.at, commit: counting.commit)
            default:
                continue
            }
        }
        return recorded
    }
}
