import Foundation
import Testing

@testable import WritCore
@testable import WritTestSupport

/// `writ validate policy.toml` on require groups, `wait`, `[[freeze]]` and
/// `[break_glass]` (SPEC §2, §4.6–4.7), through the built binary: every
/// refusal is `policy_malformed` (exit 1) naming the field and its line,
/// and a valid policy prints its schedule one line a table.
@Suite struct ValidatePolicyTests {
    /// A policy using every new table.
    static var fixture: PolicyFixture {
        var fixture = PolicyFixture.demo
        fixture.roles.append(PolicyFixture.Entry("security", ["sam@example.com"]))
        fixture.tiers[2] = PolicyFixture.Tier(
            "high", approvals: 1, roles: ["admin"], require: [.init(1, of: ["security"])], wait: "30m")
        fixture.freezes = [
            .init("year-end", start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z", tiers: ["medium", "high"])
        ]
        fixture.breakGlass = PolicyFixture.BreakGlass(
            roles: ["admin"], reviewWithin: "72h", reviewApprovals: 1, reviewRoles: ["admin"])
        return fixture
    }

    /// Writes `text` as `policy.toml` in a fresh scratch directory.
    static func write(_ text: String, in directory: URL) throws -> String {
        let file = directory.appendingPathComponent("policy.toml")
        try Data(text.utf8).write(to: file)
        return file.path
    }

    /// The 1-based line of the `occurrence`-th line of `text` starting with `prefix`.
    static func line(of prefix: String, in text: String, occurrence: Int = 1) throws -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let matches = lines.indices.filter { lines[$0].hasPrefix(prefix) }
        try #require(matches.count >= occurrence, "\(prefix) occurs \(matches.count) times")
        return matches[occurrence - 1] + 1
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let old: String
        let new: String
        /// The line the refusal names: the `occurrence`-th line starting with `at`, plus `offset`.
        let at: String
        var occurrence = 1
        var offset = 0
        let field: String
        let says: String
        var testDescription: String { name }
    }

    static let secondFreeze =
        "\n[[freeze]]\nname = \"year-end\"\nstart = \"2027-02-01T00:00:00Z\"\nend = \"2027-02-02T00:00:00Z\"\nkinds = [\"dev\"]\n"

    static let refusals: [Refusal] = [
        Refusal(
            name: "an unknown key in [[freeze]]", old: "end = \"2027-01-04T00:00:00Z\"",
            new: "end = \"2027-01-04T00:00:00Z\"\nuntil = \"2027-01-05T00:00:00Z\"", at: "end = \"2027-01-04",
            offset: 1, field: "freeze[0].until", says: "unknown key"),
        Refusal(
            name: "a group naming an unknown role", old: "roles = [\"security\"] }", new: "roles = [\"secuirty\"] }",
            at: "require = ", field: "tiers.high.require[0].roles", says: "which [roles] does not define"),
        Refusal(
            name: "a freeze ending before it starts", old: "end = \"2027-01-04T00:00:00Z\"",
            new: "end = \"2026-12-19T00:00:00Z\"", at: "end = ", field: "freeze[0].end", says: "not after its start"),
        Refusal(
            name: "two freezes with one name", old: "review_roles = [\"admin\"]\n",
            new: "review_roles = [\"admin\"]\n" + secondFreeze, at: "name = \"year-end\"", occurrence: 2,
            field: "freeze[1].name", says: "names must be unique"),
        Refusal(
            name: "review_approvals larger than the review roles can give", old: "review_approvals = 1",
            new: "review_approvals = 2", at: "review_approvals", field: "break_glass.review_approvals",
            says: "the review could never be met"),
    ]

    @Test(arguments: refusals) func aRefusalNamesItsFieldAndLine(_ refusal: Refusal) throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let original = Self.fixture.text
        try #require(original.contains(refusal.old))
        let text = original.replacingOccurrences(of: refusal.old, with: refusal.new)
        let path = try Self.write(text, in: dir)
        let line = try Self.line(of: refusal.at, in: text, occurrence: refusal.occurrence) + refusal.offset

        let result = try CLI.run("validate", path)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.hasPrefix("policy_malformed: \(path):\(line): "), "\(result.stdout)")
        #expect(result.stdout.contains("'\(refusal.field)'"), "\(result.stdout)")
        #expect(result.stdout.contains(refusal.says), "\(result.stdout)")

        let json = try CLI.run("validate", path, "--json")
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect(object["reason"] as? String == "policy_malformed")
        #expect((object["detail"] as? String)?.hasPrefix("\(path):\(line): ") == true, "\(json.stdout)")
        #expect(object["policy_summary"] == nil)
    }

    @Test func aValidPolicyPrintsItsSchedule() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let path = try Self.write(Self.fixture.text, in: dir)
        let expected = [
            "tiers.high: 1 of [admin] + group 1 of [security], wait 30m",
            "freeze \"year-end\" 2026-12-20T00:00:00Z..2027-01-04T00:00:00Z (tiers medium, high)",
            "break-glass by [admin], review 1 of [admin] within 72h",
        ]
        let result = try CLI.run("validate", path)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(
            result.stdout
                == "ok: \(path) is a valid policy, [governance] version 1\n"
                + expected.map { "  \($0)\n" }.joined())
        let json = try CLI.run("validate", path, "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == true)
        #expect(object["policy_summary"] as? [String] == expected)

        // The demo policy uses none of them: the one line, and an empty list.
        let demo = try Self.write(PolicyFixture.demo.text, in: dir)
        #expect(try CLI.run("validate", demo).stdout == "ok: \(demo) is a valid policy, [governance] version 1\n")
        let demoJSON = try CLI.run("validate", demo, "--json")
        let demoObject = try #require(
            try JSONSerialization.jsonObject(with: Data(demoJSON.stdout.utf8)) as? [String: Any])
        #expect(demoObject["policy_summary"] as? [String] == [])
    }
}
