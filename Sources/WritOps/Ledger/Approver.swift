import Foundation
import WritCore
import WritGit

/// `writ approve`: signs an approval or denial record for an intent and
/// commits it to the intent's approval branch; optionally carries that
/// record into the governance branch (`GovernanceMerger.mergeApproval`):
/// the record, its `.sig` and the intent's `request.toml`, nothing else
/// the branch holds.
public struct Approver {
    public let ops: OpsRepo
    /// Push the approval branch to `ops.remote` (compare-and-swap; a lost
    /// race re-signs on the remote's new tip, keeping others' records).
    public var pushes = false

    public init(ops: OpsRepo) {
        self.ops = ops
    }

    public struct Options: Sendable {
        public var decision: Decision = .approve
        public var expiresAt: Timestamp?
        public var note: String?
        public var branch: String?
        public var merge = false

        public init() {}
    }

    public struct Approval: Sendable {
        public let record: ApprovalRecord
        public let branch: String
        public let branchCommit: ObjectID
        /// The governance commit that carried the record, with `merge`;
        /// nil when there was nothing new to carry.
        public let mergeCommit: ObjectID?
        /// With `merge`: the paths carried, and the paths the branch changes
        /// that were left on it (sorted).
        public let merged: [String]
        public let leftOnBranch: [String]
    }

    /// Signs `decision` on `id` as `signer`.
    ///
    /// Refuses, before signing anything, an intent that is missing or
    /// malformed (`intent_malformed`) and a governance head whose policy does
    /// not parse (`policy_malformed`): without them the digest and the tier
    /// the record binds cannot be established. With `merge`, a governance
    /// branch checked out in a work tree is refused first
    /// (`GovernanceMerger.CheckedOut`), before anything is signed.
    ///
    /// With `check`, a record that would not count under the trusted
    /// governance is refused after signing and before anything is written
    /// (``WriteGuard``).
    package func approve(
        _ id: IntentID, options: Options, as signer: SigningIdentity, now: Date, check: WriteGuard? = nil
    ) throws -> Approval {
        let branch = options.branch ?? "approval/\(id.rawValue)"
        if options.merge { try GovernanceMerger(ops: ops).refuseIfCheckedOut() }
        let remote = try ops.pushRemote(pushes, fetching: [ops.governanceRef, ops.ledgerRef, branch])
        // The merge moves the local governance branch: start it from the
        // newest tip, as every writer does.
        if options.merge { try ops.catchUp(ops.governanceRef) }
        let ledgerHead = try ops.ledgerHead()
        guard let intentBytes = try ops.blob(LedgerPath.intent(id).path, in: ledgerHead) else {
            throw ops.unknownIntent(id)
        }
        let intent = try Intent.parse(intentBytes, expectedPath: LedgerPath.intent(id).path)
        let governanceHead = try ops.governanceHead()
        guard let policyBytes = try ops.blob(GovernancePath.policy.path, in: governanceHead) else {
            throw WritError(.policyMalformed, "the governance branch has no policy.toml")
        }
        let policy = try Policy.parse(policyBytes)
        let record = try ApprovalRecord(
            intent: id, intentDigest: Intent.digest(ofFileBytes: intentBytes), tier: intent.effectiveTier(policy),
            decision: options.decision, approver: signer.principal, createdAt: Timestamp(now),
            expiresAt: options.expiresAt, note: options.note)
        let bytes = Data(record.canonicalBytes())
        let signature = try signer.sign(bytes, namespace: ApprovalRecord.signatureNamespace)
        try check?.checkApproval(record, bytes: bytes, signature: signature, ops: ops, now: now)

        let appender = BranchAppender(repository: ops.repository)
        // On the remote's approval branch when there is one, so the
        // request and others' records stay on it and the push fast-forwards.
        try ops.catchUp(branch)
        let branchCommit = try appender.append(
            to: branch, pushingTo: remote,
            message: "writ: \(options.decision.rawValue) \(id) as \(signer.principal)\n", signer: signer, at: now,
            createBranchFrom: governanceHead, overwrite: true
        ) { _ in [record.path.path: bytes, record.signaturePath.path: Data(signature.utf8)] }
        guard options.merge else {
            return Approval(
                record: record, branch: branch, branchCommit: branchCommit, mergeCommit: nil, merged: [],
                leftOnBranch: [])
        }
        // From the commit just made, not the branch's tip: whatever anyone
        // pushes to the branch meanwhile is not carried under this signature.
        let outcome = try GovernanceMerger(ops: ops).mergeApproval(
            id, of: signer.principal, from: branchCommit, branch: branch, as: signer, now: now)
        return Approval(
            record: record, branch: branch, branchCommit: branchCommit, mergeCommit: outcome.commit,
            merged: outcome.merged, leftOnBranch: outcome.leftOnBranch)
    }
}
