/// How the SPEC §4.6–4.7 parts of a policy read in one line each, for
/// `writ validate` and the policy diff of `writ governance status`.
///
/// Role names, kinds and principals are checked names; a freeze name is
/// record text, so the lines are escaped by each human view
/// (`TerminalText`) and given as they are in JSON.
package enum PolicySummary {
    /// `[admin, operator]`.
    static func roles(_ roles: [String]) -> String { "[" + roles.joined(separator: ", ") + "]" }

    /// A tier's rule: `1 of [admin] + group 1 of [security], wait 30m`.
    package static func rule(_ rule: Policy.Rule) -> String {
        var text = "\(rule.approvals) of \(roles(rule.roles))"
        for group in rule.require { text += " + group \(group.label)" }
        if let wait = rule.wait { text += ", wait \(DurationText.text(seconds: wait))" }
        return text
    }

    /// A freeze window: `freeze "year-end" 2026-12-20T00:00:00Z..2027-01-04T00:00:00Z (tiers medium, high)`.
    package static func freeze(_ window: FreezeWindow) -> String {
        var covers: [String] = []
        if !window.tiers.isEmpty { covers.append("tiers " + window.tiers.map(\.rawValue).joined(separator: ", ")) }
        if !window.kinds.isEmpty { covers.append("kinds " + window.kinds.joined(separator: ", ")) }
        return "freeze \(quoted: window.name) \(window.start)..\(window.end) (\(covers.joined(separator: "; ")))"
    }

    /// `[break_glass]`: `break-glass by [admin], review 2 of [admin] within 72h`.
    package static func breakGlass(_ rule: BreakGlassRule) -> String {
        "break-glass by \(roles(rule.roles)), review \(rule.reviewApprovals) of \(roles(rule.reviewRoles)) "
            + "within \(DurationText.text(seconds: rule.reviewWithin))"
    }

    /// One line per tier with `require` or `wait`, then per freeze window,
    /// then `[break_glass]`; empty when the policy uses none of them.
    package static func schedule(of policy: Policy) -> [String] {
        var lines: [String] = []
        for tier in Tier.allCases {
            guard let rule = policy.rule(for: tier), !rule.require.isEmpty || rule.wait != nil else { continue }
            lines.append("tiers.\(tier): \(self.rule(rule))")
        }
        lines += policy.freezes.map(freeze)
        if let breakGlass = policy.breakGlass { lines.append(self.breakGlass(breakGlass)) }
        return lines
    }
}
