/// A `[[freeze]]` window of the policy (SPEC §4.6): no dispatch of the
/// tiers or kinds it names while the dispatcher's clock is inside
/// `[start, end)`, unless the intent was run by break-glass.
public struct FreezeWindow: Sendable, Equatable, Hashable {
    /// Unique within the policy; what `frozen` details and views name.
    public let name: String
    public let start: Timestamp
    /// The first instant the window no longer covers.
    public let end: Timestamp
    /// The tiers it covers; it covers an intent whose tier or kind it names.
    public let tiers: [Tier]
    /// The kinds it covers.
    public let kinds: [String]

    package init(name: String, start: Timestamp, end: Timestamp, tiers: [Tier] = [], kinds: [String] = []) {
        self.name = name
        self.start = start
        self.end = end
        self.tiers = tiers
        self.kinds = kinds
    }

    /// Whether the window names the intent's tier or its kind.
    public func covers(tier: Tier, kind: String) -> Bool {
        tiers.contains(tier) || kinds.contains(kind)
    }

    /// Whether `instant` lies inside the window: from `start`, up to but not including `end`.
    public func isActive(at instant: Timestamp) -> Bool {
        !(instant < start) && instant < end
    }
}
