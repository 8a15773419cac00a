import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `OutcomeRecovery` on its own: which journalled outcome of an earlier
/// claim is still to be published, judged from the journal and the
/// intent's counting events only.
@Suite struct OutcomeRecoveryTests {
    private func withStore(_ name: String = #function, _ body: (StateStore) throws -> Void) throws {
        let directory = try GitTestSupport.scratch(name)
        defer { GitTestSupport.remove(directory) }
        try body(StateStore(stateDir: directory.path, profile: "default"))
    }

    private func journal(_ store: StateStore, _ id: IntentID, run: String, outcome: AuditEvent?) throws {
        let claim = DispatchParts.commit(1)
        try store.journalAppend(id, .init(kind: .claim, runID: run, commit: claim))
        try store.journalAppend(id, .init(kind: .published, runID: run, commit: claim))
        if let outcome {
            try store.journalAppend(
                id, .init(kind: .outcome, runID: run, commit: claim, event: Data(outcome.canonicalJSON())))
        }
    }

    @Test func aClaimWhoseOutcomeIsOnlyInTheJournalIsRecovered() throws {
        try withStore { store in
            let id = try DispatchParts.id()
            let outcome = try DispatchParts.outcome(id)
            try journal(store, id, run: "run-a", outcome: outcome)
            let events = DispatchParts.counting([try DispatchParts.claimed(id, run: "run-a")])
            #expect(try OutcomeRecovery(store: store).outcomeToRecover(id, events: events) == outcome)
        }
    }

    @Test func aClaimWithoutAJournalledOutcomeRecoversNothing() throws {
        try withStore { store in
            let id = try DispatchParts.id()
            try journal(store, id, run: "run-a", outcome: nil)
            let events = DispatchParts.counting([try DispatchParts.claimed(id, run: "run-a")])
            #expect(try OutcomeRecovery(store: store).outcomeToRecover(id, events: events) == nil)
        }
    }

    /// The ledger already holds an outcome for the claim (this one, or
    /// another): publishing the journalled one would answer it twice.
    @Test func aClaimAlreadyAnsweredOnTheLedgerRecoversNothing() throws {
        try withStore { store in
            let id = try DispatchParts.id()
            let outcome = try DispatchParts.outcome(id)
            try journal(store, id, run: "run-a", outcome: outcome)
            let claim = try DispatchParts.claimed(id, run: "run-a")
            let recovery = OutcomeRecovery(store: store)
            #expect(try recovery.outcomeToRecover(id, events: DispatchParts.counting([claim, outcome])) == nil)
            let other = try DispatchParts.outcome(id, exitCode: 3)
            #expect(try recovery.outcomeToRecover(id, events: DispatchParts.counting([claim, other])) == nil)
        }
    }

    /// A later claim by another run (a retry, another dispatcher) is not
    /// answered by the outcome of the earlier one.
    @Test func anOutcomeOfAClaimThatIsNoLongerTheLatestIsNotRecovered() throws {
        try withStore { store in
            let id = try DispatchParts.id()
            try journal(store, id, run: "run-a", outcome: try DispatchParts.outcome(id))
            let events = DispatchParts.counting([
                try DispatchParts.claimed(id, run: "run-a"),
                try DispatchParts.event(id, .resolved(resolution: .retry, note: "again")),
                try DispatchParts.claimed(id, run: "run-b"),
            ])
            #expect(try OutcomeRecovery(store: store).outcomeToRecover(id, events: events) == nil)
            #expect(OutcomeRecovery.lastClaim(events).map { $0 == events[2].event } == true)
        }
    }

    /// Only a counting claim is answered: with none, a journalled outcome stays put.
    @Test func withoutACountingClaimNothingIsRecovered() throws {
        try withStore { store in
            let id = try DispatchParts.id()
            try journal(store, id, run: "run-a", outcome: try DispatchParts.outcome(id))
            #expect(try OutcomeRecovery(store: store).outcomeToRecover(id, events: []) == nil)
        }
    }
}
