import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The approval pull request as a team makes it, through the `writ` binary
/// and stock git only: `writ propose --push` files the intent and
/// `request.toml`, both admins `writ approve --push` onto the same
/// `approval/<id>`, and `writ check-pr --event`, run in a fresh clone as the
/// example workflow runs it, passes the pull request whoever opened it: the
/// dispatcher's forge account (mapped in `[members]`) or an operator.
@Suite struct ApprovalPRCheckTests {
    static let policy = PolicyFixture(
        members: PolicyFixture.demoMembers + [.init("writ-dispatch[bot]", TeamFlowTests.dispatcher)]
    ).text

    @Test func theDispatchersApprovalPRWithBothAdminsRecordsPassesCheckPR() throws {
        let team = try TeamFlowTests.Team(policy: Self.policy)
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "release-1", "--push", in: agent)
        try #require(proposed.status == 0, "propose: \(proposed.stderr)")
        for (name, principal) in [("alice", TeamFlowTests.alice), ("carol", TeamFlowTests.carol)] {
            let clone = try team.clone(name, as: principal)
            let approved = try CLI.run("approve", "release-1", "--push", in: clone)
            try #require(approved.status == 0, "approve: \(approved.stderr)")
        }

        // The check as the workflow runs it: a clone of the base with every
        // branch fetched (the ledger as origin/writ/ledger), the pull
        // request's head fetched as objects.
        let checkout = team.root.appendingPathComponent("ci")
        try GitTestSupport.git(team.root, "clone", "-q", team.central.path, checkout.path)
        try GitTestSupport.git(checkout, "fetch", "-q", "origin", "+approval/release-1:refs/writ/pr-head")
        let base = try GitTestSupport.git(checkout, "rev-parse", "origin/main")
        let head = try GitTestSupport.git(checkout, "rev-parse", "refs/writ/pr-head")
        for (author, role) in [("writ-dispatch[bot]", "member"), ("bob", "member"), ("alice", "admin")] {
            let event = team.root.appendingPathComponent("event-\(role)-\(author.filter(\.isLetter)).json")
            let payload: [String: Any] = [
                "pull_request": [
                    "number": 3, "user": ["login": author], "base": ["sha": base], "head": ["sha": head],
                ]
            ]
            try JSONSerialization.data(withJSONObject: payload).write(to: event)
            let run = try CLI.run("check-pr", "--repo", checkout.path, "--event", event.path, "--json")
            let report = try run.jsonObject()
            #expect(report["status"] as? String == "pass", "\(author): \(report)")
            #expect(report["role"] as? String == role)
            #expect((report["findings"] as? [Any])?.isEmpty == true, "\(author): \(report)")
            #expect(run.status == 0)
        }

        // Near miss: an author the base's [members] does not list.
        let event = team.root.appendingPathComponent("event-stranger.json")
        try JSONSerialization.data(withJSONObject: [
            "pull_request": ["number": 3, "user": ["login": "stranger"], "base": ["sha": base], "head": ["sha": head]]
        ]).write(to: event)
        let stranger = try CLI.run("check-pr", "--repo", checkout.path, "--event", event.path, "--json")
        #expect(stranger.status == 1)
        #expect(try stranger.jsonObject()["status"] as? String == "blocked")
    }
}
