import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

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
        GovernanceCommit(
            commit: oid(n), policyBytes: Data(world.policyText.utf8), signersBytes: Data(world.signersText.utf8))
    }

    func digest(_ world: PolicyWorld) -> ContentDigest {
        GovernanceDigest.compute(policy: Data(world.policyText.utf8), allowedSigners: Data(world.signersText.utf8))
    }

    /// A governance record for the change to `digest`, replacing `replaces`
    /// (by default the root world's state, the T of most tests), signed by
    /// `signer` and, when given, a second time by `nextSigner` (`.next.sig`).
    func record(
        _ digest: ContentDigest, by approver: Principal, signer: SSHEd25519PrivateKey?, decision: Decision = .approve,
        namespace: String = "writ-governance", replaces: ContentDigest? = nil, nextSigner: SSHEd25519PrivateKey? = nil
    ) throws -> GovernanceRecordEvidence {
        let record = try GovernanceRecord(
            governanceDigest: digest, replaces: replaces ?? self.digest(world), decision: decision, approver: approver,
            createdAt: W.created)
        let bytes = Data(record.canonicalBytes())
        return GovernanceRecordEvidence(
            path: record.path.path, bytes: bytes,
            signature: signer.map { W.sign(bytes, with: $0, namespace: namespace) },
            nextSignature: nextSigner.map { W.sign(bytes, with: $0, namespace: namespace) })
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
        return (next.atVersion(1), erinKey)
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
        next.policyText = next.policyText.replacingOccurrences(
            of: "[governance]\nversion = 1\napprovals = 2", with: "[governance]\nversion = 1\napprovals = 3")
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
        takeover.policyText = next.policyText.replacingOccurrences(
            of: "[governance]\nversion = 1\napprovals = 3", with: "[governance]\nversion = 1\napprovals = 1")
        let td = digest(takeover)
        let onlyErin = try record(td, by: Self.erin, signer: erinKey)
        let newOnly = evaluate(world, [Step(commit: commit(2, takeover), records: [onlyErin])])
        #expect(newOnly.reason == .policyUnapproved)
        #expect(newOnly.detail.contains("new policy met"))
        #expect(
            GovernanceTrust.quorum(
                for: td, replacing: digest(world), records: [onlyErin],
                under: try GovernanceState(
                    commit: oid(2), policyBytes: Data(takeover.policyText.utf8),
                    signersBytes: Data(takeover.signersText.utf8)), now: W.now
            ).met)

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
        third.policyText = withGovernanceVersion(
            2, next.policyText.replacingOccurrences(of: "dev = \"medium\"", with: "dev = \"high\""))
        let d2 = digest(third)
        let carolLate = try record(d2, by: W.carol, signer: world.key(W.carol), replaces: d1)
        let aliceLate = try record(d2, by: W.alice, signer: world.key(W.alice), replaces: d1)
        let erinLate = try record(d2, by: Self.erin, signer: erinKey, replaces: d1)
        let steps = [
            Step(commit: commit(2, next), records: adopted1),
            Step(commit: commit(3, third), records: adopted1 + [carolLate, aliceLate]),
        ]
        let verdict = evaluate(world, steps)
        #expect(verdict.reason == .policyUnapproved)
        #expect(verdict.adopted == [oid(2)])
        let trustedNext = try GovernanceState(
            commit: oid(2), policyBytes: Data(next.policyText.utf8), signersBytes: Data(next.signersText.utf8))
        let quorum = GovernanceTrust.quorum(
            for: d2, replacing: d1, records: [carolLate, aliceLate], under: trustedNext, now: W.now)
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
            approvals: [try next.approval(of: intent, by: W.alice), try world.approval(of: intent, by: W.carol)],
            events: [],
            now: W.now)
        #expect(verdictIntent.reason == .signerUnknown)
    }

    @Test func quorumRules() throws {
        let (next, erinKey) = withErin()
        let d = digest(next)
        let state = try world.governance()
        let alice = try record(d, by: W.alice, signer: world.key(W.alice))
        let carol = try record(d, by: W.carol, signer: world.key(W.carol))
        #expect(
            GovernanceTrust.quorum(for: d, replacing: digest(world), records: [alice, carol], under: state, now: W.now)
                .met)
        // A non-governor, a deny, a wrong namespace, another digest, a record under another name: none count.
        let spoiled: [(GovernanceRecordEvidence, ReasonCode)] = [
            (try record(d, by: W.bob, signer: world.key(W.bob)), .signerNotAuthorized),
            (try record(d, by: W.carol, signer: world.key(W.carol), decision: .deny), .denied),
            (
                try record(d, by: W.carol, signer: world.key(W.carol), namespace: "writ-approval"),
                .approvalSignatureInvalid
            ),
            (try record(d, by: W.carol, signer: erinKey), .signerUnknown),
            (try record(digest(world), by: W.carol, signer: world.key(W.carol), replaces: d), .approvalMalformed),
            (try record(d, by: W.carol, signer: nil), .approvalSignatureInvalid),
        ]
        for (bad, reason) in spoiled {
            let result = GovernanceTrust.quorum(
                for: d, replacing: digest(world), records: [alice, bad], under: state, now: W.now)
            #expect(!result.met)
            #expect(result.discarded.map(\.reason) == [reason])
            // An extra bad record never cancels a met quorum.
            #expect(
                GovernanceTrust.quorum(
                    for: d, replacing: digest(world), records: [alice, bad, carol], under: state, now: W.now
                ).met)
        }
        // One key under two governors counts once.
        var shared = world
        shared.keys[W.carol] = world.key(W.alice)
        let sharedState = try shared.governance()
        let carolWithAliceKey = try record(d, by: W.carol, signer: world.key(W.alice))
        let result = GovernanceTrust.quorum(
            for: d, replacing: digest(world), records: [alice, carolWithAliceKey], under: sharedState, now: W.now)
        #expect(!result.met)
        #expect(result.counted.count == 1)
    }

    @Test func policyMalformedRoot() throws {
        var broken = world
        broken.policyText = "schema = 1\n[tiers.urgent]\napprovals = 1\n"
        #expect(evaluate(broken, []).reason == .policyMalformed)
        #expect(evaluate(broken, []).trusted == nil)
        let missing = GovernanceTrust.evaluate(
            root: GovernanceCommit(commit: oid(1), policyBytes: nil, signersBytes: Data(world.signersText.utf8)),
            history: [],
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
        #expect(
            evaluate(
                world, [Step(commit: commit(2, laterBroken), records: []), Step(commit: commit(3, world), records: [])]
            ).reason == nil)
    }

    // MARK: replaces: records bind to the transition they approve (defect: rollback)

    /// Root Z (version 1), then A (the default world, version 2) adopted
    /// from Z, then B (mallory's key revoked, version 3) adopted from A, then
    /// a return to A's rules: first A's exact files with the records that
    /// once adopted A still in the tree, then A's rules at version 4, as a
    /// real team would propose the return.
    @Test func rollbackToAnEarlierStateNeedsFreshRecords() throws {
        var z = world
        z.policyText = world.policyText.replacingOccurrences(of: "dev = \"medium\"", with: "dev = \"high\"")
        z = z.atVersion(1)
        let a = world.atVersion(2)
        var b = world.atVersion(3)
        b.unlisted = [W.mallory]
        let aAgain = world.atVersion(4)
        let (dz, da, db, da4) = (digest(z), digest(a), digest(b), digest(aAgain))
        let adoptA = [
            try record(da, by: W.alice, signer: world.key(W.alice), replaces: dz),
            try record(da, by: W.carol, signer: world.key(W.carol), replaces: dz),
        ]
        let adoptB = [
            try record(db, by: W.alice, signer: world.key(W.alice), replaces: da),
            try record(db, by: W.carol, signer: world.key(W.carol), replaces: da),
        ]
        let history = [
            Step(commit: commit(2, a), records: adoptA),
            Step(commit: commit(3, b), records: adoptA + adoptB),
        ]
        let beforeRollback = evaluate(z, history)
        #expect(beforeRollback.reason == nil, "\(beforeRollback.detail)")
        #expect(beforeRollback.adopted == [oid(2), oid(3)])

        // A's exact files: the old records are valid signatures by governors
        // under B too, but A's version (2) is not B's + 1: pending.
        let rolledBack = evaluate(z, history + [Step(commit: commit(4, a), records: adoptA + adoptB)])
        #expect(rolledBack.reason == .policyUnapproved)
        #expect(rolledBack.trusted == nil)
        #expect(rolledBack.adopted == [oid(2), oid(3)])
        #expect(rolledBack.detail.contains("version is 2"), "\(rolledBack.detail)")
        // And they replace Z, not B: they would not count even at the right version.
        let underB = try b.governance(commit: 3)
        let stale = GovernanceTrust.quorum(for: da, replacing: db, records: adoptA, under: underB, now: W.now)
        #expect(!stale.met)
        #expect(stale.counted.isEmpty)
        #expect(stale.discarded.map(\.reason) == [.digestMismatch, .digestMismatch])

        // A's rules at version 4, with records of that digest made for
        // another transition (replacing Z): they do not count.
        let madeForZ = [
            try record(da4, by: W.alice, signer: world.key(W.alice), replaces: dz),
            try record(da4, by: W.carol, signer: world.key(W.carol), replaces: dz),
        ]
        let returned = evaluate(z, history + [Step(commit: commit(4, aAgain), records: adoptA + adoptB + madeForZ)])
        #expect(returned.reason == .policyUnapproved)
        #expect(returned.trusted == nil)
        #expect(returned.detail.contains("2 records replace another state"), "\(returned.detail)")

        // Near miss: fresh records replacing B re-adopt A's rules, and mallory's key with them.
        let fresh = [
            try record(da4, by: W.alice, signer: world.key(W.alice), replaces: db),
            try record(da4, by: W.carol, signer: world.key(W.carol), replaces: db),
        ]
        let approved = evaluate(
            z, history + [Step(commit: commit(4, aAgain), records: adoptA + adoptB + madeForZ + fresh)])
        #expect(approved.reason == nil, "\(approved.detail)")
        #expect(approved.adopted == [oid(2), oid(3), oid(4)])
        #expect(approved.trusted?.digest == da4)
        // One fresh record is not a quorum, whatever old records lie next to it.
        let half = evaluate(z, history + [Step(commit: commit(4, aAgain), records: madeForZ + [fresh[0]])])
        #expect(half.reason == .policyUnapproved)
        // Fresh records replacing B for A's exact files (version 2) adopt nothing.
        let freshForOld = [
            try record(da, by: W.alice, signer: world.key(W.alice), replaces: db),
            try record(da, by: W.carol, signer: world.key(W.carol), replaces: db),
        ]
        let exact = evaluate(z, history + [Step(commit: commit(4, a), records: freshForOld)])
        #expect(exact.reason == .policyUnapproved)
        #expect(exact.detail.contains("version is 2"), "\(exact.detail)")
    }

    @Test func recordsOfTheFirstAdoptionOfAStateAreStaleForAnyOtherTransition() throws {
        // The records that moved the root to erin's world replace the root;
        // under any other trusted state, even one with the same signers, they do not count.
        let (next, erinKey) = withErin()
        let d = digest(next)
        let records = [
            try record(d, by: W.alice, signer: world.key(W.alice)),
            try record(d, by: W.carol, signer: world.key(W.carol)),
            try record(d, by: Self.erin, signer: erinKey),
        ]
        let state = try world.governance()
        #expect(
            GovernanceTrust.quorum(for: d, replacing: digest(world), records: records, under: state, now: W.now).met)
        let other = ContentDigest.sha256(of: Array("another trusted state".utf8))
        let elsewhere = GovernanceTrust.quorum(for: d, replacing: other, records: records, under: state, now: W.now)
        #expect(!elsewhere.met)
        #expect(Set(elsewhere.discarded.map(\.reason)) == [.digestMismatch])
    }

    // MARK: .next.sig: a governor rotating their own key

    /// The default world (`[governance] approvals = 2`, admins alice and
    /// carol) where alice's key is replaced by `newKey`.
    func aliceRotated(to newKey: SSHEd25519PrivateKey) -> PolicyWorld {
        var next = world.atVersion(1)
        next.keys[W.alice] = newKey
        return next
    }

    @Test func nextSignatureLetsAGovernorRotateTheirOwnKey() throws {
        let newKey = SSHEd25519PrivateKey.generate()
        let next = aliceRotated(to: newKey)
        let d = digest(next)
        let carol = try record(d, by: W.carol, signer: world.key(W.carol))

        // Only .sig files: alice's old key counts for the old quorum, but not
        // for the new one, whose allowed_signers lists only her new key.
        let onlySig = try record(d, by: W.alice, signer: world.key(W.alice))
        let pending = evaluate(world, [Step(commit: commit(2, next), records: [onlySig, carol])])
        #expect(pending.reason == .policyUnapproved)
        #expect(
            pending.detail.contains("trusted policy met (2 of 2), of the new policy not met (1 of 2)"),
            "\(pending.detail)")

        // Signing with the new key in .sig instead just moves the gap to the old quorum.
        let newInSig = try record(d, by: W.alice, signer: newKey)
        let swapped = evaluate(world, [Step(commit: commit(2, next), records: [newInSig, carol])])
        #expect(swapped.reason == .policyUnapproved)
        #expect(
            swapped.detail.contains("trusted policy not met (1 of 2), of the new policy met (2 of 2)"),
            "\(swapped.detail)")

        // .sig with the old key and .next.sig with the new: both quorums met.
        let both = try record(d, by: W.alice, signer: world.key(W.alice), nextSigner: newKey)
        let adopted = evaluate(world, [Step(commit: commit(2, next), records: [both, carol])])
        #expect(adopted.reason == nil, "\(adopted.detail)")
        #expect(adopted.adopted == [oid(2)])
        #expect(adopted.trusted?.digest == d)
        // Each quorum took the one signature its own signers trust, with no complaint.
        let newState = try next.governance(commit: 2)
        let newQuorum = GovernanceTrust.quorum(
            for: d, replacing: digest(world), records: [both, carol], under: newState, now: W.now)
        #expect(newQuorum.counted == [W.alice, W.carol])
        #expect(newQuorum.discarded.isEmpty)

        // A .next.sig alone serves the new quorum only.
        let nextOnly = try record(d, by: W.alice, signer: nil, nextSigner: newKey)
        let oldQuorum = GovernanceTrust.quorum(
            for: d, replacing: digest(world), records: [nextOnly, carol], under: try world.governance(), now: W.now)
        #expect(oldQuorum.counted == [W.carol])
        #expect(oldQuorum.discarded.map(\.reason) == [.signerUnknown])
        #expect(oldQuorum.discarded.first?.detail.contains("alice@example.com.toml.next.sig") == true)
    }

    @Test func nextSignatureByAKeyTheNewSignersDoNotListDoesNotCount() throws {
        let newKey = SSHEd25519PrivateKey.generate()
        let next = aliceRotated(to: newKey)
        let d = digest(next)
        let carol = try record(d, by: W.carol, signer: world.key(W.carol))
        for stranger in [SSHEd25519PrivateKey.generate(), world.key(W.mallory), world.key(W.carol)] {
            let wrong = try record(d, by: W.alice, signer: world.key(W.alice), nextSigner: stranger)
            let verdict = evaluate(world, [Step(commit: commit(2, next), records: [wrong, carol])])
            #expect(verdict.reason == .policyUnapproved)
            let newQuorum = GovernanceTrust.quorum(
                for: d, replacing: digest(world), records: [wrong, carol], under: try next.governance(commit: 2),
                now: W.now)
            #expect(newQuorum.counted == [W.carol])
            #expect(newQuorum.discarded.map(\.reason) == [.signerUnknown])
        }
        // A .next.sig in another namespace does not count either.
        let wrongNamespace = try record(d, by: W.alice, signer: world.key(W.alice))
        let forged = GovernanceRecordEvidence(
            path: wrongNamespace.path, bytes: wrongNamespace.bytes, signature: wrongNamespace.signature,
            nextSignature: W.sign(wrongNamespace.bytes, with: newKey, namespace: "writ-approval"))
        #expect(evaluate(world, [Step(commit: commit(2, next), records: [forged, carol])]).reason == .policyUnapproved)
    }

    @Test func oneKeyCountsOnceThroughSigAndNextSig() throws {
        let newKey = SSHEd25519PrivateKey.generate()
        // Alone, alice's two signatures make one principal in each quorum.
        let next = aliceRotated(to: newKey)
        let d = digest(next)
        let aliceTwice = try record(d, by: W.alice, signer: world.key(W.alice), nextSigner: newKey)
        let alone = evaluate(world, [Step(commit: commit(2, next), records: [aliceTwice])])
        #expect(alone.reason == .policyUnapproved)
        #expect(alone.detail.contains("(1 of 2)"), "\(alone.detail)")

        // Carol's line in the new signers carries alice's new key: carol's
        // .next.sig with that key verifies, but the key already counts for alice.
        var shared = next
        shared.keys[W.carol] = newKey
        let ds = digest(shared)
        let alice = try record(ds, by: W.alice, signer: world.key(W.alice), nextSigner: newKey)
        let carol = try record(ds, by: W.carol, signer: world.key(W.carol), nextSigner: newKey)
        let verdict = evaluate(world, [Step(commit: commit(2, shared), records: [alice, carol])])
        #expect(verdict.reason == .policyUnapproved)
        #expect(
            verdict.detail.contains("trusted policy met (2 of 2), of the new policy not met (1 of 2)"),
            "\(verdict.detail)")
        // Near miss: carol keeps a key of her own.
        let (dn, carolOwn) = (d, try record(d, by: W.carol, signer: world.key(W.carol)))
        let aliceN = try record(dn, by: W.alice, signer: world.key(W.alice), nextSigner: newKey)
        #expect(evaluate(world, [Step(commit: commit(2, next), records: [aliceN, carolOwn])]).reason == nil)
    }

    // MARK: [governance] version: digests alone can repeat (T0 → T1 → T0 → T1)

    /// A change is adoptable only at exactly the trusted version + 1: with a
    /// full quorum of both policies (records replacing the trusted state), a
    /// change at any other version stays pending and its detail names the
    /// version; only trusted + 1 is adopted.
    @Test(
        arguments: [
            (nil, false), (0, false), (1, false), (3, false), (7, false), (2, true),
        ] as [(Int?, Bool)])
    func onlyTheNextVersionIsAdoptable(version: Int?, adoptable: Bool) throws {
        let root = world.atVersion(1)
        let (erinWorld, erinKey) = withErin()
        var next = erinWorld
        next.policyText = erinWorld.policyText.replacingOccurrences(of: "version = 1\n", with: "")
        if let version { next = next.atVersion(version) }
        let d = digest(next)
        let records = [
            try record(d, by: W.alice, signer: world.key(W.alice), replaces: digest(root)),
            try record(d, by: W.carol, signer: world.key(W.carol), replaces: digest(root)),
            try record(d, by: Self.erin, signer: erinKey, replaces: digest(root)),
        ]
        // The quorums themselves are met: only the version decides.
        let candidate = try next.governance(commit: 2)
        #expect(
            GovernanceTrust.quorum(
                for: d, replacing: digest(root), records: records, under: try root.governance(), now: W.now
            ).met)
        #expect(
            GovernanceTrust.quorum(for: d, replacing: digest(root), records: records, under: candidate, now: W.now).met)
        let verdict = evaluate(root, [Step(commit: commit(2, next), records: records)])
        if adoptable {
            #expect(verdict.reason == nil, "\(verdict.detail)")
            #expect(verdict.adopted == [oid(2)])
            #expect(GovernanceTrust.versionProblem(candidate, after: try root.governance()) == nil)
        } else {
            #expect(verdict.reason == .policyUnapproved)
            #expect(verdict.trusted == nil)
            #expect(verdict.adopted.isEmpty)
            #expect(verdict.detail.contains("version is \(version ?? 0)"), "\(verdict.detail)")
            #expect(verdict.detail.contains("adoptable only as version 2"), "\(verdict.detail)")
        }
    }

    /// The attack: T0 (version 1) → T1 (version 2, adding erin's key, adopted
    /// with a quorum) → T0 again. Returning to T0's exact files (version 1)
    /// is never adopted, even with fresh records replacing T1, so T0's
    /// digest never becomes trusted again and T1's old records (replacing
    /// T0) can never re-adopt T1. A real return is T0's rules at version 3
    /// (T0'); after it, a commit restoring T1's two files exactly (version
    /// 2) with T1's old records, and even with fresh records, stays pending.
    @Test func returningToAnEarlierStateNeverReadoptsALaterOne() throws {
        let t0 = world.atVersion(1)
        let (t1, erinKey) = withErin()
        let t1Exact = t1.atVersion(2)
        let t0Again = world.atVersion(3)
        let (d0, d1, d0Again) = (digest(t0), digest(t1Exact), digest(t0Again))
        let adoptT1 = [
            try record(d1, by: W.alice, signer: world.key(W.alice), replaces: d0),
            try record(d1, by: W.carol, signer: world.key(W.carol), replaces: d0),
            try record(d1, by: Self.erin, signer: erinKey, replaces: d0),
        ]
        // T0's exact files with fresh records replacing T1 (alice, carol and erin sign).
        let returnExact = [
            try record(d0, by: W.alice, signer: world.key(W.alice), replaces: d1),
            try record(d0, by: W.carol, signer: world.key(W.carol), replaces: d1),
            try record(d0, by: Self.erin, signer: erinKey, replaces: d1),
        ]
        let exactChain = evaluate(
            t0,
            [
                Step(commit: commit(2, t1Exact), records: adoptT1),
                Step(commit: commit(3, t0), records: adoptT1 + returnExact),
                Step(commit: commit(4, t1Exact), records: adoptT1 + returnExact),
            ])
        // Without the version rule, commits 3 and 4 would both be adopted.
        #expect(exactChain.adopted == [oid(2)])
        #expect(exactChain.trusted?.digest == d1)
        let stopsAtT0 = evaluate(
            t0,
            [
                Step(commit: commit(2, t1Exact), records: adoptT1),
                Step(commit: commit(3, t0), records: adoptT1 + returnExact),
            ])
        #expect(stopsAtT0.reason == .policyUnapproved)
        #expect(stopsAtT0.detail.contains("version is 1"), "\(stopsAtT0.detail)")

        // T0' (T0's rules at version 3), adopted with fresh records: erin's key is revoked.
        let adoptT0Again = [
            try record(d0Again, by: W.alice, signer: world.key(W.alice), replaces: d1),
            try record(d0Again, by: W.carol, signer: world.key(W.carol), replaces: d1),
        ]
        let history = [
            Step(commit: commit(2, t1Exact), records: adoptT1),
            Step(commit: commit(3, t0Again), records: adoptT1 + adoptT0Again),
        ]
        let afterReturn = evaluate(t0, history)
        #expect(afterReturn.reason == nil, "\(afterReturn.detail)")
        #expect(afterReturn.adopted == [oid(2), oid(3)])

        // T1's two files restored exactly, its old records in the tree: pending, the detail names the version.
        let restored = evaluate(t0, history + [Step(commit: commit(4, t1Exact), records: adoptT1 + adoptT0Again)])
        #expect(restored.reason == .policyUnapproved)
        #expect(restored.trusted == nil)
        #expect(restored.adopted == [oid(2), oid(3)])
        #expect(restored.detail.contains("version is 2"), "\(restored.detail)")
        #expect(restored.detail.contains("adoptable only as version 4"), "\(restored.detail)")
        // Even fresh records replacing T0' (whose quorum alice and carol meet) do not adopt version 2.
        let freshForT1 = [
            try record(d1, by: W.alice, signer: world.key(W.alice), replaces: d0Again),
            try record(d1, by: W.carol, signer: world.key(W.carol), replaces: d0Again),
            try record(d1, by: Self.erin, signer: erinKey, replaces: d0Again),
        ]
        let withFresh = evaluate(t0, history + [Step(commit: commit(4, t1Exact), records: adoptT1 + freshForT1)])
        #expect(withFresh.reason == .policyUnapproved)
        #expect(withFresh.detail.contains("version is 2"), "\(withFresh.detail)")
        // Near miss: T1's rules at version 4 with those fresh records' counterparts are adopted.
        let t1Again = t1.atVersion(4)
        let d1Again = digest(t1Again)
        let freshAt4 = [
            try record(d1Again, by: W.alice, signer: world.key(W.alice), replaces: d0Again),
            try record(d1Again, by: W.carol, signer: world.key(W.carol), replaces: d0Again),
            try record(d1Again, by: Self.erin, signer: erinKey, replaces: d0Again),
        ]
        let readopted = evaluate(t0, history + [Step(commit: commit(4, t1Again), records: freshAt4)])
        #expect(readopted.reason == nil, "\(readopted.detail)")
        #expect(readopted.adopted == [oid(2), oid(3), oid(4)])
    }
}
