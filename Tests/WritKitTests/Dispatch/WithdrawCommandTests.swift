import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ withdraw` end to end, through the built binary: the intent settles
/// as `withdrawn` in status, show, log, verify and the report, a dispatcher
/// never runs it, and what would not count is refused before it is written.
@Suite struct WithdrawCommandTests {
    static let agent = "agent-1@example.com"

    static func withdraw(_ fixture: DispatchFixture, _ id: String, as principal: String, _ extra: [String] = [])
        throws -> GitTestSupport.Output
    {
        try CLI.runArgs(
            [
                "withdraw", id, "--repo", fixture.sandbox.ops.repository.gitDirectory, "--as", principal, "--key",
                fixture.sandbox.keyPath(principal), "--trust", fixture.sandbox.trustRoot.hex,
            ] + extra)
    }

    static func ledgerTip(_ fixture: DispatchFixture) throws -> ObjectID {
        try fixture.sandbox.ops.ledgerHead()
    }

    @Test func aWithdrawnIntentSettlesInEveryViewAndNeverRuns() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-1")
        try fixture.proposeLow("triage-2")

        // A note is record text: a control character is a usage error, nothing written.
        let before = try Self.ledgerTip(fixture)
        let bad = try Self.withdraw(fixture, "triage-1", as: Self.agent, ["--note", "two\nlines"])
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(try Self.ledgerTip(fixture) == before)

        let note = "wrong issue <b>@team</b> \u{00E9}"
        let out = try Self.withdraw(fixture, "triage-1", as: Self.agent, ["--note", note, "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        let answer = try #require(try out.jsonLines().first)
        #expect(answer["id"] as? String == "triage-1")
        #expect(answer["state"] as? String == "withdrawn")
        #expect(answer["withdrawn_by"] as? String == Self.agent)
        #expect(answer["ledger_commit"] as? String == (try Self.ledgerTip(fixture)).hex)

        // The dispatcher runs the other one, never this one.
        let poll = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(fixture.runs() == ["triage-2"])
        let again = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(fixture.runs() == ["triage-2"])

        // status --json
        let status = try CLI.run("status", "--config", fixture.configPath, "--json")
        #expect(status.status == 0, "\(status.stderr)")
        let row = try #require(try status.jsonLines().first { $0["id"] as? String == "triage-1" })
        #expect(row["state"] as? String == "withdrawn")
        #expect(row["reason"] as? String == "withdrawn")
        #expect((row["detail"] as? String)?.contains(Self.agent) == true)
        let ran = try #require(try status.jsonLines().first { $0["id"] as? String == "triage-2" })
        #expect(ran["state"] as? String == "succeeded")

        // show --json and text
        let show = try CLI.run("show", "triage-1", "--config", fixture.configPath, "--json")
        #expect(show.status == 0, "\(show.stderr)")
        let shown = try #require(try show.jsonLines().first)
        #expect(shown["state"] as? String == "withdrawn")
        #expect(shown["reason"] as? String == "withdrawn")
        let withdrawal = try #require(shown["withdrawal"] as? [String: Any])
        #expect(withdrawal["by"] as? String == Self.agent)
        #expect(withdrawal["note"] as? String == note)
        #expect(shown["next"] == nil)
        let text = try CLI.run("show", "triage-1", "--config", fixture.configPath)
        #expect(text.stdout.contains("state:    withdrawn (withdrawn)"), "\(text.stdout)")
        #expect(text.stdout.contains("outcome:  withdrawn by \(Self.agent)"), "\(text.stdout)")

        // log, verify and the report
        let log = try CLI.run("log", "--config", fixture.configPath)
        #expect(log.stdout.contains("withdrawn triage-1 by \(Self.agent)"), "\(log.stdout)")
        let verify = try CLI.run("verify", "--config", fixture.configPath)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let report = fixture.directory.appendingPathComponent("report.html").path
        let made = try CLI.run("report", "--config", fixture.configPath, "--html", report)
        #expect(made.status == 0, "\(made.stderr)")
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("data-intent=\"triage-1\" data-state=\"withdrawn\""))
        #expect(!html.contains("<b>@team</b>"), "the note is escaped in the report")

        // Withdrawn twice: refused, nothing written.
        let tip = try Self.ledgerTip(fixture)
        let twice = try Self.withdraw(fixture, "triage-1", as: "bob@example.com")
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("refused: withdrawn:"), "\(twice.stderr)")
        #expect(try Self.ledgerTip(fixture) == tip)
    }

    /// Exactly one of a claim and a withdrawal counts, by ledger order,
    /// whatever a writer forced onto the ledger: status, the dispatcher and
    /// verify agree, and verify reports the event that came second.
    @Test func theSecondOfAClaimAndAWithdrawalIsDiscardedAndReported() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let withdrawnFirst = try fixture.proposeLow("triage-1")
        try OperatorEvents(ops: sandbox.ops).withdraw(
            withdrawnFirst.intent.id, note: "", as: try sandbox.identity(Self.agent), now: Date())
        // A dispatcher's claim lands after it (a hand-made one: writ's own
        // dispatcher re-decides on the tip it claims on and never makes it).
        let claim = try AuditEvent(
            intent: withdrawnFirst.intent.id, intentDigest: withdrawnFirst.digest, at: Timestamp(Date()),
            actor: try #require(Principal("dispatch-1@example.com")),
            payload: .claimed(.init(tier: .low, runID: "run-late", idempotencyKey: "triage-1", approvals: [])))
        try sandbox.appendToLedger(
            [claim.path(sequence: 2).path: Data(claim.canonicalJSON())], as: "dispatch-1@example.com",
            message: "writ: claim triage-1\n")

        // The other way round: claimed and run, then a withdrawal written
        // unchecked (a library caller passing no guard).
        let claimedFirst = try fixture.proposeLow("triage-2")
        let poll = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(fixture.runs() == ["triage-2"])
        try OperatorEvents(ops: sandbox.ops).withdraw(
            claimedFirst.intent.id, note: "too late", as: try sandbox.identity(Self.agent), now: Date())

        let again = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(fixture.runs() == ["triage-2"], "the withdrawn intent never runs")
        let status = try sandbox.status()
        #expect(status.intents.first { $0.id.rawValue == "triage-1" }?.state == .withdrawn)
        #expect(status.intents.first { $0.id.rawValue == "triage-2" }?.state == .succeeded)

        let verify = try CLI.run("verify", "--config", fixture.configPath, "--json")
        #expect(verify.status == 1, "\(verify.stdout)")
        let findings = try verify.jsonLines().filter { $0["type"] as? String == "finding" }
        let late = findings.filter { ($0["path"] as? String)?.hasSuffix("triage-1/0002-claimed.json") == true }
        #expect(late.map { $0["reason"] as? String } == ["withdrawn"], "\(findings)")
        let tooLate = findings.filter { ($0["path"] as? String)?.contains("triage-2/") == true }
        #expect(tooLate.map { $0["reason"] as? String } == ["ledger_violation"], "\(findings)")
        #expect(
            (tooLate.first?["detail"] as? String)?.contains("withdrawn for triage-2 after it was already succeeded")
                == true, "\(tooLate)")
    }

    @Test func whatWouldNotCountIsRefusedBeforeWriting() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: Self.agent)
        let tip = try Self.ledgerTip(fixture)

        // Someone else's intent: bob is an operator, the high tier takes admins.
        let stranger = try Self.withdraw(fixture, "release-1", as: "bob@example.com")
        #expect(stranger.status == 1)
        #expect(stranger.stderr.contains("refused: signer_not_authorized:"), "\(stranger.stderr)")
        #expect(stranger.stderr.contains("alice@example.com"), "the next step names who can: \(stranger.stderr)")
        // A dispatcher writes claims, never withdrawals.
        let dispatcher = try Self.withdraw(fixture, "release-1", as: "dispatch-1@example.com")
        #expect(dispatcher.stderr.contains("refused: signer_not_authorized:"), "\(dispatcher.stderr)")
        #expect(try Self.ledgerTip(fixture) == tip)

        // --force writes it anyway, with a warning; it does not count.
        let forced = try Self.withdraw(fixture, "release-1", as: "bob@example.com", ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("warning: --force"))
        #expect(try fixture.sandbox.status().intents.first { $0.id.rawValue == "release-1" }?.state == .blocked)

        // An admin may withdraw it.
        let admin = try Self.withdraw(fixture, "release-1", as: "alice@example.com", ["--note", "not this week"])
        #expect(admin.status == 0, "\(admin.stderr)")
        #expect(try fixture.sandbox.status().intents.first { $0.id.rawValue == "release-1" }?.state == .withdrawn)

        // Already claimed: too late.
        try fixture.proposeLow("triage-1")
        let poll = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(fixture.runs() == ["triage-1"])
        let late = try Self.ledgerTip(fixture)
        let claimed = try Self.withdraw(fixture, "triage-1", as: Self.agent)
        #expect(claimed.status == 1)
        #expect(claimed.stderr.contains("refused: already_executed:"), "\(claimed.stderr)")
        #expect(try Self.ledgerTip(fixture) == late)
    }
}
