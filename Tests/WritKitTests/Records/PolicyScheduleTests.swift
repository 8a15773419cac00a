import Foundation
import Testing
import WritTestSupport

@testable import WritCore

/// `require`, `wait`, `[[freeze]]` and `[break_glass]` in policy.toml
/// (SPEC §2, §4.6–4.7): what parses, and every table that could never take
/// effect refused as `policy_malformed`.
@Suite struct PolicyScheduleTests {
    static let roles: [PolicyFixture.Entry<[String]>] =
        PolicyFixture.demoRoles + [
            PolicyFixture.Entry("security", ["sam@example.com", "alice@example.com"])
        ]

    static func fixture(
        high: PolicyFixture.Tier = PolicyFixture.Tier(
            "high", approvals: 1, roles: ["admin"], require: [.init(1, of: ["security"])], wait: "30m"),
        freezes: [PolicyFixture.Freeze] = [
            .init("year-end", start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z", tiers: ["medium", "high"])
        ],
        breakGlass: PolicyFixture.BreakGlass? = .init(
            roles: ["admin"], reviewWithin: "72h", reviewApprovals: 1, reviewRoles: ["admin"])
    ) -> PolicyFixture {
        PolicyFixture(
            tiers: [PolicyFixture.demoTiers[0], PolicyFixture.demoTiers[1], high], roles: roles, freezes: freezes,
            breakGlass: breakGlass)
    }

    static func parse(_ fixture: PolicyFixture) throws -> Policy { try Policy.parse(Data(fixture.text.utf8)) }

    @Test func everyTableParsesToWhatItSays() throws {
        let policy = try Self.parse(Self.fixture())
        let high = try #require(policy.rule(for: .high))
        #expect(high.require == [Policy.RoleGroup(approvals: 1, roles: ["security"])])
        #expect(high.wait == 1800)
        #expect(high.acceptedRoles == ["admin", "security"])
        #expect(policy.acceptsForTier(try #require(Principal("sam@example.com")), .high))
        #expect(!policy.acceptsForTier(try #require(Principal("sam@example.com")), .medium))
        let window = try #require(policy.freezes.first)
        #expect(window.name == "year-end" && window.tiers == [.medium, .high] && window.kinds.isEmpty)
        #expect(window.start == Timestamp(rfc3339: "2026-12-20T00:00:00Z"))
        #expect(
            policy.breakGlass
                == BreakGlassRule(roles: ["admin"], reviewWithin: 72 * 3600, reviewApprovals: 1, reviewRoles: ["admin"])
        )
        #expect(policy.mayBreakGlass(try #require(Principal("carol@example.com"))))
        #expect(!policy.mayBreakGlass(try #require(Principal("bob@example.com"))))
    }

    @Test func aFreezeCoversItsTiersAndKindsFromStartUntilEnd() throws {
        var fixture = Self.fixture()
        fixture.freezes.append(
            .init("release-lock", start: "2026-12-01T00:00:00Z", end: "2026-12-25T00:00:00Z", kinds: ["dev"]))
        let policy = try Self.parse(fixture)
        func at(_ text: String) throws -> Timestamp { try #require(Timestamp(rfc3339: text)) }
        #expect(policy.activeFreeze(tier: .high, kind: "release", at: try at("2026-12-19T23:59:59Z")) == nil)
        #expect(
            policy.activeFreeze(tier: .high, kind: "release", at: try at("2026-12-20T00:00:00Z"))?.name == "year-end")
        #expect(
            policy.activeFreeze(tier: .high, kind: "release", at: try at("2027-01-03T23:59:59Z"))?.name == "year-end")
        #expect(policy.activeFreeze(tier: .high, kind: "release", at: try at("2027-01-04T00:00:00Z")) == nil)
        #expect(policy.activeFreeze(tier: .low, kind: "triage", at: try at("2026-12-24T00:00:00Z")) == nil)
        // A low intent of kind dev is covered by the kind; of the two windows, the one ending last.
        #expect(
            policy.activeFreeze(tier: .low, kind: "dev", at: try at("2026-12-10T00:00:00Z"))?.name == "release-lock")
        #expect(policy.activeFreeze(tier: .medium, kind: "dev", at: try at("2026-12-24T00:00:00Z"))?.name == "year-end")
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let text: @Sendable (String) -> String
        let expected: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(
            name: "an unknown key in a group",
            text: {
                $0.replacingOccurrences(of: "roles = [\"security\"] }", with: "roles = [\"security\"], min = 1 }")
            },
            expected: "unknown key 'tiers.high.require[0].min'"),
        Refusal(
            name: "a group naming an unknown role",
            text: { $0.replacingOccurrences(of: "roles = [\"security\"] }", with: "roles = [\"secuirty\"] }") },
            expected: "names role \"secuirty\", which [roles] does not define"),
        Refusal(
            name: "a group its roles can never meet",
            text: {
                $0.replacingOccurrences(
                    of: "approvals = 1, roles = [\"security\"]", with: "approvals = 3, roles = [\"security\"]")
            },
            expected: "the group could never be met"),
        Refusal(
            name: "a wait that is not a duration",
            text: { $0.replacingOccurrences(of: "wait = \"30m\"", with: "wait = \"30\"") },
            expected: "must be a positive duration"),
        Refusal(
            name: "a freeze that ends before it starts",
            text: {
                $0.replacingOccurrences(of: "end = \"2027-01-04T00:00:00Z\"", with: "end = \"2026-12-19T00:00:00Z\"")
            },
            expected: "not after its start"),
        Refusal(
            name: "two freezes of one name",
            text: {
                $0
                    + "\n[[freeze]]\nname = \"year-end\"\nstart = \"2027-02-01T00:00:00Z\"\nend = \"2027-02-02T00:00:00Z\"\nkinds = [\"dev\"]\n"
            },
            expected: "names must be unique"),
        Refusal(
            name: "a freeze of nothing",
            text: { $0.replacingOccurrences(of: "tiers = [\"medium\", \"high\"]\n", with: "") },
            expected: "names no tier and no kind"),
        Refusal(
            name: "a freeze of an unknown tier",
            text: { $0.replacingOccurrences(of: "tiers = [\"medium\", \"high\"]", with: "tiers = [\"urgent\"]") },
            expected: "must be low, medium or high"),
        Refusal(
            name: "a review the review roles can never give without the one who broke glass",
            text: { $0.replacingOccurrences(of: "review_approvals = 1", with: "review_approvals = 2") },
            expected: "the review could never be met"),
        Refusal(
            name: "break-glass without review_within",
            text: { $0.replacingOccurrences(of: "review_within = \"72h\"\n", with: "") },
            expected: "field 'break_glass.review_within' is missing"),
        Refusal(
            name: "a group on a tier that needs no approval",
            text: {
                $0.replacingOccurrences(
                    of: "[tiers.low]\napprovals = 0", with: "[tiers.low]\napprovals = 0\nwait = \"1h\"")
            },
            expected: "needs no approval, so it can have no 'require' group or 'wait'"),
    ]

    @Test(arguments: refusals) func aTableThatCouldNeverTakeEffectIsMalformed(_ refusal: Refusal) throws {
        let text = refusal.text(Self.fixture().text)
        #expect(text != Self.fixture().text, "the edit must change the fixture")
        let error = #expect(throws: WritError.self) { try Policy.parse(Data(text.utf8)) }
        #expect(error?.reason == .policyMalformed)
        #expect(error?.detail.contains(refusal.expected) == true, "\(error?.detail ?? "")")
    }

    @Test func governanceRecordsTakeOnlyApproveOrDeny() throws {
        let digest = "sha256:" + String(repeating: "a", count: 64)
        let replaces = "sha256:" + String(repeating: "b", count: 64)
        for decision in ["break_glass", "ratify", "reject"] {
            let text = """
                schema = 1
                governance_digest = "\(digest)"
                replaces = "\(replaces)"
                decision = "\(decision)"
                approver = "alice@example.com"
                created_at = "2026-11-22T01:00:00Z"
                note = "why"

                """
            let error = #expect(throws: WritError.self) { try GovernanceRecord.parse(Data(text.utf8)) }
            #expect(error?.reason == .approvalMalformed)
        }
    }

    @Test func aBreakGlassRecordStatesItsReason() throws {
        func record(_ decision: String, note: String?) -> String {
            """
            schema = 1
            intent = "rotate-db-password-7f3a"
            intent_digest = "sha256:\(String(repeating: "c", count: 64))"
            tier = "high"
            decision = "\(decision)"
            approver = "alice@example.com"
            created_at = "2026-11-22T01:00:00Z"
            """ + (note.map { "\nnote = \"\($0)\"" } ?? "") + "\n"
        }
        for note in [nil, "", "   "] as [String?] {
            let error = #expect(throws: WritError.self) {
                try ApprovalRecord.parse(Data(record("break_glass", note: note).utf8))
            }
            #expect(error?.reason == .approvalMalformed)
        }
        #expect(try ApprovalRecord.parse(Data(record("break_glass", note: "db down").utf8)).decision == .breakGlass)
        #expect(try ApprovalRecord.parse(Data(record("ratify", note: nil).utf8)).decision == .ratify)
        #expect(try ApprovalRecord.parse(Data(record("reject", note: nil).utf8)).decision == .reject)
        let unknown = #expect(throws: WritError.self) {
            try ApprovalRecord.parse(Data(record("maybe", note: nil).utf8))
        }
        #expect(unknown?.detail.contains("must be approve, deny, break_glass, ratify or reject") == true)
    }
}
