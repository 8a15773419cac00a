import Foundation
import Logging
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `ClaimPublisher` driven directly on a sandbox ops repo, without a poll:
/// a claim on the tip it was decided on, a claim that loses its race to
/// another claim, and the journal that forbids a second claim.
@Suite struct ClaimPublisherTests {
    /// The parts a poll would build, over the fixture's ops repo.
    private struct Rig {
        let fixture: DispatchFixture
        let store: StateStore
        let lock: ProfileLock
        var ledger: PollLedger
        var claims: ClaimPublisher

        init(_ fixture: DispatchFixture) throws {
            self.fixture = fixture
            let config = try fixture.config()
            let ops = try OpsRepo(
                path: config.opsRepo, governanceRef: config.governanceRef, ledgerRef: config.ledgerRef)
            store = StateStore(stateDir: config.stateDir, profile: config.profile)
            lock = try ProfileLock.acquire(
                stateDir: config.stateDir, profile: config.profile, ttlSeconds: config.lockTTLSeconds)
            let signer = try SigningIdentity(principal: config.identity, keyPath: config.signingKey)
            let sync = LedgerSync(ops: ops, store: store)
            var state = DispatchState(trustRoot: config.trustRoot)
            let view = try sync.sync(&state, now: Date())
            let logger = Logger(label: "writ.test")
            ledger = PollLedger(
                sync: sync, publisher: LedgerPublisher(ops: ops, remote: nil, signer: signer), lock: lock,
                runID: "run-test", logger: logger, clock: { Date() }, state: state, view: view)
            claims = ClaimPublisher(store: store, signer: signer, identity: config.identity, logger: logger)
        }

        func verdict(_ id: IntentID) throws -> Verdict {
            ledger.decide(try #require(try ledger.evidence(for: id)))
        }

        mutating func claim(_ id: IntentID, _ verdict: Verdict) throws -> (commit: ObjectID, sequence: Int)? {
            try claims.claim(
                id, verdict: verdict, intent: try #require(verdict.intent), tier: .low,
                numberAfter: verdict.events.last?.sequence ?? 0, reopensInDoubt: false, on: &ledger)
        }
    }

    @Test func aClaimIsJournalledPublishedAndCounts() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let id = try fixture.proposeLow("triage-claimed").intent.id
        var rig = try Rig(fixture)
        defer { rig.lock.release() }
        let verdict = try rig.verdict(id)
        #expect(verdict.state == .ready)

        let claimed = try #require(try rig.claim(id, verdict))
        #expect(try fixture.sandbox.ops.ledgerHead() == claimed.commit)
        #expect(rig.ledger.ownTip == claimed.commit, "the next claim needs no sync")
        #expect(try rig.store.journal(id).map(\.kind) == [.claim, .published])
        #expect(try rig.store.claims(id).map(\.commit) == [claimed.commit])
        // auto_approved and claimed, numbered 1 and 2.
        #expect(claimed.sequence == 2)
        try rig.ledger.resync()
        let after = try rig.verdict(id)
        #expect(after.state == .claimed)
        #expect(after.events.map(\.event.kind) == [.autoApproved, .claimed])
        // The journal now forbids claiming it again.
        let blocking = try rig.claims.blockingClaim(id, events: after.events, in: rig.ledger.ops)
        #expect(blocking?.commit == claimed.commit)
    }

    /// Another run claims the intent after this one decided it ready: the
    /// claim is decided again on the new tip and not made.
    @Test func aClaimThatLostItsRaceIsNotMade() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-raced")
        let id = proposal.intent.id
        var rig = try Rig(fixture)
        defer { rig.lock.release() }
        let verdict = try rig.verdict(id)
        #expect(verdict.state == .ready)

        let rival = try AuditEvent(
            intent: id, intentDigest: proposal.digest, at: Timestamp(Date()),
            actor: try fixture.sandbox.identity("dispatch-1@example.com").principal,
            payload: .claimed(.init(tier: .low, runID: "run-rival", idempotencyKey: id.rawValue, approvals: [])))
        try fixture.sandbox.appendToLedger(
            [rival.path(sequence: 1).path: Data(rival.canonicalJSON())], as: "dispatch-1@example.com",
            message: "claim\n")
        let rivalTip = try fixture.sandbox.ops.ledgerHead()

        #expect(try rig.claim(id, verdict) == nil)
        #expect(try fixture.sandbox.ops.ledgerHead() == rivalTip, "nothing was written")
        #expect(try rig.store.journal(id).isEmpty, "nothing was journalled")
        #expect(rig.ledger.view.ledgerTip == rivalTip, "the view caught up with the rival's claim")
    }

    /// The proposer withdraws the intent after this run decided it ready:
    /// the claim is decided again on the new tip, finds it withdrawn, and is
    /// not made, so no executor starts (SPEC §4.8).
    @Test func aClaimThatLostItsRaceToAWithdrawalIsNotMade() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let id = try fixture.proposeLow("triage-withdrawn").intent.id
        var rig = try Rig(fixture)
        defer { rig.lock.release() }
        let verdict = try rig.verdict(id)
        #expect(verdict.state == .ready)

        try OperatorEvents(ops: fixture.sandbox.ops).withdraw(
            id, note: "", as: try fixture.sandbox.identity("agent-1@example.com"), now: Date())
        let withdrawnTip = try fixture.sandbox.ops.ledgerHead()

        #expect(try rig.claim(id, verdict) == nil)
        #expect(try fixture.sandbox.ops.ledgerHead() == withdrawnTip, "nothing was written")
        #expect(try rig.store.claims(id).isEmpty)
        #expect(try rig.verdict(id).state == .withdrawn)
    }

    /// A claim followed by an entitled `resolved(retry)` no longer blocks.
    @Test func aRetriedClaimNoLongerBlocks() throws {
        let id = try DispatchParts.id()
        let claim = try DispatchParts.claimed(id, run: "run-a")
        let retry = try DispatchParts.event(id, .resolved(resolution: .retry, note: "again"))
        let claimOnly = DispatchParts.counting([claim])
        let retried = DispatchParts.counting([claim, retry])
        #expect(!ClaimPublisher.isRetried(claimIn: DispatchParts.commit(1), events: claimOnly))
        #expect(ClaimPublisher.isRetried(claimIn: DispatchParts.commit(1), events: retried))
        // A retry before the claim does not count for it.
        let before = DispatchParts.counting([retry, claim])
        #expect(!ClaimPublisher.isRetried(claimIn: DispatchParts.commit(2), events: before))
    }
}
