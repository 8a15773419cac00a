import Foundation

/// What an agent's own key may and may not hold (SPEC §8, `writ mcp`): an
/// agent proposes; it never decides. A key whose principal holds a role
/// that approves, denies or resolves a tier, attests gates or changes
/// governance is an approver's key, and an agent must not be handed one.
extension Policy {
    /// The roles `principal` holds that decide anything: a role of any
    /// tier (approve, deny, resolve, withdraw another's intent), a
    /// `[governance]` role, a `[gates]` role. Sorted, without repeats;
    /// empty for a principal that may only propose.
    package func decidingRoles(of principal: Principal) -> [String] {
        let deciding = Set(tiers.values.flatMap(\.roles) + governance.roles + gateRoles)
        return roles(of: principal).filter(deciding.contains)
    }

    /// Whether `principal` holds a `[proposers]` role.
    package func mayPropose(_ principal: Principal) -> Bool { isProposer(principal) }

    /// The `[proposers]` roles, as the policy lists them.
    package var proposingRoles: [String] { proposerRoles }
}

extension WriteCheck {
    /// A `blast_radius` the proposer chose below the tier the trusted
    /// policy gives `kind`: SPEC §3 lets it raise a tier, never lower it,
    /// so an agent asking for less is told so before anything is signed
    /// (`tier_mismatch`) rather than left to learn it from the wait.
    package static func blastRadiusLowers(kind: String, blastRadius: Tier?, policy: Policy) -> WritError? {
        let tier = policy.tier(forKind: kind)
        guard let blastRadius, blastRadius < tier else { return nil }
        let listed = policy.kinds[kind] != nil ? "" : " (unlisted kinds are high)"
        return WritError(
            .tierMismatch,
            "blast_radius \(blastRadius) would lower kind \(quoted: kind) below its tier \(tier)\(listed); "
                + "blast_radius may raise a tier, never lower it")
    }
}
