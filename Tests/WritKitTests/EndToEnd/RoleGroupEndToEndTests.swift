import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §4.6 through the `writ` binary and stock git: a release that needs
/// an admin and a security approver runs only once both records are merged,
/// and every reader (dispatcher, status, show, verify --json) gives the
/// same state and reason at every step.
@Suite struct RoleGroupEndToEndTests {
    static let sam = "sam@example.com"
    static let principals = [
        TeamFlowTests.agent, TeamFlowTests.alice, TeamFlowTests.carol, Self.sam, TeamFlowTests.dispatcher,
    ]

    /// The demo policy with a security role and a high tier that needs one
    /// admin and, in a group of its own, one security approver.
    static let policy = PolicyFixture(
        tiers: [
            PolicyFixture.demoTiers[0], PolicyFixture.demoTiers[1],
            PolicyFixture.Tier("high", approvals: 1, roles: ["admin"], require: [.init(1, of: ["security"])]),
        ],
        roles: PolicyFixture.demoRoles + [PolicyFixture.Entry("security", [Self.sam])]
    ).text

    /// The intent's state and reason as `status --json`, `show --json` and
    /// the dispatcher's report give them; all three must agree.
    static func replays(
        _ id: String, in clone: URL, dispatch: GitTestSupport.Output, config: URL,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (state: String, reason: String?, detail: String) {
        try GitTestSupport.git(clone, "fetch", "-q", "origin")
        let status = try CLI.run("status", "--json", in: clone)
        try #require(status.status == 0, "status: \(status.stderr)", sourceLocation: sourceLocation)
        let row = try #require(
            try status.jsonLines().first { $0["type"] as? String == "intent" && $0["id"] as? String == id },
            sourceLocation: sourceLocation)
        let show = try CLI.run("show", id, "--json", in: clone)
        try #require(show.status == 0, "show: \(show.stderr)", sourceLocation: sourceLocation)
        let shown = try show.jsonObject()
        let report = try #require(
            try dispatch.jsonLines().last?["intents"] as? [[String: Any]], sourceLocation: sourceLocation)
        let entry = report.first { $0["id"] as? String == id }
        let state = try #require(row["state"] as? String, sourceLocation: sourceLocation)
        #expect(shown["state"] as? String == state, "show: \(show.stdout)", sourceLocation: sourceLocation)
        #expect(shown["reason"] as? String == row["reason"] as? String, sourceLocation: sourceLocation)
        // The dispatcher reports what it did with the intent: ran it, or why not.
        if state == "blocked" {
            #expect(entry?["result"] as? String == "blocked", "\(dispatch.stdout)", sourceLocation: sourceLocation)
            #expect(entry?["reason"] as? String == row["reason"] as? String, sourceLocation: sourceLocation)
        } else {
            #expect(entry?["result"] as? String == state, "\(dispatch.stdout)", sourceLocation: sourceLocation)
        }
        // `writ verify --json` replays the same intent to the same state.
        let verified = try CLI.run("verify", "--config", config.path, "--json")
        let summary = try verified.jsonLines().last { $0["type"] as? String == "summary" }
        let states = summary?["intent_states"] as? [[String: Any]] ?? []
        let line = states.first { $0["id"] as? String == id }
        #expect(line?["state"] as? String == state, "verify: \(verified.stdout)", sourceLocation: sourceLocation)
        #expect(line?["reason"] as? String == row["reason"] as? String, sourceLocation: sourceLocation)
        return (state, row["reason"] as? String, row["detail"] as? String ?? "")
    }

    @Test func aReleaseNeedingAnAdminAndASecurityApproverRunsOnlyAfterBothAreMerged() throws {
        let team = try TeamFlowTests.Team(policy: Self.policy, principals: Self.principals)
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let alice = try team.clone("alice", as: TeamFlowTests.alice)
        let sam = try team.clone("sam", as: Self.sam)
        let host = try team.clone("dispatch", as: TeamFlowTests.dispatcher)

        let runs = team.root.appendingPathComponent("runs.txt")
        let config = try team.dispatcherConfig(
            host: host,
            executors: """
                [executors.release]
                command = ["/bin/sh", "-c", "echo \\"$WRIT_INTENT_ID\\" >> \(runs.path)"]
                timeout = "1m"
                env_allowlist = ["PATH"]

                """)
        func ran() -> [String] {
            ((try? String(contentsOf: runs, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func approveAndMerge(in clone: URL) throws {
            let approved = try CLI.run("approve", "release-1", "--push", in: clone)
            try #require(approved.status == 0, "approve: \(approved.stderr)")
            try GitTestSupport.git(clone, "fetch", "-q", "origin")
            try GitTestSupport.git(clone, "merge", "-q", "--ff-only", "origin/main")
            try GitTestSupport.git(
                clone, "merge", "-q", "--no-ff", "-m", "Merge approval/release-1", "origin/approval/release-1")
            try GitTestSupport.git(clone, "push", "-q", "origin", "main")
        }

        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "release-1", "--push", in: agent)
        try #require(proposed.status == 0, "propose: \(proposed.stderr)")

        // The admin alone: the tier's own count is met, the security group is not.
        try approveAndMerge(in: alice)
        let first = try CLI.run("dispatch", "--config", config.path, "--once", "--json")
        let blocked = try Self.replays("release-1", in: agent, dispatch: first, config: config)
        #expect(blocked.state == "blocked")
        #expect(blocked.reason == "not_approved")
        #expect(blocked.detail.contains("security"), "\(blocked.detail)")
        #expect(ran().isEmpty)

        // The security approver's record merged too: it runs, once.
        try approveAndMerge(in: sam)
        let second = try CLI.run("dispatch", "--config", config.path, "--once", "--json")
        #expect(second.status == 0, "dispatch: \(second.stdout) \(second.stderr)")
        let done = try Self.replays("release-1", in: agent, dispatch: second, config: config)
        #expect(done.state == "succeeded")
        #expect(ran() == ["release-1"])
        let shown = try CLI.run("show", "release-1", "--json", in: agent).jsonObject()
        let counted = (shown["counted"] as? [[String: Any]] ?? []).compactMap { $0["approver"] as? String }
        #expect(Set(counted) == [TeamFlowTests.alice, Self.sam], "\(shown)")

        let verified = try CLI.run("verify", "--config", config.path, "--json")
        #expect(verified.status == 0, "verify: \(verified.stdout) \(verified.stderr)")
    }
}
