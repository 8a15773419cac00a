import Foundation
import WritCore
import WritGit

/// `writ propose`: writes a signed intent to the ledger and, for tiers that
/// need a human, opens the approval branch an approval PR is made from.
public struct Proposer {
    public let ops: OpsRepo
    /// Push each branch written to `ops.remote` (compare-and-swap, retried
    /// on a lost race, never forced).
    public var pushes = false

    public init(ops: OpsRepo) {
        self.ops = ops
    }

    /// What the agent asks for.
    public struct Request: Sendable {
        public var id: IntentID?
        package var kind: String
        package var target: Intent.Target
        public var params: [String: String] = [:]
        public var summary: String?
        public var blastRadius: Tier?
        public var requires: [String] = []
        public var expiresAt: Timestamp?
        public var idempotencyKey: String?

        public init(kind: String, target: Intent.Target) {
            self.kind = kind
            self.target = target
        }
    }

    /// What `writ propose` did.
    public struct Proposal: Sendable {
        public let intent: Intent
        public let digest: ContentDigest
        public let tier: Tier
        public let approvalsRequired: Int
        public let ledgerCommit: ObjectID
        /// `approval/<id>`, created for medium and high tiers.
        public let approvalBranch: String?
        /// Whether the governance head's `[kinds]` lists the kind; an
        /// unlisted kind is high tier (SPEC §2), often by a typo.
        public let kindListed: Bool
        /// The listed kind nearest to an unlisted one, when it is near
        /// enough to be a typo.
        public let similarKind: String?
    }

    /// With `check`, the intent is refused before anything is written when
    /// it would not count under the trusted governance (``WriteGuard``).
    package func propose(_ request: Request, as signer: SigningIdentity, now: Date, check: WriteGuard? = nil) throws
        -> Proposal
    {
        let id = try request.id ?? Self.generateID(kind: request.kind)
        let intent = try Intent(
            id: id, kind: request.kind, proposer: signer.principal, createdAt: Timestamp(now),
            summary: request.summary ?? "\(request.kind) on \(request.target.repo)", expiresAt: request.expiresAt,
            blastRadius: request.blastRadius, idempotencyKey: request.idempotencyKey,
            requires: request.requires.isEmpty ? nil : request.requires, target: request.target,
            params: request.params)
        let bytes = Data(intent.canonicalBytes())
        let signature = try signer.sign(bytes, namespace: SignatureNamespace.intent)
        try check?.checkProposal(intent, bytes: bytes, signature: signature, ops: ops, now: now)

        // The tier is read from the governance head for the agent's benefit;
        // the dispatcher decides with the trusted policy, never this one.
        // The same head anchors the ledger commit (docs/audit.md).
        let remote = try ops.pushRemote(pushes, fetching: [ops.governanceRef, ops.ledgerRef])
        let governanceHead = try ops.governanceHead()
        guard let policyBytes = try ops.blob(GovernancePath.policy.path, in: governanceHead) else {
            throw WritError(.policyMalformed, "the governance branch has no policy.toml")
        }
        let policy = try Policy.parse(policyBytes)
        let tier = intent.effectiveTier(policy)
        let required = policy.rule(for: tier)?.approvals ?? 0

        let appender = BranchAppender(repository: ops.repository)
        try ops.catchUp(ops.ledgerRef)
        let message = { (parent: ObjectID) in
            GovernanceAnchor.message(
                "writ: propose \(id) (\(intent.kind), \(tier))\n", decidedAt: governanceHead, onTopOf: parent, ops: ops)
        }
        let ledgerCommit = try appender.append(
            to: ops.ledgerRef, pushingTo: remote, alsoFetching: [ops.governanceRef], messageOn: message, signer: signer,
            at: now
        ) { _ in [LedgerPath.intent(id).path: bytes, LedgerPath.intentSignature(id).path: Data(signature.utf8)] }

        var approvalBranch: String?
        if tier != .low {
            let branch = "approval/\(id.rawValue)"
            let request = try ApprovalRequest(
                for: intent, intentBytes: bytes, policy: policy, createdAt: Timestamp(now))
            try ops.catchUp(branch)
            try appender.append(
                to: branch, pushingTo: remote, message: "writ: request approval of \(id) (\(tier))\n", signer: signer,
                at: now, createBranchFrom: governanceHead, overwrite: true
            ) { _ in [GovernancePath.request(id).path: Data(request.canonicalBytes())] }
            approvalBranch = branch
        }
        return Proposal(
            intent: intent, digest: Intent.digest(ofFileBytes: bytes), tier: tier, approvalsRequired: required,
            ledgerCommit: ledgerCommit, approvalBranch: approvalBranch,
            kindListed: policy.kinds[intent.kind] != nil,
            similarKind: policy.kinds[intent.kind] != nil
                ? nil : DidYouMean.closest(to: intent.kind, among: policy.kinds.keys.sorted()))
    }

    /// `<kind>-<8 random hex digits>`, with the kind folded into the id alphabet.
    static func generateID(kind: String) throws -> IntentID {
        let folded = String(kind.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(60))
        let stem = folded.first.map { $0.isLetter || $0.isNumber } == true ? folded : "intent-" + folded
        let suffix = String(format: "%08x", UInt32.random(in: .min ... .max))
        guard let id = IntentID("\(stem)-\(suffix)") else {
            throw WritError(.intentMalformed, "cannot make an intent id from kind \(kind); pass --id")
        }
        return id
    }
}
