import Foundation
import Testing

@testable import WritCore
@testable import WritTestSupport

/// `wait` and `[[freeze]]` (SPEC §4.6) in the decision engine, over the
/// clock: before, inside, at both edges and after, with the completing
/// approval found by governance commit time, a removed approval, an
/// unknown commit time, tier and kind matches and overlapping windows.
@Suite struct DecisionClockTests {
    /// Every instant below is this many seconds after `PolicyWorld.created`.
    static let base = PolicyWorld.created.secondsSinceEpoch

    static func at(_ offset: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(base + offset)) }

    static func time(_ offset: Int64) -> Timestamp { Timestamp(secondsSinceEpoch: base + offset) }

    /// The decision tests' roles; high needs two of admin or operator, with
    /// `wait`, and `freezes` as given.
    static func policy(wait: String?, freezes: [PolicyFixture.Freeze] = []) -> String {
        PolicyFixture(
            kinds: [.init("triage", "low"), .init("dev", "medium"), .init("release", "high")],
            tiers: [
                .init("low", approvals: 0, roles: ["operator"]),
                .init("medium", approvals: 1, roles: ["operator", "admin"]),
                .init("high", approvals: 2, roles: ["admin", "operator"], wait: wait),
            ],
            roles: [
                .init("admin", ["alice@example.com", "carol@example.com"]),
                .init("operator", ["bob@example.com", "dave@example.com"]), .init("agent", ["agent-1@example.com"]),
                .init("dispatcher", ["dispatch-1@example.com"]), .init("gatekeeper", ["gate-1@example.com"]),
            ],
            gates: ["gatekeeper"], governanceVersion: nil, members: nil, freezes: freezes
        ).text
    }

    /// `evidence` as brought in by a governance commit that landed at `offset` (nil: unknown).
    static func landed(_ evidence: ApprovalEvidence, _ offset: Int64?) -> ApprovalEvidence {
        ApprovalEvidence(
            path: evidence.path, bytes: evidence.bytes, signature: evidence.signature, commit: evidence.commit,
            committedAt: offset.map(at))
    }

    // MARK: wait

    struct WaitRow: Sendable, CustomTestStringConvertible {
        let name: String
        /// Approvers, each with its commit number and landing offset (nil: unknown).
        let approvals: [(approver: Principal, commit: Int, landed: Int64?)]
        let now: Int64
        /// Nil: ready.
        let reason: ReasonCode?
        /// The wait's end the verdict carries.
        let readyAt: Int64?
        /// The commit the detail names as completing the quorum.
        let completedBy: Int?
        var testDescription: String { name }
    }

    /// alice lands at 1000, carol at 1600: carol's commit completes the
    /// quorum of two, so the 30m wait ends at 3400.
    static let twoLandings: [(approver: Principal, commit: Int, landed: Int64?)] = [
        (PolicyWorld.alice, 101, 1000), (PolicyWorld.carol, 102, 1600),
    ]

    static let waitRows: [WaitRow] = [
        WaitRow(
            name: "before the completing commit", approvals: twoLandings, now: 1200, reason: .waitingPeriod,
            readyAt: 3400, completedBy: 102),
        WaitRow(
            name: "the first approval's wait has passed, the completing one's has not", approvals: twoLandings,
            now: 2800, reason: .waitingPeriod, readyAt: 3400, completedBy: 102),
        WaitRow(
            name: "one second before the end", approvals: twoLandings, now: 3399, reason: .waitingPeriod,
            readyAt: 3400, completedBy: 102),
        WaitRow(
            name: "exactly at the end: the first ready instant", approvals: twoLandings, now: 3400, reason: nil,
            readyAt: 3400, completedBy: nil),
        WaitRow(
            name: "long after", approvals: twoLandings, now: 90_000, reason: nil, readyAt: 3400, completedBy: nil),
        WaitRow(
            name: "three approvals: the second to land completes it",
            approvals: [
                (PolicyWorld.alice, 101, 1000), (PolicyWorld.carol, 102, 1600), (PolicyWorld.bob, 103, 1300),
            ],
            now: 3099, reason: .waitingPeriod, readyAt: 3100, completedBy: 103),
        WaitRow(
            name: "three approvals, at the end of the second's wait",
            approvals: [
                (PolicyWorld.alice, 101, 1000), (PolicyWorld.carol, 102, 1600), (PolicyWorld.bob, 103, 1300),
            ],
            now: 3100, reason: nil, readyAt: 3100, completedBy: nil),
        WaitRow(
            name: "the completing approval removed: the next one completes it",
            approvals: [(PolicyWorld.alice, 101, 1000), (PolicyWorld.carol, 102, 1600)],
            now: 3100, reason: .waitingPeriod, readyAt: 3400, completedBy: 102),
        WaitRow(
            name: "two landing in one second: the commit id breaks the tie",
            approvals: [(PolicyWorld.alice, 105, 1000), (PolicyWorld.carol, 104, 1000)],
            now: 2799, reason: .waitingPeriod, readyAt: 2800, completedBy: 105),
        WaitRow(
            name: "a commit time unknown: never shown as passed",
            approvals: [(PolicyWorld.alice, 101, 1000), (PolicyWorld.carol, 102, nil)],
            now: 900_000, reason: .waitingPeriod, readyAt: nil, completedBy: nil),
        WaitRow(
            name: "one approval: no quorum, no wait", approvals: [(PolicyWorld.alice, 101, 1000)], now: 90_000,
            reason: .notApproved, readyAt: nil, completedBy: nil),
    ]

    @Test(arguments: waitRows) func aWaitCountsFromTheCommitThatCompletedTheQuorum(_ row: WaitRow) throws {
        let world = PolicyWorld(policy: Self.policy(wait: "30m"))
        let intent = try world.intent()
        let approvals = try row.approvals.map {
            Self.landed(try world.approval(of: intent, by: $0.approver, commit: $0.commit), $0.landed)
        }
        let verdict = try world.decide(intent, approvals, now: Self.at(row.now))
        #expect(verdict.state == (row.reason == nil ? .ready : .blocked), "\(verdict.detail)")
        #expect(verdict.reason == row.reason, "\(verdict.detail)")
        #expect(verdict.readyAt == row.readyAt.map(Self.time))
        #expect(verdict.freeze == nil)
        if let completedBy = row.completedBy, let readyAt = row.readyAt {
            let completing = row.approvals.first { $0.commit == completedBy }?.landed ?? -1
            #expect(
                verdict.detail
                    == "quorum completed by governance commit \(oid(completedBy).hex.prefix(12)) at "
                    + "\(Self.time(completing)); wait 30m ends at \(Self.time(readyAt))")
        }
        if row.reason == .waitingPeriod, row.readyAt == nil {
            #expect(verdict.detail.contains("is unknown"), "\(verdict.detail)")
            #expect(verdict.detail.contains(oid(102).hex.prefix(12)), "\(verdict.detail)")
        }
    }

    /// Without `wait` the same approvals are ready at once, and no verdict carries a wait's end.
    @Test func withoutAWaitTheQuorumIsReadyAtOnce() throws {
        let world = PolicyWorld(policy: Self.policy(wait: nil))
        let intent = try world.intent()
        let approvals = try Self.twoLandings.map {
            Self.landed(try world.approval(of: intent, by: $0.approver, commit: $0.commit), $0.landed)
        }
        let verdict = try world.decide(intent, approvals, now: Self.at(1600))
        #expect(verdict.state == .ready)
        #expect(verdict.readyAt == nil)
        // An unknown commit time matters only to a wait.
        let unknown = try world.decide(intent, approvals.map { Self.landed($0, nil) }, now: Self.at(1600))
        #expect(unknown.state == .ready)
    }

    /// A deny merged inside the window wins, before and after the wait ends.
    @Test func aDenyLandingInTheWindowWins() throws {
        let world = PolicyWorld(policy: Self.policy(wait: "30m"))
        let intent = try world.intent()
        var approvals = try Self.twoLandings.map {
            Self.landed(try world.approval(of: intent, by: $0.approver, commit: $0.commit), $0.landed)
        }
        approvals.append(
            Self.landed(try world.approval(of: intent, by: PolicyWorld.dave, decision: .deny, commit: 110), 2000))
        for now: Int64 in [2000, 3399, 3400, 90_000] {
            let verdict = try world.decide(intent, approvals, now: Self.at(now))
            #expect(verdict.state == .blocked && verdict.reason == .denied, "at +\(now): \(verdict.detail)")
        }
    }

    /// Ready by approvals and wait, a missing gate still blocks, and the
    /// verdict still says when the wait ended.
    @Test func aPassedWaitIsCarriedWhenAGateBlocks() throws {
        let world = PolicyWorld(policy: Self.policy(wait: "30m"))
        let intent = try world.intent(requires: ["verification"])
        let approvals = try Self.twoLandings.map {
            Self.landed(try world.approval(of: intent, by: $0.approver, commit: $0.commit), $0.landed)
        }
        let verdict = try world.decide(intent, approvals, now: Self.at(5000))
        #expect(verdict.reason == .gateMissing)
        #expect(verdict.readyAt == Self.time(3400))
    }

    /// Signed on the approval branch long ago and merged now, the quorum's
    /// wait starts now: status says merging completes the approvals and
    /// the intent then waits, never that merging makes it ready.
    @Test func aBranchProjectionWaitsFromTheMergeNotTheBranchCommit() throws {
        let world = PolicyWorld(policy: Self.policy(wait: "30m"))
        let intent = try world.intent()
        let alice = Self.landed(try world.approval(of: intent, by: PolicyWorld.alice, commit: 101), 0)
        let carol = Self.landed(try world.approval(of: intent, by: PolicyWorld.carol, commit: 102), 0)
        let id = try #require(IntentID("deploy-1"))
        let projected = try #require(
            DecisionEngine.projectMerge(
                id, governance: try world.governance(), intent: intent,
                merged: [alice], branch: [(carol, "refs/heads/approval/deploy-1")], events: [], now: Self.at(9_000)))
        #expect(projected.holdsQuorum)
        #expect(!projected.readyIfMerged)
        #expect(projected.reasonIfMerged == .waitingPeriod)
        #expect(projected.outcome.hasSuffix("then still waiting_period"), "\(projected.outcome)")
    }

    /// Both are judged at the whole second a `claimed` event records (its
    /// `at`, which verify re-decides at): an end at a fraction of a second
    /// holds until the next whole second, so no claim is stamped before it.
    @Test func endsAtAFractionOfASecondHoldUntilTheNextWholeSecond() throws {
        let half = Timestamp(secondsSinceEpoch: Self.base + 20_000, nanoseconds: 500_000_000)
        let freezes = [
            PolicyFixture.Freeze("half", start: Self.time(10_000).rfc3339, end: half.rfc3339, tiers: ["high"])
        ]
        let world = PolicyWorld(policy: Self.policy(wait: "30m", freezes: freezes))
        let intent = try world.intent()
        let carol = try world.approval(of: intent, by: PolicyWorld.carol, commit: 102)
        let approvals = [
            Self.landed(try world.approval(of: intent, by: PolicyWorld.alice, commit: 101), 0),
            // Landed half a second past a whole second: its wait ends at a fraction too.
            ApprovalEvidence(
                path: carol.path, bytes: carol.bytes, signature: carol.signature, commit: carol.commit,
                committedAt: Self.at(0).addingTimeInterval(0.5)),
        ]
        func decide(_ seconds: Double) throws -> Verdict {
            try world.decide(intent, approvals, now: Date(timeIntervalSince1970: TimeInterval(Self.base) + seconds))
        }
        #expect(try decide(1_800.7).reason == .waitingPeriod)
        #expect(try decide(1_801).state == .ready)
        #expect(try decide(20_000.7).reason == .frozen)
        #expect(try decide(20_001).state == .ready)
    }

    @Test func durationsAreWrittenAsTheyAreRead() {
        for (seconds, text) in [(0, "0s"), (59, "59s"), (1800, "30m"), (5400, "1h30m"), (90_061, "25h1m1s")] {
            #expect(DurationText.text(seconds: Int64(seconds)) == text)
            if seconds > 0 { #expect(DurationText.seconds(text) == Int64(seconds)) }
        }
    }

    // MARK: freeze

    /// year-end freezes tier high over [10000, 20000); release-lock the
    /// kinds release and dev over [15000, 30000).
    static let freezes: [PolicyFixture.Freeze] = [
        .init(
            "year-end", start: time(10_000).rfc3339, end: time(20_000).rfc3339, tiers: ["high"]),
        .init(
            "release-lock", start: time(15_000).rfc3339, end: time(30_000).rfc3339, kinds: ["release", "dev"]),
    ]

    struct FreezeRow: Sendable, CustomTestStringConvertible {
        let name: String
        /// `rotate` is high by default and in no window's kinds; `release` is high and named by release-lock.
        let kind: String
        let now: Int64
        /// Nil: ready.
        let frozenBy: String?
        var testDescription: String { name }
    }

    static let freezeRows: [FreezeRow] = [
        FreezeRow(name: "before the start", kind: "rotate", now: 9_999, frozenBy: nil),
        FreezeRow(name: "at the start", kind: "rotate", now: 10_000, frozenBy: "year-end"),
        FreezeRow(name: "inside", kind: "rotate", now: 12_345, frozenBy: "year-end"),
        FreezeRow(name: "one second before the end", kind: "rotate", now: 19_999, frozenBy: "year-end"),
        FreezeRow(name: "at the end", kind: "rotate", now: 20_000, frozenBy: nil),
        FreezeRow(name: "after", kind: "rotate", now: 40_000, frozenBy: nil),
        FreezeRow(name: "a kind match of a medium intent", kind: "dev", now: 15_000, frozenBy: "release-lock"),
        FreezeRow(name: "a kind match, one second before its start", kind: "dev", now: 14_999, frozenBy: nil),
        FreezeRow(name: "a medium intent inside a high-only window", kind: "dev", now: 12_000, frozenBy: nil),
        FreezeRow(name: "a low intent matching neither", kind: "triage", now: 16_000, frozenBy: nil),
        FreezeRow(name: "two windows: the one ending last", kind: "release", now: 16_000, frozenBy: "release-lock"),
        FreezeRow(name: "two windows, only the first started", kind: "release", now: 14_999, frozenBy: "year-end"),
        FreezeRow(name: "two windows, the first ended", kind: "release", now: 29_999, frozenBy: "release-lock"),
        FreezeRow(name: "two windows, both ended", kind: "release", now: 30_000, frozenBy: nil),
    ]

    @Test(arguments: freezeRows) func aFreezeBlocksFromItsStartUntilItsEnd(_ row: FreezeRow) throws {
        let world = PolicyWorld(policy: Self.policy(wait: nil, freezes: Self.freezes))
        let intent = try world.intent(kind: row.kind)
        let approvers =
            row.kind == "triage" ? [] : row.kind == "dev" ? [PolicyWorld.bob] : [PolicyWorld.alice, PolicyWorld.carol]
        let approvals = try approvers.enumerated().map {
            Self.landed(try world.approval(of: intent, by: $0.element, commit: 101 + $0.offset), 100)
        }
        let verdict = try world.decide(intent, approvals, now: Self.at(row.now))
        guard let name = row.frozenBy else {
            #expect(verdict.state == .ready, "\(verdict.detail)")
            #expect(verdict.freeze == nil)
            return
        }
        let window = try #require(Self.freezes.first { $0.name == name })
        #expect(verdict.state == .blocked && verdict.reason == .frozen, "\(verdict.detail)")
        #expect(verdict.freeze?.name == name)
        #expect(verdict.detail == "frozen by \"\(name)\" until \(window.end)")
    }

    /// A freeze is the last check: a quorum or a wait still missing is
    /// what the verdict names, and a denied intent stays denied.
    @Test func aFreezeIsCheckedAfterApprovalsAndTheWait() throws {
        let world = PolicyWorld(policy: Self.policy(wait: "30m", freezes: Self.freezes))
        let intent = try world.intent(kind: "rotate")
        let alice = Self.landed(try world.approval(of: intent, by: PolicyWorld.alice, commit: 101), 100)
        let carol = Self.landed(try world.approval(of: intent, by: PolicyWorld.carol, commit: 102), 9_000)
        #expect(try world.decide(intent, [alice], now: Self.at(12_000)).reason == .notApproved)
        // The wait ends at 10800, inside the window.
        let waiting = try world.decide(intent, [alice, carol], now: Self.at(10_500))
        #expect(waiting.reason == .waitingPeriod && waiting.freeze == nil)
        let frozen = try world.decide(intent, [alice, carol], now: Self.at(10_800))
        #expect(frozen.reason == .frozen && frozen.readyAt == Self.time(10_800))
        let denied = try world.decide(
            intent,
            [alice, carol, Self.landed(try world.approval(of: intent, by: PolicyWorld.bob, decision: .deny), 100)],
            now: Self.at(12_000))
        #expect(denied.reason == .denied)
    }

    /// A window's name is policy text: the detail quotes and escapes it.
    @Test func aFreezeNameIsQuotedInTheDetail() throws {
        let freezes = [
            PolicyFixture.Freeze(
                "say \"no\"", start: Self.time(0).rfc3339, end: Self.time(100).rfc3339, tiers: ["high"])
        ]
        let world = PolicyWorld(policy: Self.policy(wait: nil, freezes: freezes))
        let intent = try world.intent()
        let approvals = try [PolicyWorld.alice, PolicyWorld.carol].enumerated().map {
            try world.approval(of: intent, by: $0.element, commit: 101 + $0.offset)
        }
        let verdict = try world.decide(intent, approvals, now: Self.at(50))
        #expect(verdict.detail == "frozen by \"say \\\"no\\\"\" until \(Self.time(100))")
    }
}
