/// Where an intent stands (docs/decisions.md has the state machine).
public enum IntentState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Every rule holds: the dispatcher may claim it now.
    case ready
    /// Not settled, and some rule fails; the verdict's reason says which.
    case blocked
    /// A dispatcher claimed it and no outcome is recorded yet.
    case claimed
    case succeeded
    case failed
    /// A claim outlived its lease without an outcome; an operator resolves it.
    case inDoubt = "in_doubt"
    /// The proposer, or a role of the intent's tier, took it back before it
    /// was claimed (a `withdrawn` event that counts): it never runs.
    case withdrawn

    /// Whether the ledger settles the intent (claimed or later): it is never
    /// claimed again unless an operator resolves it with `retry`.
    var isSettled: Bool {
        switch self {
        case .ready, .blocked: false
        case .claimed, .succeeded, .failed, .inDoubt, .withdrawn: true
        }
    }
}
