import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Break-glass (SPEC §4.7): the record checks of `break_glass`, `ratify`
/// and `reject`, the decision that skips the quorum but never a deny, a
/// self-approval or an expiry, and the review state over the clock.
@Suite("Decision engine: break-glass and its review")
struct BreakGlassDecisionTests {
    typealias W = PolicyWorld

    /// Admins break glass; admins and operators review; two ratify records
    /// complete a review, due an hour after the record's merge.
    static let policy = {
        var fixture = W.defaultFixture
        fixture.breakGlass = .init(
            roles: ["admin"], reviewWithin: "1h", reviewApprovals: 2, reviewRoles: ["admin", "operator"])
        return fixture.text
    }()

    /// When the break-glass record merged, in the tests' clock.
    static let merged = W.now.addingTimeInterval(-600)
    static let reviewBy = Timestamp(merged.addingTimeInterval(3600))

    var world = PolicyWorld(policy: BreakGlassDecisionTests.policy)

    /// A signed record of `decision` by `who`, merged at `at`.
    func record(
        _ intent: IntentEvidence, _ decision: Decision, by who: Principal, note: String? = nil, at: Date = merged,
        commit: Int = 100, expiresAt: Timestamp? = nil
    ) throws -> ApprovalEvidence {
        let parsed = try Intent.parse(intent.bytes)
        let policy = try Policy.parse(Data(world.policyText.utf8))
        let record = try ApprovalRecord(
            intent: parsed.id, intentDigest: Intent.digest(ofFileBytes: intent.bytes),
            tier: parsed.effectiveTier(policy), decision: decision, approver: who, createdAt: W.created,
            expiresAt: expiresAt, note: note ?? (decision == .breakGlass ? "prod is down" : nil))
        let bytes = Data(record.canonicalBytes())
        return ApprovalEvidence(
            path: record.path.path, bytes: bytes,
            signature: W.sign(bytes, with: world.key(who), namespace: "writ-approval"), commit: oid(commit),
            committedAt: at)
    }

    func check(_ evidence: ApprovalEvidence, _ intent: IntentEvidence) throws -> ApprovalCheck.Outcome {
        let parsed = try Intent.parse(intent.bytes)
        let governance = try world.governance()
        return ApprovalCheck.check(
            evidence, intent: parsed, intentDigest: Intent.digest(ofFileBytes: intent.bytes),
            tier: parsed.effectiveTier(governance.policy), governance: governance, now: W.now, cache: nil)
    }

    func reason(_ outcome: ApprovalCheck.Outcome) -> ReasonCode? {
        if case .discarded(let record) = outcome { record.reason } else { nil }
    }

    // MARK: Record checks

    @Test func theRoleOfEachDecision() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        // break_glass: a [break_glass] role only; an operator reviews but never breaks glass.
        #expect(reason(try check(try record(release, .breakGlass, by: W.alice), release)) == nil)
        #expect(reason(try check(try record(release, .breakGlass, by: W.bob), release)) == .signerNotAuthorized)
        #expect(reason(try check(try record(release, .breakGlass, by: W.mallory), release)) == .signerNotAuthorized)
        // ratify/reject: review roles (operators are, though high needs admins to approve).
        for decision in [Decision.ratify, .reject] {
            #expect(reason(try check(try record(release, decision, by: W.bob), release)) == nil)
            #expect(reason(try check(try record(release, decision, by: W.carol), release)) == nil)
            #expect(reason(try check(try record(release, decision, by: W.gatekeeper), release)) == .signerNotAuthorized)
        }
        // The proposer never: agent-1 holds no role here, so give them one.
        var world = self.world
        world.policyText = world.policyText.replacingOccurrences(
            of: "admin = [\"alice@example.com\", \"carol@example.com\"]",
            with: "admin = [\"alice@example.com\", \"carol@example.com\", \"agent-1@example.com\"]")
        let tests = BreakGlassDecisionTests(world: world)
        let own = try tests.record(release, .breakGlass, by: W.agent)
        #expect(tests.reason(try tests.check(own, release)) == .selfApproval)
        #expect(
            tests.reason(try tests.check(try tests.record(release, .ratify, by: W.agent), release)) == .selfApproval)
    }

    @Test func noBreakGlassTableMeansNobodyMayBreakGlass() throws {
        let plain = PolicyWorld()
        let tests = BreakGlassDecisionTests(world: plain)
        let release = try plain.intent(id: "release-1", kind: "release")
        let outcome = try tests.check(try tests.record(release, .breakGlass, by: W.alice), release)
        #expect(tests.reason(outcome) == .signerNotAuthorized)
        if case .discarded(let record) = outcome { #expect(record.detail.contains("no [break_glass] table")) }
        let verdict = try plain.decide(release, [try tests.record(release, .breakGlass, by: W.alice)])
        #expect(verdict.state == .blocked)
        #expect(verdict.breakGlass == nil)
    }

    // MARK: The decision

    @Test func breakGlassIsReadyPastAnUnmetQuorum() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        #expect(try world.decide(release).reason == .notApproved)
        let verdict = try world.decide(release, [try record(release, .breakGlass, by: W.alice, note: "db is down")])
        #expect(verdict.state == .ready)
        #expect(verdict.reason == nil)
        #expect(verdict.detail == "break-glass by \"alice@example.com\": \"db is down\"", "\(verdict.detail)")
        let run = try #require(verdict.breakGlass)
        #expect(run.approver == W.alice)
        #expect(run.reason == "db is down")
        #expect(run.mergedAt == Timestamp(Self.merged))
        #expect(run.reviewBy == Self.reviewBy)
        #expect(run.review == .pending)
        #expect(run.reviewsRequired == 2)
        // It never counts toward the quorum.
        #expect(verdict.counted.isEmpty)
        #expect(verdict.approvalsCounted == 0)
    }

    @Test func theEarliestMergedRecordCounts() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        let late = try record(release, .breakGlass, by: W.alice, note: "later", at: Self.merged, commit: 102)
        let early = try record(
            release, .breakGlass, by: W.carol, note: "first", at: Self.merged.addingTimeInterval(-60), commit: 101)
        let run = try #require(try world.decide(release, [late, early]).breakGlass)
        #expect(run.approver == W.carol)
        #expect(run.reason == "first")
        #expect(run.reviewBy == Timestamp(Self.merged.addingTimeInterval(3540)))
    }

    @Test func neverPastADenyASelfApprovalOrAnExpiry() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        let glass = try record(release, .breakGlass, by: W.alice)
        // A valid deny still wins.
        let denied = try world.decide(release, [glass, try record(release, .deny, by: W.carol, commit: 101)])
        #expect(denied.state == .blocked)
        #expect(denied.reason == .denied)
        // A run that never happens has no review to fall due.
        #expect(denied.breakGlass == nil)
        // An expired intent stays expired.
        let expiring = try world.intent(id: "release-2", kind: "release", expiresAt: Timestamp.offset(-1))
        let expired = try world.decide(expiring, [try record(expiring, .breakGlass, by: W.alice)])
        #expect(expired.reason == .intentExpired)
        #expect(expired.breakGlass == nil)
        // An expired break-glass record does not count.
        let stale = try world.decide(
            release, [try record(release, .breakGlass, by: W.alice, expiresAt: Timestamp.offset(-1))])
        #expect(stale.state == .blocked)
        #expect(stale.reason == .approvalExpired)
        #expect(stale.breakGlass == nil)
        // A proposer who breaks glass on their own intent: self_approval.
        var world = self.world
        world.policyText = world.policyText.replacingOccurrences(
            of: "admin = [\"alice@example.com\", \"carol@example.com\"]",
            with: "admin = [\"alice@example.com\", \"carol@example.com\", \"agent-1@example.com\"]")
        let tests = BreakGlassDecisionTests(world: world)
        let own = try world.decide(release, [try tests.record(release, .breakGlass, by: W.agent)])
        #expect(own.state == .blocked)
        #expect(own.reason == .selfApproval)
        #expect(own.breakGlass == nil)
    }

    @Test func gatesAreStillRequired() throws {
        let gated = try world.intent(id: "release-1", kind: "release", requires: ["verification"])
        let glass = try record(gated, .breakGlass, by: W.alice)
        let waiting = try world.decide(gated, [glass])
        #expect(waiting.state == .blocked)
        #expect(waiting.reason == .gateMissing)
        #expect(waiting.breakGlass != nil)
        let pass = try world.event(of: gated, 1, .gate(name: "verification", status: .pass), signers: [W.gatekeeper])
        #expect(try world.decide(gated, [glass], [pass]).state == .ready)
    }

    // MARK: The review over the clock

    @Test func reviewStateOverTheClock() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        let glass = try record(release, .breakGlass, by: W.alice)
        let due = Self.reviewBy.date
        let ratifyCarol = try record(release, .ratify, by: W.carol, commit: 110)
        let ratifyBob = try record(release, .ratify, by: W.bob, commit: 111)
        let rejectDave = try record(release, .reject, by: W.dave, commit: 112)
        let ownRatify = try record(release, .ratify, by: W.alice, commit: 113)
        let strangerRatify = try record(release, .ratify, by: W.gatekeeper, commit: 114)
        let rows: [(String, [ApprovalEvidence], Date, BreakGlassRun.Review)] = [
            ("before review_by", [], due.addingTimeInterval(-1), .pending),
            ("at review_by", [], due, .overdue),
            ("after review_by", [], due.addingTimeInterval(3600), .overdue),
            ("one ratify before", [ratifyCarol], due.addingTimeInterval(-1), .pending),
            ("one ratify after", [ratifyCarol], due.addingTimeInterval(1), .overdue),
            ("two ratify after", [ratifyCarol, ratifyBob], due.addingTimeInterval(1), .ratified),
            ("two ratify before", [ratifyCarol, ratifyBob], due.addingTimeInterval(-1), .ratified),
            ("one reject", [rejectDave], due.addingTimeInterval(-1), .rejected),
            ("reject beats two ratify", [ratifyCarol, ratifyBob, rejectDave], due.addingTimeInterval(1), .rejected),
            ("own ratify discarded", [ratifyCarol, ownRatify], due.addingTimeInterval(1), .overdue),
            ("non-review role discarded", [ratifyCarol, strangerRatify], due.addingTimeInterval(1), .overdue),
        ]
        for (name, reviews, now, expected) in rows {
            let verdict = try world.decide(release, [glass] + reviews, now: now)
            let run = try #require(verdict.breakGlass, "\(name)")
            #expect(run.review == expected, "\(name): \(run.review)")
            // A review never blocks or readies the run itself.
            #expect(verdict.state == .ready, "\(name)")
        }
        let own = try world.decide(release, [glass, ratifyCarol, ownRatify], now: due)
        let discarded = try #require(own.discarded.first { $0.principal == W.alice })
        #expect(discarded.reason == .selfApproval)
        #expect(discarded.detail.contains("cannot review their own run"))
        #expect(own.breakGlass?.reviewers.map(\.approver) == [W.carol])
        let stranger = try world.decide(release, [glass, strangerRatify], now: due)
        #expect(stranger.discarded.map(\.reason) == [.signerNotAuthorized])
    }

    @Test func aSettledRunKeepsItsReviewAndTheEventDeadlineHolds() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        let glass = try record(release, .breakGlass, by: W.alice)
        let announced = try world.event(
            of: release, 1, .breakGlass(reason: "prod is down", reviewBy: Self.reviewBy), signers: [W.dispatcher])
        let events = [
            announced, try world.event(of: release, 2, claimPayload, signers: [W.dispatcher]),
            try world.event(of: release, 3, .succeeded(outcome), signers: [W.dispatcher]),
        ]
        let after = Self.reviewBy.date.addingTimeInterval(1)
        let settled = try world.decide(release, [glass], events, now: after)
        #expect(settled.state == .succeeded)
        #expect(settled.reason == nil)
        #expect(settled.breakGlass?.review == .overdue)
        #expect(settled.breakGlass?.eventPath == announced.path)
        let reviewed = try world.decide(
            release,
            [
                glass, try record(release, .ratify, by: W.carol, commit: 110),
                try record(release, .ratify, by: W.bob, commit: 111),
            ],
            events, now: after)
        #expect(reviewed.breakGlass?.review == .ratified)
        #expect(Set(reviewed.breakGlass?.ratifiedBy ?? []) == [W.carol, W.bob])
        // An earlier deadline in the event holds over a later policy one.
        let early = Timestamp(Self.merged.addingTimeInterval(60))
        let earlier = [
            try world.event(
                of: release, 1, .breakGlass(reason: "prod is down", reviewBy: early), signers: [W.dispatcher])
        ]
        let run = try #require(try world.decide(release, [glass], earlier, now: early.date).breakGlass)
        #expect(run.reviewBy == early)
        #expect(run.review == .overdue)
        // A settled intent with no break_glass event was no break-glass run.
        let plain = try world.decide(release, [glass], Array(events[1...]), now: after)
        #expect(plain.breakGlass == nil)
    }

    @Test func whoMayWriteTheEvent() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        let payload = AuditEvent.Payload.breakGlass(reason: "prod is down", reviewBy: Self.reviewBy)
        for (signers, counts) in [
            ([W.dispatcher], true), ([W.alice], true), ([W.bob], false), ([W.gatekeeper], false), ([], false),
        ] as [(Set<Principal>, Bool)] {
            let verdict = try world.decide(release, [], [try world.event(of: release, 1, payload, signers: signers)])
            #expect(verdict.events.map(\.event.kind) == (counts ? [.breakGlass] : []), "\(signers)")
        }
    }

    @Test func reviewsOfAnIntentWithoutARunAreListedAsReviewingNothing() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        let verdict = try world.decide(release, [try record(release, .ratify, by: W.carol)])
        #expect(verdict.breakGlass == nil)
        // The blocking reason stays the quorum's, not the review's.
        #expect(verdict.reason == .notApproved)
        #expect(verdict.discarded.first?.detail.contains("this intent has none") == true)
    }

    @Test func aBreakGlassRecordOnTheApprovalBranchIsProjected() throws {
        let release = try world.intent(id: "release-1", kind: "release")
        let glass = try record(release, .breakGlass, by: W.alice, note: "db is down")
        let id = try #require(IntentID("release-1"))
        let projection = DecisionEngine.projectMerge(
            id, governance: try world.governance(), intent: release, merged: [],
            branch: [(glass, "refs/heads/approval/release-1")], events: [], now: W.now)
        let projected = try #require(projection)
        #expect(projected.readyIfMerged)
        let entry = try #require(projected.records.first)
        #expect(entry.decision == .breakGlass)
        #expect(entry.reason == nil)
        #expect(entry.detail.contains("merging runs the intent now"), "\(entry.detail)")
    }

    @Test func theEventRoundTripsAndRefusesBadReasons() throws {
        let id = try #require(IntentID("release-1"))
        let digest = ContentDigest.sha256(of: [UInt8]())
        let event = try AuditEvent(
            intent: id, intentDigest: digest, at: W.created, actor: W.dispatcher,
            payload: .breakGlass(reason: "prod \"down\" ü", reviewBy: Self.reviewBy))
        let bytes = event.canonicalJSON()
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"review_by\":\"\(Self.reviewBy)\""))
        let parsed = try AuditEvent.parse(bytes, expectedPath: event.path(sequence: 1).path)
        #expect(parsed == event)
        #expect(try AuditEvent.decodeThoroughly(String(decoding: bytes, as: UTF8.self)) == event)
        for bad in ["", "bidi \u{202E}", "bell \u{7}"] {
            #expect(throws: WritError.self) {
                try AuditEvent(
                    intent: id, intentDigest: digest, at: W.created, actor: W.dispatcher,
                    payload: .breakGlass(reason: bad, reviewBy: Self.reviewBy))
            }
        }
        // review_by is required and must be a timestamp.
        let text = String(decoding: bytes, as: UTF8.self)
        for broken in [
            text.replacingOccurrences(of: "\"review_by\":\"\(Self.reviewBy)\",", with: ""),
            text.replacingOccurrences(of: "\"review_by\":\"\(Self.reviewBy)\"", with: "\"review_by\":\"soon\""),
        ] {
            #expect(throws: WritError.self) { try AuditEvent.parse(Array(broken.utf8)) }
        }
    }
}
