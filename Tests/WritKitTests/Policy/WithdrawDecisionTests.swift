import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The `withdrawn` event (SPEC §3, §4.8): who may write it, and where it
/// stands in the replay. By ledger order exactly one of a claim and a
/// withdrawal counts.
@Suite("Decision engine: withdrawal")
struct WithdrawDecisionTests {
    typealias W = PolicyWorld

    static func claimed(_ tier: Tier) -> AuditEvent.Payload {
        .claimed(.init(tier: tier, runID: "run-1", idempotencyKey: "k", approvals: []))
    }

    static let ran = AuditEvent.Payload.succeeded(
        .init(
            exitCode: 0, durationMs: 5, stdoutSHA256: .sha256(of: [UInt8]()), stderrSHA256: .sha256(of: [UInt8]()),
            stdoutTail: "", stderrTail: ""))

    @Test func theProposerWithdrawsAnOpenIntent() throws {
        let world = PolicyWorld()
        let intent = try world.intent(id: "triage-1", kind: "triage")
        let withdrawn = try world.event(of: intent, 1, .withdrawn(note: "not needed any more"), signers: [W.agent])
        let verdict = try world.decide(intent, [], [withdrawn])
        #expect(verdict.state == .withdrawn)
        #expect(verdict.state.isSettled)
        #expect(verdict.reason == .withdrawn)
        #expect(verdict.detail.contains("agent-1@example.com"), "\(verdict.detail)")
        #expect(verdict.detail.contains("not needed any more"), "\(verdict.detail)")
        #expect(verdict.events.map(\.event.kind) == [.withdrawn])
        #expect(verdict.discarded.isEmpty)
    }

    @Test func aRoleOfTheTierWithdrawsToo() throws {
        let world = PolicyWorld()
        // Medium: operators and admins; high: admins only.
        let medium = try world.intent(id: "dev-1", kind: "dev")
        let byOperator = try world.event(of: medium, 1, .withdrawn(note: ""), signers: [W.bob])
        #expect(try world.decide(medium, [], [byOperator]).state == .withdrawn)
        let high = try world.intent(id: "release-1", kind: "release")
        let byAdmin = try world.event(of: high, 1, .withdrawn(note: "wrong version"), signers: [W.alice])
        let verdict = try world.decide(high, [], [byAdmin])
        #expect(verdict.state == .withdrawn)
        #expect(verdict.detail.contains("alice@example.com"))
    }

    @Test func aStrangerOrADispatcherCannotWithdraw() throws {
        let world = PolicyWorld()
        let high = try world.intent(id: "release-1", kind: "release")
        // bob is an operator, not an admin; the dispatcher and the gatekeeper
        // write other events; mallory holds no role; an unsigned commit nobody.
        for signers: Set<Principal> in [[W.bob], [W.dispatcher], [W.gatekeeper], [W.mallory], []] {
            let event = try world.event(of: high, 1, .withdrawn(note: "mine now"), signers: signers)
            let verdict = try world.decide(high, [], [event])
            #expect(verdict.state == .blocked, "\(signers)")
            #expect(verdict.reason == .notApproved, "\(signers)")
            #expect(verdict.events.isEmpty)
            #expect(verdict.discarded.map(\.reason) == [.ledgerViolation], "\(signers)")
        }
        // And the approvals still decide it: ready once two admins approve.
        let stranger = try world.event(of: high, 1, .withdrawn(note: ""), signers: [W.dispatcher])
        let approvals = [
            try world.approval(of: high, by: W.alice), try world.approval(of: high, by: W.carol, commit: 101),
        ]
        #expect(try world.decide(high, approvals, [stranger]).state == .ready)
    }

    @Test func anActorThatIsNotTheSignerDoesNotCount() throws {
        let world = PolicyWorld()
        let intent = try world.intent(id: "dev-1", kind: "dev")
        // bob may withdraw a medium intent, but the event says the agent did.
        let event = try AuditEvent(
            intent: try #require(IntentID("dev-1")), intentDigest: Intent.digest(ofFileBytes: intent.bytes),
            at: W.created, actor: W.agent, payload: .withdrawn(note: "on their behalf"))
        let evidence = EventEvidence(
            path: event.path(sequence: 1).path, bytes: Data(event.canonicalJSON()), commit: oid(201), signers: [W.bob])
        let verdict = try world.decide(intent, [], [evidence])
        #expect(verdict.state == .blocked)
        #expect(verdict.discarded.count == 1)
        #expect(verdict.discarded.first?.detail.contains("signed by bob@example.com") == true)
    }

    @Test func aWithdrawalAfterAClaimIsDiscarded() throws {
        let world = PolicyWorld()
        let intent = try world.intent(id: "triage-1", kind: "triage")
        let events = [
            try world.event(
                of: intent, 1, .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote), signers: [W.dispatcher]),
            try world.event(of: intent, 2, Self.claimed(.low), signers: [W.dispatcher]),
            try world.event(of: intent, 3, .withdrawn(note: "too late"), signers: [W.agent]),
        ]
        let verdict = try world.decide(intent, [], events)
        #expect(verdict.state == .claimed)
        #expect(verdict.reason == nil)
        #expect(verdict.events.map(\.event.kind) == [.autoApproved, .claimed])
        let discarded = try #require(verdict.discarded.first)
        #expect(discarded.reason == .ledgerViolation)
        #expect(discarded.path == events[2].path)
        #expect(discarded.detail.contains("withdrawn after the intent was already claimed"), "\(discarded.detail)")

        // After the outcome too, and the outcome stands.
        let settled = try world.decide(
            intent, [],
            Array(events[0...1]) + [
                try world.event(of: intent, 3, Self.ran, signers: [W.dispatcher]),
                try world.event(of: intent, 4, .withdrawn(note: ""), signers: [W.agent]),
            ])
        #expect(settled.state == .succeeded)
        #expect(settled.discarded.map(\.reason) == [.ledgerViolation])
    }

    @Test func aClaimOrOutcomeAfterAWithdrawalIsDiscarded() throws {
        let world = PolicyWorld()
        let intent = try world.intent(id: "triage-1", kind: "triage")
        let events = [
            try world.event(of: intent, 1, .withdrawn(note: "stop"), signers: [W.agent]),
            try world.event(of: intent, 2, Self.claimed(.low), signers: [W.dispatcher]),
            try world.event(of: intent, 3, Self.ran, signers: [W.dispatcher]),
            try world.event(of: intent, 4, .resolved(resolution: .retry, note: ""), signers: [W.bob]),
            try world.event(of: intent, 5, .withdrawn(note: "again"), signers: [W.agent]),
        ]
        let verdict = try world.decide(intent, [], events)
        #expect(verdict.state == .withdrawn)
        #expect(verdict.reason == .withdrawn)
        #expect(verdict.events.map(\.event.kind) == [.withdrawn])
        #expect(verdict.discarded.map(\.path) == events[1...].map(\.path))
        #expect(verdict.discarded.allSatisfy { $0.reason == .ledgerViolation })
        #expect(verdict.discarded[0].detail.contains("withdrawn"), "\(verdict.discarded[0].detail)")
    }

    @Test func aRetriedIntentCanBeWithdrawn() throws {
        let world = PolicyWorld()
        let intent = try world.intent(id: "triage-1", kind: "triage")
        let events = [
            try world.event(of: intent, 1, Self.claimed(.low), signers: [W.dispatcher]),
            try world.event(of: intent, 2, .inDoubt(claimedAt: W.created, detail: "lease"), signers: [W.dispatcher]),
            try world.event(of: intent, 3, .resolved(resolution: .retry, note: ""), signers: [W.bob]),
            try world.event(of: intent, 4, .withdrawn(note: "never mind"), signers: [W.agent]),
        ]
        #expect(try world.decide(intent, [], events).state == .withdrawn)
    }

    @Test func aMalformedIntentCannotBeWithdrawn() throws {
        let world = PolicyWorld()
        let good = try world.intent(id: "triage-1", kind: "triage")
        // The same path, bytes that do not parse: no proposer, no tier.
        let broken = IntentEvidence(
            path: good.path, bytes: good.bytes + Data("unknown_key = \"x\"\n".utf8), signature: good.signature)
        for signers: Set<Principal> in [[W.agent], [W.bob], [W.alice]] {
            let event = try world.event(of: good, 1, .withdrawn(note: ""), signers: signers)
            let verdict = try world.decide(broken, [], [event])
            #expect(verdict.state == .blocked)
            #expect(verdict.reason == .intentMalformed)
            #expect(verdict.discarded.map(\.reason) == [.ledgerViolation])
        }
    }

    @Test func theNoteIsRecordTextAndRoundTrips() throws {
        let id = try #require(IntentID("triage-1"))
        let digest = ContentDigest.sha256(of: [UInt8]("x".utf8))
        let event = try AuditEvent(
            intent: id, intentDigest: digest, at: W.created, actor: W.agent, payload: .withdrawn(note: "wrong target"))
        let bytes = event.canonicalJSON()
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"event\":\"withdrawn\""))
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"note\":\"wrong target\""))
        #expect(try AuditEvent.parse(bytes, expectedPath: event.path(sequence: 1).path) == event)
        // Missing note: malformed.
        let missing = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
            of: ",\"note\":\"wrong target\"", with: "")
        #expect(throws: WritError.self) { try AuditEvent.parse(Array(missing.utf8)) }
        // Control and bidi characters: refused when written and when read.
        for bad in ["two\nlines", "esc \u{1B}[31m", "rtl \u{202E}txt", "c1 \u{85}"] {
            #expect(throws: WritError.self) {
                try AuditEvent(
                    intent: id, intentDigest: digest, at: W.created, actor: W.agent, payload: .withdrawn(note: bad))
            }
            let escaped = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                of: "wrong target", with: bad.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined())
            let error = #expect(throws: WritError.self) { try AuditEvent.parse(Array(escaped.utf8)) }
            #expect(error?.reason == .ledgerViolation)
        }
    }

    // MARK: The check before writing

    static func check(
        _ world: PolicyWorld, by who: Principal, _ verdict: Verdict
    ) throws -> WritError? {
        let probe = String(decoding: W.sign(WriteCheck.probe, with: world.key(who), namespace: "git"), as: UTF8.self)
        return WriteCheck.withdraw(
            by: who, probeSignature: probe, verdict: verdict, governance: try world.governance(), now: W.now)
    }

    @Test func theWriteCheckRefusesWhatWouldNotCount() throws {
        let world = PolicyWorld()
        let intent = try world.intent(id: "release-1", kind: "release")
        let open = try world.decide(intent)
        #expect(try Self.check(world, by: W.agent, open) == nil)
        #expect(try Self.check(world, by: W.alice, open) == nil)
        #expect(try Self.check(world, by: W.bob, open)?.reason == .signerNotAuthorized)
        #expect(try Self.check(world, by: W.dispatcher, open)?.reason == .signerNotAuthorized)

        let claimed = try world.decide(
            intent, [], [try world.event(of: intent, 1, Self.claimed(.high), signers: [W.dispatcher])])
        #expect(try Self.check(world, by: W.agent, claimed)?.reason == .alreadyExecuted)
        let withdrawn = try world.decide(
            intent, [], [try world.event(of: intent, 1, .withdrawn(note: ""), signers: [W.agent])])
        #expect(try Self.check(world, by: W.alice, withdrawn)?.reason == .withdrawn)

        // A key allowed_signers does not list for the signer.
        let probe = String(
            decoding: W.sign(WriteCheck.probe, with: world.key(W.mallory), namespace: "git"), as: UTF8.self)
        let forged = WriteCheck.withdraw(
            by: W.agent, probeSignature: probe, verdict: open, governance: try world.governance(), now: W.now)
        #expect(forged?.reason == .signerUnknown)
    }
}
