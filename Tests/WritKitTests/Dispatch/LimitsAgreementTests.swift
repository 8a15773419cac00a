import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `[limits]` (SPEC §4.8), row by row on a real ops repo: each row builds a
/// ledger in a given order (proposals with chosen `created_at` and
/// `expires_at`, dispatcher polls that settle intents between them, an
/// unsigned intent filed in the agent's name), then the dispatcher, `writ
/// status --json` and `writ verify --json` must agree on which intents are
/// over a limit: the dispatcher never runs them and reports
/// `quota_exceeded`, status shows exactly them with that reason, verify
/// finds nothing wrong with what ran, and a claim forged for each of them
/// is a `quota_exceeded` finding of verify.
@Suite struct LimitsAgreementTests {
    enum Step: Sendable {
        /// A low intent by the agent, created `at` seconds after the row's
        /// start, expiring `expires` seconds after it.
        case propose(String, at: Int64, expires: Int64? = nil)
        /// An intent in the agent's name with no `.sig`, committed by a stranger.
        case unsigned(String, at: Int64)
        /// The agent withdraws its intent (a `withdrawn` event it signs).
        case withdraw(String)
        /// One dispatcher poll: ready intents are claimed and run.
        case dispatch
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let limits: String
        let steps: [Step]
        /// Over a limit at their proposal commit.
        let refused: Set<String>
        /// Run by the dispatcher, over all polls.
        let ran: Set<String>
        var testDescription: String { name }
    }

    static let day: Int64 = 86_400

    static let rows: [Row] = [
        Row(
            name: "max_pending: the third open intent is over", limits: "max_pending = 2",
            steps: [.propose("a", at: 0), .propose("b", at: 1), .propose("c", at: 2)],
            refused: ["c"], ran: ["a", "b"]),
        Row(
            name: "settled intents free their slots, in ledger order", limits: "max_pending = 2",
            steps: [
                .propose("a", at: 0), .propose("b", at: 1), .dispatch, .propose("c", at: 2), .propose("d", at: 3),
                .propose("e", at: 4),
            ],
            refused: ["e"], ran: ["a", "b", "c", "d"]),
        Row(
            name: "an intent expiring at the next created_at frees its slot", limits: "max_pending = 1",
            steps: [.propose("a", at: 0, expires: 100), .propose("b", at: 100), .propose("c", at: 99)],
            // a expired long ago, so it never runs; c is back-dated to before a's expiry.
            refused: ["c"], ran: ["b"]),
        Row(
            name: "a quota-refused intent does not count against later ones", limits: "max_pending = 2",
            steps: [
                .propose("a", at: 0), .propose("b", at: 1), .propose("c", at: 2), .dispatch, .propose("d", at: 3),
                .propose("e", at: 4),
            ],
            refused: ["c"], ran: ["a", "b", "d", "e"]),
        Row(
            name: "a withdrawn intent frees its slot, in ledger order", limits: "max_pending = 1",
            steps: [
                .propose("a", at: 0), .propose("b", at: 1), .withdraw("a"), .propose("c", at: 2),
                .propose("d", at: 3),
            ],
            // b is over (a still pending); a's withdrawal frees the one slot for c; d is over again.
            refused: ["b", "d"], ran: ["c"]),
        Row(
            name: "an unsigned intent in the agent's name uses none of its quota", limits: "max_pending = 1",
            steps: [.unsigned("forged", at: 0), .propose("a", at: 1), .propose("b", at: 2)],
            refused: ["b"], ran: ["a"]),
        Row(
            name: "max_per_day: exactly 24 h before is outside the window", limits: "max_per_day = 2",
            steps: [.propose("a", at: 0), .propose("b", at: 3600), .propose("c", at: day), .propose("d", at: day)],
            refused: ["d"], ran: ["a", "b", "c"]),
        Row(
            name: "max_per_day: a second under 24 h is inside", limits: "max_per_day = 2",
            steps: [.propose("a", at: 0), .propose("b", at: 3600), .propose("c", at: day - 1)],
            refused: ["c"], ran: ["a", "b"]),
        Row(
            name: "max_per_day: a back-dated created_at does not escape", limits: "max_per_day = 2",
            steps: [.propose("a", at: 0), .propose("b", at: 3600), .dispatch, .propose("c", at: -10 * day)],
            refused: ["c"], ran: ["a", "b"]),
        Row(
            name: "max_per_day: a future-dated proposal counts against later ones", limits: "max_per_day = 2",
            steps: [.propose("a", at: 30 * day), .propose("b", at: 0), .propose("c", at: 3600)],
            refused: ["c"], ran: ["a", "b"]),
    ]

    /// The policy of the demo with `[limits]`.
    static func policy(_ limits: String) -> String {
        OpsSandbox.demoPolicy + "\n[limits]\n" + limits + "\n"
    }

    @Test(arguments: rows) func dispatcherStatusAndVerifyAgree(_ row: Row) throws {
        let fixture = try DispatchFixture("limits-" + row.name, policy: Self.policy(row.limits))
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        // Two days ago, so that most rows' times are in the past.
        let start = Date().addingTimeInterval(-2 * 86_400).timeIntervalSince1970.rounded(.down)
        func date(_ offset: Int64) -> Date { Date(timeIntervalSince1970: start + Double(offset)) }
        var proposals: [String: Proposer.Proposal] = [:]
        // A blocked intent is in a poll's report when its reason changes.
        var reported: [String: ReasonCode] = [:]
        func poll() throws {
            for entry in try fixture.dispatcher().poll().intents where entry.result == .blocked {
                reported[entry.id.rawValue] = entry.reason
            }
        }
        for step in row.steps {
            switch step {
            case .propose(let id, let at, let expires):
                var request = try fixture.request("triage", id)
                request.expiresAt = expires.map { Timestamp(date($0)) }
                proposals[id] = try sandbox.propose(request, as: "agent-1@example.com", at: date(at))
            case .unsigned(let id, let at):
                let intent = try Intent(
                    id: #require(IntentID(id)), kind: "triage", proposer: #require(Principal("agent-1@example.com")),
                    createdAt: Timestamp(date(at)), summary: "filed in the agent's name",
                    target: Intent.Target(repo: DispatchFixture.target, branch: "main"))
                try sandbox.appendToLedger(
                    [intent.path.path: Data(intent.canonicalBytes())], as: "mallory@example.com",
                    message: "writ: propose \(id)\n", at: date(at))
            case .withdraw(let id):
                try OperatorEvents(ops: sandbox.ops).withdraw(
                    #require(IntentID(id)), note: "taken back", as: sandbox.identity("agent-1@example.com"),
                    now: Date())
            case .dispatch:
                try poll()
            }
        }
        try poll()

        // The dispatcher: never ran a refused intent, ran the rest, and says why.
        #expect(Set(fixture.runs()) == row.ran, "runs")
        #expect(fixture.runs().count == Set(fixture.runs()).count, "nothing ran twice")
        #expect(
            Set(reported.filter { $0.value == .quotaExceeded }.keys) == row.refused,
            "dispatcher's quota_exceeded: \(reported)")

        // writ status --json: exactly the refused intents, with the same reason.
        let repo = sandbox.ops.repository.gitDirectory
        let trust = sandbox.trustRoot.hex
        let status = try CLI.run("status", "--repo", repo, "--trust", trust, "--json")
        #expect(status.status == 0, "\(status.stderr)")
        let rows = try status.jsonLines().filter { $0["type"] as? String == "intent" }
        let overByStatus = Set(
            rows.filter { $0["reason"] as? String == "quota_exceeded" }.compactMap { $0["id"] as? String })
        #expect(overByStatus == row.refused, "status")
        for line in rows where overByStatus.contains(line["id"] as? String ?? "") {
            #expect(line["state"] as? String == "blocked")
            #expect((line["detail"] as? String)?.contains("agent-1@example.com") == true, "\(line)")
        }
        // writ show says the same of each, with the counts.
        for id in row.refused.sorted() {
            let shown = try CLI.run("show", id, "--repo", repo, "--trust", trust, "--json").jsonObject()
            #expect(shown["reason"] as? String == "quota_exceeded", "show \(id): \(shown)")
        }
        // A second status resumes from its snapshot and says the same.
        let again = try CLI.run("status", "--repo", repo, "--trust", trust, "--json")
        #expect(again.stdout == status.stdout, "a warm status differs from a cold one")

        // writ verify --json: what ran was within the limits.
        let verified = try CLI.run("verify", "--repo", repo, "--trust", trust, "--json")
        #expect(verified.status == 0, "verify: \(verified.stdout) \(verified.stderr)")

        // A claim forged for each refused intent (by the dispatcher's own
        // key, as a dispatcher without the check would write it) is a
        // quota_exceeded finding.
        guard !row.refused.isEmpty else { return }
        let events = try sandbox.status().events
        for id in row.refused.sorted() {
            let proposal = try #require(proposals[id])
            let last =
                (events[proposal.intent.id] ?? []).compactMap { evidence -> Int? in
                    guard case .auditEvent(_, let sequence, _)? = LedgerPath(evidence.path) else { return nil }
                    return sequence
                }.max() ?? 0
            let claim = try AuditEvent(
                intent: proposal.intent.id, intentDigest: proposal.digest, at: Timestamp(Date()),
                actor: #require(Principal("dispatch-1@example.com")),
                payload: .claimed(.init(tier: .low, runID: "forged", idempotencyKey: id, approvals: [])))
            try sandbox.appendToLedger(
                [claim.path(sequence: last + 1).path: Data(claim.canonicalJSON())], as: "dispatch-1@example.com",
                message: "writ: claimed \(id)\n")
        }
        let forged = try CLI.run("verify", "--repo", repo, "--trust", trust, "--json")
        #expect(forged.status == 1, "verify after forged claims: \(forged.stderr)")
        let findings = try forged.jsonLines().filter { $0["type"] as? String == "finding" }
        let flagged = Set(
            findings.filter { $0["reason"] as? String == "quota_exceeded" }.compactMap { finding -> String? in
                guard let path = finding["path"] as? String, case .auditEvent(let id, _, _)? = LedgerPath(path)
                else { return nil }
                return id.rawValue
            })
        #expect(flagged == row.refused, "verify's quota_exceeded findings: \(findings)")
    }

    /// The dispatcher keeps its count with its state and a poll takes in
    /// only the commits that are new: a count planted in the saved state
    /// is what the next poll continues (it did not count again). Saved
    /// under other limits than the trusted policy's, it is counted again
    /// from the ledger's start, once.
    @Test func aDispatcherContinuesItsSavedCountAndRecountsUnderOtherLimits() throws {
        let fixture = try DispatchFixture(policy: Self.policy("max_pending = 1"))
        defer { fixture.remove() }
        let statePath = fixture.directory.appendingPathComponent("state/default/state.json")
        func load() throws -> DispatchState {
            try JSONDecoder().decode(DispatchState.self, from: Data(contentsOf: statePath))
        }
        func save(_ state: DispatchState) throws {
            try JSONEncoder().encode(state).write(to: statePath)
        }
        try fixture.proposeLow("a")
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["a"])
        var state = try load()
        var quota = try #require(state.quota, "the count is saved with the state")
        #expect(quota.limits == Policy.Limits(maxPending: 1))

        // Plant a pending intent of the agent's that the ledger does not hold.
        let phantom = try Intent(
            id: #require(IntentID("phantom")), kind: "triage", proposer: #require(Principal("agent-1@example.com")),
            createdAt: Timestamp(Date().addingTimeInterval(-60)), summary: "planted",
            target: Intent.Target(repo: DispatchFixture.target))
        #expect(quota.propose(phantom, signed: true) == nil)
        state.quota = quota
        try save(state)
        try fixture.proposeLow("b")
        let continued = try fixture.dispatcher().poll()
        #expect(continued.intents.first { $0.id.rawValue == "b" }?.reason == .quotaExceeded, "\(continued.intents)")
        #expect(fixture.runs() == ["a"])

        // The same planted count, but made under other limits: counted
        // again from the ledger's start, where nothing holds b back.
        state = try load()
        let other = ProposerQuota(limits: Policy.Limits(maxPending: 7))
        state.quota = other
        try save(state)
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["a", "b"])
        #expect(try load().quota?.limits == Policy.Limits(maxPending: 1))
    }
}
