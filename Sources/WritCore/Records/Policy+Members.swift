extension Policy {
    /// The principal `[members]` maps forge login `login` to; nil for an
    /// unknown or blocked login.
    public func principal(forLogin login: String) -> Principal? {
        if case .principal(let principal) = member(forLogin: login) { return principal }
        return nil
    }

    /// The forge logins `[members]` maps to `principal`, sorted.
    public func logins(of principal: Principal) -> [String] {
        members.compactMap { login, member in member == .principal(principal) ? login : nil }.sorted()
    }

    /// Every principal the policy names (in a role or as a member), sorted.
    public var namedPrincipals: [Principal] {
        let members = members.values.compactMap { member -> Principal? in
            if case .principal(let principal) = member { return principal }
            return nil
        }
        return Array(Set(roles.values.flatMap { $0 } + members)).sorted()
    }

    /// Every forge login `[members]` maps to a principal, sorted.
    public var memberLogins: [String] {
        members.compactMap { login, member in member == .blocked ? nil : login }.sorted()
    }
}

extension Policy {
    /// Who may still approve an intent of `tier` proposed by `proposer`:
    /// the principals of the tier's roles, less the proposer and those in
    /// `signed` (counted, or signed on the approval branch), sorted.
    public func mayStillApprove(tier: Tier, proposer: Principal?, signed: Set<Principal>) -> [Principal] {
        let roles = rule(for: tier)?.roles ?? []
        return Set(roles.flatMap { principals(inRole: $0) })
            .filter { $0 != proposer && !signed.contains($0) }.sorted()
    }
}
