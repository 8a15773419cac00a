import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `require` groups through the decision engine (SPEC §4 rule 4, §4.6):
/// the tier's own count from its own roles, each group from its roles, the
/// unmet group named, and what a `claimed` event would list.
@Suite("Decision engine: require groups")
struct RoleGroupDecisionTests {
    typealias W = PolicyWorld

    /// high: 1 admin, and 1 of [security]; mallory holds only security,
    /// carol both admin and security.
    static func world(require: [PolicyFixture.Group] = [.init(1, of: ["security"])]) -> PolicyWorld {
        PolicyWorld(
            policy: PolicyFixture(
                kinds: [.init("triage", "low"), .init("dev", "medium"), .init("release", "high")],
                tiers: [
                    .init("low", approvals: 0, roles: ["operator"]),
                    .init("medium", approvals: 1, roles: ["operator", "admin"]),
                    .init("high", approvals: 1, roles: ["admin"], require: require),
                ],
                roles: [
                    .init("admin", ["alice@example.com", "carol@example.com"]),
                    .init("operator", ["bob@example.com", "dave@example.com"]), .init("agent", ["agent-1@example.com"]),
                    .init("dispatcher", ["dispatch-1@example.com"]), .init("gatekeeper", ["gate-1@example.com"]),
                    .init("security", ["mallory@example.com", "carol@example.com"]),
                ],
                gates: ["gatekeeper"], governanceVersion: nil, members: nil
            ).text)
    }

    @Test func theUnmetGroupIsNamedWithWhoMayStillApprove() throws {
        let world = Self.world()
        let intent = try world.intent()
        let verdict = try world.decide(intent, [try world.approval(of: intent, by: W.alice)])
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .notApproved)
        #expect(verdict.approvalsCounted == 1 && verdict.approvalsRequired == 1)
        #expect(
            verdict.detail
                == "1 of 1 approvals for tier high; group 1 of 1 (1 of [security]) is not met: 0 counted; "
                + "may still approve: carol@example.com, mallory@example.com")
        #expect(
            verdict.groupTallies == [
                GroupTally(
                    group: .init(approvals: 1, roles: ["security"]), counted: [], mayApprove: [W.carol, W.mallory])
            ])
        #expect(!verdict.groupsMet)
    }

    /// mallory holds only a group's role: her approval is valid (not
    /// `signer_not_authorized`), counts in the group, not towards the tier.
    @Test func aGroupMemberOutsideTheTierRolesCountsInTheGroupOnly() throws {
        let world = Self.world()
        let intent = try world.intent()
        let verdict = try world.decide(intent, [try world.approval(of: intent, by: W.mallory)])
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .notApproved)
        #expect(verdict.detail == "0 of 1 approvals for tier high")
        #expect(verdict.approvalsCounted == 0)
        #expect(verdict.discarded.isEmpty)
        #expect(verdict.groupTallies.map(\.counted) == [[W.mallory]])
        #expect(verdict.counted.map(\.approver) == [W.mallory])
        // Near miss: an operator holds neither the tier's nor a group's role.
        let operatorVerdict = try world.decide(intent, [try world.approval(of: intent, by: W.bob)])
        #expect(operatorVerdict.discarded.map(\.reason) == [.signerNotAuthorized])
        #expect(operatorVerdict.reason == .signerNotAuthorized)
    }

    /// What a `claimed` event lists: the tier's and the groups' approvals,
    /// each record once.
    @Test func countedIsTheUnionOfTheTierAndTheGroups() throws {
        let world = Self.world()
        let intent = try world.intent()
        let alice = try world.approval(of: intent, by: W.alice, commit: 100)
        let mallory = try world.approval(of: intent, by: W.mallory, commit: 101)
        let verdict = try world.decide(intent, [mallory, alice])
        #expect(verdict.state == .ready)
        #expect(verdict.detail == "1 of 1 approvals for tier high, and its 1 require group(s) met")
        #expect(
            verdict.counted == [
                CountedApproval(approver: W.alice, commit: oid(100), recordDigest: .sha256(of: alice.bytes)),
                CountedApproval(approver: W.mallory, commit: oid(101), recordDigest: .sha256(of: mallory.bytes)),
            ])
        #expect(verdict.approvalsCounted == 1)
        #expect(verdict.groupTallies.map(\.counted) == [[W.mallory]])
        #expect(verdict.groupTallies.map(\.mayApprove) == [[W.carol]])
    }

    /// One person holding the tier's role and a group's counts in both
    /// (SPEC §4.6: in at most one group, and towards the tier's own count
    /// at most once); listed once.
    @Test func onePersonMayMeetTheTierAndOneGroup() throws {
        let world = Self.world()
        let intent = try world.intent()
        let verdict = try world.decide(intent, [try world.approval(of: intent, by: W.carol)])
        #expect(verdict.state == .ready)
        #expect(verdict.counted.map(\.approver) == [W.carol])
        #expect(verdict.groupTallies.map(\.counted) == [[W.carol]])
    }

    /// Two groups always need two people, even when one holds both roles.
    @Test func twoGroupsNeedTwoPeople() throws {
        let world = Self.world(require: [.init(1, of: ["admin"]), .init(1, of: ["security"])])
        let intent = try world.intent()
        let carol = try world.approval(of: intent, by: W.carol)
        let verdict = try world.decide(intent, [carol])
        #expect(verdict.reason == .notApproved)
        #expect(
            verdict.detail
                == "1 of 1 approvals for tier high; group 2 of 2 (1 of [security]) is not met: 0 counted; "
                + "may still approve: mallory@example.com")
        #expect(verdict.groupTallies.map(\.counted) == [[W.carol], []])
        // Near miss: mallory fills the second.
        let both = try world.decide(intent, [carol, try world.approval(of: intent, by: W.mallory)])
        #expect(both.state == .ready)
        #expect(both.groupTallies.map(\.counted) == [[W.carol], [W.mallory]])
    }

    /// A key listed under two principals counts in one group only.
    @Test func aSharedKeyFillsOneGroup() throws {
        var world = Self.world(require: [.init(1, of: ["admin"]), .init(1, of: ["security"])])
        world.keys[W.mallory] = world.key(W.alice)
        let intent = try world.intent()
        let approvals = [try world.approval(of: intent, by: W.alice), try world.approval(of: intent, by: W.mallory)]
        let verdict = try world.decide(intent, approvals)
        #expect(verdict.reason == .notApproved)
        #expect(verdict.detail.contains("group 2 of 2 (1 of [security]) is not met"), "\(verdict.detail)")
        #expect(verdict.discarded.map(\.principal) == [W.mallory])
    }

    /// `quorumMet` over the tally's valid approvals is the engine's answer,
    /// for every subset: what finds the commit that completed a quorum.
    @Test func quorumMetAgreesWithTheVerdictForEverySubset() throws {
        let world = Self.world(require: [.init(1, of: ["security"])])
        let intent = try world.intent()
        let all = try [W.alice, W.carol, W.mallory].enumerated().map {
            try world.approval(of: intent, by: $0.element, commit: 100 + $0.offset)
        }
        let governance = try world.governance()
        let parsed = try Intent.parse(intent.bytes)
        let rule = try #require(governance.policy.rule(for: .high))
        for mask in 0..<(1 << all.count) {
            let subset = all.indices.filter { (mask >> $0) & 1 == 1 }.map { all[$0] }
            let tally = DecisionEngine.tallyApprovals(
                subset, intent: parsed, intentDigest: Intent.digest(ofFileBytes: intent.bytes), tier: .high,
                governance: governance, now: W.now)
            let verdict = try world.decide(intent, subset)
            #expect(
                DecisionEngine.quorumMet(tally.valid, rule: rule, policy: governance.policy)
                    == (verdict.state == .ready), "subset \(mask)")
        }
    }
}
