import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The dispatcher acts only on events that count (SPEC §3): its lease
/// check, its "reason changed" check for blocked events, its auto-approval
/// check and its outbox all read `EventAuthority.counting`, so a forged or
/// unsigned event can never steer it.
@Suite struct CountingEventsDispatchTests {
    static let farFuture = Timestamp(secondsSinceEpoch: 253_402_214_400)  // 9999-12-31T00:00:00Z

    private func event(_ proposal: Proposer.Proposal, _ payload: AuditEvent.Payload, at: Timestamp = Timestamp(Date()))
        throws -> AuditEvent
    {
        try AuditEvent(
            intent: proposal.intent.id, intentDigest: proposal.digest, at: at,
            actor: try #require(Principal("dispatch-1@example.com")), payload: payload)
    }

    private func claim(_ proposal: Proposer.Proposal, run: String, at: Timestamp = Timestamp(Date())) throws
        -> AuditEvent
    {
        try event(proposal, .claimed(.init(tier: .low, runID: run, idempotencyKey: "k", approvals: [])), at: at)
    }

    /// Appends `files` in an unsigned commit, as anyone with push access could.
    private func appendUnsigned(_ fixture: DispatchFixture, _ files: [String: Data]) throws {
        let repository = fixture.sandbox.ops.repository
        let tip = try fixture.sandbox.ops.ledgerHead()
        let tree = try repository.insert(files, into: try repository.commit(tip).tree)
        let who = GitIdentity(name: "x", email: "x@example.com", date: Date())
        let commit = try repository.createCommit(
            tree: tree, parents: [tip], author: who, committer: who, message: "forged\n")
        try repository.updateRef("writ/ledger", to: commit, expecting: tip)
    }

    private func file(_ event: AuditEvent, _ sequence: Int) -> [String: Data] {
        [event.path(sequence: sequence).path: Data(event.canonicalJSON())]
    }

    private func countingEvents(_ fixture: DispatchFixture, _ id: IntentID) throws -> [CountingEvent] {
        try #require(try fixture.sandbox.status().verdicts[id]).events
    }

    @Test func forgedClaimDatedFarAheadDoesNotKeepACrashedClaimAlive() throws {
        let fixture = try DispatchFixture(claimLease: "1s")
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-crashed")
        let crashed = Date().addingTimeInterval(-60)
        try fixture.sandbox.appendToLedger(
            file(try claim(proposal, run: "run-crashed", at: Timestamp(crashed)), 1), as: "dispatch-1@example.com",
            message: "claim\n")
        try appendUnsigned(fixture, file(try claim(proposal, run: "run-forged", at: Self.farFuture), 2))

        let report = try fixture.dispatcher().poll()
        #expect(report.intents.map(\.result) == [.inDoubt])
        #expect(try fixture.sandbox.status().intents.first?.state == .inDoubt)
        #expect(fixture.runs().isEmpty)
    }

    @Test(arguments: ["unsigned", "mallory@example.com", "agent-1@example.com"])
    func forgedEventsDoNotMakeTheOutboxDropARealOutcome(forger: String) throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-outbox")
        try fixture.sandbox.appendToLedger(
            file(try claim(proposal, run: "run-crashed"), 1), as: "dispatch-1@example.com", message: "claim\n")
        let empty = ContentDigest.sha256(of: [UInt8]())
        let outcome = try event(
            proposal,
            .succeeded(
                AuditEvent.Outcome(
                    exitCode: 0, durationMs: 5, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "real",
                    stderrTail: "")))
        let forgedOutcome = try event(
            proposal,
            .failed(
                AuditEvent.Outcome(
                    exitCode: 1, durationMs: 5, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "forged",
                    stderrTail: "")))
        let forged = file(try claim(proposal, run: "run-forged"), 2).merging(file(forgedOutcome, 3)) { $1 }
        if forger == "unsigned" {
            try appendUnsigned(fixture, forged)
        } else {
            try fixture.sandbox.appendToLedger(forged, as: forger, message: "forged\n")
        }
        let outbox = fixture.directory.appendingPathComponent("state/default/outbox/run-crashed/triage-outbox.json")
        try FileManager.default.createDirectory(
            at: outbox.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(outcome.canonicalJSON()).write(to: outbox)

        _ = try fixture.dispatcher().poll()
        let events = try countingEvents(fixture, proposal.intent.id)
        #expect(events.map(\.event.kind) == [.claimed, .succeeded])
        #expect(events.last?.event == outcome, "the outbox's real outcome is what settles the claim")
        #expect(fixture.runs().isEmpty)
    }

    /// An outcome the strict reader refuses (a `\u0000` escape, as an
    /// executor's NUL once made the dispatcher write) settles nothing for
    /// the dispatcher, exactly as for `writ status` and `writ verify`: the
    /// dispatcher's outcome check reads events with the reader they use.
    @Test func anOutcomeTheStrictReaderRefusesSettlesNothingForTheDispatcherEither() throws {
        let fixture = try DispatchFixture(claimLease: "1s")
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-nul")
        try fixture.sandbox.appendToLedger(
            file(try claim(proposal, run: "run-nul", at: Timestamp(Date().addingTimeInterval(-60))), 1),
            as: "dispatch-1@example.com", message: "claim\n")
        let empty = ContentDigest.sha256(of: [UInt8]())
        let outcome = try event(
            proposal,
            .succeeded(
                AuditEvent.Outcome(
                    exitCode: 0, durationMs: 5, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "okNUL",
                    stderrTail: "")))
        let path = outcome.path(sequence: 2).path
        let bytes = Data(
            String(decoding: outcome.canonicalJSON(), as: UTF8.self)
                .replacingOccurrences(of: "okNUL", with: "ok\\u0000").utf8)
        #expect(throws: (any Error).self) { try AuditEvent.parse(bytes, expectedPath: path) }
        // Signed by the dispatcher itself: entitled, only unreadable.
        try fixture.sandbox.appendToLedger([path: bytes], as: "dispatch-1@example.com", message: "outcome\n")

        // Status and verify: the claim stands alone; the outcome counts for neither.
        let state = try fixture.sandbox.status().intents.first?.state
        #expect(state == .claimed, "\(String(describing: state))")
        let verified = try AuditTestSupport.verify(fixture.sandbox)
        #expect(verified.findings.contains { $0.path == path }, "\(AuditTestSupport.describe(verified))")

        // The dispatcher: not settled, so decided, and in doubt past its lease; never run again.
        let report = try fixture.dispatcher().poll()
        #expect(report.intents.map(\.result) == [.inDoubt])
        #expect(fixture.runs().isEmpty)
        #expect(try countingEvents(fixture, proposal.intent.id).map(\.event.kind) == [.claimed, .inDoubt])
        #expect(try fixture.sandbox.status().intents.first?.state == .inDoubt)
    }

    @Test func forgedBlockedEventDoesNotSilenceARealOne() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.sandbox.propose(
            try fixture.request("release", "release-waiting"), as: "agent-1@example.com")
        try appendUnsigned(fixture, file(try event(proposal, .blocked(reason: .notApproved, detail: "forged")), 1))

        let report = try fixture.dispatcher().poll()
        #expect(report.intents.map(\.reason) == [.notApproved])
        let blocked = try countingEvents(fixture, proposal.intent.id).filter { $0.event.kind == .blocked }
        #expect(blocked.count == 1)
        // Near miss: with the dispatcher's own event there, the next poll writes nothing.
        #expect(try fixture.dispatcher().poll().intents.isEmpty)
    }

    @Test func forgedAutoApprovalIsNotTakenForTheDispatchers() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-auto")
        let forged = try event(proposal, .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote))
        try appendUnsigned(fixture, file(forged, 1))

        _ = try fixture.dispatcher().poll()
        let kinds = try countingEvents(fixture, proposal.intent.id).map(\.event.kind)
        #expect(kinds == [.autoApproved, .claimed, .succeeded])
    }

    /// `10000-` sorts before `9999-` as text; the dispatcher orders by number.
    @Test func eventsPastSequence9999AreOrderedByNumber() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.sandbox.propose(
            try fixture.request("release", "release-long"), as: "agent-1@example.com")
        let files = file(try event(proposal, .blocked(reason: .envMismatch, detail: "older")), 9999)
            .merging(file(try event(proposal, .blocked(reason: .notApproved, detail: "newer")), 10000)) { $1 }
        try fixture.sandbox.appendToLedger(files, as: "dispatch-1@example.com", message: "blocked\n")

        // The latest blocked reason is not_approved, which is still the
        // reason: nothing new to write.
        #expect(try fixture.dispatcher().poll().intents.isEmpty)
    }

    /// A planted `999999999999999999-blocked.json` (not counting) must not
    /// push the dispatcher's numbering past what a ledger path may hold.
    @Test func plantedHugeSequenceDoesNotDerailNumbering() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-planted")
        try appendUnsigned(
            fixture,
            file(try event(proposal, .blocked(reason: .notApproved, detail: "planted")), LedgerPath.maximumSequence))

        let report = try fixture.dispatcher().poll()
        #expect(report.intents.map(\.result) == [.succeeded])
        let status = try fixture.sandbox.status()
        #expect(status.ledger.ok, "\(status.ledger.detail)")
        #expect(try countingEvents(fixture, proposal.intent.id).map(\.sequence) == [1, 2, 3])
        // The next poll is a clean no-op, not a halt on the dispatcher's own writes.
        #expect(try fixture.dispatcher().poll().intents.isEmpty)
    }
}
