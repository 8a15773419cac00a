import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §5's `[governance] version`, end to end with the built `writ`
/// binary and stock git: digests alone can repeat (T0 → T1 → T0 → T1), so a
/// change is adoptable only at exactly the trusted version + 1.
@Suite struct GovernanceVersionTests {
    typealias Setup = GovernanceCommandsTests.Setup
    typealias Replaces = GovernanceRotationReplacesEndToEndTests
    static let erin = "erin@example.com"

    /// The attack: T0 (version 1) → T1 (version 2: erin joins the admins,
    /// adopted with a quorum) → T0' (T0's files at version 3, adopted with
    /// fresh records: erin's key revoked) → one commit restoring T1's two
    /// files exactly, T1's old records still in the tree. It stays pending,
    /// so an intent approved only by erin's key does not run.
    @Test func restoringALaterStateWithItsOldRecordsStaysPending() throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let (alice, carol) = (E2ERepo.alice, E2ERepo.carol)
        let aliceKey = setup.repo.sandbox.keyPath(alice)
        let carolKey = setup.repo.sandbox.keyPath(carol)
        let erinKey = try CLI.makeKey(in: setup.files, name: "erin")
        let t0 = try setup.headFiles()
        #expect(try Policy.parse(t0.policy).governanceVersion == 1)

        // `writ validate` says which version a policy file is at.
        let t0File = try setup.file("policy", t0.policy)
        let validated = try setup.writ(["validate", "--kind", "policy", t0File])
        #expect(validated.stdout.contains("[governance] version 1"), "\(validated.stdout)")
        #expect(try setup.json(["validate", "--kind", "policy", t0File])["governance_version"] as? Int == 1)

        // T1: erin joins the admins, with a comment of the author's; the
        // author does not touch the version: propose sets it.
        let t1Text =
            String(decoding: t0.policy, as: UTF8.self).replacingOccurrences(
                of: "admin = [\"alice@example.com\", \"carol@example.com\"]",
                with:
                    "# erin joins the admins (reviewed)\nadmin = [\"alice@example.com\", \"carol@example.com\", \"\(Self.erin)\"]"
            )
        #expect(t1Text.contains("erin joins"))
        let t1Signers = t0.signers + Data("\(Self.erin) \(try CLI.publicKey(erinKey))\n".utf8)
        let proposalT1 = try setup.propose(policy: Data(t1Text.utf8), signers: t1Signers, as: alice, key: aliceKey)
        #expect(proposalT1["version"] as? Int == 2)
        let branchT1 = try #require(proposalT1["branch"] as? String)
        let proposedT1 = try #require(
            try setup.repo.sandbox.ops.repository.blob(at: "policy.toml", in: "refs/heads/" + branchT1))
        let proposedText = String(decoding: proposedT1, as: UTF8.self)
        #expect(try Policy.parse(proposedT1).governanceVersion == 2)
        #expect(proposedText.contains("version = 2"))
        #expect(!proposedText.contains("version = 1"))
        #expect(proposedText.contains("# erin joins the admins (reviewed)\n"), "the author's comment is kept")
        #expect(proposedText == withGovernanceVersion(2, t1Text), "nothing but the version changed")
        let digestT1 = try #require(proposalT1["digest"] as? String)
        try setup.approve(digestT1, as: alice, key: aliceKey)
        try setup.approve(digestT1, as: carol, key: carolKey)
        try setup.stockMerge(branchT1)
        let t1Status = try setup.status()
        #expect(t1Status["trusted_digest"] as? String == digestT1)
        #expect(t1Status["trusted_version"] as? Int == 2)
        let mergeT1 = try GitTestSupport.git(setup.repo.opsURL, "rev-parse", "main")

        // An intent approved by erin alone: under T1 it runs.
        let dev = try setup.repo.propose("dev", "dev-by-erin")
        let record = try setup.repo.record(
            "dev-by-erin", approver: Self.erin, digest: dev.digest, tier: .medium)
        let recordBytes = Data(record.canonicalBytes())
        let recordFile = setup.files.appendingPathComponent("erin-approval.toml")
        try recordBytes.write(to: recordFile)
        let signed = try GitTestSupport.run(
            "/usr/bin/ssh-keygen", ["-q", "-Y", "sign", "-f", erinKey, "-n", "writ-approval", recordFile.path])
        try #require(signed.status == 0, "ssh-keygen -Y sign failed: \(signed.stderr)")
        try setup.repo.fileOnGovernance(
            [
                record.path.path: recordBytes,
                record.path.path + ".sig": try Data(contentsOf: URL(fileURLWithPath: recordFile.path + ".sig")),
            ], branch: "approval/dev-by-erin", signedBy: alice)
        #expect(try setup.repo.verdict("dev-by-erin").state == .ready)

        // T0': T0's files proposed again (at version 3), adopted with fresh records: erin's key is revoked.
        let proposalT0 = try setup.propose(policy: t0.policy, signers: t0.signers, as: alice, key: aliceKey)
        #expect(proposalT0["version"] as? Int == 3)
        #expect(proposalT0["replaces"] as? String == digestT1)
        let digestT0Again = try #require(proposalT0["digest"] as? String)
        try setup.approve(digestT0Again, as: alice, key: aliceKey)
        try setup.approve(digestT0Again, as: carol, key: carolKey)
        try setup.stockMerge(try #require(proposalT0["branch"] as? String))
        #expect(try setup.status()["trusted_digest"] as? String == digestT0Again)
        let revoked = try setup.repo.verdict("dev-by-erin")
        #expect(revoked.state == .blocked)
        #expect(revoked.reason == .signerUnknown, "\(revoked.detail)")

        // T1's two files restored exactly, in one commit, with stock git.
        try GitTestSupport.git(setup.work, "pull", "-q", "--no-rebase", "origin", "main")
        try GitTestSupport.git(setup.work, "checkout", mergeT1, "--", "policy.toml", "allowed_signers")
        try GitTestSupport.git(setup.work, "commit", "-q", "-m", "restore T1")
        try GitTestSupport.git(setup.work, "push", "-q", "origin", "main")
        #expect(try Rotation.headDigest(setup.repo).description == digestT1)
        let oldRecord = try setup.repo.sandbox.ops.repository.blob(
            at: "approvals/_governance/\(digestT1.dropFirst("sha256:".count))/\(alice).toml", in: "refs/heads/main")
        #expect(oldRecord != nil, "T1's old records are in the tree")

        // Pending: policy_unapproved, and the detail names the version.
        let restored = try setup.repo.status()
        Rotation.expectNothingRuns(restored, .policyUnapproved)
        #expect(restored.governance.detail.contains("version is 2"), "\(restored.governance.detail)")
        let line = try #require(restored.intents.first { $0.id.rawValue == "dev-by-erin" })
        #expect(line.state == .blocked)
        #expect(line.reason == .policyUnapproved)
        let refused = try setup.writ(["status", "--repo", setup.ops, "--trust", setup.root], status: 3)
        #expect(refused.stdout.contains("policy_unapproved"), "\(refused.stdout)")

        // `writ governance status` names the version problem of this hand-made change.
        let status = try setup.status(status: 3)
        #expect(status["trusted_digest"] as? String == digestT0Again)
        #expect(status["trusted_version"] as? Int == 3)
        let pending = try #require(status["pending"] as? [String: Any])
        #expect(pending["digest"] as? String == digestT1)
        #expect(pending["version"] as? Int == 2)
        #expect(pending["adoptable"] as? Bool == false)
        let problem = try #require(pending["version_problem"] as? String)
        #expect(problem.contains("version is 2") && problem.contains("adoptable only as version 4"), "\(problem)")
        let text = try setup.writ(["governance", "status", "--repo", setup.ops, "--trust", setup.root], status: 3)
        #expect(text.stdout.contains("[governance] version 3"), "\(text.stdout)")
        #expect(text.stdout.contains("cannot be adopted whatever it holds"), "\(text.stdout)")
        #expect(text.stdout.contains("adoptable only as version 4"), "\(text.stdout)")

        // The dispatcher dispatches nothing: `writ dispatch --once` reports policy_unapproved.
        let dispatched = try CLI.runArgs(["dispatch", "--once", "--config", try Self.config(setup)])
        #expect(dispatched.status == 3, "\(dispatched.stdout)\(dispatched.stderr)")
        #expect((dispatched.stdout + dispatched.stderr).contains("policy_unapproved"))
        let after = try setup.repo.verdict("dev-by-erin")
        #expect(after.state == .blocked)
        #expect(after.reason == .policyUnapproved)
    }

    typealias Rotation = GovernanceRotationEndToEndTests

    /// A dispatcher.toml for the setup's ops repo (executors `/bin/true`); its path.
    static func config(_ setup: Setup) throws -> String {
        _ = try AuditTestSupport.config(setup.repo.sandbox)
        return setup.repo.sandbox.directory.appendingPathComponent("dispatcher.toml").path
    }

    /// A change made by hand at the wrong version: `writ governance status
    /// --branch` says it can never be adopted, `writ governance approve`
    /// refuses to sign it, and the same files proposed with `writ governance
    /// propose` are at the right version.
    @Test(arguments: [1, 3])
    func aHandMadeChangeAtAnotherVersionIsNeverAdoptable(version: Int) throws {
        let setup = try Setup("handMade\(version)")
        defer { setup.repo.remove() }
        let alice = E2ERepo.alice
        let aliceKey = setup.repo.sandbox.keyPath(alice)
        let t0 = try setup.headFiles()
        let changed = withGovernanceVersion(
            version,
            String(decoding: t0.policy, as: UTF8.self).replacingOccurrences(
                of: "release = \"high\"", with: "release = \"high\"\ndocs = \"low\""))
        let branch = "governance/by-hand"
        try GitTestSupport.git(setup.work, "switch", "-q", "-c", branch)
        try GitTestSupport.write(changed, to: setup.work.appendingPathComponent("policy.toml"))
        try GitTestSupport.git(setup.work, "commit", "-q", "-am", "docs kind, by hand")
        try GitTestSupport.git(setup.work, "push", "-q", "origin", branch)

        let status = try setup.status(branch: branch)
        let pending = try #require(status["pending"] as? [String: Any])
        #expect(pending["version"] as? Int == version)
        #expect(pending["adoptable"] as? Bool == false)
        #expect(
            (pending["version_problem"] as? String)?.contains("adoptable only as version 2") == true, "\(pending)")
        let digest = try #require(pending["digest"] as? String)
        let refused = try setup.writ(
            [
                "governance", "approve", digest, "--branch", branch, "--repo", setup.ops, "--trust", setup.root,
                "--as", alice, "--key", aliceKey,
            ], status: 3)
        #expect(refused.stderr.contains("policy_unapproved"), "\(refused.stderr)")
        #expect(refused.stderr.contains("version is \(version)"), "\(refused.stderr)")

        // Near miss: proposed with the command, the same file is at version 2 and can be approved.
        let proposal = try setup.propose(policy: Data(changed.utf8), signers: t0.signers, as: alice, key: aliceKey)
        #expect(proposal["version"] as? Int == 2)
        let approval = try setup.approve(try #require(proposal["digest"] as? String), as: alice, key: aliceKey)
        #expect(approval["counts_under_trusted"] as? Bool == true)
        let proposed = try setup.status(branch: try #require(proposal["branch"] as? String))
        let proposedPending = try #require(proposed["pending"] as? [String: Any])
        #expect(proposedPending["version"] as? Int == 2)
        #expect(proposedPending["version_problem"] is NSNull || proposedPending["version_problem"] == nil)
    }
}
