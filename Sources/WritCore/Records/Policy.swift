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
///   that is there is a positive integer (docs/limits.md).
public struct Policy: Sendable, Equatable {
    /// What a tier (or a governance change) needs: `approvals` distinct
    /// principals holding one of `roles`.
    public struct Rule: Sendable, Equatable {
        public let approvals: Int
        public let roles: [String]
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

    /// The `[members]` value that marks a login as blocked.
    static let blockedMarker = "blocked"

    /// Builds a policy, checking the same invariants as parsing.
    package init(
        kinds: [String: Tier] = [:], tiers: [Tier: Rule], roles: [String: [Principal]], proposerRoles: [String] = [],
        gateRoles: [String] = [], governance: Rule, governanceVersion: Int = 0, members: [String: Member] = [:],
        limits: Limits? = nil
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
        try validate()
    }

    private func validate() throws {
        func fail(_ message: String) -> WritError { WritError(.policyMalformed, "policy.toml: \(message)") }
        for kind in kinds.keys.sorted() where !RecordName.isValid(kind) {
            throw fail("kind name \(quoted: kind) is not a valid name")
        }
        for role in roles.keys.sorted() where !RecordName.isValid(role) {
            throw fail("role name \(quoted: role) is not a valid name")
        }
        func checkRoles(_ list: [String], _ field: String) throws {
            for role in list where roles[role] == nil {
                throw fail("field '\(field)' names role \(quoted: role), which [roles] does not define")
            }
        }
        for tier in Tier.allCases {
            guard let rule = tiers[tier] else { continue }
            guard rule.approvals >= 0 else { throw fail("field 'tiers.\(tier).approvals' must be 0 or more") }
            try checkRoles(rule.roles, "tiers.\(tier).roles")
        }
        try checkRoles(proposerRoles, "proposers.roles")
        try checkRoles(gateRoles, "gates.roles")
        guard governance.approvals >= 1 else { throw fail("field 'governance.approvals' must be 1 or more") }
        try checkRoles(governance.roles, "governance.roles")
        for login in members.keys.sorted() where !Self.isForgeLogin(login) {
            throw fail("member login \(quoted: login) is not a valid login")
        }
        for (field, value) in [("max_pending", limits?.maxPending), ("max_per_day", limits?.maxPerDay)] {
            if let value, value < 1 { throw fail("field 'limits.\(field)' must be 1 or more") }
        }
    }

    /// A forge login as the forge spells it (SPEC §9): 1 to 100 printable
    /// ASCII characters without spaces or `/`, so bots such as
    /// `writ-agent[bot]` can be listed.
    static func isForgeLogin(_ login: String) -> Bool {
        !login.isEmpty && login.utf8.count <= 100
            && login.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "/" && $0 != "\\" }
    }

    /// Parses `policy.toml` bytes; throws `WritError(.policyMalformed, ...)`.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> Policy {
        let root = try TOMLRecordReader.parse(bytes, reason: .policyMalformed, record: "policy.toml")
        try root.rejectUnknownKeys(allowing: [
            "schema", "kinds", "tiers", "roles", "proposers", "gates", "governance", "members", "limits",
        ])
        try root.requireSchemaOne()

        var kinds: [String: Tier] = [:]
        if let table = try root.table("kinds") {
            for kind in table.keys {
                guard let tier = try table.tier(kind) else { continue }
                kinds[kind] = tier
            }
        }

        func rule(_ table: TOMLRecordReader, approvalsRequired: Bool) throws -> Rule {
            try table.rejectUnknownKeys(allowing: ["approvals", "roles"])
            let approvals = approvalsRequired ? try table.requiredInt("approvals") : try table.int("approvals") ?? 0
            return Rule(approvals: approvals, roles: try table.stringArray("roles") ?? [])
        }

        var tiers: [Tier: Rule] = [:]
        if let table = try root.table("tiers") {
            for name in table.keys {
                guard let tier = Tier(parsing: name) else {
                    throw table.fail("unknown tier '\(table.fieldName(name))': tiers are low, medium and high")
                }
                tiers[tier] = try rule(try table.requiredTable(name), approvalsRequired: true)
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
        return try Policy(
            kinds: kinds, tiers: tiers, roles: roles, proposerRoles: proposerRoles, gateRoles: gateRoles,
            governance: governance, governanceVersion: governanceVersion, members: members, limits: limits)
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
        return holdsAny(principal, of: rule.roles)
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
