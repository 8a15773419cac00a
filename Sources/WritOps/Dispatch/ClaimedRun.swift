import Foundation
import WritCore
import WritSystem

/// One execution whose claim is journalled and durable: everything the
/// thread that runs it needs, and nothing it must not touch (no repository,
/// no lock, no poll state), so it may run on a worker (`ExecutorPool`).
struct ClaimedRun: Sendable {
    package let id: IntentID
    package let tier: Tier
    package let intentDigest: ContentDigest
    package let actor: Principal
    /// Holds secret values; kept in memory, never written or logged.
    let plan: ExecutionPlan
    /// The run that claimed, its claim commit, and the journal the outcome
    /// is recorded in (the intent's own file: no two runs of one poll
    /// share one, and the poll's thread writes it only before the run).
    package let runID: String
    package let claimCommit: ObjectID
    let store: StateStore
    /// The sequence number of the claim, which the outcome is numbered after.
    let claimedSequence: Int
    package let idempotent: Bool
    package let clock: @Sendable () -> Date

    /// Runs the executor (its own output pipes, its own redactor and
    /// digests: nothing is shared with another run) and appends the outcome
    /// event durably to the intent's journal, so that it is recorded before
    /// anyone publishes it: if the process dies now, the next poll
    /// publishes it.
    func execute() -> FinishedRun {
        FinishedRun(
            run: self,
            outcome: Result {
                let result = try Subprocess.run(plan)
                let outcome = AuditEvent.Outcome(
                    exitCode: result.exitCode, durationMs: result.durationMs, stdoutSHA256: result.stdoutSHA256,
                    stderrSHA256: result.stderrSHA256, stdoutTail: result.stdoutTail, stderrTail: result.stderrTail)
                let event = try AuditEvent(
                    intent: id, intentDigest: intentDigest, at: Timestamp(clock()), actor: actor,
                    payload: result.exitCode == 0 ? .succeeded(outcome) : .failed(outcome))
                try store.journalAppend(
                    id, .init(kind: .outcome, runID: runID, commit: claimCommit, event: Data(event.canonicalJSON())))
                return FinishedRun.Executed(event: event, exitCode: result.exitCode, durationMs: result.durationMs)
            })
    }
}

/// A `ClaimedRun` that ended: its outcome, in the journal, or why there is none.
struct FinishedRun: Sendable {
    struct Executed: Sendable {
        package let event: AuditEvent
        package let exitCode: Int
        package let durationMs: Int
    }

    package let run: ClaimedRun
    /// A failure means the runner could not work or the journal could not be
    /// written: the claim stays without an outcome and goes in doubt.
    package let outcome: Result<Executed, any Error>
}
