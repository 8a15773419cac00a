import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Tiers × quorum (0, 1, 2) × two approver slots, each slot one of eight
/// record shapes (none, approve, deny, by a principal without a tier role,
/// deny by one, expired, stale digest, stale tier): 576 cases, each decided
/// by the engine and by a small independent oracle.
@Suite("Decision engine: table")
struct DecisionTableTests {
    enum Shape: CaseIterable {
        case none, approve, deny, unauthorizedApprove, unauthorizedDeny, expired, staleDigest, staleTier
    }

    /// Slot principals: p1 < p2 hold every tier role; u1 < u2 hold none.
    static let p = [PolicyWorld.principal("p1@example.com"), PolicyWorld.principal("p2@example.com")]
    static let u = [PolicyWorld.principal("u1@example.com"), PolicyWorld.principal("u2@example.com")]

    static func policy(tier: Tier, quorum: Int) -> String {
        func rule(_ t: Tier, _ roles: String) -> String {
            "[tiers.\(t)]\napprovals = \(t == tier ? quorum : 1)\nroles = [\(roles)]\n"
        }
        return """
            schema = 1
            [kinds]
            triage = "low"
            dev = "medium"
            release = "high"
            \(rule(.low, "\"operator\""))\(rule(.medium, "\"operator\", \"admin\""))\(rule(.high, "\"admin\""))
            [roles]
            admin = ["p1@example.com", "p2@example.com"]
            operator = ["p1@example.com", "p2@example.com"]
            agent = ["agent-1@example.com", "u1@example.com", "u2@example.com"]
            [proposers]
            roles = ["agent"]
            [governance]
            approvals = 1
            roles = ["admin"]

            """
    }

    /// The oracle's view of one record.
    struct Expected {
        let principal: Principal
        let deny: Bool
        let defect: ReasonCode?
    }

    static func expected(slot: Int, shape: Shape) -> Expected? {
        switch shape {
        case .none: nil
        case .approve: Expected(principal: p[slot], deny: false, defect: nil)
        case .deny: Expected(principal: p[slot], deny: true, defect: nil)
        case .unauthorizedApprove: Expected(principal: u[slot], deny: false, defect: .signerNotAuthorized)
        case .unauthorizedDeny: Expected(principal: u[slot], deny: true, defect: .signerNotAuthorized)
        case .expired: Expected(principal: p[slot], deny: false, defect: .approvalExpired)
        case .staleDigest: Expected(principal: p[slot], deny: false, defect: .digestMismatch)
        case .staleTier: Expected(principal: p[slot], deny: false, defect: .tierMismatch)
        }
    }

    /// The rule of SPEC §4.3–4.4, restated without the engine's code.
    static func oracle(quorum: Int, records: [Expected]) -> (IntentState, ReasonCode?) {
        if records.contains(where: { $0.deny && $0.defect == nil }) { return (.blocked, .denied) }
        let good = Set(records.filter { !$0.deny && $0.defect == nil }.map(\.principal)).count
        if good >= quorum { return (.ready, nil) }
        let bad = records.filter { $0.defect != nil }.sorted { $0.principal < $1.principal }
        return (.blocked, bad.first?.defect ?? .notApproved)
    }

    @Test func tableAgreesWithOracle() throws {
        var world = PolicyWorld()
        for principal in Self.p + Self.u { world.keys[principal] = .generate() }
        world.extraSignerLines = (Self.p + Self.u).map { "\($0.rawValue) \(world.key($0).publicKey.openSSHLine)" }
        var cases = 0
        for tier in Tier.allCases {
            let kind = ["triage", "dev", "release"][Tier.allCases.firstIndex(of: tier) ?? 0]
            for quorum in 0...2 {
                world.policyText = Self.policy(tier: tier, quorum: quorum)
                let governance = try world.governance()
                let intent = try world.intent(kind: kind)
                let otherTier: Tier = tier == .high ? .medium : .high
                for first in Shape.allCases {
                    for second in Shape.allCases {
                        var evidence: [ApprovalEvidence] = []
                        var expectations: [Expected] = []
                        for (slot, shape) in [first, second].enumerated() {
                            guard let expected = Self.expected(slot: slot, shape: shape) else { continue }
                            expectations.append(expected)
                            evidence.append(
                                try world.approval(
                                    of: intent, by: expected.principal, decision: expected.deny ? .deny : .approve,
                                    tier: shape == .staleTier ? otherTier : tier,
                                    digest: shape == .staleDigest ? ContentDigest.sha256(of: Array("v0".utf8)) : nil,
                                    expiresAt: shape == .expired ? .offset(-60) : .offset(3600)))
                        }
                        let verdict = DecisionEngine.decide(
                            governance: governance, intent: intent, approvals: evidence, events: [],
                            now: PolicyWorld.now)
                        let (state, reason) = Self.oracle(quorum: quorum, records: expectations)
                        let label = "\(tier) q=\(quorum) \(first)/\(second)"
                        #expect(verdict.state == state, "\(label)")
                        #expect(verdict.reason == reason, "\(label)")
                        #expect(verdict.tier == tier, "\(label)")
                        #expect(verdict.approvalsRequired == quorum, "\(label)")
                        #expect(
                            verdict.discarded.count == expectations.filter { $0.defect != nil }.count, "\(label)")
                        if state == .ready && quorum > 0 {
                            #expect(
                                verdict.counted.count == expectations.filter { !$0.deny && $0.defect == nil }.count,
                                "\(label)")
                        }
                        if quorum == 0 { #expect(verdict.counted.isEmpty, "\(label)") }
                        cases += 1
                    }
                }
            }
        }
        #expect(cases == 576)
    }
}
