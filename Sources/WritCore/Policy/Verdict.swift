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
    // SPEC §4.7: the break-glass run and its review.
    /// The intent's break-glass run, open or settled; nil when it has none.
    public let breakGlass: BreakGlassRun?

    package init(
        state: IntentState, reason: ReasonCode?, detail: String, intent: Intent?, intentDigest: ContentDigest,
        tier: Tier?,
        approvalsCounted: Int, approvalsRequired: Int, counted: [CountedApproval], discarded: [DiscardedRecord],
        events: [CountingEvent] = [],
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
        self.breakGlass = breakGlass
    }
}
