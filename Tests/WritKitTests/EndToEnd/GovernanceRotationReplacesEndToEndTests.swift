import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §5, end to end: a governance record counts only for the transition
/// it names (`replaces`), so a restored earlier state needs fresh records;
/// and an admin whose own key the change rotates signs twice (`.sig` with
/// the old key, `.next.sig` with the new one, made here by `ssh-keygen`).
@Suite struct GovernanceRotationReplacesEndToEndTests {
    typealias Rotation = GovernanceRotationEndToEndTests

    static func signersBlob(_ repo: E2ERepo) throws -> Data {
        try #require(try repo.sandbox.ops.repository.blob(at: "allowed_signers", in: "refs/heads/main"))
    }

    /// `signers` with every line of `principal` replaced by `replacement` (or dropped when nil).
    static func signers(_ signers: Data, replacing principal: String, with replacement: String?) -> Data {
        let lines = String(decoding: signers, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix(principal + " ") ? replacement.map { "\(principal) \($0)" } : String(line)
        }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Signs `bytes` with `ssh-keygen -Y sign` under `writ-governance`, as an admin would by hand.
    static func sshKeygenSign(_ bytes: Data, key: String, in directory: URL) throws -> Data {
        let file = directory.appendingPathComponent("record-\(UUID().uuidString).toml")
        try bytes.write(to: file)
        let output = try GitTestSupport.run(
            "/usr/bin/ssh-keygen", ["-q", "-Y", "sign", "-f", key, "-n", "writ-governance", file.path])
        try #require(output.status == 0, "ssh-keygen -Y sign failed: \(output.stderr)")
        return try Data(contentsOf: URL(fileURLWithPath: file.path + ".sig"))
    }

    @Test func restoringAnEarlierAdoptedStateNeedsFreshRecords() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-by-bob")
        try repo.approve("dev-by-bob", as: E2ERepo.bob)
        #expect(try repo.verdict("dev-by-bob").state == .ready)
        let admins = [E2ERepo.alice, E2ERepo.carol]
        #expect(try Rotation.headVersion(repo) == 1)

        // A (version 2): a new kind, adopted from the trust root's state by both admins.
        let rulesA = OpsSandbox.demoPolicy.replacingOccurrences(
            of: "release = \"high\"", with: "release = \"high\"\ndocs = \"low\"")
        let policyA = withGovernanceVersion(2, rulesA)
        let signersA = try Self.signersBlob(repo)
        let digestA = try Rotation.changePolicy(repo, to: policyA, approvers: admins, branch: "governance/a")
        #expect(try repo.status().governance.trusted)
        #expect(try Rotation.headVersion(repo) == 2)

        // B (version 3): bob's key revoked, adopted from A by both admins.
        let signersB = Self.signers(signersA, replacing: E2ERepo.bob, with: nil)
        let digestB = try Rotation.changePolicy(
            repo, to: rulesA, signers: signersB, approvers: admins, branch: "governance/b")
        #expect(try repo.status().governance.trusted)
        #expect(try repo.verdict("dev-by-bob").reason == .signerUnknown)
        #expect(try Rotation.headVersion(repo) == 3)

        // A's exact files again (version 2). The records that adopted A are
        // still in the tree and still verify for both admins under B, but
        // version 2 is not B's + 1: the rollback is pending and nothing runs.
        try repo.fileOnGovernance(
            ["policy.toml": Data(policyA.utf8), "allowed_signers": signersA], branch: "governance/rollback",
            signedBy: E2ERepo.alice)
        #expect(try Self.headDigestIs(repo, digestA))
        let oldRecord = try repo.sandbox.ops.repository.blob(
            at: "approvals/_governance/\(digestA.hex)/\(E2ERepo.alice).toml", in: "refs/heads/main")
        #expect(oldRecord != nil)
        let rolledBack = try repo.status()
        Rotation.expectNothingRuns(rolledBack, .policyUnapproved)
        #expect(rolledBack.governance.detail.contains("version is 2"), "\(rolledBack.governance.detail)")
        #expect(throws: WritError.self) {
            try GovernanceTimeline(ops: repo.sandbox.ops, trustRoot: repo.sandbox.trustRoot, now: repo.now)
        }

        // A's rules at version 4, with records made for another transition
        // (replacing the root's state, not B): they do not count either.
        let policyA4 = withGovernanceVersion(4, rulesA)
        let digestA4 = GovernanceDigest.compute(policy: Data(policyA4.utf8), allowedSigners: signersA)
        let root = repo.sandbox.trustRoot
        let rootFiles = try #require(try GovernanceWriter(ops: repo.sandbox.ops).files(at: root))
        let rootDigest = GovernanceDigest.compute(policy: rootFiles.policy, allowedSigners: rootFiles.signers)
        var stale = try Rotation.records(repo, digest: digestA4, replaces: rootDigest, approvers: admins)
        stale["policy.toml"] = Data(policyA4.utf8)
        try repo.fileOnGovernance(stale, branch: "governance/rollback-stale", signedBy: E2ERepo.alice)
        let staleStatus = try repo.status()
        Rotation.expectNothingRuns(staleStatus, .policyUnapproved)
        #expect(
            staleStatus.governance.detail.contains("2 records replace another state"),
            "\(staleStatus.governance.detail)")

        // Near miss: fresh records replacing B re-adopt A's rules (version 4), and bob's key with them.
        try repo.fileOnGovernance(
            Rotation.records(repo, digest: digestA4, replaces: digestB, approvers: admins),
            branch: "governance/rollback-approved",
            signedBy: E2ERepo.alice)
        let approved = try repo.status()
        #expect(approved.governance.trusted, "\(approved.governance.detail)")
        #expect(try repo.verdict("dev-by-bob").state == .ready)
        let timeline = try GovernanceTimeline(ops: repo.sandbox.ops, trustRoot: repo.sandbox.trustRoot, now: repo.now)
        #expect(timeline.points.last?.trusted.digest == digestA4)
        #expect(timeline.points.last?.headTrusted == true)
        #expect(
            timeline.points.map(\.headTrusted).filter { !$0 }.count == 2,
            "only the two unapproved rollback commits were pending")
    }

    static func headDigestIs(_ repo: E2ERepo, _ digest: ContentDigest) throws -> Bool {
        try Rotation.headDigest(repo) == digest
    }

    @Test func anAdminRotatesTheirOwnKeyWithANextSignature() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("release", "release-1")
        let keys = repo.directory.appendingPathComponent("rotation")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let newKey = try CLI.makeKey(in: keys, name: "alice-next")
        let strangerKey = try CLI.makeKey(in: keys, name: "stranger")

        // alice's allowed_signers line now carries her new key; the quorum
        // under both policies is both admins, alice included.
        let root = try Rotation.headDigest(repo)
        let rotated = Self.signers(
            try Self.signersBlob(repo), replacing: E2ERepo.alice, with: try CLI.publicKey(newKey))
        let policy = Data(withGovernanceVersion(2, OpsSandbox.demoPolicy).utf8)
        let digest = GovernanceDigest.compute(policy: policy, allowedSigners: rotated)
        var files = try Rotation.records(
            repo, digest: digest, replaces: root, approvers: [E2ERepo.alice, E2ERepo.carol])
        files["allowed_signers"] = rotated
        files["policy.toml"] = policy
        try repo.fileOnGovernance(files, branch: "governance/rotate", signedBy: E2ERepo.alice)
        let onlySig = try repo.status()
        Rotation.expectNothingRuns(onlySig, .policyUnapproved)
        #expect(
            onlySig.governance.detail.contains("of the new policy not met (1 of 2)"), "\(onlySig.governance.detail)")

        let aliceRecord = try GovernanceRecord(
            governanceDigest: digest, replaces: root, decision: .approve, approver: E2ERepo.principal(E2ERepo.alice),
            createdAt: Timestamp(repo.now))
        let recordBytes = try #require(files[aliceRecord.path.path])
        let nextPath = aliceRecord.nextSignaturePath.path
        #expect(nextPath == "approvals/_governance/\(digest.hex)/alice@example.com.toml.next.sig")

        // A .next.sig by a key the new allowed_signers does not list for alice changes nothing.
        try repo.fileOnGovernance(
            [nextPath: try Self.sshKeygenSign(recordBytes, key: strangerKey, in: keys)], branch: "governance/stranger",
            signedBy: E2ERepo.alice)
        Rotation.expectNothingRuns(try repo.status(), .policyUnapproved)

        // Her .next.sig with the new key completes the new quorum.
        try repo.fileOnGovernance(
            [nextPath: try Self.sshKeygenSign(recordBytes, key: newKey, in: keys)], branch: "governance/next-sig",
            signedBy: E2ERepo.alice)
        let adopted = try repo.status()
        #expect(adopted.governance.trusted, "\(adopted.governance.detail)")
        let timeline = try GovernanceTimeline(ops: repo.sandbox.ops, trustRoot: repo.sandbox.trustRoot, now: repo.now)
        #expect(timeline.points.last?.trusted.digest == digest)

        // The rotation took effect: alice's old key no longer approves.
        try repo.approve("release-1", as: E2ERepo.alice)
        try repo.approve("release-1", as: E2ERepo.carol)
        let release = try repo.verdict("release-1")
        #expect(release.state == .blocked)
        #expect(release.reason == .signerUnknown, "\(release.detail)")
    }
}
