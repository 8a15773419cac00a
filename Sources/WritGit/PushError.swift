import WritCore

/// Why a push did not move the remote branch.
///
/// Every case means the remote branch was left as it was (or moved by
/// someone else): none of them is a partial success.
package enum PushError: Error, Sendable, Hashable {
    /// The remote branch did not hold the expected old commit: another
    /// pusher won the race. `current` is the remote tip seen at the time
    /// (nil when the branch is absent). Fetch, rebuild on it and retry.
    case conflict(current: ObjectID?)
    /// The remote refused the update and said why (a hook, a server rule).
    /// `status` is the server's own message.
    case rejected(ref: String, status: String)
    /// The commit to push does not descend from the expected old commit, or
    /// that old commit is not in the local repository so descent cannot be
    /// shown. Pushes only ever fast-forward.
    case notFastForward
    /// A local-path remote's branch stayed locked (`<ref>.lock`) beyond the
    /// wait: another pusher is stuck or a crash left the lock behind. The
    /// lock is reported, never removed.
    case locked
}
