import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Break-glass on one real ops repo (SPEC §4.7): the dispatcher, with an
/// injected clock, runs a high intent with no quorum at once, writing
/// `break_glass` before `claimed`; then `writ verify` (in-process, its clock
/// injected) and `writ status` agree on the review over the clock: before
/// `review_by` pending (information, verify clean), at and after it
/// overdue (`review_overdue`, verify fails), and clean once two ratify
/// records are merged.
@Suite struct BreakGlassAgreementTests {
    /// The demo's cast; admins break glass, admins and operators review,
    /// two reviews complete it, due an hour after the record's merge.
    static let policy = PolicyFixture(
        breakGlass: .init(roles: ["admin"], reviewWithin: "1h", reviewApprovals: 2, reviewRoles: ["admin", "operator"])
    ).text

    static func record(
        _ sandbox: OpsSandbox, _ proposal: Proposer.Proposal, _ decision: Decision, by who: String, note: String? = nil,
        at date: Date
    ) throws {
        let record = try ApprovalRecord(
            intent: proposal.intent.id, intentDigest: proposal.digest, tier: .high, decision: decision,
            approver: #require(Principal(who)), createdAt: Timestamp(date), note: note)
        try sandbox.file(record, signedBy: who, at: date)
    }

    @Test func dispatcherVerifyAndStatusAgreeOverTheClock() throws {
        let fixture = try DispatchFixture("break-glass-agreement", policy: Self.policy)
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let proposal = try sandbox.propose(
            try fixture.request("release", "release-now"), as: "agent-1@example.com", at: start)
        let id = proposal.intent.id

        // No quorum: the dispatcher does not run it.
        _ = try fixture.dispatcher(clock: { start }).poll()
        #expect(fixture.runs().isEmpty)

        // alice breaks glass; the record merges at `merged`.
        let merged = start.addingTimeInterval(1)
        try Self.record(sandbox, proposal, .breakGlass, by: "alice@example.com", note: "prod is down", at: merged)
        let reviewBy = Timestamp(merged).adding(seconds: 3600)

        // The dispatcher runs it at once, announcing the run before its claim.
        let runAt = merged.addingTimeInterval(2)
        _ = try fixture.dispatcher(clock: { runAt }).poll()
        #expect(fixture.runs() == ["release-now"])
        let afterRun = try sandbox.status(at: runAt)
        let verdict = try #require(afterRun.verdicts[id])
        #expect(verdict.state == .succeeded)
        // The first poll's `blocked` (not_approved), then the run.
        #expect(verdict.events.map(\.event.kind) == [.blocked, .breakGlass, .claimed, .succeeded])
        let announcement = try #require(verdict.events.first { $0.event.kind == .breakGlass })
        let claim = try #require(verdict.events.first { $0.event.kind == .claimed })
        #expect(announcement.sequence + 1 == claim.sequence)
        let announced = try #require(announcement.event.payload.breakGlassReview)
        #expect(announced.reason == "prod is down")
        #expect(announced.reviewBy == reviewBy)
        // The claim and the announcement share the dispatcher's commit.
        #expect(announcement.commit == claim.commit)

        // The review over the clock, verify and status side by side.
        let verifier = LedgerVerifier(ops: sandbox.ops)
        func judge(at now: Date) throws -> (verify: VerifyReport, status: BreakGlassStatus?) {
            let report = try verifier.verify(trustRoot: sandbox.trustRoot, now: now)
            let row = try sandbox.status(at: now).intents.first { $0.id == id }
            return (report, row?.breakGlass)
        }
        let rows: [(String, Date, BreakGlassRun.Review)] = [
            ("just after the run", runAt, .pending),
            ("a second before review_by", reviewBy.date.addingTimeInterval(-1), .pending),
            ("at review_by", reviewBy.date, .overdue),
            ("an hour after", reviewBy.date.addingTimeInterval(3600), .overdue),
        ]
        for (name, now, expected) in rows {
            let (report, status) = try judge(at: now)
            #expect(status?.review == expected, "\(name): status \(String(describing: status?.review))")
            // The run happened: verify's replay and status give the intent the same settled state.
            let row = try sandbox.status(at: now).intents.first { $0.id == id }
            #expect(report.intents.first { $0.id == id }?.state == row?.state, "\(name)")
            #expect(row?.state == .succeeded, "\(name)")
            if expected == .overdue {
                #expect(!report.isClean, "\(name)")
                #expect(report.findings.map(\.reason) == [.reviewOverdue], "\(name): \(report.findings)")
                #expect(status?.code == .reviewOverdue)
            } else {
                // Information that never fails verify; the claim itself is clean.
                #expect(report.isClean, "\(name): \(report.findings)")
                #expect(report.notes.map(\.kind) == [.breakGlass], "\(name)")
                #expect(report.notes.first?.review == expected, "\(name)")
            }
        }

        // alice's own ratify never counts; carol's and bob's complete it.
        let later = reviewBy.date.addingTimeInterval(-1800)
        try Self.record(sandbox, proposal, .ratify, by: "carol@example.com", at: later)
        let one = try judge(at: reviewBy.date.addingTimeInterval(60))
        #expect(one.status?.review == .overdue)
        #expect(one.status?.ratifiedBy.map(\.rawValue) == ["carol@example.com"])
        try Self.record(sandbox, proposal, .ratify, by: "bob@example.com", at: later.addingTimeInterval(1))
        let done = try judge(at: reviewBy.date.addingTimeInterval(60))
        #expect(done.status?.review == .ratified)
        #expect(done.verify.isClean, "\(done.verify.findings)")
        #expect(done.verify.notes.first?.review == .ratified)
        #expect(Set(done.status?.ratifiedBy.map(\.rawValue) ?? []) == ["carol@example.com", "bob@example.com"])

        // The CLI (at the real clock) gives status and show the same review state.
        let repo = sandbox.ops.repository.gitDirectory
        let trust = sandbox.trustRoot.hex
        let status = try CLI.run("status", "--repo", repo, "--trust", trust, "--json")
        let line = try #require(
            try status.jsonLines().first { $0["type"] as? String == "intent" && $0["id"] as? String == "release-now" })
        let glass = try #require(line["break_glass"] as? [String: Any], "\(line)")
        #expect(glass["review"] as? String == "ratified")
        #expect(glass["reason"] as? String == "prod is down")
        let shown = try CLI.run("show", "release-now", "--repo", repo, "--trust", trust, "--json").jsonObject()
        let shownGlass = try #require(shown["break_glass"] as? [String: Any], "\(shown)")
        #expect(shownGlass["review"] as? String == "ratified")
        #expect(shownGlass["approver"] as? String == "alice@example.com")
        let verified = try CLI.run("verify", "--repo", repo, "--trust", trust)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }

    @Test func aRejectIsHighlightedAndAnOwnReviewIsRefusedBeforeWriting() throws {
        let fixture = try DispatchFixture("break-glass-reject", policy: Self.policy)
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let proposal = try sandbox.propose(
            try fixture.request("release", "release-bad"), as: "agent-1@example.com", at: start)
        try Self.record(sandbox, proposal, .breakGlass, by: "alice@example.com", note: "hotfix", at: start)
        _ = try fixture.dispatcher(clock: { start.addingTimeInterval(1) }).poll()
        #expect(fixture.runs() == ["release-bad"])
        try Self.record(sandbox, proposal, .reject, by: "carol@example.com", at: start.addingTimeInterval(2))
        let report = try LedgerVerifier(ops: sandbox.ops).verify(
            trustRoot: sandbox.trustRoot, now: start.addingTimeInterval(7200))
        // Rejected is listed prominently, not a failure.
        #expect(report.isClean, "\(report.findings)")
        #expect(report.notes.first?.review == .rejected)
        #expect(report.notes.first?.detail.contains("REJECTED") == true)
        let row = try sandbox.status(at: start.addingTimeInterval(7200)).intents.first { $0.id == proposal.intent.id }
        #expect(row?.breakGlass?.review == .rejected)
        #expect(row?.breakGlass?.rejectedBy.map(\.rawValue) == ["carol@example.com"])

        // The write check refuses alice's own review before anything is written.
        let check = WriteGuard(trustRoot: sandbox.trustRoot, force: false, warn: { _ in })
        let before = try sandbox.ops.repository.referenceTarget("refs/heads/approval/release-bad")
        for (who, decision, reason) in [
            ("alice@example.com", Decision.ratify, ReasonCode.selfApproval),
            ("agent-1@example.com", .ratify, .signerNotAuthorized),
            ("bob@example.com", .breakGlass, .signerNotAuthorized),
        ] {
            var options = Approver.Options()
            options.decision = decision
            options.note = decision == .breakGlass ? "me too" : nil
            do {
                _ = try Approver(ops: sandbox.ops).approve(
                    proposal.intent.id, options: options, as: try sandbox.identity(who), now: Date(), check: check)
                Issue.record("\(who) \(decision) was written")
            } catch let error as WriteRefused {
                #expect(error.finding.reason == reason, "\(who) \(decision): \(error)")
            }
        }
        #expect(try sandbox.ops.repository.referenceTarget("refs/heads/approval/release-bad") == before)
    }

    /// Rows where break-glass must not run: the dispatcher leaves the
    /// intent, status says why, and a claim forged for it (by the
    /// dispatcher's own key, as a dispatcher without the check would write
    /// it) is a finding of verify with the same reason.
    @Test func neverPastADenyOrWithoutABreakGlassRole() throws {
        struct Row {
            let id: String
            /// (principal, decision, note) records merged before the poll.
            let records: [(String, Decision, String?)]
            let reason: ReasonCode
        }
        let rows = [
            Row(
                id: "denied-1",
                records: [("alice@example.com", .breakGlass, "prod is down"), ("carol@example.com", .deny, nil)],
                reason: .denied),
            Row(id: "operator-1", records: [("bob@example.com", .breakGlass, "me")], reason: .signerNotAuthorized),
        ]
        let fixture = try DispatchFixture("break-glass-refusals", policy: Self.policy)
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        var proposals: [String: Proposer.Proposal] = [:]
        for row in rows {
            let proposal = try sandbox.propose(
                try fixture.request("release", row.id), as: "agent-1@example.com", at: start)
            proposals[row.id] = proposal
            for (who, decision, note) in row.records {
                try Self.record(sandbox, proposal, decision, by: who, note: note, at: start.addingTimeInterval(1))
            }
        }
        let now = start.addingTimeInterval(2)
        _ = try fixture.dispatcher(clock: { now }).poll()
        #expect(fixture.runs().isEmpty, "\(fixture.runs())")
        let status = try sandbox.status(at: now)
        for row in rows {
            let line = try #require(status.intents.first { $0.id.rawValue == row.id })
            #expect(line.state == .blocked, "\(row.id)")
            #expect(line.reason == row.reason, "\(row.id): \(String(describing: line.reason))")
            #expect(line.breakGlass == nil, "\(row.id)")
        }
        #expect(try LedgerVerifier(ops: sandbox.ops).verify(trustRoot: sandbox.trustRoot, now: now).isClean)

        for row in rows {
            let proposal = try #require(proposals[row.id])
            let last =
                (status.events[proposal.intent.id] ?? []).compactMap { evidence -> Int? in
                    guard case .auditEvent(_, let sequence, _)? = LedgerPath(evidence.path) else { return nil }
                    return sequence
                }.max() ?? 0
            let dispatcher = try #require(Principal("dispatch-1@example.com"))
            let announce = try AuditEvent(
                intent: proposal.intent.id, intentDigest: proposal.digest, at: Timestamp(now), actor: dispatcher,
                payload: .breakGlass(reason: "forged", reviewBy: Timestamp(now).adding(seconds: 3600)))
            let claim = try AuditEvent(
                intent: proposal.intent.id, intentDigest: proposal.digest, at: Timestamp(now), actor: dispatcher,
                payload: .claimed(.init(tier: .high, runID: "forged", idempotencyKey: row.id, approvals: [])))
            try sandbox.appendToLedger(
                [
                    announce.path(sequence: last + 1).path: Data(announce.canonicalJSON()),
                    claim.path(sequence: last + 2).path: Data(claim.canonicalJSON()),
                ], as: "dispatch-1@example.com", message: "writ: claim \(row.id)\n", at: now)
        }
        let forged = try LedgerVerifier(ops: sandbox.ops).verify(trustRoot: sandbox.trustRoot, now: now)
        for row in rows {
            let reasons = forged.findings.filter { ($0.path ?? "").contains("/\(row.id)/") }.map(\.reason)
            #expect(reasons == [row.reason], "\(row.id): \(forged.findings)")
        }
    }
}
