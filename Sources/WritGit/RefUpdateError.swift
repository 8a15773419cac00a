import WritCore

/// Why a compare-and-swap reference update did not happen.
package enum RefUpdateError: Error, Sendable, Hashable {
    /// The reference did not hold the expected value (or existed when it
    /// was expected to be absent). `current` is its value read just after
    /// the failure (nil if absent): re-read, rebuild and retry.
    case conflict(current: ObjectID?)
    /// Another writer holds `<ref>.lock` (or a crash left it behind). The
    /// lock is reported, never removed.
    case locked
}
