import Foundation
import Testing

@testable import WritCore
@testable import WritTestSupport

/// `PolicyChange`: the policy diff in words that `writ governance status`
/// shows for a pending change, table by table, in a fixed order.
@Suite struct PolicyChangeTests {
    /// The demo policy with a `security` role (sam and alice), the base every case edits.
    static var base: PolicyFixture {
        var fixture = PolicyFixture.demo
        fixture.roles.append(PolicyFixture.Entry("security", ["sam@example.com", "alice@example.com"]))
        return fixture
    }

    static func parse(_ fixture: PolicyFixture, appending extra: String = "") throws -> Policy {
        try Policy.parse(Data((fixture.text + extra).utf8))
    }

    static func change(_ trusted: PolicyFixture, _ proposed: PolicyFixture) throws -> [String] {
        PolicyChange(from: try parse(trusted), to: try parse(proposed)).sentences
    }

    static let yearEnd = PolicyFixture.Freeze(
        "year-end", start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z", tiers: ["medium", "high"])

    @Test func theSamePolicyChangesNothing() throws {
        #expect(try Self.change(Self.base, Self.base) == [])
        // Layout and comments are not meaning: the same tables in another text.
        let reordered = try Policy.parse(Data(("# a comment\n" + Self.base.text).utf8))
        #expect(PolicyChange(from: try Self.parse(Self.base), to: reordered).sentences == [])
    }

    @Test func kindsAddedRemovedAndRetiered() throws {
        var proposed = Self.base
        proposed.kinds = [
            PolicyFixture.Entry("triage", "low"), PolicyFixture.Entry("dev", "high"),
            PolicyFixture.Entry("release", "high"), PolicyFixture.Entry("deploy", "medium"),
        ]
        #expect(
            try Self.change(Self.base, proposed) == [
                "kind deploy added at tier medium",
                "kind dev moves from tier medium to high",
                "kind groom-backlog removed (was low): unlisted, it is high",
            ])
    }

    @Test func tierApprovalsRolesGroupsAndWait() throws {
        var trusted = Self.base
        trusted.tiers[2] = PolicyFixture.Tier(
            "high", approvals: 2, roles: ["admin"], require: [.init(1, of: ["security"])], wait: "30m")
        var proposed = Self.base
        proposed.tiers[2] = PolicyFixture.Tier(
            "high", approvals: 1, roles: ["admin", "operator"],
            require: [.init(2, of: ["security"]), .init(1, of: ["operator"])], wait: "1h")
        #expect(
            try Self.change(trusted, proposed) == [
                "tiers.high needs 1 approval instead of 2",
                "tiers.high roles gain operator",
                "tiers.high require group of [security] needs 2 instead of 1",
                "tiers.high require group 1 of [operator] added",
                "tiers.high wait changes from 30m to 1h",
            ])
        #expect(
            try Self.change(proposed, trusted) == [
                "tiers.high needs 2 approvals instead of 1",
                "tiers.high roles lose operator",
                "tiers.high require group of [security] needs 1 instead of 2",
                "tiers.high require group 1 of [operator] removed",
                "tiers.high wait changes from 1h to 30m",
            ])
        // A wait set and removed; a group over other roles is not "changed".
        var plain = Self.base
        plain.tiers[2] = PolicyFixture.Tier("high", approvals: 2, roles: ["admin"], require: [.init(1, of: ["admin"])])
        #expect(
            try Self.change(plain, trusted) == [
                "tiers.high require group 1 of [admin] removed",
                "tiers.high require group 1 of [security] added",
                "tiers.high wait 30m set",
            ])
        #expect(try Self.change(trusted, plain).last == "tiers.high wait 30m removed")
    }

    @Test func tierTablesAddedAndRemoved() throws {
        var withoutMedium = Self.base
        withoutMedium.tiers.remove(at: 1)
        #expect(
            try Self.change(Self.base, withoutMedium) == [
                "[tiers.medium] removed (was 1 of [operator, admin]): its intents can never be approved"
            ])
        var grouped = Self.base
        grouped.tiers[1] = PolicyFixture.Tier(
            "medium", approvals: 1, roles: ["operator"], require: [.init(1, of: ["security"])], wait: "1h30m")
        #expect(
            try Self.change(withoutMedium, grouped) == [
                "[tiers.medium] added: 1 of [operator] + group 1 of [security], wait 1h30m"
            ])
    }

    @Test func roleMembershipPerRole() throws {
        var proposed = Self.base
        proposed.roles = [
            PolicyFixture.Entry("admin", ["alice@example.com", "dave@example.com", "erin@example.com"]),
            PolicyFixture.Entry("operator", []),
            PolicyFixture.Entry("dispatcher", ["dispatch-1@example.com"]),
            PolicyFixture.Entry("release-managers", ["bob@example.com"]),
        ]
        proposed.proposers = ["operator", "admin"]
        proposed.breakGlass = nil
        #expect(
            try Self.change(Self.base, proposed) == [
                "role admin gains dave@example.com, erin@example.com",
                "role admin loses carol@example.com",
                "role agent removed (had agent-1@example.com)",
                "role operator loses bob@example.com",
                "role release-managers added: bob@example.com",
                "role security removed (had alice@example.com, sam@example.com)",
                "proposers roles lose agent",
            ])
    }

    @Test func proposersGatesAndGovernance() throws {
        var proposed = Self.base
        proposed.proposers = ["agent", "operator", "admin", "security"]
        proposed.gates = ["dispatcher", "admin"]
        proposed.governanceApprovals = 1
        proposed.governanceRoles = ["admin", "security"]
        proposed.governanceVersion = 2
        #expect(
            try Self.change(Self.base, proposed) == [
                "proposers roles gain security",
                "gates roles gain admin",
                "governance needs 1 approval instead of 2",
                "governance roles gain security",
                "governance version goes from 1 to 2",
            ])
    }

    @Test func membersAddedRemovedBlockedAndRemapped() throws {
        var proposed = Self.base
        proposed.members = [
            PolicyFixture.Entry("alice", "alice2@example.com"), PolicyFixture.Entry("bob", "blocked"),
            PolicyFixture.Entry("dana", "dana@example.com"),
        ]
        #expect(
            try Self.change(Self.base, proposed) == [
                "member alice maps to alice2@example.com instead of alice@example.com",
                "member bob blocked (was bob@example.com)",
                "member carol removed (was carol@example.com)",
                "member dana added as dana@example.com",
            ])
        #expect(
            try Self.change(proposed, Self.base) == [
                "member alice maps to alice@example.com instead of alice2@example.com",
                "member bob unblocked as bob@example.com",
                "member carol added as carol@example.com",
                "member dana removed (was dana@example.com)",
            ])
    }

    @Test func freezeWindowsAddedRemovedAndChangedWithTheirTimes() throws {
        var trusted = Self.base
        trusted.freezes = [
            Self.yearEnd,
            .init("audit week", start: "2027-03-01T00:00:00Z", end: "2027-03-08T00:00:00Z", kinds: ["release"]),
        ]
        var proposed = Self.base
        proposed.freezes = [
            .init(
                "year-end", start: "2026-12-18T00:00:00Z", end: "2027-01-04T00:00:00Z", tiers: ["high"],
                kinds: ["release"]),
            .init("launch", start: "2027-05-01T09:00:00Z", end: "2027-05-01T17:00:00Z", tiers: ["medium"]),
        ]
        #expect(
            try Self.change(trusted, proposed) == [
                "freeze \"audit week\" 2027-03-01T00:00:00Z..2027-03-08T00:00:00Z (kinds release) removed",
                "freeze \"launch\" 2027-05-01T09:00:00Z..2027-05-01T17:00:00Z (tiers medium) added",
                "freeze \"year-end\" changes from 2026-12-20T00:00:00Z..2027-01-04T00:00:00Z (tiers medium, high) "
                    + "to 2026-12-18T00:00:00Z..2027-01-04T00:00:00Z (tiers high; kinds release)",
            ])
    }

    @Test func breakGlassAddedRemovedAndChanged() throws {
        let rule = PolicyFixture.BreakGlass(
            roles: ["admin"], reviewWithin: "72h", reviewApprovals: 1, reviewRoles: ["admin"])
        var with = Self.base
        with.breakGlass = rule
        #expect(
            try Self.change(Self.base, with) == [
                "[break_glass] added: break-glass by [admin], review 1 of [admin] within 72h"
            ])
        #expect(
            try Self.change(with, Self.base) == [
                "[break_glass] removed (was break-glass by [admin], review 1 of [admin] within 72h): "
                    + "nobody may break glass"
            ])
        var changed = Self.base
        changed.breakGlass = PolicyFixture.BreakGlass(
            roles: ["admin", "operator"], reviewWithin: "1d", reviewApprovals: 2, reviewRoles: ["admin", "security"])
        #expect(
            try Self.change(with, changed) == [
                "[break_glass] changes from break-glass by [admin], review 1 of [admin] within 72h "
                    + "to break-glass by [admin, operator], review 2 of [admin, security] within 24h"
            ])
    }

    @Test func limitsSetChangedAndRemoved() throws {
        let trusted = try Self.parse(Self.base, appending: "\n[limits]\nmax_pending = 20\nmax_per_day = 200\n")
        let proposed = try Self.parse(Self.base, appending: "\n[limits]\nmax_per_day = 50\n")
        #expect(
            PolicyChange(from: trusted, to: proposed).sentences == [
                "limits.max_pending removed (was 20): no limit", "limits.max_per_day changes from 200 to 50",
            ])
        #expect(
            PolicyChange(from: try Self.parse(Self.base), to: proposed).sentences == [
                "limits.max_per_day set to 50"
            ])
    }

    /// One change in every table: the sentences come in the order of SPEC §2.
    @Test func everyTableInTheOrderOfTheContract() throws {
        var proposed = Self.base
        proposed.kinds.append(PolicyFixture.Entry("deploy", "medium"))
        proposed.tiers[2].require = [.init(1, of: ["security"])]
        proposed.roles[1].value.append("olive@example.com")
        proposed.proposers.append("security")
        proposed.gates.append("admin")
        proposed.governanceVersion = 2
        proposed.members?.append(PolicyFixture.Entry("dana", "dana@example.com"))
        proposed.freezes = [Self.yearEnd]
        proposed.breakGlass = PolicyFixture.BreakGlass(
            roles: ["admin"], reviewWithin: "72h", reviewApprovals: 1, reviewRoles: ["admin"])
        let sentences = PolicyChange(
            from: try Self.parse(Self.base), to: try Self.parse(proposed, appending: "\n[limits]\nmax_pending = 5\n")
        ).sentences
        #expect(
            sentences == [
                "kind deploy added at tier medium",
                "tiers.high require group 1 of [security] added",
                "role operator gains olive@example.com",
                "proposers roles gain security",
                "gates roles gain admin",
                "governance version goes from 1 to 2",
                "member dana added as dana@example.com",
                "freeze \"year-end\" 2026-12-20T00:00:00Z..2027-01-04T00:00:00Z (tiers medium, high) added",
                "[break_glass] added: break-glass by [admin], review 1 of [admin] within 72h",
                "limits.max_pending set to 5",
            ])
    }
}

/// `writ validate`'s view of a policy: refusals located at their line, and
/// the one-line summary of require groups, waits, freezes and break-glass.
@Suite struct PolicyLocatingTests {
    static func refusal(_ text: String) -> String? {
        do {
            _ = try Policy.parse(Data(text.utf8), record: "p.toml", locating: true)
            return nil
        } catch let error as WritError {
            return error.detail
        } catch {
            return "not a WritError: \(error)"
        }
    }

    /// `text` with `old` replaced, requiring that it was there.
    static func edit(_ text: String, _ old: String, _ new: String) throws -> String {
        try #require(text.contains(old), "\(old) is not in the fixture")
        return text.replacingOccurrences(of: old, with: new)
    }

    /// The 1-based line of the first line of `text` that starts with `prefix`, after `after` lines.
    static func line(of prefix: String, in text: String, after: Int = 0) throws -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let index = try #require(lines.indices.first { $0 >= after && lines[$0].hasPrefix(prefix) })
        return index + 1
    }

    static var fixture: PolicyFixture {
        var fixture = PolicyChangeTests.base
        fixture.tiers[2].require = [.init(1, of: ["security"])]
        fixture.freezes = [
            PolicyChangeTests.yearEnd,
            .init("spring", start: "2027-03-01T00:00:00Z", end: "2027-03-08T00:00:00Z", kinds: ["release"]),
        ]
        fixture.breakGlass = PolicyFixture.BreakGlass(
            roles: ["admin"], reviewWithin: "72h", reviewApprovals: 1, reviewRoles: ["admin"])
        return fixture
    }

    @Test func refusalsNameTheFieldAndItsLine() throws {
        let text = Self.fixture.text
        #expect(Self.refusal(text) == nil)
        let secondFreeze = try Self.line(of: "[[freeze]]", in: text, after: Self.line(of: "[[freeze]]", in: text))
        // A key of the second [[freeze]] table: the n-th header is freeze[n-1].
        let unknown = try Self.edit(text, "kinds = [\"release\"]", "kinds = [\"release\"]\ntier = \"high\"")
        #expect(
            Self.refusal(unknown)?.hasPrefix("p.toml:\(secondFreeze + 5): unknown key 'freeze[1].tier'") == true,
            "\(Self.refusal(unknown) ?? "")")
        let backwards = try Self.edit(text, "end = \"2027-03-08T00:00:00Z\"", "end = \"2027-02-01T00:00:00Z\"")
        #expect(
            Self.refusal(backwards)?.hasPrefix(
                "p.toml:\(secondFreeze + 3): field 'freeze[1].end': [[freeze]] \"spring\" ends at 2027-02-01T00:00:00Z, "
                    + "not after its start") == true, "\(Self.refusal(backwards) ?? "")")
        let twice = try Self.edit(text, "name = \"spring\"", "name = \"year-end\"")
        #expect(Self.refusal(twice)?.hasPrefix("p.toml:\(secondFreeze + 1): field 'freeze[1].name'") == true)
        // A group is an inline table: its refusal names the `require` line.
        let requireLine = try Self.line(of: "require = ", in: text)
        let unknownRole = try Self.edit(text, "roles = [\"security\"] }", "roles = [\"secuirty\"] }")
        #expect(
            Self.refusal(unknownRole)
                == "p.toml:\(requireLine): field 'tiers.high.require[0].roles' names role \"secuirty\", "
                + "which [roles] does not define")
        let review = try Self.edit(text, "review_approvals = 1", "review_approvals = 2")
        #expect(
            Self.refusal(review)?.hasPrefix(
                "p.toml:\(try Self.line(of: "review_approvals", in: text)): field 'break_glass.review_approvals' asks for 2"
            ) == true)
        // Written as [[tiers.high.require]] tables, a group's key is found on its own line.
        let tables =
            try Self.edit(
                unknownRole, "require = [{ approvals = 1, roles = [\"secuirty\"] }]\n", "")
            + "\n[[tiers.high.require]]\napprovals = 1\nroles = [\"secuirty\"]\n"
        #expect(
            Self.refusal(tables)?.hasPrefix(
                "p.toml:\(try Self.line(of: "roles = [\"secuirty\"]", in: tables)): field 'tiers.high.require[0].roles'"
            )
                == true, "\(Self.refusal(tables) ?? "")")
        // A missing key names the table that lacks it.
        let unreviewed = try Self.edit(text, "review_within = \"72h\"\n", "")
        #expect(
            Self.refusal(unreviewed)
                == "p.toml:\(try Self.line(of: "[break_glass]", in: text)): field 'break_glass.review_within' is missing"
        )
        let endless = try Self.edit(text, "end = \"2027-03-08T00:00:00Z\"\n", "")
        #expect(Self.refusal(endless) == "p.toml:\(secondFreeze): field 'freeze[1].end' is missing")
        // Without `locating`, the detail names the record alone, as before.
        let plain = #expect(throws: WritError.self) { try Policy.parse(Data(unknownRole.utf8)) }
        #expect(plain?.detail.hasPrefix("policy.toml: field 'tiers.high.require[0].roles'") == true)
    }

    @Test func theScheduleReadsOneLineEach() throws {
        var fixture = Self.fixture
        fixture.tiers[2].wait = "30m"
        let policy = try Policy.parse(Data(fixture.text.utf8))
        #expect(
            PolicySummary.schedule(of: policy) == [
                "tiers.high: 2 of [admin] + group 1 of [security], wait 30m",
                "freeze \"year-end\" 2026-12-20T00:00:00Z..2027-01-04T00:00:00Z (tiers medium, high)",
                "freeze \"spring\" 2027-03-01T00:00:00Z..2027-03-08T00:00:00Z (kinds release)",
                "break-glass by [admin], review 1 of [admin] within 72h",
            ])
        #expect(PolicySummary.schedule(of: try Policy.parse(Data(PolicyFixture.demo.text.utf8))) == [])
        #expect(
            [0, 59, 60, 5400, 86_400 + 7200, 90_061].map { DurationText.text(seconds: $0) } == [
                "0s", "59s", "1m", "1h30m", "26h", "25h1m1s",
            ])
        for seconds: Int64 in [1, 61, 3600, 5400, 259_200, 90_061] {
            #expect(DurationText.seconds(DurationText.text(seconds: seconds)) == seconds)
        }
    }
}

/// docs/policy.md's whole-policy example is a valid policy using every table.
@Suite struct PolicyDocsExampleTests {
    @Test func theWholePolicyExampleParses() throws {
        let page = try String(
            contentsOf: RepoRoot.url.appendingPathComponent("docs/policy.md"), encoding: .utf8)
        let start = try #require(page.range(of: "## A whole policy\n\n```toml\n"))
        let end = try #require(page.range(of: "```", range: start.upperBound..<page.endIndex))
        let policy = try Policy.parse(Data(page[start.upperBound..<end.lowerBound].utf8))
        #expect(policy.rule(for: .high)?.require.count == 2)
        #expect(policy.rule(for: .high)?.wait == 1800)
        #expect(policy.freezes.map(\.name) == ["year-end"])
        #expect(policy.breakGlass?.reviewApprovals == 2)
        #expect(policy.limits == Policy.Limits(maxPending: 20, maxPerDay: 200))
        #expect(PolicySummary.schedule(of: policy).count == 3)
    }
}
