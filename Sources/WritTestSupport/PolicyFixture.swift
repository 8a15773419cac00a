import Foundation

/// The one builder of `policy.toml` text for the demo and the tests (SPEC §5).
///
/// Each part of a policy is a parameter, defaulting to what `writ demo` uses,
/// so a fixture that differs from the demo names only where it differs and
/// the TOML layout lives here alone. `text` renders the parts in a fixed
/// order: `schema`, `[kinds]`, one `[tiers.NAME]` table a tier, `[roles]`,
/// `[proposers]`, `[gates]`, `[governance]`, `[[freeze]]`, `[break_glass]`,
/// then `[members]` last, so a test may append member lines to `text`.
package struct PolicyFixture: Sendable, Equatable {
    /// One `[tiers.NAME]` table.
    package struct Tier: Sendable, Equatable {
        package var name: String
        package var approvals: Int
        /// Who may approve, deny or resolve; nil leaves the `roles` line out.
        package var roles: [String]?
        /// A comment after the `roles` line, for a human reading the file.
        package var note: String?
        /// `require` groups (SPEC §4.6); empty leaves the line out.
        package var require: [Group]
        /// `wait` as written (`"30m"`); nil leaves the line out.
        package var wait: String?

        package init(
            _ name: String, approvals: Int, roles: [String]?, note: String? = nil, require: [Group] = [],
            wait: String? = nil
        ) {
            self.name = name
            self.approvals = approvals
            self.roles = roles
            self.note = note
            self.require = require
            self.wait = wait
        }
    }

    /// One `require` group of a tier.
    package struct Group: Sendable, Equatable {
        package var approvals: Int
        package var roles: [String]

        package init(_ approvals: Int, of roles: [String]) {
            self.approvals = approvals
            self.roles = roles
        }
    }

    /// One `[[freeze]]` window; times as written (RFC 3339).
    package struct Freeze: Sendable, Equatable {
        package var name: String
        package var start: String
        package var end: String
        package var tiers: [String]
        package var kinds: [String]

        package init(_ name: String, start: String, end: String, tiers: [String] = [], kinds: [String] = []) {
            self.name = name
            self.start = start
            self.end = end
            self.tiers = tiers
            self.kinds = kinds
        }
    }

    /// `[break_glass]`.
    package struct BreakGlass: Sendable, Equatable {
        package var roles: [String]
        package var reviewWithin: String
        package var reviewApprovals: Int
        package var reviewRoles: [String]

        package init(roles: [String], reviewWithin: String, reviewApprovals: Int, reviewRoles: [String]) {
            self.roles = roles
            self.reviewWithin = reviewWithin
            self.reviewApprovals = reviewApprovals
            self.reviewRoles = reviewRoles
        }
    }

    /// A `key = value` line of a table, in the order given.
    package struct Entry<Value: Sendable & Equatable>: Sendable, Equatable {
        package var key: String
        package var value: Value

        package init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    package var kinds: [Entry<String>]
    package var tiers: [Tier]
    package var roles: [Entry<[String]>]
    package var proposers: [String]
    package var gates: [String]
    package var governanceApprovals: Int
    package var governanceRoles: [String]
    /// `[governance] version`; nil leaves the line out (version 0).
    package var governanceVersion: Int?
    /// `[members]`: forge login to principal (or `"blocked"`); nil leaves the table out.
    package var members: [Entry<String>]?
    /// `[[freeze]]` windows, in order.
    package var freezes: [Freeze]
    /// `[break_glass]`; nil leaves the table out.
    package var breakGlass: BreakGlass?

    package init(
        kinds: [Entry<String>] = PolicyFixture.demoKinds,
        tiers: [Tier] = PolicyFixture.demoTiers,
        roles: [Entry<[String]>] = PolicyFixture.demoRoles,
        proposers: [String] = ["agent", "operator", "admin"],
        gates: [String] = ["dispatcher"],
        governanceApprovals: Int = 2,
        governanceRoles: [String] = ["admin"],
        governanceVersion: Int? = 1,
        members: [Entry<String>]? = PolicyFixture.demoMembers,
        freezes: [Freeze] = [],
        breakGlass: BreakGlass? = nil
    ) {
        self.kinds = kinds
        self.tiers = tiers
        self.roles = roles
        self.proposers = proposers
        self.gates = gates
        self.governanceApprovals = governanceApprovals
        self.governanceRoles = governanceRoles
        self.governanceVersion = governanceVersion
        self.members = members
        self.freezes = freezes
        self.breakGlass = breakGlass
    }

    package static let demoKinds: [Entry<String>] = [
        Entry("groom-backlog", "low"), Entry("triage", "low"), Entry("dev", "medium"), Entry("release", "high"),
    ]

    package static let demoTiers: [Tier] = [
        Tier("low", approvals: 0, roles: ["operator", "admin"], note: "who may deny or resolve low intents"),
        Tier("medium", approvals: 1, roles: ["operator", "admin"]),
        Tier("high", approvals: 2, roles: ["admin"]),
    ]

    package static let demoRoles: [Entry<[String]>] = [
        Entry("admin", ["alice@example.com", "carol@example.com"]),
        Entry("operator", ["bob@example.com"]),
        Entry("agent", ["agent-1@example.com"]),
        Entry("dispatcher", ["dispatch-1@example.com"]),
    ]

    package static let demoMembers: [Entry<String>] = [
        Entry("alice", "alice@example.com"), Entry("carol", "carol@example.com"), Entry("bob", "bob@example.com"),
    ]

    /// The policy `writ demo` uses: two admins, an operator, an agent and a dispatcher.
    package static let demo = PolicyFixture()

    /// The policy as TOML.
    package var text: String {
        var lines = ["schema = 1", "", "[kinds]"]
        lines += kinds.map { "\(Self.key($0.key)) = \(Self.string($0.value))" }
        for tier in tiers {
            lines += ["", "[tiers.\(Self.key(tier.name))]", "approvals = \(tier.approvals)"]
            if let roles = tier.roles {
                let line = "roles = \(Self.array(roles))"
                lines.append(tier.note.map { "\(line)    # \($0)" } ?? line)
            }
            if !tier.require.isEmpty {
                let groups = tier.require.map { "{ approvals = \($0.approvals), roles = \(Self.array($0.roles)) }" }
                lines.append("require = [" + groups.joined(separator: ", ") + "]")
            }
            if let wait = tier.wait { lines.append("wait = \(Self.string(wait))") }
        }
        lines += ["", "[roles]"]
        lines += roles.map { "\(Self.key($0.key)) = \(Self.array($0.value))" }
        lines += ["", "[proposers]", "roles = \(Self.array(proposers))"]
        lines += ["", "[gates]", "roles = \(Self.array(gates))"]
        lines += ["", "[governance]", "approvals = \(governanceApprovals)", "roles = \(Self.array(governanceRoles))"]
        if let governanceVersion { lines.append("version = \(governanceVersion)") }
        for window in freezes {
            lines += ["", "[[freeze]]", "name = \(Self.string(window.name))"]
            lines += ["start = \(Self.string(window.start))", "end = \(Self.string(window.end))"]
            if !window.tiers.isEmpty { lines.append("tiers = \(Self.array(window.tiers))") }
            if !window.kinds.isEmpty { lines.append("kinds = \(Self.array(window.kinds))") }
        }
        if let breakGlass {
            lines += ["", "[break_glass]", "roles = \(Self.array(breakGlass.roles))"]
            lines += [
                "review_within = \(Self.string(breakGlass.reviewWithin))",
                "review_approvals = \(breakGlass.reviewApprovals)",
                "review_roles = \(Self.array(breakGlass.reviewRoles))",
            ]
        }
        if let members {
            lines += ["", "[members]"]
            lines += members.map { "\(Self.key($0.key)) = \(Self.string($0.value))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A bare key where TOML allows one, else a quoted key.
    private static func key(_ text: String) -> String {
        let bare =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_")
            }
        return bare ? text : string(text)
    }

    private static func string(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func array(_ items: [String]) -> String {
        "[" + items.map(string).joined(separator: ", ") + "]"
    }
}
