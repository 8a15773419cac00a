import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Every reason code of SPEC §4 has a case producing exactly it and a near
/// miss that does not. The default intent is `release` (high: two of the
/// admins alice and carol), proposed and signed by agent-1.
@Suite("Decision engine: reason codes")
struct DecisionReasonTests {
    let world = PolicyWorld()
    typealias W = PolicyWorld

    func bothAdmins(_ intent: IntentEvidence) throws -> [ApprovalEvidence] {
        [try world.approval(of: intent, by: W.alice), try world.approval(of: intent, by: W.carol)]
    }

    @Test func readyWhenEverythingHolds() throws {
        let intent = try world.intent()
        let verdict = try world.decide(intent, try bothAdmins(intent))
        #expect(verdict.state == .ready)
        #expect(verdict.reason == nil)
        #expect(verdict.tier == .high)
        #expect(verdict.approvalsRequired == 2)
        #expect(verdict.approvalsCounted == 2)
        #expect(verdict.counted.map(\.approver) == [W.alice, W.carol])
        #expect(verdict.counted.allSatisfy { $0.commit == oid(100) })
        #expect(verdict.discarded.isEmpty)
    }

    // MARK: Rule 2

    @Test func intentMalformed() throws {
        let good = try world.intent(id: "deploy-1")
        let other = try world.intent(id: "deploy-2")
        // deploy-2's bytes filed under deploy-1's path: id does not match path.
        let misfiled = IntentEvidence(path: good.path, bytes: other.bytes, signature: other.signature)
        let verdict = try world.decide(misfiled, try bothAdmins(good))
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .intentMalformed)
        #expect(verdict.intent == nil)
        #expect(verdict.tier == nil)

        let garbage = IntentEvidence(
            path: good.path, bytes: Data("schema = 1\nid = \"deploy-1\"\n".utf8), signature: nil)
        #expect(try world.decide(garbage).reason == .intentMalformed)

        // Near miss: the same bytes at their own path.
        #expect(try world.decide(other, try bothAdmins(other)).state == .ready)
    }

    @Test func intentExpired() throws {
        let expired = try world.intent(expiresAt: .offset(-1))
        #expect(try world.decide(expired, try bothAdmins(expired)).reason == .intentExpired)
        let atNow = try world.intent(expiresAt: .offset(0))
        #expect(try world.decide(atNow, try bothAdmins(atNow)).reason == .intentExpired)
        let live = try world.intent(expiresAt: .offset(1))
        #expect(try world.decide(live, try bothAdmins(live)).state == .ready)
    }

    @Test func intentSignatureInvalid() throws {
        var unlistedWorld = world
        unlistedWorld.unlisted = [W.agent]
        let cases: [(String, PolicyWorld, IntentEvidence)] = [
            ("unsigned", world, try world.intent(signed: false)),
            ("someone else's key", world, try world.intent(signer: world.key(W.mallory))),
            ("wrong namespace", world, try world.intent(namespace: "writ-approval")),
            ("unknown key", world, try world.intent(signer: .generate())),
            ("proposer not in allowed_signers", unlistedWorld, try unlistedWorld.intent()),
        ]
        for (label, caseWorld, intent) in cases {
            let verdict = try caseWorld.decide(intent, try bothAdmins(intent))
            #expect(verdict.reason == .intentSignatureInvalid, "\(label)")
            #expect(verdict.state == .blocked, "\(label)")
            #expect(!verdict.detail.isEmpty, "\(label)")
        }
        // Tampered bytes after signing.
        let signed = try world.intent()
        var bytes = signed.bytes
        bytes.append(contentsOf: Array("# trailing comment\n".utf8))
        let tampered = IntentEvidence(path: signed.path, bytes: bytes, signature: signed.signature)
        #expect(try world.decide(tampered).reason == .intentSignatureInvalid)
        // Near miss: properly signed.
        #expect(try world.decide(signed, try bothAdmins(signed)).reason == nil)
    }

    @Test func proposerNotAuthorized() throws {
        let byMallory = try world.intent(proposer: W.mallory)
        #expect(try world.decide(byMallory, try bothAdmins(byMallory)).reason == .proposerNotAuthorized)
        // Near miss: an operator may propose.
        let byBob = try world.intent(proposer: W.bob)
        #expect(try world.decide(byBob, try bothAdmins(byBob)).state == .ready)
    }

    // MARK: Rule 3

    @Test func denied() throws {
        let intent = try world.intent(kind: "dev")  // medium: one of operator/admin
        let approve = try world.approval(of: intent, by: W.alice)
        let deny = try world.approval(of: intent, by: W.bob, decision: .deny)
        let verdict = try world.decide(intent, [approve, deny])
        #expect(verdict.reason == .denied)
        #expect(verdict.state == .blocked)

        // Near misses: a deny from a principal without a tier role, or one
        // failing any approval check, decides nothing.
        let nearMisses = [
            try world.approval(of: intent, by: W.mallory, decision: .deny),
            try world.approval(of: intent, by: W.bob, decision: .deny, expiresAt: .offset(-10)),
            try world.approval(of: intent, by: W.bob, decision: .deny, tier: .high),
            try world.approval(of: intent, by: W.bob, decision: .deny, signer: world.key(W.dave)),
        ]
        for deny in nearMisses {
            let verdict = try world.decide(intent, [approve, deny])
            #expect(verdict.state == .ready)
            #expect(verdict.discarded.count == 1)
        }
    }

    @Test func denyBlocksEvenLowTier() throws {
        let intent = try world.intent(kind: "triage")
        #expect(try world.decide(intent).state == .ready)
        let deny = try world.approval(of: intent, by: W.dave, decision: .deny)
        #expect(try world.decide(intent, [deny]).reason == .denied)
    }

    // MARK: Rule 4

    @Test func notApproved() throws {
        let intent = try world.intent()
        #expect(try world.decide(intent).reason == .notApproved)
        let one = try world.decide(intent, [try world.approval(of: intent, by: W.alice)])
        #expect(one.reason == .notApproved)
        #expect(one.approvalsCounted == 1)
        #expect(try world.decide(intent, try bothAdmins(intent)).reason == nil)
    }

    /// Carol's record is spoiled in one way; alice's is valid; two are needed.
    func spoiledCarol(_ spoil: (IntentEvidence) throws -> ApprovalEvidence) throws -> Verdict {
        let intent = try world.intent()
        return try world.decide(intent, [try world.approval(of: intent, by: W.alice), try spoil(intent)])
    }

    @Test func approvalMalformed() throws {
        let misfiled = try spoiledCarol { intent in
            // alice's record filed under carol's name
            let record = try world.approval(of: intent, by: W.alice)
            return try world.approval(
                of: intent, by: W.alice, path: record.path.replacingOccurrences(of: "alice@", with: "carol@"))
        }
        #expect(misfiled.reason == .approvalMalformed)
        let garbage = try spoiledCarol { intent in
            let good = try world.approval(of: intent, by: W.carol)
            let bytes = Data("schema = 1\napprover = \"carol@example.com\"\n".utf8)
            return ApprovalEvidence(
                path: good.path, bytes: bytes,
                signature: PolicyWorld.sign(bytes, with: world.key(W.carol), namespace: "writ-approval"),
                commit: good.commit)
        }
        #expect(garbage.reason == .approvalMalformed)
        let otherIntent = try spoiledCarol { intent in
            // a record naming another intent, filed in this intent's directory
            let good = try world.approval(of: intent, by: W.carol)
            return try world.approval(of: intent, by: W.carol, path: good.path, intentID: "deploy-2")
        }
        #expect(otherIntent.reason == .approvalMalformed)
        #expect(otherIntent.discarded.first?.principal == W.carol)
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.carol) }.reason == nil)
    }

    @Test func approvalSignatureInvalid() throws {
        #expect(
            try spoiledCarol { try world.approval(of: $0, by: W.carol, signed: false) }.reason
                == .approvalSignatureInvalid)
        #expect(
            try spoiledCarol { try world.approval(of: $0, by: W.carol, namespace: "writ-governance") }.reason
                == .approvalSignatureInvalid)
        let tampered = try spoiledCarol { intent in
            let good = try world.approval(of: intent, by: W.carol)
            let other = try world.approval(of: intent, by: W.carol, expiresAt: .offset(3600))
            return ApprovalEvidence(path: good.path, bytes: other.bytes, signature: good.signature, commit: good.commit)
        }
        #expect(tampered.reason == .approvalSignatureInvalid)
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.carol, namespace: "writ-approval") }.reason == nil)
    }

    @Test func signerUnknown() throws {
        // Carol's record signed with a key allowed_signers does not list.
        #expect(
            try spoiledCarol { try world.approval(of: $0, by: W.carol, signer: .generate()) }.reason == .signerUnknown)
        // Signed with alice's key: listed, but not for carol.
        #expect(
            try spoiledCarol { try world.approval(of: $0, by: W.carol, signer: world.key(W.alice)) }.reason
                == .signerUnknown)
        // A key whose validity ended before the verifier's clock.
        var expiredKey = world
        expiredKey.unlisted = [W.carol]
        expiredKey.extraSignerLines = [
            "carol@example.com valid-before=\"20200101\" \(world.key(W.carol).publicKey.openSSHLine)"
        ]
        let intent = try expiredKey.intent()
        let verdict = try expiredKey.decide(
            intent,
            [try expiredKey.approval(of: intent, by: W.alice), try expiredKey.approval(of: intent, by: W.carol)])
        #expect(verdict.reason == .signerUnknown)
        // Near miss: a validity window that contains `now` (not the record's dates).
        var validKey = world
        validKey.unlisted = [W.carol]
        validKey.extraSignerLines = [
            "carol@example.com valid-after=\"20200101\",valid-before=\"20300101\" \(world.key(W.carol).publicKey.openSSHLine)"
        ]
        let again = try validKey.intent()
        #expect(
            try validKey.decide(
                again, [try validKey.approval(of: again, by: W.alice), try validKey.approval(of: again, by: W.carol)]
            )
            .reason == nil)
    }

    @Test func signerNotAuthorized() throws {
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.bob) }.reason == .signerNotAuthorized)
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.mallory) }.reason == .signerNotAuthorized)
        // Near miss: bob may approve a medium intent.
        let medium = try world.intent(kind: "dev")
        #expect(try world.decide(medium, [try world.approval(of: medium, by: W.bob)]).state == .ready)
    }

    @Test func selfApproval() throws {
        let byAlice = try world.intent(proposer: W.alice)
        let verdict = try world.decide(byAlice, try bothAdmins(byAlice))
        #expect(verdict.reason == .selfApproval)
        #expect(verdict.approvalsCounted == 1)
        // Near miss: the same approvals of an agent's intent.
        let byAgent = try world.intent()
        #expect(try world.decide(byAgent, try bothAdmins(byAgent)).reason == nil)
    }

    @Test func digestMismatch() throws {
        let stale = ContentDigest.sha256(of: Array("an older intent".utf8))
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.carol, digest: stale) }.reason == .digestMismatch)
        #expect(
            try spoiledCarol { try world.approval(of: $0, by: W.carol, digest: Intent.digest(ofFileBytes: $0.bytes)) }
                .reason
                == nil)
    }

    @Test func tierMismatch() throws {
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.carol, tier: .medium) }.reason == .tierMismatch)
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.carol, tier: .high) }.reason == nil)
    }

    @Test func approvalExpired() throws {
        #expect(
            try spoiledCarol { try world.approval(of: $0, by: W.carol, expiresAt: .offset(-1)) }.reason
                == .approvalExpired)
        #expect(
            try spoiledCarol { try world.approval(of: $0, by: W.carol, expiresAt: .offset(0)) }.reason
                == .approvalExpired)
        #expect(try spoiledCarol { try world.approval(of: $0, by: W.carol, expiresAt: .offset(1)) }.reason == nil)
    }

    @Test func reasonIsFirstDiscardedInPrincipalOrder() throws {
        let intent = try world.intent()
        // bob < carol < mallory; bob is not authorised, carol expired, mallory not authorised.
        let approvals = [
            try world.approval(of: intent, by: W.mallory),
            try world.approval(of: intent, by: W.carol, expiresAt: .offset(-5)),
            try world.approval(of: intent, by: W.bob),
        ]
        #expect(try world.decide(intent, approvals).reason == .signerNotAuthorized)
        #expect(try world.decide(intent, Array(approvals.prefix(2))).reason == .approvalExpired)
    }

    // MARK: Rule 5 (gates)

    @Test func gateMissing() throws {
        let intent = try world.intent(requires: ["verification"])
        let approvals = try bothAdmins(intent)
        let pass = AuditEvent.Payload.gate(name: "verification", status: .pass)
        let fail = AuditEvent.Payload.gate(name: "verification", status: .fail)
        #expect(try world.decide(intent, approvals).reason == .gateMissing)
        // Attested by a principal outside [gates]: ignored.
        let byDispatcher = try world.event(of: intent, 1, pass, signers: [W.dispatcher])
        let ignored = try world.decide(intent, approvals, [byDispatcher])
        #expect(ignored.reason == .gateMissing)
        #expect(ignored.discarded.map(\.reason) == [.ledgerViolation])
        // PASS for another digest: ignored.
        let stale = try world.event(
            of: intent, 1, pass, signers: [W.gatekeeper], digest: ContentDigest.sha256(of: Array("old".utf8)))
        #expect(try world.decide(intent, approvals, [stale]).reason == .gateMissing)
        // FAIL, or PASS then FAIL: the latest result counts.
        #expect(
            try world.decide(intent, approvals, [try world.event(of: intent, 1, fail, signers: [W.gatekeeper])]).reason
                == .gateMissing)
        let passThenFail = [
            try world.event(of: intent, 1, pass, signers: [W.gatekeeper]),
            try world.event(of: intent, 2, fail, signers: [W.gatekeeper]),
        ]
        #expect(try world.decide(intent, approvals, passThenFail).reason == .gateMissing)
        // Another gate's PASS does not stand in.
        let otherGate = try world.event(
            of: intent, 1, .gate(name: "lint", status: .pass), signers: [W.gatekeeper])
        #expect(try world.decide(intent, approvals, [otherGate]).reason == .gateMissing)
        // Near miss: an entitled PASS for the current digest.
        let good = try world.event(of: intent, 1, pass, signers: [W.gatekeeper])
        #expect(try world.decide(intent, approvals, [good]).state == .ready)
        #expect(
            try world.decide(
                intent, approvals,
                passThenFail.reversed().enumerated().map { index, event in
                    // FAIL at 1, PASS at 2
                    try world.event(of: intent, index + 1, index == 0 ? fail : pass, signers: [W.gatekeeper])
                }
            ).state == .ready)
    }

    @Test func gatesAreCheckedAfterApprovals() throws {
        let intent = try world.intent(requires: ["verification"])
        #expect(try world.decide(intent).reason == .notApproved)
    }
}
