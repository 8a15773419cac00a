import Foundation
import Testing

@testable import WritKit

/// Outcomes left in the outbox by a crash are published on the next poll,
/// but only while they still answer the latest claim, whether executors run
/// one at a time or side by side (`max_parallel`).
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

    private func writeOutbox(_ fixture: DispatchFixture, run: String, _ outcome: AuditEvent) throws {
        let path = fixture.directory.appendingPathComponent(
            "state/default/outbox/\(run)/\(outcome.intent.rawValue).json")
        try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(outcome.canonicalJSON()).write(to: path)
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
        // run-old claimed and crashed; the claim went in doubt, an operator
        // retried, and run-new claimed again (still running elsewhere).
        try append(
            fixture,
            [
                try event(
                    fixture, proposal, .claimed(.init(tier: .low, runID: "run-old", idempotencyKey: "k", approvals: []))
                ),
                try event(fixture, proposal, .inDoubt(claimedAt: Timestamp(Date()), detail: "lease passed")),
            ], startingAt: 1, as: "dispatch-1@example.com")
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
        try writeOutbox(fixture, run: "run-old", try outcome(fixture, proposal))

        _ = try fixture.dispatcher().poll()
        let status = try fixture.sandbox.status()
        #expect(status.intents.first?.state == .claimed, "the old run's outcome must not settle run-new's claim")
        let outbox = fixture.directory.appendingPathComponent("state/default/outbox/run-old").path
        #expect(!FileManager.default.fileExists(atPath: outbox))
    }
}
