import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Break-glass through the built `writ` binary and stock git (SPEC §4.7):
/// an admin breaks glass on a high intent nobody approved, a person merges
/// the record, `writ dispatch --once` runs it at once; status, the report
/// and verify show `review_overdue` once `review_by` has passed (verify
/// exits 1), and the history is clean again after two ratify records.
///
/// The CLI has no clock override: `review_within` is a short real 20s, and
/// the test waits for it with `Task.sleep`.
@Suite struct BreakGlassEndToEndTests {
    static let bob = "bob@example.com"
    static let policy = PolicyFixture(
        breakGlass: .init(
            roles: ["admin"], reviewWithin: "20s", reviewApprovals: 2, reviewRoles: ["admin", "operator"])
    ).text

    /// `git merge --no-ff` of `approval/<id>` into the governance branch, pushed, in `clone`.
    static func merge(_ id: String, in clone: URL) throws {
        try GitTestSupport.git(clone, "fetch", "-q", "origin")
        try GitTestSupport.git(clone, "merge", "-q", "--ff-only", "origin/main")
        try GitTestSupport.git(clone, "merge", "-q", "--no-ff", "-m", "Merge approval/\(id)", "origin/approval/\(id)")
        try GitTestSupport.git(clone, "push", "-q", "origin", "main")
    }

    static func breakGlass(_ status: GitTestSupport.Output) throws -> [String: Any]? {
        try status.jsonLines().first { $0["type"] as? String == "intent" && $0["id"] as? String == "hotfix-1" }?[
            "break_glass"] as? [String: Any]
    }

    @Test func aBreakGlassRunIsReviewedOverdueThenRatified() async throws {
        let team = try TeamFlowTests.Team(policy: Self.policy, extra: [Self.bob])
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let alice = try team.clone("alice", as: TeamFlowTests.alice)
        let carol = try team.clone("carol", as: TeamFlowTests.carol)
        let bob = try team.clone("bob", as: Self.bob)
        let host = try team.clone("dispatch", as: TeamFlowTests.dispatcher)

        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "hotfix-1", "--push", in: agent)
        try #require(proposed.status == 0, "propose: \(proposed.stderr)")
        for clone in [alice, carol, bob] { try GitTestSupport.git(clone, "fetch", "-q", "origin") }

        // Refused: no reason (usage), a principal without a [break_glass]
        // role (before writing), a review of a run that has not happened.
        let noNote = try CLI.run("approve", "hotfix-1", "--break-glass", in: alice)
        #expect(noNote.status == 2, "\(noNote.stdout) \(noNote.stderr)")
        #expect(noNote.stderr.contains("--note"), "\(noNote.stderr)")
        let both = try CLI.run("approve", "hotfix-1", "--break-glass", "--deny", "--note", "x", in: alice)
        #expect(both.status == 2, "\(both.stderr)")
        let byOperator = try CLI.run("approve", "hotfix-1", "--break-glass", "--note", "mine", in: bob)
        #expect(byOperator.status == 1, "\(byOperator.stdout) \(byOperator.stderr)")
        #expect(byOperator.stderr.contains("signer_not_authorized"), "\(byOperator.stderr)")
        let early = try CLI.run("approve", "hotfix-1", "--ratify", in: carol)
        #expect(early.status == 1, "\(early.stderr)")
        #expect(early.stderr.contains("no break-glass run"), "\(early.stderr)")

        // alice breaks glass; the reason holds a terminal escape attempt's text form.
        let reason = "prod is down <b>now</b>"
        let glass = try CLI.run("approve", "hotfix-1", "--break-glass", "--note", reason, "--push", in: alice)
        try #require(glass.status == 0, "break-glass: \(glass.stdout) \(glass.stderr)")
        try Self.merge("hotfix-1", in: alice)

        // The dispatcher host runs it at once.
        let config = try team.dispatcherConfig(host: host)
        let dispatched = try CLI.run("dispatch", "--config", config.path, "--once")
        #expect(dispatched.status == 0, "dispatch: \(dispatched.stdout) \(dispatched.stderr)")

        // Before review_by: succeeded, the review pending, verify clean.
        try GitTestSupport.git(agent, "fetch", "-q", "origin")
        let shown = try CLI.run("show", "hotfix-1", "--json", in: agent).jsonObject()
        #expect(shown["state"] as? String == "succeeded", "\(shown)")
        let run = try #require(shown["break_glass"] as? [String: Any], "\(shown)")
        let reviewBy = try #require(Timestamp(rfc3339: run["review_by"] as? String ?? ""), "\(run)")
        try #require(
            Date() < reviewBy.date,
            "the run took longer than review_within (20s) on this machine: the before-state cannot be checked")
        #expect(run["review"] as? String == "pending", "\(run)")
        #expect(run["approver"] as? String == TeamFlowTests.alice)
        #expect(run["reason"] as? String == reason)
        let events = (shown["events"] as? [[String: Any]] ?? []).compactMap {
            ($0["event"] as? [String: Any])?["event"] as? String
        }
        #expect(events.filter { $0 != "blocked" } == ["break_glass", "claimed", "succeeded"], "\(events)")
        let before = try CLI.run("verify", in: agent)
        #expect(before.status == 0, "verify before review_by: \(before.stdout) \(before.stderr)")
        #expect(before.stdout.contains("note: break_glass"), "\(before.stdout)")

        // After review_by: overdue in status, the report and verify (exit 1).
        let wait = reviewBy.date.timeIntervalSinceNow + 1.5
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        let status = try CLI.run("status", in: agent)
        #expect(status.stdout.contains("review overdue (review_overdue)"), "\(status.stdout)")
        let statusJSON = try Self.breakGlass(try CLI.run("status", "--json", in: agent))
        #expect(statusJSON?["code"] as? String == "review_overdue")
        let html = team.root.appendingPathComponent("report.html")
        let reported = try CLI.run("report", "--html", html.path, in: agent)
        #expect(reported.status == 0, "report: \(reported.stderr)")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("review_overdue"))
        #expect(page.contains("break-glass: review overdue"))
        #expect(page.contains("prod is down &lt;b&gt;now&lt;/b&gt;"), "the reason is escaped")
        #expect(!page.contains("<b>now</b>"))
        let overdue = try CLI.run("verify", in: agent)
        #expect(overdue.status == 1, "verify after review_by: \(overdue.stdout)")
        #expect(overdue.stdout.contains("review_overdue"), "\(overdue.stdout)")

        // alice may not review her own run; carol and bob ratify it.
        let own = try CLI.run("approve", "hotfix-1", "--ratify", in: alice)
        #expect(own.status == 1, "\(own.stderr)")
        #expect(own.stderr.contains("self_approval"), "\(own.stderr)")
        for reviewer in [carol, bob] {
            try GitTestSupport.git(reviewer, "fetch", "-q", "origin")
            let ratified = try CLI.run("approve", "hotfix-1", "--ratify", "--push", in: reviewer)
            try #require(ratified.status == 0, "ratify: \(ratified.stdout) \(ratified.stderr)")
        }
        try Self.merge("hotfix-1", in: carol)

        try GitTestSupport.git(agent, "fetch", "-q", "origin")
        let clean = try CLI.run("verify", in: agent)
        #expect(clean.status == 0, "verify after two ratify records: \(clean.stdout) \(clean.stderr)")
        let after = try Self.breakGlass(try CLI.run("status", "--json", in: agent))
        #expect(after?["review"] as? String == "ratified", "\(String(describing: after))")
        #expect(Set(after?["ratified_by"] as? [String] ?? []) == [TeamFlowTests.carol, Self.bob])
        let text = try CLI.run("status", in: agent)
        #expect(text.stdout.contains("review ratified"), "\(text.stdout)")
        let shownText = try CLI.run("show", "hotfix-1", in: agent).stdout
        #expect(shownText.contains("break-glass: by alice@example.com"), "\(shownText)")
        #expect(shownText.contains("reason:    \(reason)"), "\(shownText)")
        #expect(shownText.contains("review:    ratified"), "\(shownText)")
        #expect(shownText.contains("✓ ratified by carol@example.com"), "\(shownText)")
    }
}
