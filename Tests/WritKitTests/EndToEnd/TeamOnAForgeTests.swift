import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The approval loop as a team lives it, end to end through the `writ`
/// binary, stock git and the fake forge: `writ init --bare`, two admins, an
/// operator, an agent and a dispatcher in their own clones; the dispatcher
/// opens the approval pull request; both admins `approve --push` onto the
/// same branch; the pull request's body says "2 of 2 signed, ready to
/// merge" with the proposer and the expiry; `writ check-pr --event` passes
/// it whoever opened it (the dispatcher's `[members]` login, the operator)
/// and still refuses a record signed in another's name; a stock-git merge;
/// the dispatcher runs the intent once, and the final comment names the run
/// that executed it.
@Suite(.serialized) struct TeamOnAForgeTests {
    static let token = "forge-token-team-51c0"
    static let opsSlug = "github.com/acme/ops"

    @Test func approvalByMergingTheApprovalPullRequest() throws {
        let team = try TeamFlowTests.Team(policy: ApprovalPRCheckTests.policy)
        defer { team.remove() }
        let forge = try FakeForge(.github, token: Self.token, ledger: team.central.path, in: team.root)
        defer { forge.stop() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let alice = try team.clone("alice", as: TeamFlowTests.alice)
        let carol = try team.clone("carol", as: TeamFlowTests.carol)
        let host = try team.clone("dispatch", as: TeamFlowTests.dispatcher)

        let proposed = try CLI.run(
            "propose", "--kind", "release", "--target", "example/app", "--id", "release-1", "--param",
            "version=1.2.0", "--expires", "7d", "--push", in: agent)
        try #require(proposed.status == 0, "propose: \(proposed.stderr)")

        // The dispatcher host: live transport for approval PRs only.
        let targets = team.root.appendingPathComponent("targets")
        try FileManager.default.createDirectory(
            at: targets.appendingPathComponent("example"), withIntermediateDirectories: true)
        try GitTestSupport.git(targets.appendingPathComponent("example"), "init", "-q", "app")
        let runs = team.root.appendingPathComponent("runs.txt")
        let config = team.root.appendingPathComponent("dispatcher.toml")
        // The forge token from an env_file only the dispatcher reads.
        let envFile = team.root.appendingPathComponent("writ.env")
        FileManager.default.createFile(
            atPath: envFile.path, contents: Data("WRIT_FORGE_TOKEN=\(Self.token)\n".utf8),
            attributes: [.posixPermissions: 0o600])
        try GitTestSupport.write(
            """
            env_file = "\(envFile.path)"
            ops_repo = "\(host.path)"
            remote = "origin"
            identity = "\(TeamFlowTests.dispatcher)"
            signing_key = "\(try #require(team.keys[TeamFlowTests.dispatcher]))"
            state_dir = "\(team.root.appendingPathComponent("state").path)"
            trust_root = "\(team.trustRoot)"
            clone_root = "\(targets.path)"

            [executors.release]
            command = ["/bin/sh", "-c", "echo \\"$WRIT_INTENT_ID\\" >> \(runs.path)"]
            timeout = "1m"

            [transport]
            mode = "live"
            forge = "github"
            api_url = "\(forge.apiURL)"
            token_secret = "WRIT_FORGE_TOKEN"
            allow_repos = []
            sandbox_repos = ["\(Self.opsSlug)"]
            approval_prs = true
            ops_repo_slug = "\(Self.opsSlug)"

            """, to: config)
        func dispatch() throws -> GitTestSupport.Output {
            try CLI.run("dispatch", "--config", config.path, "--once", "--json")
        }
        func pullRequest() throws -> [String: Any] {
            let pulls = try forge.state("acme/ops")["pulls"] as? [[String: Any]] ?? []
            #expect(pulls.count == 1, "one approval pull request: \(pulls.count)")
            return try #require(pulls.first)
        }
        let code = UntrustedText.markdownCode

        // The poll opens the pull request; nobody has signed yet.
        let first = try dispatch()
        #expect(first.status == 0, "waiting for approvals is no failure: \(first.stdout) \(first.stderr)")
        var body = try pullRequest()["body"] as? String ?? ""
        #expect(body.contains("**0 of 2 signed**"), "\(body)")

        // Both admins sign onto the same branch.
        for clone in [alice, carol] {
            let approved = try CLI.run("approve", "release-1", "--push", in: clone)
            try #require(approved.status == 0, "approve: \(approved.stderr)")
        }
        _ = try dispatch()
        let pull = try pullRequest()
        body = pull["body"] as? String ?? ""
        #expect(body.contains("**2 of 2 signed, ready to merge**"), "\(body)")
        #expect(body.contains("| proposer | \(code(TeamFlowTests.agent)) |"), "\(body)")
        #expect(body.contains("| expires | "), "\(body)")
        #expect(body.contains("only a signed record does"), "\(body)")
        #expect((pull["head"] as? [String: Any])?["ref"] as? String == "approval/release-1")

        // check-pr as the workflow runs it, on the pull request's base and head.
        let checkout = team.root.appendingPathComponent("ci")
        try GitTestSupport.git(team.root, "clone", "-q", team.central.path, checkout.path)
        try GitTestSupport.git(checkout, "fetch", "-q", "origin", "+approval/release-1:refs/writ/pr-head")
        let base = try GitTestSupport.git(checkout, "rev-parse", "origin/main")
        let head = try GitTestSupport.git(checkout, "rev-parse", "refs/writ/pr-head")
        func check(author: String, head: String) throws -> (GitTestSupport.Output, [String: Any]) {
            let event = team.root.appendingPathComponent("event-\(UUID().uuidString).json")
            let payload: [String: Any] = [
                "pull_request": [
                    "number": pull["number"] as? Int ?? 1, "user": ["login": author], "base": ["sha": base],
                    "head": ["sha": head],
                ]
            ]
            try JSONSerialization.data(withJSONObject: payload).write(to: event)
            let run = try CLI.run("check-pr", "--repo", checkout.path, "--event", event.path, "--json")
            return (run, try run.jsonObject())
        }
        for author in ["writ-dispatch[bot]", "bob"] {
            let (run, report) = try check(author: author, head: head)
            #expect(run.status == 0 && report["status"] as? String == "pass", "\(author): \(report)")
        }

        // A record signed by carol but filed as alice's is not alice's.
        let forged = team.root.appendingPathComponent("forged")
        try GitTestSupport.git(team.root, "clone", "-q", team.central.path, forged.path)
        try GitTestSupport.git(forged, "switch", "-q", "-c", "forged", "origin/main")
        let id = try #require(IntentID("release-1"))
        let folder = forged.appendingPathComponent("approvals/\(id.fanOut)/release-1")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let carolsRecord = try GitTestSupport.git(
            checkout, "show", "refs/writ/pr-head:approvals/\(id.fanOut)/release-1/\(TeamFlowTests.carol).toml")
        let record = folder.appendingPathComponent("\(TeamFlowTests.alice).toml")
        try GitTestSupport.write(
            carolsRecord.replacingOccurrences(of: TeamFlowTests.carol, with: TeamFlowTests.alice) + "\n", to: record)
        try GitTestSupport.run(
            "/usr/bin/ssh-keygen",
            [
                "-Y", "sign", "-q", "-f", try #require(team.keys[TeamFlowTests.carol]), "-n", "writ-approval",
                record.path,
            ])
        try GitTestSupport.git(forged, "add", "-A")
        try GitTestSupport.git(forged, "commit", "-q", "-m", "alice's approval")
        try GitTestSupport.git(forged, "push", "-q", "origin", "forged")
        try GitTestSupport.git(checkout, "fetch", "-q", "origin", "+forged:refs/writ/forged")
        let (refused, report) = try check(
            author: "bob", head: try GitTestSupport.git(checkout, "rev-parse", "refs/writ/forged"))
        #expect(refused.status == 1, "\(report)")
        let reasons = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons.contains("record_not_own"), "\(report)")

        // A person merges with stock git, the linear recipe; the dispatcher runs it once.
        try GitTestSupport.git(alice, "fetch", "-q", "origin")
        try GitTestSupport.git(alice, "switch", "-q", "-C", "main", "origin/main")
        try GitTestSupport.git(
            alice, "merge", "-q", "--no-ff", "-m", "Merge approval/release-1", "origin/approval/release-1")
        try GitTestSupport.git(alice, "push", "-q", "origin", "main")
        let executing = try dispatch()
        #expect(executing.status == 0, "\(executing.stdout) \(executing.stderr)")
        _ = try dispatch()
        #expect((try? String(contentsOf: runs, encoding: .utf8)) == "release-1\n")

        // The final comment names the run that executed it.
        try GitTestSupport.git(agent, "fetch", "-q", "origin")
        let claimPath = try #require(
            try GitTestSupport.git(agent, "ls-tree", "-r", "--name-only", "origin/writ/ledger", "audit/")
                .split(separator: "\n").first { $0.hasSuffix("-claimed.json") })
        let claim = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try GitTestSupport.git(agent, "show", "origin/writ/ledger:\(claimPath)").utf8))
                as? [String: Any])
        let runID = try #require(claim["run_id"] as? String)
        let comments = try forge.state("acme/ops")["comments"] as? [[String: Any]] ?? []
        let finals = comments.compactMap { $0["body"] as? String }.filter { $0.contains("**succeeded**") }
        #expect(finals.count == 1, "\(comments)")
        #expect(finals.first?.contains("in run \(code(runID))") == true, "\(finals)")
        #expect(try pullRequest()["state"] as? String == "open", "writ never merges or closes")
    }
}
