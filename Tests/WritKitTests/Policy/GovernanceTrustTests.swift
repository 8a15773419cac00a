import Foundation
import Testing

@testable import WritKit

/// SPEC §5: rotation of policy and signers needs the old and the new quorum.
@Suite("Governance trust")
struct GovernanceTrustTests {
    typealias W = PolicyWorld
    let world = PolicyWorld()

    /// A governance commit and the records its tree holds.
    struct Step {
        let commit: GovernanceCommit
        var records: [GovernanceRecordEvidence]
    }

    func commit(_ n: Int, _ world: PolicyWorld) -> GovernanceCommit {
        GovernanceCommit(commit: oid(n), policyBytes: Data(world.policyText.utf8), signersBytes: Data(world.signersText.utf8))
    }

    func digest(_ world: PolicyWorld) -> ContentDigest {
        GovernanceDigest.compute(policy: Data(world.policyText.utf8), allowedSigners: Data(world.signersText.utf8))
    }

    func record(
        _ digest: ContentDigest, by approver: Principal, signer: SSHEd25519PrivateKey, decision: Decision = .approve,
        namespace: String = "writ-governance"
    ) throws -> GovernanceRecordEvidence {
        let record = try GovernanceRecord(governanceDigest: digest, decision: decision, approver: approver, createdAt: W.created)
        let bytes = Data(record.canonicalBytes())
        return GovernanceRecordEvidence(
            path: record.path.path, bytes: bytes, signature: W.sign(bytes, with: signer, namespace: namespace))
    }

    func evaluate(_ root: PolicyWorld, _ steps: [Step]) -> GovernanceVerdict {
        GovernanceTrust.evaluate(
            root: commit(1, root), history: steps.map(\.commit),
            records: { id, digest in
                (steps.first { $0.commit.commit == id }?.records ?? []).filter { $0.path.contains(digest.hex) }
            }, now: W.now)
    }

    /// The default world with a new admin, "erin", added by the change.
    func withErin() -> (PolicyWorld, SSHEd25519PrivateKey) {
        var next = world
        let erinKey = SSHEd25519PrivateKey.generate()
        next.extraSignerLines = ["erin@example.com \(erinKey.publicKey.openSSHLine)"]
        next.policyText = world.policyText.replacingOccurrences(
            of: "admin = [\"alice@example.com\", \"carol@example.com\"]",
            with: "admin = [\"alice@example.com\", \"carol@example.com\", \"erin@example.com\"]")
        return (next, erinKey)
    }

    static let erin = PolicyWorld.principal("erin@example.com")

    @Test func unchangedHeadIsTrusted() throws {
        let verdict = evaluate(world, [Step(commit: commit(2, world), records: [])])
        #expect(verdict.reason == nil)
        #expect(verdict.trusted?.commit == oid(1))
        #expect(verdict.adopted.isEmpty)
        #expect(evaluate(world, []).trusted?.digest == digest(world))
    }

    @Test func changeWithoutQuorumIsUnapproved() throws {
        let (next, _) = withErin()
        let verdict = evaluate(world, [Step(commit: commit(2, next), records: [])])
        #expect(verdict.reason == .policyUnapproved)
        #expect(verdict.trusted == nil)
    }

    @Test func oldQuorumAloneOrNewQuorumAloneIsUnapproved() throws {
        // New policy needs 3 governors (alice, carol, erin); old needs 2 (alice, carol).
        var (next, erinKey) = withErin()
        next.policyText = next.policyText.replacingOccurrences(of: "[governance]\napprovals = 2", with: "[governance]\napprovals = 3")
        let d = digest(next)
        let alice = try record(d, by: W.alice, signer: world.key(W.alice))
        let carol = try record(d, by: W.carol, signer: world.key(W.carol))
        let erin = try record(d, by: Self.erin, signer: erinKey)
        // Old quorum (alice + carol) but not the new one (3 needed).
        let oldOnly = evaluate(world, [Step(commit: commit(2, next), records: [alice, carol])])
        #expect(oldOnly.reason == .policyUnapproved)
        #expect(oldOnly.detail.contains("trusted policy met"))

        // New-but-not-old: a new policy needing one governor, approved by erin
        // alone; the trusted policy still needs two of alice and carol.
        var takeover = next
        takeover.policyText = next.policyText.replacingOccurrences(of: "[governance]\napprovals = 3", with: "[governance]\napprovals = 1")
        let td = digest(takeover)
        let onlyErin = try record(td, by: Self.erin, signer: erinKey)
        let newOnly = evaluate(world, [Step(commit: commit(2, takeover), records: [onlyErin])])
        #expect(newOnly.reason == .policyUnapproved)
        #expect(newOnly.detail.contains("new policy met"))
        #expect(GovernanceTrust.quorum(for: td, records: [onlyErin], under: try GovernanceState(
            commit: oid(2), policyBytes: Data(takeover.policyText.utf8), signersBytes: Data(takeover.signersText.utf8)), now: W.now).met)

        // Both: adopted.
        let both = evaluate(world, [Step(commit: commit(2, next), records: [alice, carol, erin])])
        #expect(both.reason == nil)
        #expect(both.adopted == [oid(2)])
        #expect(both.trusted?.commit == oid(2))
        #expect(both.trusted?.digest == d)
    }

    @Test func laterCommitCompletesPendingQuorum() throws {
        let (next, erinKey) = withErin()
        let d = digest(next)
        let alice = try record(d, by: W.alice, signer: world.key(W.alice))
        let carol = try record(d, by: W.carol, signer: world.key(W.carol))
        let erin = try record(d, by: Self.erin, signer: erinKey)
        let steps = [
            Step(commit: commit(2, next), records: []),
            Step(commit: commit(3, next), records: [alice]),
            Step(commit: commit(4, next), records: [alice, carol, erin]),
        ]
        let verdict = evaluate(world, steps)
        #expect(verdict.reason == nil)
        #expect(verdict.adopted == [oid(4)])
        #expect(verdict.trusted?.commit == oid(4))
        // Stopping before completion: unapproved.
        #expect(evaluate(world, Array(steps.prefix(2))).reason == .policyUnapproved)
    }

    @Test func removedKeyNoLongerCountsLater() throws {
        // Step 1: remove carol's key (and role) with the old quorum alice + carol and the new: alice + erin.
        var (next, erinKey) = withErin()
        next.unlisted = [W.carol]
        let d1 = digest(next)
        let adopted1 = [
            try record(d1, by: W.alice, signer: world.key(W.alice)),
            try record(d1, by: W.carol, signer: world.key(W.carol)),
            try record(d1, by: Self.erin, signer: erinKey),
        ]
        // Step 2: another change, approved by alice and carol (carol's key now removed) and erin.
        var third = next
        third.policyText = next.policyText.replacingOccurrences(of: "dev = \"medium\"", with: "dev = \"high\"")
        let d2 = digest(third)
        let carolLate = try record(d2, by: W.carol, signer: world.key(W.carol))
        let aliceLate = try record(d2, by: W.alice, signer: world.key(W.alice))
        let erinLate = try record(d2, by: Self.erin, signer: erinKey)
        let steps = [
            Step(commit: commit(2, next), records: adopted1),
            Step(commit: commit(3, third), records: adopted1 + [carolLate, aliceLate]),
        ]
        let verdict = evaluate(world, steps)
        #expect(verdict.reason == .policyUnapproved)
        #expect(verdict.adopted == [oid(2)])
        let trustedNext = try GovernanceState(
            commit: oid(2), policyBytes: Data(next.policyText.utf8), signersBytes: Data(next.signersText.utf8))
        let quorum = GovernanceTrust.quorum(for: d2, records: [carolLate, aliceLate], under: trustedNext, now: W.now)
        #expect(quorum.counted == [W.alice])
        #expect(quorum.discarded.map(\.reason) == [.signerUnknown])
        // Near miss: erin instead of carol completes it.
        let fixed = evaluate(world, [steps[0], Step(commit: commit(3, third), records: [aliceLate, erinLate])])
        #expect(fixed.reason == nil)
        #expect(fixed.adopted == [oid(2), oid(3)])
        // And approvals under the adopted state no longer accept carol's key.
        let intent = try next.intent()
        let verdictIntent = DecisionEngine.decide(
            governance: trustedNext, intent: intent,
            approvals: [try next.approval(of: intent, by: W.alice), try world.approval(of: intent, by: W.carol)], events: [],
            now: W.now)
        #expect(verdictIntent.reason == .signerUnknown)
    }

    @Test func quorumRules() throws {
        let (next, erinKey) = withErin()
        let d = digest(next)
        let state = try world.governance()
        let alice = try record(d, by: W.alice, signer: world.key(W.alice))
        let carol = try record(d, by: W.carol, signer: world.key(W.carol))
        #expect(GovernanceTrust.quorum(for: d, records: [alice, carol], under: state, now: W.now).met)
        // A non-governor, a deny, a wrong namespace, another digest, a record under another name: none count.
        let spoiled: [(GovernanceRecordEvidence, ReasonCode)] = [
            (try record(d, by: W.bob, signer: world.key(W.bob)), .signerNotAuthorized),
            (try record(d, by: W.carol, signer: world.key(W.carol), decision: .deny), .denied),
            (try record(d, by: W.carol, signer: world.key(W.carol), namespace: "writ-approval"), .approvalSignatureInvalid),
            (try record(d, by: W.carol, signer: erinKey), .signerUnknown),
            (try record(digest(world), by: W.carol, signer: world.key(W.carol)), .approvalMalformed),
        ]
        for (bad, reason) in spoiled {
            let result = GovernanceTrust.quorum(for: d, records: [alice, bad], under: state, now: W.now)
            #expect(!result.met)
            #expect(result.discarded.map(\.reason) == [reason])
            // An extra bad record never cancels a met quorum.
            #expect(GovernanceTrust.quorum(for: d, records: [alice, bad, carol], under: state, now: W.now).met)
        }
        // One key under two governors counts once.
        var shared = world
        shared.keys[W.carol] = world.key(W.alice)
        let sharedState = try shared.governance()
        let carolWithAliceKey = try record(d, by: W.carol, signer: world.key(W.alice))
        let result = GovernanceTrust.quorum(for: d, records: [alice, carolWithAliceKey], under: sharedState, now: W.now)
        #expect(!result.met)
        #expect(result.counted.count == 1)
    }

    @Test func policyMalformedRoot() throws {
        var broken = world
        broken.policyText = "schema = 1\n[tiers.urgent]\napprovals = 1\n"
        #expect(evaluate(broken, []).reason == .policyMalformed)
        #expect(evaluate(broken, []).trusted == nil)
        let missing = GovernanceTrust.evaluate(
            root: GovernanceCommit(commit: oid(1), policyBytes: nil, signersBytes: Data(world.signersText.utf8)), history: [],
            records: { _, _ in [] }, now: W.now)
        #expect(missing.reason == .policyMalformed)
        var badSigners = world
        badSigners.extraSignerLines = ["x@example.com cert-authority ssh-ed25519 AAAA"]
        #expect(evaluate(badSigners, []).reason == .policyMalformed)
        // Near miss: a well-formed root.
        #expect(evaluate(world, []).reason == nil)
        // A malformed later state is only pending, so unapproved, not malformed.
        var laterBroken = world
        laterBroken.policyText = "schema = 1\n"
        let pending = evaluate(world, [Step(commit: commit(2, laterBroken), records: [])])
        #expect(pending.reason == .policyUnapproved)
        #expect(pending.detail.contains("malformed"))
        // ...and a revert to the trusted files makes the head trusted again.
        #expect(evaluate(world, [Step(commit: commit(2, laterBroken), records: []), Step(commit: commit(3, world), records: [])]).reason == nil)
    }
}
