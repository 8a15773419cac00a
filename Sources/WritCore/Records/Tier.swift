/// A blast-radius tier: `low` < `medium` < `high` (SPEC §1).
///
/// Only the three lower-case names parse; anything else is invalid, so a typo
/// in a policy or record can never silently mean "no tier".
public enum Tier: String, Sendable, Hashable, CaseIterable, Comparable, Codable, CustomStringConvertible {
    case low
    case medium
    case high

    /// Parses a tier name exactly as written in records (`low`, `medium`, `high`).
    public init?(parsing text: String) {
        self.init(rawValue: text)
    }

    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }

    public static func < (lhs: Tier, rhs: Tier) -> Bool { lhs.rank < rhs.rank }

    public var description: String { rawValue }
}
