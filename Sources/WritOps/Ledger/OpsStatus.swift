import Foundation
import WritCore

/// The answer to "may each intent run?" for a whole ops repo, as
/// `writ status` reports it (issue contract: the JSON shape below).
public struct OpsStatus: Sendable, Encodable {
    public struct Governance: Sendable, Encodable {
        public let trusted: Bool
        public let reason: ReasonCode?
        public let detail: String
        public let commit: ObjectID?
    }

    public struct Ledger: Sendable, Encodable {
        public let ok: Bool
        public let reason: ReasonCode?
        public let detail: String
        public let commit: ObjectID?
    }

    public struct IntentStatus: Sendable, Codable, Equatable {
        public let id: IntentID
        public let kind: String?
        public let tier: Tier?
        public let state: IntentState
        public let reason: ReasonCode?
        public let detail: String
        public let approvals: Int
        public let required: Int
        /// Records signed on the intent's approval branch and not merged
        /// yet, judged as if merged (they never count until merged); nil
        /// when the branch holds nothing new or the intent is settled.
        package var approvalBranch: BranchApprovals? = nil
        /// The intent's break-glass run and its review (SPEC §4.7); nil
        /// when it has none, and then absent from the JSON.
        package var breakGlass: BreakGlassStatus? = nil
    }

    public let governance: Governance
    public let ledger: Ledger
    /// Sorted by id. Under untrusted governance an intent the ledger settled
    /// as succeeded or failed is still reported so (the trail stays true);
    /// every other intent is blocked by the governance reason.
    public let intents: [IntentStatus]
    /// The full verdicts, for `writ show`; not part of the status JSON.
    public let verdicts: [IntentID: Verdict]
    /// Each intent's ledger events as read, for `writ show`.
    package let events: [IntentID: [EventEvidence]]
    /// The trusted policy the verdicts were decided under, for `writ show`
    /// (which roles may still approve); nil when governance is untrusted.
    public let policy: Policy?
    /// Rows of intents that can no longer change, carried as status lines
    /// when the status was evaluated with a snapshot; none of them is in
    /// `intents`, and they have no verdicts or events here.
    package let stored: StoredStatusRows
    /// The approvals each claimed or settled intent's claim counted, with
    /// what became of their keys; only when every verdict is kept.
    package let claims: [IntentID: ClaimApprovals]
    /// The `[limits]` count at the ledger head under the trusted policy's
    /// limits (docs/limits.md); nil when it has none or nothing is trusted.
    package var quota: ProposerQuota? = nil
    /// The trusted policy's `[[freeze]]` windows active at the status's
    /// clock (SPEC §4.6), in file order; empty when none is, or nothing is trusted.
    package var freezes: [FreezeWindow] = []

    /// How many intents the status lists: `intents` and `stored`.
    public var intentCount: Int { intents.count + stored.count }

    init(
        governance: Governance, ledger: Ledger, intents: [IntentStatus], verdicts: [IntentID: Verdict],
        events: [IntentID: [EventEvidence]], policy: Policy?, stored: StoredStatusRows = .empty,
        claims: [IntentID: ClaimApprovals] = [:]
    ) {
        self.governance = governance
        self.ledger = ledger
        self.intents = intents
        self.verdicts = verdicts
        self.events = events
        self.policy = policy
        self.stored = stored
        self.claims = claims
    }

    /// Whether the repo is in a state where anything may run.
    public var isHealthy: Bool { governance.trusted && ledger.ok }

    private enum CodingKeys: String, CodingKey { case governance, ledger, intents }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(governance, forKey: .governance)
        try container.encode(ledger, forKey: .ledger)
        try container.encode(intents, forKey: .intents)
    }
}

// Explicit encoders: the contract's JSON carries `null` for absent values
// rather than leaving the key out.
extension OpsStatus.Governance {
    private enum Keys: String, CodingKey { case trusted, reason, detail, commit }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(trusted, forKey: .trusted)
        try container.encode(reason, forKey: .reason)
        try container.encode(detail, forKey: .detail)
        try container.encode(commit, forKey: .commit)
    }
}

extension OpsStatus.Ledger {
    private enum Keys: String, CodingKey { case ok, reason, detail, commit }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(reason, forKey: .reason)
        try container.encode(detail, forKey: .detail)
        try container.encode(commit, forKey: .commit)
    }
}

extension OpsStatus.IntentStatus {
    private enum Keys: String, CodingKey {
        case id, kind, tier, state, reason, detail, approvals, required
        case approvalBranch = "approval_branch"
        case breakGlass = "break_glass"
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(tier, forKey: .tier)
        try container.encode(state, forKey: .state)
        try container.encode(reason, forKey: .reason)
        try container.encode(detail, forKey: .detail)
        try container.encode(approvals, forKey: .approvals)
        try container.encode(required, forKey: .required)
        try container.encode(approvalBranch, forKey: .approvalBranch)
        try container.encodeIfPresent(breakGlass, forKey: .breakGlass)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        id = try container.decode(IntentID.self, forKey: .id)
        kind = try container.decodeIfPresent(String.self, forKey: .kind)
        tier = try container.decodeIfPresent(Tier.self, forKey: .tier)
        state = try container.decode(IntentState.self, forKey: .state)
        reason = try container.decodeIfPresent(ReasonCode.self, forKey: .reason)
        detail = try container.decode(String.self, forKey: .detail)
        approvals = try container.decode(Int.self, forKey: .approvals)
        required = try container.decode(Int.self, forKey: .required)
        approvalBranch = try container.decodeIfPresent(BranchApprovals.self, forKey: .approvalBranch)
        breakGlass = try container.decodeIfPresent(BreakGlassStatus.self, forKey: .breakGlass)
    }
}

extension OpsStatus {
    /// The intents `principal` could approve now (`writ status --waiting-for`):
    /// waiting for approvals (`not_approved`), where `principal` could fill
    /// what is missing: it holds one of the tier's own roles while the
    /// tier's own count is short, or one of the roles of a `require` group
    /// that is not met (SPEC §4.6); proposed by someone else, and not
    /// signed by `principal` yet: neither counted (merged) nor signed on
    /// the approval branch with a record that would count or deny once
    /// merged. Empty under untrusted governance.
    public func waiting(for principal: Principal) -> [IntentStatus] {
        guard let policy else { return [] }
        return intents.filter { line in
            guard line.state == .blocked, line.reason == .notApproved, let tier = line.tier,
                let rule = policy.rule(for: tier), let verdict = verdicts[line.id]
            else { return false }
            func holds(_ roles: [String]) -> Bool {
                roles.contains { policy.principals(inRole: $0).contains(principal) }
            }
            let fillsTier = verdict.approvalsCounted < verdict.approvalsRequired && holds(rule.roles)
            let fillsGroup = verdict.groupTallies.contains { !$0.met && holds($0.group.roles) }
            let counted = verdict.counted.contains { $0.approver == principal }
            let signed = (line.approvalBranch?.records ?? []).contains { record in
                record.principal == principal && (record.counts || record.reason == .denied)
            }
            return (fillsTier || fillsGroup) && !counted && !signed && verdict.intent?.proposer != principal
        }
    }

    /// Who `text` names for `--waiting-for`: a principal the trusted policy
    /// names (in a role or `[members]`), or a `[members]` forge login; nil
    /// when it names neither (or governance is untrusted).
    public func approver(named text: String) -> Principal? {
        guard let policy else { return nil }
        if let principal = Principal(text), policy.namedPrincipals.contains(principal) { return principal }
        return policy.principal(forLogin: text)
    }

    /// Every name `approver(named:)` accepts, for a did-you-mean.
    public var approverNames: [String] {
        guard let policy else { return [] }
        return policy.namedPrincipals.map(\.rawValue) + policy.memberLogins
    }
}

extension OpsStatus {
    /// Why a dispatcher did not run `id`, which the policy holds ready.
    package func dispatchBlock(_ id: IntentID) -> DispatchBlock? {
        verdicts[id].flatMap(DispatchBlock.of)
    }

    /// The remote write `id` made in record mode, when that is its outcome.
    package func recordedProjection(_ id: IntentID) -> RecordedProjection? {
        verdicts[id].flatMap(RecordedProjection.of)
    }
}

extension OpsStatus {
    /// The same status with only `lines` listed.
    public func keeping(_ lines: [IntentStatus]) -> OpsStatus {
        var kept = OpsStatus(
            governance: governance, ledger: ledger, intents: lines, verdicts: verdicts, events: events, policy: policy,
            claims: claims)
        kept.freezes = freezes
        return kept
    }
}

extension OpsStatus {
    /// Every intent's `writ status --json` line in id order, the stored ones
    /// as they were kept and the others encoded now.
    public func forEachIntentLine(_ body: (Data) throws -> Void) throws {
        try forEachIntentBytes { try body(Data($0)) }
    }

    /// `forEachIntentLine` without copying: each line's bytes are valid
    /// only during the call, and stored lines are views of the snapshot.
    public func forEachIntentBytes(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachIntentBatch { lines in
            for line in lines { try body(line) }
        }
    }

    /// `forEachIntentBytes` with consecutive lines handed over together
    /// (stored ones up to 1,024 at a time), for a writer that passes them
    /// to one vectored write: a warm status over a long history then
    /// copies its stored lines to the output once, in the kernel.
    public func forEachIntentBatch(_ body: (UnsafeBufferPointer<UnsafeRawBufferPointer>) throws -> Void) throws {
        var next = 0
        for row in intents {
            let key = Array(row.id.rawValue.utf8)
            var end = next
            while end < stored.count, stored.compare(entry: end, with: key) < 0 { end += 1 }
            try stored.withLineBatches(next..<end, body)
            next = end
            try StatusLine.encode(row).withUnsafeBytes { line in
                try withUnsafePointer(to: line) { try body(UnsafeBufferPointer(start: $0, count: 1)) }
            }
        }
        try stored.withLineBatches(next..<stored.count, body)
    }

    /// Every row in id order, the stored ones decoded.
    public func allIntents() throws -> [IntentStatus] {
        guard stored.count > 0 else { return intents }
        return (intents + (try stored.decoded())).sorted { $0.id < $1.id }
    }
}
