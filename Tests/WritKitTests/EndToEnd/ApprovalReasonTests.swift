import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §4 rules 3 and 4, end to end: approval and denial records merged
/// into a real governance branch, each discard reason produced by its
/// situation, next to a near miss that does not produce it.
@Suite struct ApprovalReasonTests {
    @Test func validDenialFromAnAuthorisedPrincipalIsDenied() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-denied")
        try repo.approve("dev-denied", as: E2ERepo.bob)
        try repo.approve("dev-denied", as: E2ERepo.carol, decision: .deny)
        // Near miss: a denial from the dispatcher, who holds no role the tier accepts, is discarded.
        try repo.propose("dev", "dev-not-denied")
        try repo.approve("dev-not-denied", as: E2ERepo.bob)
        try repo.approve("dev-not-denied", as: E2ERepo.dispatcher, decision: .deny)

        let status = try repo.status()
        let denied = try #require(status.intents.first { $0.id.rawValue == "dev-denied" })
        #expect(denied.state == .blocked)
        #expect(denied.reason == .denied)
        let kept = try #require(status.intents.first { $0.id.rawValue == "dev-not-denied" })
        #expect(kept.state == .ready)
        #expect(kept.approvals == 1 && kept.required == 1)
    }

    @Test func tooFewApprovalsWithNothingDiscardedIsNotApproved() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-waiting")
        try repo.propose("release", "release-half")
        try repo.approve("release-half", as: E2ERepo.alice)
        let waiting = try repo.verdict("dev-waiting")
        #expect(waiting.reason == .notApproved)
        #expect(waiting.approvals == 0 && waiting.required == 1)
        let half = try repo.verdict("release-half")
        #expect(half.reason == .notApproved)
        #expect(half.approvals == 1 && half.required == 2)

        // Near miss: the missing approvals arrive.
        try repo.approve("dev-waiting", as: E2ERepo.bob)
        try repo.approve("release-half", as: E2ERepo.carol)
        let ready = try repo.status()
        #expect(ready.intents.allSatisfy { $0.state == .ready && $0.reason == nil })
        #expect(ready.intents.first { $0.id.rawValue == "release-half" }?.approvals == 2)
    }

    @Test func approvalOnlyOnItsBranchIsNotApproved() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-unmerged")
        try repo.sandbox.approve(E2ERepo.id("dev-unmerged"), as: E2ERepo.bob, merge: false, at: repo.now)
        #expect(try repo.verdict("dev-unmerged").reason == .notApproved)
        try GovernanceMerger(ops: repo.sandbox.ops).merge(
            branch: "approval/dev-unmerged", as: repo.sandbox.identity(E2ERepo.bob), now: repo.now)
        #expect(try repo.verdict("dev-unmerged").state == .ready)
    }

    @Test func recordFiledUnderAnotherPrincipalIsApprovalMalformed() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let proposal = try repo.propose("dev", "dev-misfiled")
        let record = try repo.record("dev-misfiled", approver: E2ERepo.alice, digest: proposal.digest, tier: .medium)
        let bytes = Data(record.canonicalBytes())
        let signature = try repo.sandbox.identity(E2ERepo.alice).sign(
            bytes, namespace: ApprovalRecord.signatureNamespace)
        // alice's valid record, at bob's path.
        let bobPath = GovernancePath.approval(record.intent, try E2ERepo.principal(E2ERepo.bob)).path
        try repo.fileOnGovernance(
            [bobPath: bytes, bobPath + ".sig": Data(signature.utf8)], branch: "approval/dev-misfiled",
            signedBy: E2ERepo.alice)
        let misfiled = try repo.verdict("dev-misfiled")
        #expect(misfiled.state == .blocked)
        #expect(misfiled.reason == .approvalMalformed, "\(misfiled.detail)")

        // Near miss: the same bytes at alice's own path count.
        try repo.fileOnGovernance(
            [record.path.path: bytes, record.signaturePath.path: Data(signature.utf8)],
            branch: "approval/dev-misfiled-2",
            signedBy: E2ERepo.alice)
        let fixed = try repo.verdict("dev-misfiled")
        #expect(fixed.state == .ready)
        #expect(fixed.approvals == 1)
    }

    @Test func damagedSignatureIsApprovalSignatureInvalid() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let flipped = try repo.propose("dev", "dev-flipped")
        let garbage = try repo.propose("dev", "dev-garbage")
        let intact = try repo.propose("dev", "dev-intact")
        let identity = try repo.sandbox.identity(E2ERepo.bob)

        let flippedRecord = try repo.record("dev-flipped", approver: E2ERepo.bob, digest: flipped.digest, tier: .medium)
        let good = Data(try identity.sign(Data(flippedRecord.canonicalBytes()), namespace: "writ-approval").utf8)
        try repo.sandbox.file(
            flippedRecord, signedBy: E2ERepo.bob, signatureBytes: good.flippingSignatureByte(), at: repo.now)
        let garbageRecord = try repo.record("dev-garbage", approver: E2ERepo.bob, digest: garbage.digest, tier: .medium)
        try repo.sandbox.file(
            garbageRecord, signedBy: E2ERepo.bob, signatureBytes: Data("not a signature\n".utf8), at: repo.now)
        // Near miss: the same record signed and left intact.
        try repo.sandbox.file(
            repo.record("dev-intact", approver: E2ERepo.bob, digest: intact.digest, tier: .medium),
            signedBy: E2ERepo.bob,
            at: repo.now)

        let status = try repo.status()
        for id in ["dev-flipped", "dev-garbage"] {
            let line = try #require(status.intents.first { $0.id.rawValue == id })
            #expect(line.state == .blocked)
            #expect(line.reason == .approvalSignatureInvalid, "\(id): \(line.detail)")
        }
        #expect(status.intents.first { $0.id.rawValue == "dev-intact" }?.state == .ready)
    }

    @Test func recordSignedByAnUnlistedKeyIsSignerUnknown() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let forged = try repo.propose("dev", "dev-stranger")
        // bob's record, signed with mallory's key, which allowed_signers does not list for bob.
        try repo.sandbox.file(
            repo.record("dev-stranger", approver: E2ERepo.bob, digest: forged.digest, tier: .medium),
            signedBy: E2ERepo.mallory, at: repo.now)
        let line = try repo.verdict("dev-stranger")
        #expect(line.state == .blocked)
        #expect(line.reason == .signerUnknown, "\(line.detail)")
        // Near miss: the same record signed with bob's listed key.
        try repo.sandbox.file(
            repo.record("dev-stranger", approver: E2ERepo.bob, digest: forged.digest, tier: .medium),
            signedBy: E2ERepo.bob, at: repo.now)
        #expect(try repo.verdict("dev-stranger").state == .ready)
    }

    @Test func keyPastItsValidBeforeIsSignerUnknownAtTheDispatchersClock() throws {
        // dave is an operator whose key is listed only until 2030-01-01 (UTC).
        let daveKey = SSHEd25519PrivateKey.generate()
        let policy = OpsSandbox.demoPolicy.replacingOccurrences(
            of: "operator = [\"bob@example.com\"]", with: "operator = [\"bob@example.com\", \"dave@example.com\"]")
        #expect(policy != OpsSandbox.demoPolicy)
        let repo = try E2ERepo(
            policy: policy,
            extraSigners: "dave@example.com valid-before=\"20300101000000Z\" \(daveKey.publicKey.openSSHLine)\n")
        defer { repo.remove() }
        let proposal = try repo.propose("dev", "dev-by-dave")
        let record = try repo.record(
            "dev-by-dave", approver: "dave@example.com", digest: proposal.digest, tier: .medium)
        let bytes = Data(record.canonicalBytes())
        let dave = SigningIdentity(principal: try E2ERepo.principal("dave@example.com"), key: daveKey)
        let signature = try dave.sign(bytes, namespace: ApprovalRecord.signatureNamespace)
        try repo.fileOnGovernance(
            [record.path.path: bytes, record.signaturePath.path: Data(signature.utf8)], branch: "approval/dev-by-dave",
            signedBy: E2ERepo.bob)

        let utc = { (text: String) throws -> Date in try #require(Timestamp(rfc3339: text)).date }
        // Near miss: the dispatcher's clock before valid-before.
        let before = try repo.verdict("dev-by-dave", at: utc("2029-12-31T23:59:59Z"))
        #expect(before.state == .ready, "\(before.detail)")
        let after = try repo.verdict("dev-by-dave", at: utc("2030-01-01T00:00:01Z"))
        #expect(after.state == .blocked)
        #expect(after.reason == .signerUnknown, "\(after.detail)")
    }

    @Test func oneKeyListedForTwoAdminsCountsOnce() throws {
        // dave and erin are admins listed on one allowed_signers line with one key.
        let shared = SSHEd25519PrivateKey.generate()
        let policy = OpsSandbox.demoPolicy.replacingOccurrences(
            of: "admin = [\"alice@example.com\", \"carol@example.com\"]",
            with: "admin = [\"alice@example.com\", \"carol@example.com\", \"dave@example.com\", \"erin@example.com\"]")
        #expect(policy != OpsSandbox.demoPolicy)
        let repo = try E2ERepo(
            policy: policy, extraSigners: "dave@example.com,erin@example.com \(shared.publicKey.openSSHLine)\n")
        defer { repo.remove() }
        for id in ["release-shared", "release-distinct"] {
            let proposal = try repo.propose("release", id)
            let approvers = id == "release-shared" ? ["dave@example.com", "erin@example.com"] : ["dave@example.com"]
            var files: [String: Data] = [:]
            for approver in approvers {
                let record = try repo.record(id, approver: approver, digest: proposal.digest, tier: .high)
                let bytes = Data(record.canonicalBytes())
                let identity = SigningIdentity(principal: try E2ERepo.principal(approver), key: shared)
                files[record.path.path] = bytes
                files[record.signaturePath.path] = Data(try identity.sign(bytes, namespace: "writ-approval").utf8)
            }
            try repo.fileOnGovernance(files, branch: "approval/\(id)", signedBy: E2ERepo.alice)
        }
        // Near miss: dave's key plus alice's own key are two distinct keys.
        try repo.approve("release-distinct", as: E2ERepo.alice)
        let status = try repo.status()
        let shared2 = try #require(status.intents.first { $0.id.rawValue == "release-shared" })
        #expect(shared2.state == .blocked)
        #expect(shared2.approvals == 1 && shared2.required == 2)
        #expect(shared2.reason == .notApproved, "\(shared2.detail)")
        let distinct = try #require(status.intents.first { $0.id.rawValue == "release-distinct" })
        #expect(distinct.state == .ready, "\(distinct.detail)")
        #expect(distinct.approvals == 2)
    }

    @Test func operatorApprovingAHighIntentIsSignerNotAuthorized() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("release", "release-by-operator")
        try repo.approve("release-by-operator", as: E2ERepo.bob)
        try repo.approve("release-by-operator", as: E2ERepo.carol)
        let line = try repo.verdict("release-by-operator")
        #expect(line.state == .blocked)
        #expect(line.reason == .signerNotAuthorized, "\(line.detail)")
        #expect(line.approvals == 1 && line.required == 2)
        // Near miss: a second admin instead of the operator.
        try repo.approve("release-by-operator", as: E2ERepo.alice)
        let fixed = try repo.verdict("release-by-operator")
        #expect(fixed.state == .ready)
        #expect(fixed.approvals == 2)
    }

    @Test func proposerApprovingTheirOwnIntentIsSelfApproval() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-own", as: E2ERepo.bob)
        try repo.approve("dev-own", as: E2ERepo.bob)
        // Near miss: bob's intent approved by someone else.
        try repo.propose("dev", "dev-other", as: E2ERepo.bob)
        try repo.approve("dev-other", as: E2ERepo.alice)
        let status = try repo.status()
        let own = try #require(status.intents.first { $0.id.rawValue == "dev-own" })
        #expect(own.state == .blocked)
        #expect(own.reason == .selfApproval)
        #expect(status.intents.first { $0.id.rawValue == "dev-other" }?.state == .ready)
    }

    @Test func recordNamingOtherBytesIsDigestMismatch() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let proposal = try repo.propose("dev", "dev-digest")
        let other = Intent.digest(ofFileBytes: Data("schema = 1\nid = \"dev-digest\"\n".utf8))
        try repo.sandbox.file(
            repo.record("dev-digest", approver: E2ERepo.bob, digest: other, tier: .medium), signedBy: E2ERepo.bob,
            at: repo.now)
        let line = try repo.verdict("dev-digest")
        #expect(line.state == .blocked)
        #expect(line.reason == .digestMismatch)
        // Near miss: bob re-files with the digest of the bytes on the ledger.
        try repo.sandbox.file(
            repo.record("dev-digest", approver: E2ERepo.bob, digest: proposal.digest, tier: .medium),
            signedBy: E2ERepo.bob,
            at: repo.now)
        #expect(try repo.verdict("dev-digest").state == .ready)
    }

    @Test func recordNamingAnotherTierIsTierMismatch() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let proposal = try repo.propose("dev", "dev-tier")
        try repo.sandbox.file(
            repo.record("dev-tier", approver: E2ERepo.bob, digest: proposal.digest, tier: .high), signedBy: E2ERepo.bob,
            at: repo.now)
        let line = try repo.verdict("dev-tier")
        #expect(line.state == .blocked)
        #expect(line.reason == .tierMismatch)
        try repo.sandbox.file(
            repo.record("dev-tier", approver: E2ERepo.bob, digest: proposal.digest, tier: .medium),
            signedBy: E2ERepo.bob,
            at: repo.now)
        #expect(try repo.verdict("dev-tier").state == .ready)
    }

    @Test func approvalPastItsExpiryIsApprovalExpired() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-expiring")
        try repo.approve("dev-expiring", as: E2ERepo.bob, expiresAt: Timestamp(repo.now).adding(seconds: 600))
        let before = try repo.verdict("dev-expiring", at: repo.now.addingTimeInterval(599))
        #expect(before.state == .ready)
        let after = try repo.verdict("dev-expiring", at: repo.now.addingTimeInterval(600))
        #expect(after.state == .blocked)
        #expect(after.reason == .approvalExpired)
    }
}
