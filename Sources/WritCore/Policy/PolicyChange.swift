/// What a proposed `policy.toml` changes against the trusted one, in words:
/// one sentence per difference, for `writ governance status` (SPEC §5), so
/// the people asked to sign a governance change read what it does, not
/// only its digest.
///
/// Pure and deterministic: the tables in the order of SPEC §2 (`[kinds]`,
/// `[tiers.*]` low to high with `require` and `wait`, `[roles]`,
/// `[proposers]`, `[gates]`, `[governance]`, `[members]`, `[[freeze]]`,
/// `[break_glass]`, `[limits]`), and inside each table by name. Freeze names
/// are record text: a human view escapes every sentence (`TerminalText`).
package struct PolicyChange: Sendable, Equatable {
    /// Every difference; empty when the two policies mean the same
    /// (a change of `allowed_signers` alone, or of layout and comments).
    package let sentences: [String]

    package init(from trusted: Policy, to proposed: Policy) {
        var out: [String] = []
        out += Self.kinds(trusted.kinds, proposed.kinds)
        for tier in Tier.allCases {
            out += Self.tier(tier, trusted.rule(for: tier), proposed.rule(for: tier))
        }
        out += Self.roles(trusted.roles, proposed.roles)
        out += Self.roleList("proposers roles", trusted.proposerRoles, proposed.proposerRoles)
        out += Self.roleList("gates roles", trusted.gateRoles, proposed.gateRoles)
        out += Self.governance(trusted, proposed)
        out += Self.members(trusted.members, proposed.members)
        out += Self.freezes(trusted.freezes, proposed.freezes)
        out += Self.breakGlass(trusted.breakGlass, proposed.breakGlass)
        out += Self.limits(trusted.limits, proposed.limits)
        sentences = out
    }

    private static func kinds(_ old: [String: Tier], _ new: [String: Tier]) -> [String] {
        Set(old.keys).union(new.keys).sorted().compactMap { kind in
            switch (old[kind], new[kind]) {
            case (nil, let tier?): "kind \(kind) added at tier \(tier)"
            case (let tier?, nil): "kind \(kind) removed (was \(tier)): unlisted, it is high"
            case (let before?, let after?) where before != after: "kind \(kind) moves from tier \(before) to \(after)"
            default: nil
            }
        }
    }

    private static func tier(_ tier: Tier, _ old: Policy.Rule?, _ new: Policy.Rule?) -> [String] {
        let name = "tiers.\(tier)"
        switch (old, new) {
        case (nil, nil): return []
        case (nil, let rule?): return ["[\(name)] added: \(PolicySummary.rule(rule))"]
        case (let rule?, nil):
            return ["[\(name)] removed (was \(PolicySummary.rule(rule))): its intents can never be approved"]
        case (let old?, let new?):
            var out: [String] = []
            if old.approvals != new.approvals {
                out.append("\(name) needs \(approvals(new.approvals)) instead of \(old.approvals)")
            }
            out += roleList("\(name) roles", old.roles, new.roles)
            out += groups(name, old.require, new.require)
            switch (old.wait, new.wait) {
            case (nil, let wait?): out.append("\(name) wait \(DurationText.text(seconds: wait)) set")
            case (let wait?, nil): out.append("\(name) wait \(DurationText.text(seconds: wait)) removed")
            case (let before?, let after?) where before != after:
                out.append(
                    "\(name) wait changes from \(DurationText.text(seconds: before)) to \(DurationText.text(seconds: after))"
                )
            default: break
            }
            return out
        }
    }

    /// `require` groups have no names: a group in both lists is unchanged,
    /// a removed and an added group over the same roles is one group whose
    /// count changed, the rest are added or removed.
    private static func groups(_ name: String, _ old: [Policy.RoleGroup], _ new: [Policy.RoleGroup]) -> [String] {
        var removed = old
        var added: [Policy.RoleGroup] = []
        for group in new {
            if let index = removed.firstIndex(of: group) {
                removed.remove(at: index)
            } else {
                added.append(group)
            }
        }
        var out: [String] = []
        for group in removed {
            if let index = added.firstIndex(where: { Set($0.roles) == Set(group.roles) }) {
                let after = added.remove(at: index)
                out.append(
                    "\(name) require group of \(PolicySummary.roles(group.roles)) needs \(after.approvals) "
                        + "instead of \(group.approvals)")
            } else {
                out.append("\(name) require group \(group.label) removed")
            }
        }
        out += added.map { "\(name) require group \($0.label) added" }
        return out
    }

    private static func approvals(_ count: Int) -> String { count == 1 ? "1 approval" : "\(count) approvals" }

    /// `LABEL gain a, b` and `LABEL lose c`, by name; nothing when the sets are equal.
    private static func roleList(_ label: String, _ old: [String], _ new: [String]) -> [String] {
        let gained = Set(new).subtracting(old).sorted()
        let lost = Set(old).subtracting(new).sorted()
        return (gained.isEmpty ? [] : ["\(label) gain \(gained.joined(separator: ", "))"])
            + (lost.isEmpty ? [] : ["\(label) lose \(lost.joined(separator: ", "))"])
    }

    private static func roles(_ old: [String: [Principal]], _ new: [String: [Principal]]) -> [String] {
        func list(_ principals: [Principal]) -> String {
            let names = Set(principals).sorted().map(\.rawValue)
            return names.isEmpty ? "nobody" : names.joined(separator: ", ")
        }
        return Set(old.keys).union(new.keys).sorted().flatMap { role -> [String] in
            switch (old[role], new[role]) {
            case (nil, let members?): return ["role \(role) added: \(list(members))"]
            case (let members?, nil): return ["role \(role) removed (had \(list(members)))"]
            case (let before?, let after?):
                let gained = Set(after).subtracting(before).sorted().map(\.rawValue)
                let lost = Set(before).subtracting(after).sorted().map(\.rawValue)
                return (gained.isEmpty ? [] : ["role \(role) gains \(gained.joined(separator: ", "))"])
                    + (lost.isEmpty ? [] : ["role \(role) loses \(lost.joined(separator: ", "))"])
            case (nil, nil): return []
            }
        }
    }

    private static func governance(_ old: Policy, _ new: Policy) -> [String] {
        var out: [String] = []
        if old.governance.approvals != new.governance.approvals {
            out.append(
                "governance needs \(approvals(new.governance.approvals)) instead of \(old.governance.approvals)")
        }
        out += roleList("governance roles", old.governance.roles, new.governance.roles)
        if old.governanceVersion != new.governanceVersion {
            out.append("governance version goes from \(old.governanceVersion) to \(new.governanceVersion)")
        }
        return out
    }

    private static func members(_ old: [String: Policy.Member], _ new: [String: Policy.Member]) -> [String] {
        func text(_ member: Policy.Member) -> String {
            switch member {
            case .principal(let principal): principal.rawValue
            case .blocked: "blocked"
            }
        }
        return Set(old.keys).union(new.keys).sorted().compactMap { login in
            switch (old[login], new[login]) {
            case (nil, let member?): return "member \(login) added as \(text(member))"
            case (let member?, nil): return "member \(login) removed (was \(text(member)))"
            case (let before?, let after?) where before != after:
                switch after {
                case .blocked: return "member \(login) blocked (was \(text(before)))"
                case .principal(let principal) where before == .blocked:
                    return "member \(login) unblocked as \(principal.rawValue)"
                case .principal(let principal):
                    return "member \(login) maps to \(principal.rawValue) instead of \(text(before))"
                }
            default: return nil
            }
        }
    }

    private static func freezes(_ old: [FreezeWindow], _ new: [FreezeWindow]) -> [String] {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(before.keys).union(after.keys).sorted().compactMap { name in
            switch (before[name], after[name]) {
            case (nil, let window?): return "\(PolicySummary.freeze(window)) added"
            case (let window?, nil): return "\(PolicySummary.freeze(window)) removed"
            case (let was?, let now?) where was != now:
                let prefix = "freeze \(quoted: name) "
                let from = String(PolicySummary.freeze(was).dropFirst(prefix.count))
                let to = String(PolicySummary.freeze(now).dropFirst(prefix.count))
                return "freeze \(quoted: name) changes from \(from) to \(to)"
            default: return nil
            }
        }
    }

    private static func breakGlass(_ old: BreakGlassRule?, _ new: BreakGlassRule?) -> [String] {
        switch (old, new) {
        case (nil, let rule?): ["[break_glass] added: \(PolicySummary.breakGlass(rule))"]
        case (let rule?, nil): ["[break_glass] removed (was \(PolicySummary.breakGlass(rule))): nobody may break glass"]
        case (let before?, let after?) where before != after:
            [
                "[break_glass] changes from \(PolicySummary.breakGlass(before)) to \(PolicySummary.breakGlass(after))"
            ]
        default: []
        }
    }

    private static func limits(_ old: Policy.Limits?, _ new: Policy.Limits?) -> [String] {
        [
            ("max_pending", old?.maxPending, new?.maxPending), ("max_per_day", old?.maxPerDay, new?.maxPerDay),
        ].compactMap { key, before, after in
            switch (before, after) {
            case (nil, let value?): "limits.\(key) set to \(value)"
            case (let value?, nil): "limits.\(key) removed (was \(value)): no limit"
            case (let was?, let now?) where was != now: "limits.\(key) changes from \(was) to \(now)"
            default: nil
            }
        }
    }
}
