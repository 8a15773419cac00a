import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §5, end to end: governance changes merged into a real governance
/// branch, adopted only on the quorum of both the trusted and the new
/// policy, and the repo-wide codes that stop everything.
@Suite struct GovernanceRotationEndToEndTests {
    /// The demo policy with `dev` lowered to low and the governance quorum
    /// handed to the operator (bob), who could not change policy before.
    static let rotatedPolicy: String = OpsSandbox.demoPolicy
        .replacingOccurrences(of: "dev = \"medium\"", with: "dev = \"low\"")
        .replacingOccurrences(
            of: "[governance]\napprovals = 2\nroles = [\"admin\"]",
            with: "[governance]\napprovals = 1\nroles = [\"operator\"]")

    /// The governance digest of the governance branch head's files.
    static func headDigest(_ repo: E2ERepo) throws -> ContentDigest {
        let repository = repo.sandbox.ops.repository
        let policy = try #require(try repository.blob(at: "policy.toml", in: "refs/heads/main"))
        let signers = try #require(try repository.blob(at: "allowed_signers", in: "refs/heads/main"))
        return GovernanceDigest.compute(policy: policy, allowedSigners: signers)
    }

    /// The `[governance] version` of the governance branch head's policy.
    static func headVersion(_ repo: E2ERepo) throws -> Int {
        let policy = try #require(try repo.sandbox.ops.repository.blob(at: "policy.toml", in: "refs/heads/main"))
        return try Policy.parse(policy).governanceVersion
    }

    /// Commits `policy` (and the current allowed_signers) with governance
    /// records by `approvers` for the new digest, in one commit on a branch
    /// merged into the governance branch. The policy's `[governance]
    /// version` is set to `version`, by default the head's + 1 (as
    /// `writ governance propose` sets it). The records replace `replaces`,
    /// by default the head's state before the change (the trusted one, when
    /// the head is trusted).
    @discardableResult
    static func changePolicy(
        _ repo: E2ERepo, to policy: String, signers newSigners: Data? = nil, approvers: [String],
        replaces: ContentDigest? = nil, version: Int? = nil, branch: String = "governance/change"
    ) throws -> ContentDigest {
        let policy = withGovernanceVersion(try version ?? headVersion(repo) + 1, policy)
        let current = try #require(try repo.sandbox.ops.repository.blob(at: "allowed_signers", in: "refs/heads/main"))
        let signers = newSigners ?? current
        let digest = GovernanceDigest.compute(policy: Data(policy.utf8), allowedSigners: signers)
        let replaced = try replaces ?? headDigest(repo)
        var files: [String: Data] = ["policy.toml": Data(policy.utf8), "allowed_signers": signers]
        files.merge(try records(repo, digest: digest, replaces: replaced, approvers: approvers)) { $1 }
        try repo.fileOnGovernance(files, branch: branch, signedBy: E2ERepo.alice)
        return digest
    }

    /// Governance records (and their `.sig`) by `approvers` for the change
    /// from `replaces` to `digest`, signed with the sandbox keys.
    static func records(_ repo: E2ERepo, digest: ContentDigest, replaces: ContentDigest, approvers: [String]) throws
        -> [String: Data]
    {
        var files: [String: Data] = [:]
        for approver in approvers {
            let record = try GovernanceRecord(
                governanceDigest: digest, replaces: replaces, decision: .approve, approver: E2ERepo.principal(approver),
                createdAt: Timestamp(repo.now))
            let bytes = Data(record.canonicalBytes())
            files[record.path.path] = bytes
            files[record.signaturePath.path] = Data(
                try repo.sandbox.identity(approver).sign(bytes, namespace: GovernanceRecord.signatureNamespace).utf8)
        }
        return files
    }

    static func expectNothingRuns(
        _ status: OpsStatus, _ reason: ReasonCode, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(!status.governance.trusted, sourceLocation: sourceLocation)
        #expect(status.governance.reason == reason, "\(status.governance.detail)", sourceLocation: sourceLocation)
        #expect(!status.intents.isEmpty, sourceLocation: sourceLocation)
        for intent in status.intents {
            #expect(intent.state == .blocked, "\(intent.id)", sourceLocation: sourceLocation)
            #expect(intent.reason == reason, "\(intent.id)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [
        [String](), [E2ERepo.alice, E2ERepo.carol], [E2ERepo.bob], [E2ERepo.alice, E2ERepo.bob],
        [E2ERepo.alice, E2ERepo.carol, E2ERepo.bob],
    ])
    func policyChangeIsAdoptedOnlyWithTheOldAndTheNewQuorum(approvers: [String]) throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-always")
        try repo.propose("dev", "dev-unapproved")
        let before = try repo.status()
        #expect(before.governance.trusted)
        // Sorted by id: dev-unapproved, triage-always.
        #expect(before.intents.map(\.reason) == [.notApproved, nil])

        try Self.changePolicy(repo, to: Self.rotatedPolicy, approvers: approvers)
        let after = try repo.status()
        // The old quorum is two admins (alice, carol); the new one is the operator (bob).
        let adopted = Set(approvers).isSuperset(of: [E2ERepo.alice, E2ERepo.carol, E2ERepo.bob])
        if adopted {
            #expect(after.governance.trusted, "\(after.governance.detail)")
            #expect(after.governance.reason == nil)
            // The new policy decides: dev is low now, so both run.
            #expect(after.intents.map(\.state) == [.ready, .ready], "\(after.intents.map(\.detail))")
            #expect(after.intents.map(\.tier) == [.low, .low])
        } else {
            Self.expectNothingRuns(after, .policyUnapproved)
        }
    }

    @Test func quorumCompletedByALaterCommitIsAdoptedThen() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-always")
        let root = try Self.headDigest(repo)
        let digest = try Self.changePolicy(repo, to: Self.rotatedPolicy, approvers: [E2ERepo.alice, E2ERepo.carol])
        Self.expectNothingRuns(try repo.status(), .policyUnapproved)
        try repo.fileOnGovernance(
            Self.records(repo, digest: digest, replaces: root, approvers: [E2ERepo.bob]), branch: "governance/bob",
            signedBy: E2ERepo.bob)
        let status = try repo.status()
        #expect(status.governance.trusted, "\(status.governance.detail)")
        #expect(status.intents.first?.state == .ready)
    }

    @Test func keyRemovedByAnAdoptedChangeNoLongerCounts() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-by-bob")
        try repo.approve("dev-by-bob", as: E2ERepo.bob)
        #expect(try repo.verdict("dev-by-bob").state == .ready)
        // Both quorums (two admins under the old and the new policy) drop bob's key.
        let current = try #require(try repo.sandbox.ops.repository.blob(at: "allowed_signers", in: "refs/heads/main"))
        let withoutBob =
            String(decoding: current, as: UTF8.self).split(separator: "\n")
            .filter { !$0.hasPrefix(E2ERepo.bob + " ") }.joined(separator: "\n") + "\n"
        #expect(withoutBob.utf8.count < current.count)
        try Self.changePolicy(
            repo, to: OpsSandbox.demoPolicy, signers: Data(withoutBob.utf8), approvers: [E2ERepo.alice, E2ERepo.carol])
        let status = try repo.status()
        #expect(status.governance.trusted, "\(status.governance.detail)")
        let line = try #require(status.intents.first)
        #expect(line.state == .blocked)
        #expect(line.reason == .signerUnknown, "\(line.detail)")
    }

    @Test func quorumForAnotherDigestDoesNotCount() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-always")
        // All three sign, but for the digest of a different policy text.
        let signers = try #require(try repo.sandbox.ops.repository.blob(at: "allowed_signers", in: "refs/heads/main"))
        let other = GovernanceDigest.compute(policy: Data((Self.rotatedPolicy + "\n").utf8), allowedSigners: signers)
        var files = try Self.records(
            repo, digest: other, replaces: try Self.headDigest(repo),
            approvers: [E2ERepo.alice, E2ERepo.carol, E2ERepo.bob])
        files["policy.toml"] = Data(Self.rotatedPolicy.utf8)
        try repo.fileOnGovernance(files, branch: "governance/change", signedBy: E2ERepo.alice)
        Self.expectNothingRuns(try repo.status(), .policyUnapproved)
    }

    @Test func policyChangedWithoutRecordsIsPolicyUnapproved() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-always")
        try repo.propose("dev", "dev-approved")
        try repo.approve("dev-approved", as: E2ERepo.bob)
        #expect(try repo.status().intents.allSatisfy { $0.state == .ready })
        // An admin pushes a policy change straight to the governance branch.
        try BranchAppender(repository: repo.sandbox.ops.repository).append(
            ["policy.toml": Data(Self.rotatedPolicy.utf8)], to: "main", message: "loosen the policy\n",
            signer: repo.sandbox.identity(E2ERepo.alice), at: repo.now, overwrite: true)
        Self.expectNothingRuns(try repo.status(), .policyUnapproved)
    }

    @Test func malformedPolicyAtTheTrustRootIsPolicyMalformed() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-always")
        let malformed = OpsSandbox.demoPolicy + "\n[tiers.urgent]\napprovals = 1\n"
        let commit = try BranchAppender(repository: repo.sandbox.ops.repository).append(
            ["policy.toml": Data(malformed.utf8)], to: "main", message: "an urgent tier\n",
            signer: repo.sandbox.identity(E2ERepo.alice), at: repo.now, overwrite: true)
        let evaluator = StatusEvaluator(ops: repo.sandbox.ops)
        Self.expectNothingRuns(try evaluator.evaluate(trustRoot: commit, now: repo.now), .policyMalformed)
        // Near miss: from the original trust root the malformed state is only
        // a pending change, which is unapproved, not malformed.
        Self.expectNothingRuns(
            try evaluator.evaluate(trustRoot: repo.sandbox.trustRoot, now: repo.now), .policyUnapproved)
        // And a well-formed policy pinned as the root is trusted.
        let wellFormed = try BranchAppender(repository: repo.sandbox.ops.repository).append(
            ["policy.toml": Data(OpsSandbox.demoPolicy.utf8)], to: "main", message: "revert\n",
            signer: repo.sandbox.identity(E2ERepo.alice), at: repo.now, overwrite: true)
        let trusted = try evaluator.evaluate(trustRoot: wellFormed, now: repo.now)
        #expect(trusted.governance.trusted)
        #expect(trusted.intents.first?.state == .ready)
    }

    @Test func governanceBranchResetToAnUnrelatedCommitIsHistoryRewritten() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-always")
        let tree = try GitTestSupport.git(repo.opsURL, "rev-parse", "main^{tree}")
        // Near miss: a descendant with the same files is fine.
        let child = try GitTestSupport.git(repo.opsURL, "commit-tree", tree, "-p", "main", "-m", "descendant")
        try GitTestSupport.git(repo.opsURL, "update-ref", "refs/heads/main", child)
        let fine = try repo.status()
        #expect(fine.governance.trusted)
        #expect(fine.intents.first?.state == .ready)
        // The same files in a commit with no history: the trust root is no longer an ancestor.
        let orphan = try GitTestSupport.git(repo.opsURL, "commit-tree", tree, "-m", "rewritten")
        try GitTestSupport.git(repo.opsURL, "update-ref", "refs/heads/main", orphan)
        let rewritten = try repo.status()
        Self.expectNothingRuns(rewritten, .historyRewritten)
        #expect(rewritten.governance.commit?.hex == orphan)
    }

    @Test func trustRootThatIsNotAGovernanceCommitIsTrustRootMissing() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-always")
        let evaluator = StatusEvaluator(ops: repo.sandbox.ops)
        let absent = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let blob = try GitTestSupport.id(try GitTestSupport.git(repo.opsURL, "rev-parse", "main:policy.toml"))
        for root in [nil, absent, blob] as [ObjectID?] {
            Self.expectNothingRuns(try evaluator.evaluate(trustRoot: root, now: repo.now), .trustRootMissing)
        }
        // Near miss: the pinned root.
        let trusted = try evaluator.evaluate(trustRoot: repo.sandbox.trustRoot, now: repo.now)
        #expect(trusted.governance.trusted)
        #expect(trusted.intents.first?.state == .ready)
    }
}
