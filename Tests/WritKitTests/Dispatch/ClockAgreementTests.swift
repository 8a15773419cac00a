import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `wait` and `[[freeze]]` (SPEC §4.6) over the clock, row by row on a real
/// ops repo (real keys, real git): the dispatcher polls with its clock set
/// to each row's instants, then status (in process at the same instant,
/// and `writ status --json` / `writ show --json` where the real clock is on
/// the same side of the window), and `writ verify --json` on the same
/// ledger must agree. A claim the dispatcher made is clean in verify; a
/// claim forged with the dispatcher's key at an instant the dispatcher
/// refused is a finding with the dispatcher's reason.
@Suite struct ClockAgreementTests {
    /// What a poll must do with the row's intent.
    enum Expect: Sendable, Equatable {
        case runs
        case blocked(ReasonCode)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        /// `[tiers.high] wait`, or nil.
        var wait: String? = nil
        /// Freeze windows: name, start and end in seconds after the row's
        /// anchor, tiers, kinds.
        var freezes: [(name: String, start: Int64, end: Int64, tiers: [String], kinds: [String])] = []
        /// Approvals (or denials) merged at seconds after the anchor.
        var records: [(principal: String, decision: Decision, at: Int64)] = [
            ("alice@example.com", .approve, 0), ("carol@example.com", .approve, 0),
        ]
        /// Dispatcher polls, each at seconds after the anchor, with what it must do.
        let polls: [(at: Int64, expect: Expect)]
        /// Whether the real clock (a little before the anchor) is on the
        /// same side of the window as the last poll, so that `writ status`
        /// and `writ show` (which read the real clock) must say the same.
        var realClockAgrees = true
        var testDescription: String { name }
    }

    static let wide: [(name: String, start: Int64, end: Int64, tiers: [String], kinds: [String])] = [
        ("change-freeze", -7_200, 3_600, ["high"], [])
    ]
    static let ahead: [(name: String, start: Int64, end: Int64, tiers: [String], kinds: [String])] = [
        ("change-freeze", 1_000, 2_000, ["high"], [])
    ]

    static let rows: [Row] = [
        Row(name: "wait: inside", wait: "1h", polls: [(60, .blocked(.waitingPeriod))]),
        Row(name: "wait: one second before its end", wait: "1h", polls: [(3_599, .blocked(.waitingPeriod))]),
        Row(name: "wait: exactly at its end", wait: "1h", polls: [(3_600, .runs)]),
        Row(
            name: "wait: inside, then after its end on the next poll", wait: "1h",
            polls: [(1_800, .blocked(.waitingPeriod)), (7_200, .runs)]),
        Row(
            name: "wait: the later approval completes the quorum", wait: "1h",
            records: [("alice@example.com", .approve, 0), ("carol@example.com", .approve, 600)],
            polls: [(3_600, .blocked(.waitingPeriod)), (4_199, .blocked(.waitingPeriod))]),
        Row(
            name: "wait: it ends an hour after the later approval", wait: "1h",
            records: [("alice@example.com", .approve, 0), ("carol@example.com", .approve, 600)],
            polls: [(4_200, .runs)]),
        Row(
            name: "wait: a deny merged inside the window wins after it", wait: "1h",
            records: [
                ("alice@example.com", .approve, 0), ("carol@example.com", .approve, 0),
                ("bob@example.com", .deny, 120),
            ],
            polls: [(60, .blocked(.waitingPeriod)), (3_700, .blocked(.denied))]),
        Row(
            name: "wait: it starts when the quorum completes, with no poll in between", wait: "1h",
            records: [("alice@example.com", .approve, 0), ("carol@example.com", .approve, 600)],
            polls: [(30, .blocked(.notApproved)), (700, .blocked(.waitingPeriod)), (4_200, .runs)]),
        Row(name: "freeze: before it starts", freezes: ahead, polls: [(999, .runs)]),
        Row(name: "freeze: at its start", freezes: ahead, polls: [(1_000, .blocked(.frozen))], realClockAgrees: false),
        Row(
            name: "freeze: one second before its end", freezes: ahead, polls: [(1_999, .blocked(.frozen))],
            realClockAgrees: false),
        Row(name: "freeze: at its end", freezes: ahead, polls: [(2_000, .runs)]),
        Row(
            name: "freeze: inside, then it lifts and the intent runs on the next poll", freezes: ahead,
            polls: [(1_500, .blocked(.frozen)), (2_000, .runs), (2_500, .runs)]),
        Row(name: "freeze: inside, by tier", freezes: wide, polls: [(60, .blocked(.frozen))]),
        Row(
            name: "freeze: inside, by kind", freezes: [("release-lock", -7_200, 3_600, [], ["release"])],
            polls: [(60, .blocked(.frozen))]),
        Row(
            name: "freeze: a window of other tiers and kinds", freezes: [("low-lock", -7_200, 3_600, ["low"], ["dev"])],
            polls: [(60, .runs)]),
        Row(
            name: "wait and freeze: the wait ends inside the freeze", wait: "1h",
            freezes: [("change-freeze", 3_000, 5_000, ["high"], [])],
            polls: [(2_999, .blocked(.waitingPeriod)), (3_600, .blocked(.frozen)), (5_000, .runs)],
            realClockAgrees: false),
    ]

    /// The demo roles, with bob (an operator) entitled to high intents, so
    /// his deny counts; high needs alice's and carol's approvals.
    static func policy(_ row: Row, anchor: Int64) -> String {
        PolicyFixture(
            tiers: [
                PolicyFixture.demoTiers[0], PolicyFixture.demoTiers[1],
                .init("high", approvals: 2, roles: ["admin", "operator"], wait: row.wait),
            ],
            freezes: row.freezes.map {
                .init(
                    $0.name, start: Timestamp(secondsSinceEpoch: anchor + $0.start).rfc3339,
                    end: Timestamp(secondsSinceEpoch: anchor + $0.end).rfc3339, tiers: $0.tiers, kinds: $0.kinds)
            }
        ).text
    }

    @Test(arguments: rows) func dispatcherStatusShowAndVerifyAgree(_ row: Row) throws {
        // The anchor is a minute ahead of the real clock, so that every
        // commit the setup makes is earlier than it whatever the machine's
        // load (a governance commit's time never precedes its parent's).
        let anchor = Int64(Date().timeIntervalSince1970.rounded(.down)) + 60
        func date(_ offset: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(anchor + offset)) }
        let fixture = try DispatchFixture("clock-" + row.name, policy: Self.policy(row, anchor: anchor))
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let id = try #require(IntentID("release-1"))
        let proposal = try sandbox.propose(fixture.request("release", id.rawValue), as: "agent-1@example.com")
        // Records land in time order, between the polls: each one before
        // the first poll at or after its time.
        var waiting = row.records.sorted { $0.at < $1.at }[...]
        func land(until offset: Int64) throws {
            while let record = waiting.first, record.at <= offset {
                try sandbox.approve(id, as: record.principal, decision: record.decision, at: date(record.at))
                waiting = waiting.dropFirst()
            }
        }

        // The dispatcher, poll by poll, its clock at each instant.
        var ran = false
        // Before the first poll: nothing reported yet.
        var last: Expect = .runs
        for poll in row.polls {
            try land(until: poll.at)
            let instant = date(poll.at)
            let report = try fixture.dispatcher(clock: { instant }).poll()
            let entry = report.intents.first { $0.id == id }
            switch poll.expect {
            case .runs where !ran:
                #expect(entry?.result == .succeeded, "+\(poll.at): \(report.intents)")
                ran = true
            case .runs:
                #expect(entry == nil, "+\(poll.at): nothing left to run: \(report.intents)")
            case .blocked where last == poll.expect:
                // The same reason again: re-decided, and not reported again
                // (a `blocked` event is written only when the reason changes).
                #expect(entry == nil, "+\(poll.at): \(report.intents)")
            case .blocked(let reason):
                #expect(entry?.result == .blocked && entry?.reason == reason, "+\(poll.at): \(report.intents)")
            }
            last = poll.expect
        }
        #expect(fixture.runs() == (ran ? ["release-1"] : []), "runs")
        let final = try #require(row.polls.last?.at)

        // Status in process, at the last poll's instant: the same state and reason.
        let status = try sandbox.status(at: date(final))
        let line = try #require(status.intents.first { $0.id == id })
        let verdict = try #require(status.verdicts[id])
        switch last {
        case .runs:
            #expect(line.state == .succeeded, "\(line)")
        case .blocked(let reason):
            #expect(line.state == .blocked && line.reason == reason, "\(line.detail)")
            #expect((verdict.freeze != nil) == (reason == .frozen))
            if reason == .frozen {
                #expect(status.freezes.contains { $0 == verdict.freeze })
                #expect(line.detail.hasPrefix("frozen by \"\(verdict.freeze?.name ?? "")\" until "))
            }
            if reason == .waitingPeriod {
                let readyAt = try #require(verdict.readyAt, "\(line.detail)")
                #expect(date(final) < readyAt.date)
                #expect(line.detail.hasSuffix("ends at \(readyAt)"), "\(line.detail)")
            }
        }

        // writ status --json and writ show --json, at the real clock.
        let repo = sandbox.ops.repository.gitDirectory
        let trust = sandbox.trustRoot.hex
        if row.realClockAgrees || last == .runs {
            let listed = try CLI.run("status", "--repo", repo, "--trust", trust, "--json")
            #expect(listed.status == 0, "\(listed.stderr)")
            let lines = try listed.jsonLines()
            let intent = try #require(
                lines.first { $0["type"] as? String == "intent" && $0["id"] as? String == "release-1" })
            let shown = try CLI.run("show", "release-1", "--repo", repo, "--trust", trust, "--json").jsonObject()
            // writ verify --json replays the intent to the same state and reason.
            let replayed = try CLI.run("verify", "--repo", repo, "--trust", trust, "--json").jsonLines()
            let states = replayed.last { $0["type"] as? String == "summary" }?["intent_states"] as? [[String: Any]]
            let verifiedState = try #require(states?.first { $0["id"] as? String == "release-1" })
            let header = try #require(lines.first { $0["type"] as? String == "status" })
            let active = (header["freezes"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            switch last {
            case .runs:
                #expect(intent["state"] as? String == "succeeded")
                #expect(shown["state"] as? String == "succeeded")
                #expect(verifiedState["state"] as? String == "succeeded")
            case .blocked(let reason):
                for object in [intent, shown, verifiedState] {
                    #expect(object["state"] as? String == "blocked" && object["reason"] as? String == reason.rawValue)
                }
                if reason == .frozen {
                    let name = try #require((shown["freeze"] as? [String: Any])?["name"] as? String)
                    #expect(active.contains(name), "status names the active freeze: \(header)")
                } else {
                    #expect(shown["freeze"] == nil)
                }
                if reason == .waitingPeriod {
                    let readyAt = try #require(verdict.readyAt?.rfc3339)
                    #expect(shown["ready_at"] as? String == readyAt, "\(shown)")
                    #expect((shown["next"] as? String)?.contains("at or after \(readyAt)") == true, "\(shown)")
                }
                // The human view says the same.
                let text = try CLI.run("show", "release-1", "--repo", repo, "--trust", trust).stdout
                #expect(text.contains("  state:    blocked (\(reason.rawValue))"), "\(text)")
                if reason == .frozen, let freeze = verdict.freeze {
                    #expect(text.contains("  frozen:   by \"\(freeze.name)\" until \(freeze.end)"), "\(text)")
                }
                if reason == .waitingPeriod, let readyAt = verdict.readyAt {
                    #expect(text.contains("  wait:     ends at \(readyAt)"), "\(text)")
                }
            }
        }

        // writ verify --json: what the dispatcher did is clean.
        let verified = try CLI.run("verify", "--repo", repo, "--trust", trust, "--json")
        #expect(verified.status == 0, "verify: \(verified.stdout) \(verified.stderr)")

        // A claim forged at the instant the dispatcher refused, with the
        // dispatcher's own key, is a finding with the dispatcher's reason.
        guard case .blocked(let reason) = last else { return }
        let events = try sandbox.status(at: date(final)).events[id] ?? []
        let sequence =
            events.compactMap { evidence -> Int? in
                guard case .auditEvent(_, let sequence, _)? = LedgerPath(evidence.path) else { return nil }
                return sequence
            }.max() ?? 0
        let claim = try AuditEvent(
            intent: id, intentDigest: proposal.digest, at: Timestamp(date(final)),
            actor: #require(Principal("dispatch-1@example.com")),
            payload: .claimed(
                .init(
                    tier: .high, runID: "forged", idempotencyKey: id.rawValue,
                    approvals: try verdict.counted.map {
                        try AuditEvent.ClaimedApproval(
                            approver: $0.approver, commit: $0.commit.hex, recordDigest: $0.recordDigest)
                    })))
        try sandbox.appendToLedger(
            [claim.path(sequence: sequence + 1).path: Data(claim.canonicalJSON())], as: "dispatch-1@example.com",
            message: "writ: claimed \(id)\n", at: date(final))
        let forged = try CLI.run("verify", "--repo", repo, "--trust", trust, "--json")
        #expect(forged.status == 1, "verify after a forged claim: \(forged.stdout) \(forged.stderr)")
        let findings = try forged.jsonLines().filter { $0["type"] as? String == "finding" }
        #expect(
            findings.contains {
                $0["reason"] as? String == reason.rawValue && ($0["path"] as? String)?.contains("release-1") == true
            },
            "verify's findings: \(findings)")
        // In process, judged at a later clock, verify says the same: a claim is judged at its own time.
        let inProcess = try LedgerVerifier(ops: sandbox.ops).verify(
            trustRoot: sandbox.trustRoot, now: date(final + 86_400))
        #expect(inProcess.findings.map(\.reason).contains(reason), "\(inProcess.findings)")
    }

    /// The report lists the trusted policy's windows and marks a frozen
    /// intent; a window's name is policy text and is escaped.
    @Test func theReportMarksFreezesAndEscapesTheirNames() throws {
        let name = "<img src=x onerror=alert(1)> & 'year-end'"
        let now = Int64(Date().timeIntervalSince1970.rounded(.down))
        let row = Row(
            name: "report", freezes: [(name, -3_600, 3_600, ["high"], []), ("later", 7_200, 9_000, [], ["dev"])],
            polls: [])
        let fixture = try DispatchFixture(policy: Self.policy(row, anchor: now))
        defer { fixture.remove() }
        try fixture.proposeApprovedHigh("release-1")
        let report = try AuditReport.build(
            ops: fixture.sandbox.ops, trustRoot: fixture.sandbox.trustRoot, since: nil, now: Date())
        let entry = try #require(report.intents.first)
        #expect(entry.reason == .frozen && entry.freeze?.name == name)
        let page = HTMLReportRenderer.render(report)
        let escaped = HTMLReportRenderer.escape(name)
        #expect(!page.contains("<img"), "a freeze name is never markup")
        #expect(page.contains("<tr class=\"freeze active\" data-freeze=\"\(escaped)\"><td>\(escaped)</td>"))
        #expect(page.contains("<tr class=\"freeze upcoming\" data-freeze=\"later\">"))
        #expect(page.contains("<p class=\"verdict frozen\" data-freeze=\"\(escaped)\">Frozen by "))
        // Without windows the page has no freeze section at all.
        let plain = try DispatchFixture("report-plain")
        defer { plain.remove() }
        let none = try AuditReport.build(
            ops: plain.sandbox.ops, trustRoot: plain.sandbox.trustRoot, since: nil, now: Date())
        #expect(!HTMLReportRenderer.render(none).contains("id=\"freezes\""))
    }
}
