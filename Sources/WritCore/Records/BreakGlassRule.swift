/// `[break_glass]` of the policy (SPEC §4.7): who may run an intent now,
/// past its quorum, `wait` and freezes, and how that run is reviewed.
public struct BreakGlassRule: Sendable, Equatable, Hashable {
    /// Roles whose principals may write a `decision = "break_glass"` record.
    public let roles: [String]
    /// How long after the break-glass record's merge the review is due, in seconds.
    public let reviewWithin: Int64
    /// How many `ratify`/`reject` records, from distinct principals and keys, complete the review.
    public let reviewApprovals: Int
    /// Roles whose principals may review; never the break-glass approver.
    public let reviewRoles: [String]

    package init(roles: [String], reviewWithin: Int64, reviewApprovals: Int, reviewRoles: [String]) {
        self.roles = roles
        self.reviewWithin = reviewWithin
        self.reviewApprovals = reviewApprovals
        self.reviewRoles = reviewRoles
    }
}
