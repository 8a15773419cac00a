/// `policy.toml` on the governance branch (SPEC §2): which tier each kind
/// has, what each tier needs, who holds which role.
///
/// Parsing fails closed with `policy_malformed` on anything the schema does
/// not name. Where the SPEC is silent (see docs/records.md):
/// - every role named in `[tiers.*]`, `[proposers]`, `[gates]` or
///   `[governance]` must be defined in `[roles]`, so a typo is an error
///   rather than a rule nobody can meet;
/// - `[governance]` is required and needs `approvals` ≥ 1, since a policy
///   nobody needs to approve could be replaced by anyone;
/// - a missing `[tiers.<tier>]` table means that tier can never be met: its
///   intents are never approved (no default could be safer);
/// - `[kinds]`, `[roles]`, `[proposers]`, `[gates]`, `[members]` may be
///   absent and then are empty; `roles` in a tier may be absent and then is
///   empty;
/// - `[limits]` may be absent (no limit), and each of its keys too; a key
///   that is there is a positive integer (docs/limits.md);
/// - `require`, `wait`, `[[freeze]]` and `[break_glass]` (SPEC §4.6–4.7)
///   may be absent; what is there must be able to take effect: a group or
///   review that more principals must give than its roles hold, a freeze
///   that ends before it starts, two freezes of one name, or a group or
///   wait on a tier that needs no approval are refused (docs/policy.md).
public struct Policy: Sendable, Equatable {
    /// What a tier (or a governance change) needs: `approvals` distinct
    /// principals holding one of `roles`.
    public struct Rule: Sendable, Equatable {
        public let approvals: Int
        public let roles: [String]
        /// `require`: groups that must each be met too (SPEC §4.6); empty when absent.
        public let require: [RoleGroup]
        /// `wait`, in seconds: the intent is ready only this long after the
        /// governance commit that completed its quorum; nil when absent.
        public let wait: Int64?

        package init(approvals: Int, roles: [String], require: [RoleGroup] = [], wait: Int64? = nil) {
            self.approvals = approvals
            self.roles = roles
            self.require = require
            self.wait = wait
        }

        /// Every role whose principals may approve or deny for the tier:
        /// its own roles, then its groups' roles, each once.
        package var acceptedRoles: [String] {
            var seen = Set<String>()
            return (roles + require.flatMap(\.roles)).filter { seen.insert($0).inserted }
        }
    }

    /// `[limits]` (SPEC §4.8): per proposer principal, how many intents may
    /// be pending at once and how many proposed in any 24 h. Nil is no limit.
    public struct Limits: Sendable, Equatable, Hashable, Codable {
        /// Intents proposed and not yet settled, withdrawn or expired.
        public let maxPending: Int?
        /// Proposals in any 24 h, by ledger order and `created_at`.
        public let maxPerDay: Int?

        package init(maxPending: Int? = nil, maxPerDay: Int? = nil) {
            self.maxPending = maxPending
            self.maxPerDay = maxPerDay
        }

        private enum CodingKeys: String, CodingKey {
            case maxPending = "max_pending"
            case maxPerDay = "max_per_day"
        }
    }

    /// A `[members]` entry: a forge login's principal, or blocked.
    package enum Member: Sendable, Equatable {
        case principal(Principal)
        case blocked
    }

    /// Always 1.
    package let schema: Int
    /// `[kinds]`: kind → tier.
    public let kinds: [String: Tier]
    /// `[tiers.*]`; a tier without a table is absent and can never be met.
    package let tiers: [Tier: Rule]
    /// `[roles]`: role → principals.
    package let roles: [String: [Principal]]
    /// `[proposers] roles`.
    let proposerRoles: [String]
    /// `[gates] roles`.
    let gateRoles: [String]
    /// `[governance]`.
    package let governance: Rule
    /// `[governance] version`: 0 when absent. A change is adoptable only at
    /// the trusted state's version + 1 (SPEC §5), so an earlier state can
    /// never be adopted again with the records that once adopted it.
    public let governanceVersion: Int
    /// `[members]`: forge login → principal or blocked.
    let members: [String: Member]
    /// `[limits]`, nil when the table is absent or sets no limit: then no
    /// proposer is counted at all.
    public let limits: Limits?
    /// `[[freeze]]` windows, in file order; empty when there are none.
    public let freezes: [FreezeWindow]
    /// `[break_glass]`, nil when the table is absent: then nobody may break glass.
    public let breakGlass: BreakGlassRule?

    /// The `[members]` value that marks a login as blocked.
    static let blockedMarker = "blocked"

    /// Builds a policy, checking the same invariants as parsing.
    package init(
        kinds: [String: Tier] = [:], tiers: [Tier: Rule], roles: [String: [Principal]], proposerRoles: [String] = [],
        gateRoles: [String] = [], governance: Rule, governanceVersion: Int = 0, members: [String: Member] = [:],
        limits: Limits? = nil, freezes: [FreezeWindow] = [], breakGlass: BreakGlassRule? = nil
    ) throws {
        try self.init(
            kinds: kinds, tiers: tiers, roles: roles, proposerRoles: proposerRoles, gateRoles: gateRoles,
            governance: governance, governanceVersion: governanceVersion, members: members, limits: limits,
            freezes: freezes, breakGlass: breakGlass, locate: { _ in "policy.toml" })
    }

    /// Builds and checks a policy; `locate` names where a field is (`policy.toml`
    /// or, when parsing with `locating`, `FILE:LINE`) for the refusal's detail.
    private init(
        kinds: [String: Tier], tiers: [Tier: Rule], roles: [String: [Principal]], proposerRoles: [String],
        gateRoles: [String], governance: Rule, governanceVersion: Int, members: [String: Member],
        limits: Limits?, freezes: [FreezeWindow], breakGlass: BreakGlassRule?, locate: (String) -> String
    ) throws {
        self.schema = 1
        self.governanceVersion = governanceVersion
        self.kinds = kinds
        self.tiers = tiers
        self.roles = roles
        self.proposerRoles = proposerRoles
        self.gateRoles = gateRoles
        self.governance = governance
        self.members = members
        self.limits = limits.flatMap { $0.maxPending == nil && $0.maxPerDay == nil ? nil : $0 }
        self.freezes = freezes
        self.breakGlass = breakGlass
        try validate(locate: locate)
    }

    private func validate(locate: (String) -> String) throws {
        /// A refusal about `field`, located at its line when the source is known.
        func fail(_ field: String, _ message: String) -> WritError {
            WritError(.policyMalformed, "\(locate(field)): \(message)")
        }
        for kind in kinds.keys.sorted() where !RecordName.isValid(kind) {
            throw fail("kinds.\(kind)", "kind name \(quoted: kind) is not a valid name")
        }
        for role in roles.keys.sorted() where !RecordName.isValid(role) {
            throw fail("roles.\(role)", "role name \(quoted: role) is not a valid name")
        }
        func checkRoles(_ list: [String], _ field: String) throws {
            for role in list where roles[role] == nil {
                throw fail(field, "field '\(field)' names role \(quoted: role), which [roles] does not define")
            }
        }
        for tier in Tier.allCases {
            guard let rule = tiers[tier] else { continue }
            guard rule.approvals >= 0 else {
                throw fail("tiers.\(tier).approvals", "field 'tiers.\(tier).approvals' must be 0 or more")
            }
            try checkRoles(rule.roles, "tiers.\(tier).roles")
        }
        try checkRoles(proposerRoles, "proposers.roles")
        try checkRoles(gateRoles, "gates.roles")
        guard governance.approvals >= 1 else {
            throw fail("governance.approvals", "field 'governance.approvals' must be 1 or more")
        }
        try checkRoles(governance.roles, "governance.roles")
        for login in members.keys.sorted() where !Self.isForgeLogin(login) {
            throw fail("members", "member login \(quoted: login) is not a valid login")
        }
        for (field, value) in [("max_pending", limits?.maxPending), ("max_per_day", limits?.maxPerDay)] {
            if let value, value < 1 { throw fail("limits.\(field)", "field 'limits.\(field)' must be 1 or more") }
        }
        try validateSchedule(fail: fail, checkRoles: checkRoles)
    }

    /// The SPEC §4.6–4.7 tables: each must be able to take effect.
    private func validateSchedule(
        fail: (String, String) -> WritError, checkRoles: ([String], String) throws -> Void
    ) throws {
        func principals(of roleNames: [String]) -> Set<Principal> {
            Set(roleNames.flatMap { roles[$0] ?? [] })
        }
        for tier in Tier.allCases {
            guard let rule = tiers[tier], !rule.require.isEmpty || rule.wait != nil else { continue }
            guard rule.approvals >= 1 else {
                let field = "tiers.\(tier).\(rule.require.isEmpty ? "wait" : "require")"
                throw fail(
                    field,
                    "field '\(field)': [tiers.\(tier)] needs no approval, so it can have no 'require' group or 'wait'")
            }
            if let wait = rule.wait, wait < 1 {
                throw fail("tiers.\(tier).wait", "field 'tiers.\(tier).wait' must be a positive duration")
            }
            for (index, group) in rule.require.enumerated() {
                let field = "tiers.\(tier).require[\(index)]"
                guard group.approvals >= 1 else {
                    throw fail("\(field).approvals", "field '\(field).approvals' must be 1 or more")
                }
                guard !group.roles.isEmpty else {
                    throw fail("\(field).roles", "field '\(field).roles' must name at least one role")
                }
                try checkRoles(group.roles, "\(field).roles")
                let holders = principals(of: group.roles).count
                guard group.approvals <= holders else {
                    throw fail(
                        "\(field).approvals",
                        "field '\(field).approvals' asks for \(group.approvals) but its roles hold \(holders) "
                            + "principal(s): the group could never be met")
                }
            }
        }
        var names = Set<String>()
        for (index, window) in freezes.enumerated() {
            let field = "freeze[\(index)]"
            guard !window.name.isEmpty, RecordText.problem(in: window.name) == nil else {
                throw fail("\(field).name", "field '\(field).name' must be a non-empty line of text")
            }
            guard names.insert(window.name).inserted else {
                throw fail(
                    "\(field).name",
                    "field '\(field).name': two [[freeze]] windows are named \(quoted: window.name): names must be unique"
                )
            }
            guard window.start < window.end else {
                throw fail(
                    "\(field).end",
                    "field '\(field).end': [[freeze]] \(quoted: window.name) ends at \(window.end), "
                        + "not after its start \(window.start)")
            }
            guard !window.tiers.isEmpty || !window.kinds.isEmpty else {
                throw fail(
                    field,
                    "[[freeze]] \(quoted: window.name) (\(field)) names no tier and no kind: it would freeze nothing")
            }
            for kind in window.kinds where !RecordName.isValid(kind) {
                throw fail(
                    "\(field).kinds",
                    "field '\(field).kinds': [[freeze]] \(quoted: window.name) names kind \(quoted: kind), "
                        + "which is not a valid name")
            }
        }
        if let breakGlass {
            guard !breakGlass.roles.isEmpty else {
                throw fail("break_glass.roles", "field 'break_glass.roles' must name at least one role")
            }
            try checkRoles(breakGlass.roles, "break_glass.roles")
            guard !breakGlass.reviewRoles.isEmpty else {
                throw fail("break_glass.review_roles", "field 'break_glass.review_roles' must name at least one role")
            }
            try checkRoles(breakGlass.reviewRoles, "break_glass.review_roles")
            guard breakGlass.reviewWithin >= 1 else {
                throw fail("break_glass.review_within", "field 'break_glass.review_within' must be a positive duration")
            }
            guard breakGlass.reviewApprovals >= 1 else {
                throw fail("break_glass.review_approvals", "field 'break_glass.review_approvals' must be 1 or more")
            }
            // The break-glass approver never reviews their own run, so the
            // review must be possible without whichever of them broke glass.
            let reviewers = principals(of: breakGlass.reviewRoles)
            let fewest = principals(of: breakGlass.roles).map { reviewers.subtracting([$0]).count }.min() ?? 0
            guard breakGlass.reviewApprovals <= fewest else {
                throw fail(
                    "break_glass.review_approvals",
                    "field 'break_glass.review_approvals' asks for \(breakGlass.reviewApprovals) but the review roles "
                        + "can give at most \(fewest) without the principal who broke glass: the review could never be met"
                )
            }
        }
    }

    /// A forge login as the forge spells it (SPEC §9): 1 to 100 printable
    /// ASCII characters without spaces or `/`, so bots such as
    /// `writ-agent[bot]` can be listed.
    static func isForgeLogin(_ login: String) -> Bool {
        !login.isEmpty && login.utf8.count <= 100
            && login.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "/" && $0 != "\\" }
    }

    /// Parses `policy.toml` bytes; throws `WritError(.policyMalformed, ...)`
    /// whose detail begins with `record`. With `locating` (`writ validate`),
    /// a refusal about a field names its line too: `record:LINE: ...`.
    public static func parse(_ bytes: some Collection<UInt8>, record: String = "policy.toml", locating: Bool = false)
        throws -> Policy
    {
        let root = try TOMLRecordReader.parse(bytes, reason: .policyMalformed, record: record, locating: locating)
        try root.rejectUnknownKeys(allowing: [
            "schema", "kinds", "tiers", "roles", "proposers", "gates", "governance", "members", "limits", "freeze",
            "break_glass",
        ])
        try root.requireSchemaOne()

        var kinds: [String: Tier] = [:]
        if let table = try root.table("kinds") {
            for kind in table.keys {
                guard let tier = try table.tier(kind) else { continue }
                kinds[kind] = tier
            }
        }

        func rule(_ table: TOMLRecordReader) throws -> Rule {
            try table.rejectUnknownKeys(allowing: ["approvals", "roles", "require", "wait"])
            var groups: [RoleGroup] = []
            for group in try table.tableArray("require") ?? [] {
                try group.rejectUnknownKeys(allowing: ["approvals", "roles"])
                groups.append(
                    RoleGroup(
                        approvals: try group.requiredInt("approvals"), roles: try group.stringArray("roles") ?? []))
            }
            return Rule(
                approvals: try table.requiredInt("approvals"), roles: try table.stringArray("roles") ?? [],
                require: groups, wait: try table.positiveDuration("wait"))
        }

        var tiers: [Tier: Rule] = [:]
        if let table = try root.table("tiers") {
            for name in table.keys {
                guard let tier = Tier(parsing: name) else {
                    throw table.fail("unknown tier '\(table.fieldName(name))': tiers are low, medium and high")
                }
                tiers[tier] = try rule(try table.requiredTable(name))
            }
        }

        var roles: [String: [Principal]] = [:]
        if let table = try root.table("roles") {
            for role in table.keys {
                let names = try table.stringArray(role) ?? []
                var principals: [Principal] = []
                for (index, name) in names.enumerated() {
                    guard let principal = Principal(name) else {
                        throw table.fail("\(role)[\(index)]", "is not a valid principal: \(quoted: name)")
                    }
                    principals.append(principal)
                }
                roles[role] = principals
            }
        }

        func roleList(_ key: String) throws -> [String] {
            guard let table = try root.table(key) else { return [] }
            try table.rejectUnknownKeys(allowing: ["roles"])
            return try table.stringArray("roles") ?? []
        }
        let proposerRoles = try roleList("proposers")
        let gateRoles = try roleList("gates")
        let governanceTable = try root.requiredTable("governance")
        try governanceTable.rejectUnknownKeys(allowing: ["approvals", "roles", "version"])
        let governance = Rule(
            approvals: try governanceTable.requiredInt("approvals"),
            roles: try governanceTable.stringArray("roles") ?? [])
        let governanceVersion = try governanceTable.int("version") ?? 0
        guard governanceVersion >= 0 else { throw governanceTable.fail("version", "must be 0 or more") }

        // Keyed by the folded login: forges compare logins without case.
        var members: [String: Member] = [:]
        if let table = try root.table("members") {
            for login in table.keys {
                guard let folded = ForgeLogin.folded(login) else {
                    throw table.fail(login, "is not a forge login (ASCII letters, digits, -, _, . and [bot] only)")
                }
                guard members[folded] == nil else {
                    throw table.fail(login, "names the same forge login as another key (logins compare without case)")
                }
                let value = try table.requiredString(login)
                if value == blockedMarker {
                    members[folded] = .blocked
                } else if let principal = Principal(value) {
                    members[folded] = .principal(principal)
                } else {
                    throw table.fail(login, "must be a principal or \"blocked\", found \(quoted: value)")
                }
            }
        }
        var limits: Limits?
        if let table = try root.table("limits") {
            try table.rejectUnknownKeys(allowing: ["max_pending", "max_per_day"])
            let maxPending = try table.int("max_pending")
            let maxPerDay = try table.int("max_per_day")
            for (key, value) in [("max_pending", maxPending), ("max_per_day", maxPerDay)] {
                if let value, value < 1 { throw table.fail(key, "must be a positive integer, found \(value)") }
            }
            limits = Limits(maxPending: maxPending, maxPerDay: maxPerDay)
        }
        var freezes: [FreezeWindow] = []
        for window in try root.tableArray("freeze") ?? [] {
            try window.rejectUnknownKeys(allowing: ["name", "start", "end", "tiers", "kinds"])
            var windowTiers: [Tier] = []
            for (index, name) in (try window.stringArray("tiers") ?? []).enumerated() {
                guard let tier = Tier(parsing: name) else {
                    throw window.fail("tiers[\(index)]", "must be low, medium or high, found \(quoted: name)")
                }
                windowTiers.append(tier)
            }
            freezes.append(
                FreezeWindow(
                    name: try window.requiredString("name"), start: try window.requiredTimestamp("start"),
                    end: try window.requiredTimestamp("end"), tiers: windowTiers,
                    kinds: try window.stringArray("kinds") ?? []))
        }
        var breakGlass: BreakGlassRule?
        if let table = try root.table("break_glass") {
            try table.rejectUnknownKeys(allowing: ["roles", "review_within", "review_approvals", "review_roles"])
            guard let within = try table.positiveDuration("review_within") else {
                throw table.fail("review_within", "is missing")
            }
            breakGlass = BreakGlassRule(
                roles: try table.stringArray("roles") ?? [], reviewWithin: within,
                reviewApprovals: try table.requiredInt("review_approvals"),
                reviewRoles: try table.stringArray("review_roles") ?? [])
        }
        return try Policy(
            kinds: kinds, tiers: tiers, roles: roles, proposerRoles: proposerRoles, gateRoles: gateRoles,
            governance: governance, governanceVersion: governanceVersion, members: members, limits: limits,
            freezes: freezes, breakGlass: breakGlass, locate: root.located)
    }

    // MARK: Lookups

    /// The tier of `kind`; a kind not listed in `[kinds]` is `high`.
    public func tier(forKind kind: String) -> Tier { kinds[kind] ?? .high }

    /// What `tier` needs, or nil when the policy has no table for it (then
    /// nothing of that tier can ever be approved).
    public func rule(for tier: Tier) -> Rule? { tiers[tier] }

    /// The roles `principal` holds, sorted.
    package func roles(of principal: Principal) -> [String] {
        roles.filter { $0.value.contains(principal) }.map(\.key).sorted()
    }

    /// The principals in `role`, sorted and without repeats; empty for an unknown role.
    public func principals(inRole role: String) -> [Principal] {
        Array(Set(roles[role] ?? [])).sorted()
    }

    private func holdsAny(_ principal: Principal, of roleNames: [String]) -> Bool {
        roleNames.contains { roles[$0]?.contains(principal) ?? false }
    }

    /// Whether `principal` holds a role that `tier` accepts; false when the tier has no table.
    func acceptsForTier(_ principal: Principal, _ tier: Tier) -> Bool {
        guard let rule = tiers[tier] else { return false }
        return holdsAny(principal, of: rule.acceptedRoles)
    }

    /// Whether `principal` holds a `[break_glass]` role; false when the table is absent.
    package func mayBreakGlass(_ principal: Principal) -> Bool {
        breakGlass.map { holdsAny(principal, of: $0.roles) } ?? false
    }

    /// Whether `principal` holds a `[break_glass]` review role; false when the table is absent.
    package func mayReviewBreakGlass(_ principal: Principal) -> Bool {
        breakGlass.map { holdsAny(principal, of: $0.reviewRoles) } ?? false
    }

    /// The freeze that blocks an intent of `tier` and `kind` at `instant`, or
    /// nil. When several cover it, the one that ends last (then by name),
    /// since that is when dispatch may resume.
    package func activeFreeze(tier: Tier, kind: String, at instant: Timestamp) -> FreezeWindow? {
        freezes.filter { $0.covers(tier: tier, kind: kind) && $0.isActive(at: instant) }
            .max { ($0.end, $1.name) < ($1.end, $0.name) }
    }

    /// Whether `principal` holds a `[proposers]` role.
    func isProposer(_ principal: Principal) -> Bool { holdsAny(principal, of: proposerRoles) }

    /// Whether `principal` holds a `[gates]` role and may attest gate results.
    func isGateAttester(_ principal: Principal) -> Bool { holdsAny(principal, of: gateRoles) }

    /// Whether `principal` holds a `[governance]` role.
    func isGovernor(_ principal: Principal) -> Bool { holdsAny(principal, of: governance.roles) }

    /// The `[members]` entry for a forge login, if any.
    func member(forLogin login: String) -> Member? { ForgeLogin.folded(login).flatMap { members[$0] } }
}
