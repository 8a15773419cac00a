/// What the engine decided about one intent, and everything it based that on.
public struct Verdict: Sendable, Equatable {
    public let state: IntentState
    /// Nil when ready or settled by a run; `withdrawn` when withdrawn;
    /// otherwise the one reason code blocking it.
    package let reason: ReasonCode?
    /// A human sentence.
    package let detail: String
    /// The parsed intent; nil when malformed.
    public let intent: Intent?
    /// sha256 of the intent file's bytes.
    public let intentDigest: ContentDigest
    /// The tier now; nil when the intent is malformed.
    public let tier: Tier?
    /// Valid approvals counted (distinct principals, distinct keys).
    package let approvalsCounted: Int
    /// What the tier needs; 0 for low, and 0 when the policy has no table
    /// for the tier (then it can never be met, see `detail`).
    package let approvalsRequired: Int
    /// What a `claimed` event lists: empty when the tier needs no approval.
    package let counted: [CountedApproval]
    /// Every approval, deny or event that was read and does not count.
    package let discarded: [DiscardedRecord]
    /// The intent's events that count, in sequence order
    /// (`EventAuthority.counting`); whatever acts on events reads these.
    package let events: [CountingEvent]
    // SPEC §4.6 role groups: each `require` group of the tier, in policy order.
    /// Who counted in each of the tier's `require` groups and who may still
    /// fill it; empty when the tier has no groups (or the intent is
    /// malformed or settled without a tier).
    package let groupTallies: [GroupTally]
    // SPEC §4.6 wait: when the tier's wait ends (`wait` after the governance
    // commit that completed the quorum), set whenever a wait applies and the
    // quorum is met, passed or not; nil otherwise or when unknown.
    package let readyAt: Timestamp?
    // SPEC §4.6 freeze: the `[[freeze]]` window blocking the intent, when
    // the verdict is `frozen`.
    package let freeze: FreezeWindow?
    // SPEC §4.7: the break-glass run and its review.
    /// The intent's break-glass run, open or settled; nil when it has none.
    public let breakGlass: BreakGlassRun?

    package init(
        state: IntentState, reason: ReasonCode?, detail: String, intent: Intent?, intentDigest: ContentDigest,
        tier: Tier?,
        approvalsCounted: Int, approvalsRequired: Int, counted: [CountedApproval], discarded: [DiscardedRecord],
        events: [CountingEvent] = [],
        // SPEC §4.6 role groups.
        groupTallies: [GroupTally] = [],
        // SPEC §4.6 wait and freeze.
        readyAt: Timestamp? = nil, freeze: FreezeWindow? = nil,
        // SPEC §4.7
        breakGlass: BreakGlassRun? = nil
    ) {
        self.state = state
        self.reason = reason
        self.detail = detail
        self.intent = intent
        self.intentDigest = intentDigest
        self.tier = tier
        self.approvalsCounted = approvalsCounted
        self.approvalsRequired = approvalsRequired
        self.counted = counted
        self.discarded = discarded
        self.events = events
        self.groupTallies = groupTallies
        self.readyAt = readyAt
        self.freeze = freeze
        self.breakGlass = breakGlass
    }

    /// Whether every `require` group of the tier is met (true when it has none).
    package var groupsMet: Bool { groupTallies.allSatisfy(\.met) }
}

/// One `require` group of a tier as the engine counted it (SPEC §4.6).
package struct GroupTally: Sendable, Equatable, Codable {
    /// The group as the policy states it.
    package let group: Policy.RoleGroup
    /// The principals whose approvals the assignment gave this group,
    /// sorted; none of them counts in another group.
    package let counted: [Principal]
    /// The principals holding one of the group's roles who have no
    /// counting approval yet and are not the proposer, sorted.
    package let mayApprove: [Principal]

    package init(group: Policy.RoleGroup, counted: [Principal], mayApprove: [Principal]) {
        self.group = group
        self.counted = counted
        self.mayApprove = mayApprove
    }

    /// Whether the group has its count.
    package var met: Bool { counted.count >= group.approvals }

    /// The JSON shape (docs/json.md): `{"roles":[...],"approvals":1,"met":false,"counted":[...],"may_approve":[...]}`.
    package enum CodingKeys: String, CodingKey {
        case roles, approvals, met, counted
        case mayApprove = "may_approve"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        group = Policy.RoleGroup(
            approvals: try container.decode(Int.self, forKey: .approvals),
            roles: try container.decode([String].self, forKey: .roles))
        counted = try container.decode([Principal].self, forKey: .counted)
        mayApprove = try container.decode([Principal].self, forKey: .mayApprove)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group.roles, forKey: .roles)
        try container.encode(group.approvals, forKey: .approvals)
        try container.encode(met, forKey: .met)
        try container.encode(counted, forKey: .counted)
        try container.encode(mayApprove, forKey: .mayApprove)
    }

    /// `group 2 of 2 (1 of [security]) is not met: 0 counted; may still
    /// approve: sam@example.com` (principals are validated names; role
    /// names come from the trusted policy and views escape them).
    package func unmetSentence(index: Int, of total: Int) -> String {
        "group \(index + 1) of \(total) (\(group.label)) is not met: \(counted.count) counted"
            + (counted.isEmpty ? "" : " (\(counted.map(\.rawValue).joined(separator: ", ")))")
            + "; may still approve: "
            + (mayApprove.isEmpty ? "nobody" : mayApprove.map(\.rawValue).joined(separator: ", "))
    }
}
