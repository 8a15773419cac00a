import Foundation
import Testing

@testable import WritCore
@testable import WritTestSupport

/// `PolicyFixture.text` is a policy that parses to exactly the parts it was
/// built from, for each fixture the tests use.
@Suite struct PolicyFixtureTests {
    /// The policy the parts describe, built without going through TOML.
    static func expected(_ fixture: PolicyFixture) throws -> Policy {
        func principal(_ text: String) throws -> Principal { try #require(Principal(text)) }
        var kinds: [String: Tier] = [:]
        for entry in fixture.kinds { kinds[entry.key] = try #require(Tier(parsing: entry.value)) }
        var tiers: [Tier: Policy.Rule] = [:]
        for tier in fixture.tiers {
            tiers[try #require(Tier(parsing: tier.name))] = Policy.Rule(
                approvals: tier.approvals, roles: tier.roles ?? [])
        }
        var roles: [String: [Principal]] = [:]
        for entry in fixture.roles { roles[entry.key] = try entry.value.map(principal) }
        var members: [String: Policy.Member] = [:]
        for entry in fixture.members ?? [] {
            members[entry.key] = entry.value == "blocked" ? .blocked : .principal(try principal(entry.value))
        }
        return try Policy(
            kinds: kinds, tiers: tiers, roles: roles, proposerRoles: fixture.proposers, gateRoles: fixture.gates,
            governance: Policy.Rule(approvals: fixture.governanceApprovals, roles: fixture.governanceRoles),
            governanceVersion: fixture.governanceVersion ?? 0, members: members)
    }

    @Test func theDemoPolicyParsesToItsParts() throws {
        let parsed = try Policy.parse(Data(PolicyFixture.demo.text.utf8))
        #expect(parsed == (try Self.expected(.demo)))
        #expect(parsed.governanceVersion == 1)
        #expect(parsed.rule(for: .high) == Policy.Rule(approvals: 2, roles: ["admin"]))
        #expect(OpsSandbox.demoPolicy == PolicyFixture.demo.text)
    }

    @Test func aTierWithoutRolesAndNoMembersOrVersionLeaveTheirLinesOut() throws {
        var fixture = PolicyFixture.demo
        fixture.tiers[0].roles = nil
        fixture.tiers[0].note = "never shown without roles"
        fixture.governanceVersion = nil
        fixture.members = nil
        let text = fixture.text
        #expect(!text.contains("[members]"))
        #expect(!text.contains("version"))
        #expect(!text.contains("never shown"))
        #expect(text.contains("[tiers.low]\napprovals = 0\n\n[tiers.medium]"))
        #expect(try Policy.parse(Data(text.utf8)) == (try Self.expected(fixture)))
    }

    @Test func keysTOMLCannotTakeBareAreQuotedAndMembersComeLast() throws {
        var fixture = PolicyFixture.demo
        fixture.members? += [.init("writ-agent[bot]", "agent-1@example.com"), .init("mallory", "blocked")]
        let text = fixture.text
        #expect(text.contains("\n\"writ-agent[bot]\" = \"agent-1@example.com\"\n"))
        #expect(
            text.hasSuffix(
                "[members]\nalice = \"alice@example.com\"\ncarol = \"carol@example.com\"\nbob = \"bob@example.com\"\n\"writ-agent[bot]\" = \"agent-1@example.com\"\nmallory = \"blocked\"\n"
            ))
        let parsed = try Policy.parse(Data(text.utf8))
        #expect(parsed == (try Self.expected(fixture)))
        #expect(parsed.members["writ-agent[bot]"] == .principal(try #require(Principal("agent-1@example.com"))))
    }

    @Test func eachTestFixtureParsesToItsParts() throws {
        #expect(try Policy.parse(Data(PolicyWorld.defaultPolicy.utf8)).gateRoles == ["gatekeeper"])
        #expect(
            try Policy.parse(Data(RecordFixtures.policy.utf8)).rule(for: .low) == Policy.Rule(approvals: 0, roles: []))
        #expect(try Policy.parse(Data(CheckPRTests.policy.utf8)).members["mallory"] == .blocked)
    }
}
