/// The decision of an approval or governance record.
///
/// Governance records take only `approve` and `deny`. Approval records also
/// take the break-glass decisions of SPEC §4.7: `break_glass` (run it now,
/// with the reason in `note`) and the review of such a run, `ratify` or
/// `reject`.
public enum Decision: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case approve
    case deny
    /// A `[break_glass]` role runs the intent now; the reason is the record's `note`.
    case breakGlass = "break_glass"
    /// A review of a break-glass run that accepts it.
    case ratify
    /// A review of a break-glass run that finds it was wrong.
    case reject

    public var description: String { rawValue }

    /// Whether the decision reviews a break-glass run (`ratify`, `reject`).
    public var isReview: Bool { self == .ratify || self == .reject }
}
