import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Outcomes a crash left unpublished, in the intent's journal (or, from a
/// dispatcher of before, in `outbox/`), are published on the next poll, but
/// only while they still answer the latest claim, whether executors run one
/// at a time or side by side (`max_parallel`).
@Suite struct OutboxTests {
    private func event(
        _ fixture: DispatchFixture, _ proposal: Proposer.Proposal, _ payload: AuditEvent.Payload,
        by actor: String = "dispatch-1@example.com"
    )
        throws -> AuditEvent
    {
        try AuditEvent(
            intent: proposal.intent.id, intentDigest: proposal.digest, at: Timestamp(Date()),
            actor: try #require(Principal(actor)), payload: payload)
    }

    private func append(_ fixture: DispatchFixture, _ events: [AuditEvent], startingAt sequence: Int, as signer: String)
        throws
    {
        var files: [String: Data] = [:]
        for (offset, event) in events.enumerated() {
            files[event.path(sequence: sequence + offset).path] = Data(event.canonicalJSON())
        }
        try fixture.sandbox.appendToLedger(files, as: signer, message: "events\n")
    }

    /// run-old claimed and crashed; the claim went in doubt, an operator
    /// retried, and run-new claimed again (still running elsewhere).
    /// Returns the ledger commit of run-old's claim.
    @discardableResult
    private func claimAgainAfterARetry(_ fixture: DispatchFixture, _ proposal: Proposer.Proposal) throws -> ObjectID {
        try append(
            fixture,
            [
                try event(
                    fixture, proposal, .claimed(.init(tier: .low, runID: "run-old", idempotencyKey: "k", approvals: []))
                ),
                try event(fixture, proposal, .inDoubt(claimedAt: Timestamp(Date()), detail: "lease passed")),
            ], startingAt: 1, as: "dispatch-1@example.com")
        let oldClaim = try fixture.sandbox.ops.ledgerHead()
        try append(
            fixture,
            [try event(fixture, proposal, .resolved(resolution: .retry, note: "retry"), by: "bob@example.com")],
            startingAt: 3, as: "bob@example.com")
        try append(
            fixture,
            [
                try event(
                    fixture, proposal, .claimed(.init(tier: .low, runID: "run-new", idempotencyKey: "k", approvals: []))
                )
            ], startingAt: 4, as: "dispatch-1@example.com")
        return oldClaim
    }

    private func writeOutbox(_ fixture: DispatchFixture, run: String, _ outcome: AuditEvent) throws {
        let path = fixture.directory.appendingPathComponent(
            "state/default/outbox/\(run)/\(outcome.intent.rawValue).json")
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(outcome.canonicalJSON()).write(to: path)
    }

    /// The journal lines a run that claimed, ran and died before
    /// publishing leaves: `claim`, `published`, `outcome`.
    private func writeJournal(
        _ fixture: DispatchFixture, run: String, claimedIn commit: ObjectID, _ outcome: AuditEvent, torn: Bool = false
    ) throws {
        let store = StateStore(stateDir: fixture.directory.appendingPathComponent("state").path, profile: "default")
        try store.journalAppend(outcome.intent, .init(kind: .claim, runID: run, commit: commit))
        try store.journalAppend(outcome.intent, .init(kind: .published, runID: run, commit: commit))
        let event = Data(outcome.canonicalJSON())
        try store.journalAppend(
            outcome.intent, .init(kind: .outcome, runID: run, commit: commit, event: torn ? event.dropLast(9) : event))
    }

    private func outcome(_ fixture: DispatchFixture, _ proposal: Proposer.Proposal) throws -> AuditEvent {
        let empty = ContentDigest.sha256(of: [UInt8]())
        return try event(
            fixture, proposal,
            .succeeded(
                AuditEvent.Outcome(
                    exitCode: 0, durationMs: 5, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "", stderrTail: ""
                )))
    }

    @Test(arguments: [1, 4]) func recoveredOutcomeIsPublishedForItsOwnClaim(maxParallel: Int) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-recovered")
        let claim = try event(
            fixture, proposal, .claimed(.init(tier: .low, runID: "run-crashed", idempotencyKey: "k", approvals: [])))
        try append(fixture, [claim], startingAt: 1, as: "dispatch-1@example.com")
        try writeOutbox(fixture, run: "run-crashed", try outcome(fixture, proposal))

        _ = try fixture.dispatcher().poll()
        #expect(try fixture.sandbox.status().intents.first?.state == .succeeded)
        #expect(fixture.runs().isEmpty, "the recovered outcome is published, nothing is run again")
    }

    @Test(arguments: [1, 4]) func staleOutcomeDoesNotSettleANewerClaim(maxParallel: Int) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-reclaimed")
        try claimAgainAfterARetry(fixture, proposal)
        try writeOutbox(fixture, run: "run-old", try outcome(fixture, proposal))

        _ = try fixture.dispatcher().poll()
        let status = try fixture.sandbox.status()
        #expect(status.intents.first?.state == .claimed, "the old run's outcome must not settle run-new's claim")
        let outbox = fixture.directory.appendingPathComponent("state/default/outbox/run-old").path
        #expect(!FileManager.default.fileExists(atPath: outbox))
    }

    @Test(arguments: [1, 4]) func journalledOutcomeIsPublishedForItsOwnClaim(maxParallel: Int) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-journalled")
        let claim = try event(
            fixture, proposal, .claimed(.init(tier: .low, runID: "run-crashed", idempotencyKey: "k", approvals: [])))
        try append(fixture, [claim], startingAt: 1, as: "dispatch-1@example.com")
        let outcome = try outcome(fixture, proposal)
        try writeJournal(fixture, run: "run-crashed", claimedIn: try fixture.sandbox.ops.ledgerHead(), outcome)

        let report = try fixture.dispatcher().poll()
        #expect(try fixture.sandbox.status().intents.first?.state == .succeeded)
        #expect(fixture.runs().isEmpty, "the journalled outcome is published, nothing is run again")
        #expect(report.intents.isEmpty, "\(report.intents)")
        let subjects = try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "log", "--format=%s", "-1", "writ/ledger"
        )
        #expect(subjects.hasPrefix("writ: succeeded triage-journalled (recovered)"), "\(subjects)")
        // A second poll finds nothing left to publish.
        let before = try fixture.sandbox.ops.ledgerHead()
        _ = try fixture.dispatcher().poll()
        #expect(try fixture.sandbox.ops.ledgerHead() == before)
    }

    @Test func journalledOutcomeOfAnOlderClaimDoesNotSettleANewerOne() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-rejournalled")
        let oldClaim = try claimAgainAfterARetry(fixture, proposal)
        try writeJournal(fixture, run: "run-old", claimedIn: oldClaim, try outcome(fixture, proposal))

        let before = try fixture.sandbox.ops.ledgerHead()
        _ = try fixture.dispatcher().poll()
        #expect(
            try fixture.sandbox.status().intents.first?.state == .claimed,
            "run-old's outcome must not settle run-new's claim")
        #expect(try fixture.sandbox.ops.ledgerHead() == before, "nothing was published")
        #expect(fixture.runs().isEmpty)
    }

    /// A power loss during the outcome's append leaves a torn last line:
    /// it is not an outcome, and the claim goes in doubt once its lease
    /// passes (never a second run).
    @Test func tornOutcomeLineIsNotAnOutcome() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-torn")
        let claim = try event(
            fixture, proposal, .claimed(.init(tier: .low, runID: "run-torn", idempotencyKey: "k", approvals: [])))
        try append(fixture, [claim], startingAt: 1, as: "dispatch-1@example.com")
        try writeJournal(
            fixture, run: "run-torn", claimedIn: try fixture.sandbox.ops.ledgerHead(), try outcome(fixture, proposal),
            torn: true)
        let store = StateStore(stateDir: fixture.directory.appendingPathComponent("state").path, profile: "default")
        #expect(try store.journalledOutcome(proposal.intent.id, run: "run-torn") == nil)

        let later = Date().addingTimeInterval(3 * 3600)
        _ = try fixture.dispatcher(clock: { later }).poll()
        #expect(try fixture.sandbox.status(at: later).intents.first?.state == .inDoubt)
        #expect(fixture.runs().isEmpty, "never a second run")
    }
}
