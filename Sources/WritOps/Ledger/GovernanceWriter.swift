import Foundation
import WritCore

/// `writ governance propose` and `writ governance approve`: a governance
/// change and its records written as signed commits on a proposal branch,
/// with every digest computed, never typed (SPEC §5).
///
/// A proposal is a branch `governance/<first 12 hex of the digest>` based
/// on the governance head, holding the new `policy.toml`, `allowed_signers`
/// and `approvals/_governance/<digest>/request.toml`. An approval is a
/// governance record whose `replaces` is the digest of the state trusted now
/// (walked from the trust root), signed under `writ-governance` with the
/// approver's key (`.sig`) and, when the change rotates that key, with the
/// new one too (`.next.sig`). Merging the branch is the adoption step, done
/// with git like any reviewed change.
package struct GovernanceWriter {
    package let ops: OpsRepo
    /// Whether the branch written is pushed to the ops repo's remote, with
    /// compare-and-swap and a rebuild on a lost race (as `Proposer` does).
    package var pushes = false

    package init(ops: OpsRepo) {
        self.ops = ops
    }

    /// The branch a proposal of `digest` lives on.
    package static func branch(for digest: ContentDigest) -> String {
        "governance/" + digest.hex.prefix(12)
    }

    /// What `propose` wrote.
    package struct Proposal: Sendable {
        package let request: GovernanceRequest
        package let branch: String
        package let commit: ObjectID
        /// The proposed policy's `[governance] version`: the replaced one's + 1.
        package let version: Int
    }

    /// Commits `policy` and `signers` with their request on
    /// `governance/<digest prefix>`, from the governance head, as `signer`.
    ///
    /// The replaced state is the one trusted from `trustRoot` when given,
    /// else the governance head's own files. The proposed `policy.toml` is
    /// `policy` with `[governance] version` set to the replaced state's + 1,
    /// the only version the change can be adopted at (the author's comments
    /// and layout kept). Refused: files that do not parse, or whose version
    /// cannot be set textually (`policy_malformed`), and files equal to the
    /// replaced state but for the version (nothing to propose).
    package func propose(
        policy: Data, signers: Data, trustRoot: ObjectID?, note: String? = nil, as signer: SigningIdentity, now: Date
    ) throws -> Proposal {
        let head = try ops.governanceHead()
        let replaced = try trustRoot.map { try trustedState(from: $0, now: now) } ?? headState(head)
        // Only the trusted version + 1 is adoptable (SPEC §5): the version
        // is written here, never typed. Files that differ from the replaced
        // state in their version alone change nothing.
        let next = replaced.policy.governanceVersion + 1
        let policy = try PolicyVersion.setting(next, in: policy)
        let unchanged = (try? PolicyVersion.setting(next, in: replaced.policyBytes)) ?? replaced.policyBytes
        guard policy != unchanged || signers != replaced.signersBytes else {
            throw RuntimeError(
                "the files given are the state of \(replaced.commit.hex) (\(replaced.digest)): nothing to propose",
                fix: "--policy and --signers: they must differ from the trusted state")
        }
        _ = try GovernanceState(commit: head, policyBytes: policy, signersBytes: signers)
        let request = try GovernanceRequest(
            replaces: replaced.digest, replacesCommit: replaced.commit, policyDigest: .sha256(of: policy),
            allowedSignersDigest: .sha256(of: signers),
            changes: [
                // The version always moves; policy.toml is listed when more does.
                policy != unchanged ? "policy.toml" : nil,
                signers != replaced.signersBytes ? "allowed_signers" : nil,
            ].compactMap { $0 }, proposer: signer.principal, createdAt: Timestamp(now), note: note)
        let branch = Self.branch(for: request.governanceDigest)
        try refuseIfCheckedOut(branch)
        let pushRemote = try ops.pushRemote(pushes, fetching: [branch])
        let files = [
            GovernancePath.policy.path: policy, GovernancePath.allowedSigners.path: signers,
            request.path.path: Data(request.canonicalBytes()),
        ]
        let commit = try BranchAppender(repository: ops.repository).append(
            to: branch, pushingTo: pushRemote,
            message: "writ: propose governance \(request.governanceDigest) replacing \(request.replaces)\n",
            signer: signer, at: now, createBranchFrom: head, overwrite: true
        ) { _ in files }
        return Proposal(request: request, branch: branch, commit: commit, version: next)
    }

    /// What `approve` wrote, and whom the record counts for.
    package struct Approval: Sendable {
        package let record: GovernanceRecord
        package let branch: String
        package let commit: ObjectID
        /// Whether a `.next.sig` was written.
        package let signedWithNextKey: Bool
        /// Whether the record counts toward the quorum of the trusted policy
        /// (verified with the trusted allowed_signers) and of the new one.
        package let countsUnderTrusted: Bool
        package let countsUnderNew: Bool
    }

    /// Signs an approval of `digest` as `signer` (and with `next`, the same
    /// record with the principal's new key) on `branch`, default
    /// `governance/<digest prefix>`, or, when only the remote has it,
    /// `origin/<branch>` as the base.
    ///
    /// Refused before anything is written: a branch whose `policy.toml` and
    /// `allowed_signers` are not `digest` (`digest_mismatch`); a change
    /// whose files do not parse (`policy_malformed`); a change whose
    /// `[governance] version` is not the trusted one + 1 (`policy_unapproved`:
    /// it can never be adopted); and a record that
    /// would count in neither quorum, with the reason it is discarded under
    /// the trusted state (`signer_unknown`, `signer_not_authorized`, ...).
    package func approve(
        _ digest: ContentDigest, branch: String? = nil, trustRoot: ObjectID, note: String? = nil,
        as signer: SigningIdentity, next: SigningIdentity? = nil, now: Date
    ) throws -> Approval {
        let branch = branch ?? Self.branch(for: digest)
        // With --push, the branch is fetched first: the record is built on
        // what the remote holds now (others' records included), and a
        // branch another admin proposed needs no `git fetch` beforehand.
        try refuseIfCheckedOut(branch)
        let pushRemote = try ops.pushRemote(pushes, fetching: [branch])
        let remoteName = ops.remote ?? "origin"
        let local = try ops.repository.resolve(OpsRepo.refName(branch))
        // The newer of the local branch and the remote-tracking ref (a
        // diverged pair is refused), as every writer reads a branch.
        let tracking = try ops.tip(of: branch)
        let tip = tracking?.commit ?? local
        let remote = local == nil ? tip : nil
        guard let tip else {
            throw RuntimeError(
                "no branch '\(branch)' (nor \(remoteName)/\(branch)) in the ops repo",
                fix: "--branch (the branch holding the change), or --push to fetch it first, or git fetch")
        }
        let files = try files(at: tip)
        let actual = files.map { GovernanceDigest.compute(policy: $0.policy, allowedSigners: $0.signers) }
        guard let files, actual == digest else {
            throw WritError(
                .digestMismatch,
                "branch '\(branch)' at \(tip.hex) holds "
                    + (actual.map { "the governance state \($0)" } ?? "no policy.toml or allowed_signers")
                    + ", not \(digest)")
        }
        let trusted = try trustedState(from: trustRoot, now: now)
        guard trusted.digest != digest else {
            throw RuntimeError(
                "\(digest) is already the trusted state (of \(trusted.commit.hex)): there is nothing to approve",
                fix: "the digest (see writ governance status)")
        }
        let candidate = try GovernanceState(commit: tip, policyBytes: files.policy, signersBytes: files.signers)
        // A change at any version but the trusted one + 1 is never adopted
        // (SPEC §5), so a record for it could never count.
        if let problem = GovernanceTrust.versionProblem(candidate, after: trusted) {
            throw WritError(
                .policyUnapproved,
                "branch '\(branch)' at \(tip.hex) cannot be adopted: \(problem); propose it again with "
                    + "writ governance propose, which sets the version")
        }
        let record = try GovernanceRecord(
            governanceDigest: digest, replaces: trusted.digest, decision: .approve, approver: signer.principal,
            createdAt: Timestamp(now), note: note)
        let bytes = Data(record.canonicalBytes())
        let signature = Data(try signer.sign(bytes, namespace: GovernanceRecord.signatureNamespace).utf8)
        let nextSignature = try next.map {
            Data(try $0.sign(bytes, namespace: GovernanceRecord.signatureNamespace).utf8)
        }

        // Check before writing: a record that counts in neither quorum is refused.
        let evidence = [
            GovernanceRecordEvidence(
                path: record.path.path, bytes: bytes, signature: signature, nextSignature: nextSignature)
        ]
        let underTrusted = GovernanceTrust.quorum(
            for: digest, replacing: trusted.digest, records: evidence, under: trusted, now: now,
            cache: ops.verificationCache)
        let underNew = GovernanceTrust.quorum(
            for: digest, replacing: trusted.digest, records: evidence, under: candidate, now: now,
            cache: ops.verificationCache)
        let countsUnderTrusted = !underTrusted.counted.isEmpty
        let countsUnderNew = !underNew.counted.isEmpty
        guard countsUnderTrusted || countsUnderNew else {
            let discarded = underTrusted.discarded.first ?? underNew.discarded.first
            throw WritError(
                discarded?.reason ?? .signerUnknown,
                "the record would count in neither quorum: \(discarded?.detail ?? "no signature verifies")")
        }

        var written = [record.path.path: bytes, record.signaturePath.path: signature]
        if let nextSignature { written[record.nextSignaturePath.path] = nextSignature }
        if pushRemote != nil || tracking?.fromRemoteTracking == true { try ops.catchUp(branch) }
        let commit = try BranchAppender(repository: ops.repository).append(
            to: branch, pushingTo: pushRemote, message: "writ: approve governance \(digest) as \(signer.principal)\n",
            signer: signer, at: now, createBranchFrom: remote, overwrite: true
        ) { _ in written }
        return Approval(
            record: record, branch: branch, commit: commit, signedWithNextKey: nextSignature != nil,
            countsUnderTrusted: countsUnderTrusted, countsUnderNew: countsUnderNew)
    }

    /// The state trusted at the governance head, walked from `trustRoot`;
    /// while the head is pending, the state it would replace.
    func trustedState(from trustRoot: ObjectID, now: Date) throws -> GovernanceState {
        try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false).head.trusted
    }

    /// The governance head's own files, parsed.
    private func headState(_ head: ObjectID) throws -> GovernanceState {
        guard let files = try files(at: head) else {
            throw WritError(.policyMalformed, "the governance head \(head.hex) lacks policy.toml or allowed_signers")
        }
        return try GovernanceState(commit: head, policyBytes: files.policy, signersBytes: files.signers)
    }

    /// `policy.toml` and `allowed_signers` at `commit`, nil when either is absent.
    package func files(at commit: ObjectID) throws -> (policy: Data, signers: Data)? {
        let tree = try ops.repository.commitTree(commit)
        guard
            let policy = try ops.repository.blob(
                at: GovernancePath.policy.path, inTree: tree, limit: RecordBytes.maximumSize),
            let signers = try ops.repository.blob(
                at: GovernancePath.allowedSigners.path, inTree: tree, limit: GovernanceState.maximumSignersSize)
        else { return nil }
        return (policy, signers)
    }

    /// writ moves refs only, never an index: a branch checked out in a work
    /// tree would be left with a stale index, so it is not written.
    private func refuseIfCheckedOut(_ branch: String) throws {
        let workTrees = try ops.repository.workTreesCheckingOut(OpsRepo.refName(branch))
        guard workTrees.isEmpty else {
            throw RuntimeError(
                "branch '\(branch)' is checked out in \(workTrees.joined(separator: ", ")); writ does not update a work tree",
                fix: "those work trees: switch them to another branch, or run against a bare clone")
        }
    }
}
