import Foundation
import Logging
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `RunRecorder` on its own: a `blocked` event only when the reason
/// changes, host reasons reported every poll, nothing written in a dry run.
@Suite struct RunRecorderTests {
    private func recorder(dryRun: Bool = false) -> RunRecorder {
        RunRecorder(
            runID: "run-test", identity: DispatchParts.dispatcher, dryRun: dryRun,
            logger: Logger(label: "writ.test"))
    }

    private func blockedBefore(_ id: IntentID, _ reason: ReasonCode) throws -> [CountingEvent] {
        DispatchParts.counting([try DispatchParts.event(id, .blocked(reason: reason, detail: "before"))])
    }

    @Test func aNewReasonIsReportedAndKeptAsAnEvent() throws {
        let id = try DispatchParts.id()
        var recorder = recorder()
        let verdict = DispatchParts.verdict(.blocked, id, events: try blockedBefore(id, .notApproved))
        recorder.noteBlocked(id, verdict: verdict, reason: .denied, detail: "denied by bob", now: Date())
        #expect(recorder.entries.map(\.reason) == [.denied])
        #expect(recorder.blockedEvents.count == 1)
        let kept = try #require(recorder.blockedEvents.first)
        #expect(kept.after == 1, "numbered after the intent's last counting event")
        guard case .blocked(let reason, let detail) = kept.event.payload else {
            Issue.record("not a blocked event: \(kept.event.kind)")
            return
        }
        #expect(reason == .denied && detail == "denied by bob")
    }

    @Test func anUnchangedReasonIsNeitherReportedNorWrittenAgain() throws {
        let id = try DispatchParts.id()
        var recorder = recorder()
        let verdict = DispatchParts.verdict(.blocked, id, events: try blockedBefore(id, .notApproved))
        recorder.noteBlocked(id, verdict: verdict, reason: .notApproved, detail: "still", now: Date())
        #expect(recorder.entries.isEmpty)
        #expect(recorder.blockedEvents.isEmpty)
    }

    /// A host reason is in every report while it lasts; its event is still
    /// written only once.
    @Test func anUnchangedHostReasonIsReportedButNotWrittenAgain() throws {
        let id = try DispatchParts.id()
        var recorder = recorder()
        let verdict = DispatchParts.verdict(.blocked, id, events: try blockedBefore(id, .executorMissing))
        recorder.noteBlocked(id, verdict: verdict, reason: .executorMissing, detail: "no executor", now: Date())
        #expect(recorder.entries.map(\.reason) == [.executorMissing])
        #expect(recorder.blockedEvents.isEmpty)
    }

    /// A claim since the last `blocked` makes the same reason new again.
    @Test func aClaimSinceTheLastBlockedMakesTheReasonNew() throws {
        let id = try DispatchParts.id()
        var recorder = recorder()
        let events = DispatchParts.counting([
            try DispatchParts.event(id, .blocked(reason: .notApproved, detail: "before")),
            try DispatchParts.claimed(id, run: "run-a"),
        ])
        #expect(RunRecorder.lastBlockedReason(events) == nil)
        recorder.noteBlocked(
            id, verdict: DispatchParts.verdict(.blocked, id, events: events), reason: .notApproved, detail: "again",
            now: Date())
        #expect(recorder.blockedEvents.map { $0.after } == [2])
    }

    @Test func aDryRunReportsButKeepsNoEvent() throws {
        let id = try DispatchParts.id()
        var recorder = recorder(dryRun: true)
        recorder.noteBlocked(
            id, verdict: DispatchParts.verdict(.blocked, id, events: []), reason: .denied, detail: "denied",
            now: Date())
        #expect(recorder.entries.map(\.result) == [.blocked])
        #expect(recorder.blockedEvents.isEmpty)
    }
}
