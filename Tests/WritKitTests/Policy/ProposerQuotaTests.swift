import Foundation
import Testing

@testable import WritCore

/// `[limits]` in policy.toml (SPEC §2, §4.8) and the counting rule of
/// docs/limits.md, as pure values: what parses, what is
/// `policy_malformed`, and which proposal each sequence refuses.
@Suite struct ProposerQuotaTests {
    static let base = RecordFixtures.policy

    // MARK: Parsing

    @Test func limitsParseAndEachKeyIsOptional() throws {
        let both = try Policy.parse(Array((Self.base + "\n[limits]\nmax_pending = 20\nmax_per_day = 200\n").utf8))
        #expect(both.limits == Policy.Limits(maxPending: 20, maxPerDay: 200))
        let one = try Policy.parse(Array((Self.base + "\n[limits]\nmax_per_day = 3\n").utf8))
        #expect(one.limits == Policy.Limits(maxPending: nil, maxPerDay: 3))
        #expect(try Policy.parse(Array(Self.base.utf8)).limits == nil)
        // An empty table sets no limit: nothing is counted.
        #expect(try Policy.parse(Array((Self.base + "\n[limits]\n").utf8)).limits == nil)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        let table: String
        let mentions: String
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "unknown key", table: "max_pending = 2\nmax_open = 3\n", mentions: "max_open"),
        Bad(name: "zero", table: "max_pending = 0\n", mentions: "max_pending"),
        Bad(name: "negative", table: "max_per_day = -5\n", mentions: "max_per_day"),
        Bad(name: "a string", table: "max_pending = \"20\"\n", mentions: "max_pending"),
        Bad(name: "a float", table: "max_per_day = 2.5\n", mentions: "max_per_day"),
        Bad(name: "a boolean", table: "max_pending = true\n", mentions: "max_pending"),
    ]

    @Test(arguments: bad) func malformedLimitsArePolicyMalformed(_ case: Bad) {
        let text = Self.base + "\n[limits]\n" + `case`.table
        #expect {
            _ = try Policy.parse(Array(text.utf8))
        } throws: { error in
            guard let error = error as? WritError else { return false }
            return error.reason == .policyMalformed && error.detail.contains(`case`.mentions)
        }
    }

    @Test func limitsThatAreNotATableArePolicyMalformed() {
        #expect(throws: WritError.self) { _ = try Policy.parse(Array((Self.base + "\nlimits = 3\n").utf8)) }
    }

    // MARK: The counting rule

    static let t0 = Timestamp(secondsSinceEpoch: 1_800_000_000)
    static let agent = Principal("agent-1@example.com")!
    static let other = Principal("agent-2@example.com")!

    static func intent(
        _ id: String, at offset: Int64, expires: Int64? = nil, by proposer: Principal = agent
    ) throws -> Intent {
        try Intent(
            id: #require(IntentID(id)), kind: "triage", proposer: proposer, createdAt: t0.adding(seconds: offset),
            summary: id, expiresAt: expires.map { t0.adding(seconds: $0) },
            target: Intent.Target(repo: "github.com/example/app"))
    }

    /// A step of a sequence met in ledger order.
    enum Step: Sendable {
        /// A proposal created `at` seconds after t0 (signed unless said).
        case propose(String, at: Int64, expires: Int64? = nil, signed: Bool = true, by: Principal = agent)
        /// A counting event of `kind` for the intent.
        case event(AuditEventKind, String)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let limits: Policy.Limits
        let steps: [Step]
        let refused: [String]
        var testDescription: String { name }
    }

    static let day = ProposerQuota.day
    static let rows: [Row] = [
        Row(
            name: "max_pending: the third open intent is over", limits: .init(maxPending: 2),
            steps: [.propose("a", at: 0), .propose("b", at: 1), .propose("c", at: 2)], refused: ["c"]),
        Row(
            name: "a claim, a success, a failure or a doubt frees a slot", limits: .init(maxPending: 1),
            steps: [
                .propose("a", at: 0), .event(.claimed, "a"), .propose("b", at: 1), .event(.succeeded, "b"),
                .propose("c", at: 2), .event(.failed, "c"), .propose("d", at: 3), .event(.inDoubt, "d"),
                .propose("e", at: 4), .propose("f", at: 5),
            ], refused: ["f"]),
        Row(
            name: "an auto_approved, blocked, gate or resolved event frees nothing", limits: .init(maxPending: 1),
            steps: [
                .propose("a", at: 0), .event(.autoApproved, "a"), .event(.blocked, "a"), .event(.gate, "a"),
                .event(.resolved, "a"), .propose("b", at: 1),
            ], refused: ["b"]),
        Row(
            name: "expiring at the next created_at frees the slot", limits: .init(maxPending: 1),
            steps: [.propose("a", at: 0, expires: 100), .propose("b", at: 100), .propose("c", at: 99)],
            // c is back-dated before a's expiry: a and b are both open then.
            refused: ["c"]),
        Row(
            name: "a slot expiring a second later is still taken", limits: .init(maxPending: 1),
            steps: [.propose("a", at: 0, expires: 101), .propose("b", at: 100)], refused: ["b"]),
        Row(
            name: "a refused intent does not count", limits: .init(maxPending: 2),
            steps: [
                .propose("a", at: 0), .propose("b", at: 1), .propose("c", at: 2), .event(.claimed, "a"),
                .event(.claimed, "b"), .propose("d", at: 3), .propose("e", at: 4), .propose("f", at: 5),
            ], refused: ["c", "f"]),
        Row(
            name: "an unsigned intent in the proposer's name does not count", limits: .init(maxPending: 1),
            steps: [.propose("x", at: 0, signed: false), .propose("a", at: 1), .propose("b", at: 2)],
            refused: ["b"]),
        Row(
            name: "each proposer counts alone", limits: .init(maxPending: 1),
            steps: [.propose("a", at: 0), .propose("b", at: 1, by: other), .propose("c", at: 2)], refused: ["c"]),
        Row(
            name: "max_per_day: exactly 24 h before is outside the window", limits: .init(maxPerDay: 2),
            steps: [.propose("a", at: 0), .propose("b", at: 3600), .propose("c", at: day), .propose("d", at: day)],
            refused: ["d"]),
        Row(
            name: "max_per_day: a second inside 24 h is inside", limits: .init(maxPerDay: 2),
            steps: [.propose("a", at: 0), .propose("b", at: 3600), .propose("c", at: day - 1)], refused: ["c"]),
        Row(
            name: "max_per_day: a back-dated created_at does not escape", limits: .init(maxPerDay: 2),
            steps: [.propose("a", at: 0), .propose("b", at: 3600), .propose("c", at: -10 * day)], refused: ["c"]),
        Row(
            name: "max_per_day: a future-dated proposal counts against later ones", limits: .init(maxPerDay: 2),
            steps: [.propose("a", at: 30 * day), .propose("b", at: 0), .propose("c", at: 3600)], refused: ["c"]),
        Row(
            name: "max_per_day: settled intents still count", limits: .init(maxPerDay: 1),
            steps: [.propose("a", at: 0), .event(.succeeded, "a"), .propose("b", at: 60)], refused: ["b"]),
        Row(
            name: "both limits: the first met is said", limits: .init(maxPending: 5, maxPerDay: 2),
            steps: [.propose("a", at: 0), .propose("b", at: 1), .propose("c", at: 2), .propose("d", at: day + 2)],
            refused: ["c"]),
    ]

    @Test(arguments: rows) func theCountingRule(_ row: Row) throws {
        var quota = ProposerQuota(limits: row.limits)
        var refused: [String] = []
        for step in row.steps {
            switch step {
            case .propose(let id, let at, let expires, let signed, let by):
                if quota.propose(try Self.intent(id, at: at, expires: expires, by: by), signed: signed) != nil {
                    refused.append(id)
                }
            case .event(let kind, let id):
                quota.take(kind, for: try #require(IntentID(id)))
            }
        }
        #expect(refused == row.refused)
        #expect(quota.refused.map(\.rawValue) == row.refused.sorted())
        for id in row.refused {
            #expect(quota.finding(for: try #require(IntentID(id)))?.reason == .quotaExceeded)
        }
        // The state survives being saved and read back, as the dispatcher and status keep it.
        let decoded = try JSONDecoder().decode(ProposerQuota.self, from: JSONEncoder().encode(quota))
        #expect(decoded == quota)
    }

    @Test func findingsNameTheCountsAndWhenTheWindowFrees() throws {
        var pending = ProposerQuota(limits: .init(maxPending: 1))
        pending.propose(try Self.intent("a", at: 0, expires: 7200), signed: true)
        let open = try #require(pending.check(Self.agent, createdAt: Self.t0.adding(seconds: 10)))
        #expect(open.reason == .quotaExceeded)
        #expect(open.detail.contains("has 1 pending intents (max_pending = 1)"), "\(open.detail)")
        #expect(open.detail.contains(Self.t0.adding(seconds: 7200).description), "\(open.detail)")

        var daily = ProposerQuota(limits: .init(maxPerDay: 2))
        daily.propose(try Self.intent("a", at: 0), signed: true)
        daily.propose(try Self.intent("b", at: 600), signed: true)
        let full = try #require(daily.check(Self.agent, createdAt: Self.t0.adding(seconds: 1200)))
        #expect(full.detail.contains("2 proposals in the 24 h before"), "\(full.detail)")
        // The oldest counted proposal leaves the window 24 h after it was made.
        #expect(full.detail.contains("frees at \(Self.t0.adding(seconds: Self.day))"), "\(full.detail)")
        #expect(daily.check(Self.agent, createdAt: Self.t0.adding(seconds: Self.day)) == nil)
    }

    @Test func onlyTheNewestMaxPerDayCreatedAtValuesAreKept() throws {
        var quota = ProposerQuota(limits: .init(maxPerDay: 3))
        for index in 0..<50 {
            quota.propose(try Self.intent("i-\(index)", at: Int64(index) * Self.day), signed: true)
        }
        let encoded = try JSONEncoder().encode(quota)
        #expect(encoded.count < 1_000, "the state grew with the history: \(encoded.count) bytes")
    }
}
