/// The name of an audit event, as written in its file name and `event` field (SPEC §3).
///
/// The set is closed: a ledger path naming any other event is outside the
/// layout, so an unknown event can never be mistaken for a known one.
public enum AuditEventKind: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case autoApproved = "auto_approved"
    case claimed
    case succeeded
    case failed
    case blocked
    case inDoubt = "in_doubt"
    case resolved
    case projection
    case gate
    case withdrawn
    /// A `[break_glass]` record made the intent run now (SPEC §4.7).
    case breakGlass = "break_glass"

    public var description: String { rawValue }
}
