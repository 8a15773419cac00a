extension Policy {
    /// One `require` group of a tier (SPEC §4.6): `approvals` distinct
    /// principals (and keys) holding one of `roles`, on top of the tier's
    /// own count. A principal or key counts in at most one group (so two
    /// groups always need two people, even when one holds both roles), and
    /// may count towards the tier's own count as well (so one person
    /// holding the tier's role and the group's meets both); see
    /// ``RoleGroupMatching`` and docs/decisions.md.
    public struct RoleGroup: Sendable, Equatable, Hashable {
        public let approvals: Int
        public let roles: [String]

        package init(approvals: Int, roles: [String]) {
            self.approvals = approvals
            self.roles = roles
        }

        /// How the group reads in a detail or a view: `1 of [security]`.
        package var label: String { "\(approvals) of [\(roles.joined(separator: ", "))]" }
    }
}
