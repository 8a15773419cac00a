import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ check-pr` judges every actor the forge says touched the pull
/// request (author, sender, each commit's author and committer), refuses a
/// criss-cross history, and says which governance state judged, refusing a
/// base off the governance branch.
@Suite struct CheckPRActorsTests {
    typealias Repo = CheckPRTests.Repo

    /// Runs `check-pr --event` with a pull_request payload: `author` opened
    /// it, `sender` sent the event; `eventCommits` is a push-shaped
    /// `commits` array in the payload, `commitsList` a `--commits` file.
    static func checkEvent(
        _ repo: Repo, head: String, author: String, sender: String?, eventCommits: [[String: Any]]? = nil,
        commitsList: [[String: Any]]? = nil, extra: [String] = []
    ) throws -> (status: Int32, report: [String: Any], stderr: String) {
        var payload: [String: Any] = [
            "action": "synchronize",
            "number": 9,
            "pull_request": [
                "number": 9,
                "user": ["login": author],
                "base": ["sha": try GitTestSupport.git(repo.work, "rev-parse", "main"), "ref": "main"],
                "head": ["sha": try GitTestSupport.git(repo.work, "rev-parse", head), "ref": head],
            ],
        ]
        if let sender { payload["sender"] = ["login": sender] }
        if let eventCommits { payload["commits"] = eventCommits }
        let event = repo.root.appendingPathComponent("event-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: payload).write(to: event)
        var arguments = ["check-pr", "--repo", repo.work.path, "--event", event.path, "--json"] + extra
        if let commitsList {
            let file = repo.root.appendingPathComponent("commits-\(UUID().uuidString).json")
            try JSONSerialization.data(withJSONObject: commitsList).write(to: file)
            arguments += ["--commits", file.path]
        }
        let run = try CLI.runArgs(arguments)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
            "\(run.stdout) \(run.stderr)")
        return (run.status, report, run.stderr)
    }

    static func findings(_ report: [String: Any]) -> [[String: Any]] {
        report["findings"] as? [[String: Any]] ?? []
    }

    /// A GitHub "list commits on a pull request" entry.
    static func listed(_ sha: String, author: String?, committer: String?) -> [String: Any] {
        [
            "sha": sha, "author": author.map { ["login": $0] as Any } ?? NSNull(),
            "committer": committer.map { ["login": $0] as Any } ?? NSNull(),
        ]
    }

    static func workflowChange(_ repo: Repo) throws -> String {
        try repo.branch("admin-pr") { try $0.write(".github/workflows/check.yml", "on: push\n") }
    }

    /// An admin's pull request changing a workflow: an agent's push onto it
    /// (the event's sender) blocks it; the admin's own push passes.
    @Test func anAgentsPushOntoAnAdminsPullRequestIsJudgedAsTheAgent() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let head = try Self.workflowChange(repo)

        let pushed = try Self.checkEvent(repo, head: head, author: "alice", sender: "writ-agent[bot]")
        #expect(pushed.status == 1, "\(pushed.report) \(pushed.stderr)")
        #expect(pushed.report["status"] as? String == "blocked")
        #expect(pushed.report["actor"] as? String == "writ-agent[bot]")
        #expect(pushed.report["role"] as? String == "member")
        // Blocked, but the admin's pull request is not closed for another's push.
        #expect(pushed.report["close_recommended"] as? Bool == false)
        let finding = try #require(Self.findings(pushed.report).first)
        #expect(finding["reason"] as? String == "path_admin_only")
        #expect(finding["path"] as? String == ".github/workflows/check.yml")
        #expect(finding["actor"] as? String == "writ-agent[bot]")
        let actors = try #require(pushed.report["actors"] as? [[String: Any]])
        #expect(actors.map { $0["login"] as? String } == ["writ-agent[bot]", "alice"])
        #expect(actors.map { $0["as"] as? [String] } == [["sender"], ["pr_author"]])
        #expect(actors.map { $0["role"] as? String } == ["member", "admin"])

        // Near miss: the admin pushed; the same change passes.
        let own = try Self.checkEvent(repo, head: head, author: "alice", sender: "alice")
        #expect(own.status == 0, "\(own.report) \(own.stderr)")
        #expect(own.report["status"] as? String == "pass")
        #expect(Self.findings(own.report).isEmpty)
        let one = try #require(own.report["actors"] as? [[String: Any]])
        #expect(one.count == 1 && one.first?["as"] as? [String] == ["pr_author", "sender"])
    }

    /// A blocked or unknown sender decides, whoever opened the pull request.
    @Test func aBlockedOrUnknownSenderDecides() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let head = try Self.workflowChange(repo)
        let blocked = try Self.checkEvent(repo, head: head, author: "alice", sender: "mallory")
        #expect(blocked.status == 1)
        #expect(Self.findings(blocked.report).map { $0["reason"] as? String }.contains("actor_blocked"))
        #expect(blocked.report["actor"] as? String == "mallory")
        #expect(blocked.report["close_recommended"] as? Bool == false)
        // Near miss: the blocked login opened it too: closing is recommended.
        let opened = try Self.checkEvent(repo, head: head, author: "mallory", sender: "alice")
        #expect(opened.status == 1)
        #expect(opened.report["close_recommended"] as? Bool == true)
        let unknown = try Self.checkEvent(repo, head: head, author: "alice", sender: "dana")
        #expect(unknown.status == 1)
        #expect(unknown.report["role"] as? String == "unknown")
        #expect(Self.findings(unknown.report).first?["actor"] as? String == "dana")
        // A login compares without case: the same admin twice is one actor.
        let same = try Self.checkEvent(repo, head: head, author: "alice", sender: "ALICE")
        #expect(same.status == 0, "\(same.report)")
        #expect((same.report["actors"] as? [Any])?.count == 1)
    }

    /// With a commits list, every commit's author and committer is judged
    /// and every commit of the pull request must be on the list.
    @Test func everyCommitsAuthorAndCommitterIsJudged() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let head = try Self.workflowChange(repo)
        let sha = try GitTestSupport.git(repo.work, "rev-parse", head)

        // The agent made the commit; the admin pushed it (or edited the pull request).
        let agentCommit = try Self.checkEvent(
            repo, head: head, author: "alice", sender: "alice",
            commitsList: [Self.listed(sha, author: "writ-agent[bot]", committer: "alice")])
        #expect(agentCommit.status == 1, "\(agentCommit.report)")
        #expect(Self.findings(agentCommit.report).first?["actor"] as? String == "writ-agent[bot]")
        let actors = try #require(agentCommit.report["actors"] as? [[String: Any]])
        #expect(actors.first?["as"] as? [String] == ["commit_author"])

        // The agent committed (amended or cherry-picked) the admin's commit.
        let agentCommitter = try Self.checkEvent(
            repo, head: head, author: "alice", sender: "alice",
            commitsList: [Self.listed(sha, author: "alice", committer: "writ-agent[bot]")])
        #expect(agentCommitter.status == 1, "\(agentCommitter.report)")

        // A push event's shape in the payload itself counts the same.
        let inEvent = try Self.checkEvent(
            repo, head: head, author: "alice", sender: "alice",
            eventCommits: [
                ["id": sha, "author": ["username": "writ-agent[bot]"], "committer": ["username": "alice"]]
            ])
        #expect(inEvent.status == 1, "\(inEvent.report)")

        // Near miss: the admin's own commit, made in the web interface
        // (GitHub's web committer), and one whose author no account holds.
        let own = try Self.checkEvent(
            repo, head: head, author: "alice", sender: "alice",
            commitsList: [Self.listed(sha, author: "alice", committer: "web-flow")])
        #expect(own.status == 0, "\(own.report)")
        #expect(own.report["status"] as? String == "pass")
        let unlinked = try Self.checkEvent(
            repo, head: head, author: "alice", sender: "alice",
            commitsList: [Self.listed(sha, author: nil, committer: nil)])
        #expect(unlinked.status == 0, "\(unlinked.report)")

        // A commit the list leaves out is made by someone unknown: blocked, not closed.
        let missing = try Self.checkEvent(repo, head: head, author: "alice", sender: "alice", commitsList: [])
        #expect(missing.status == 1, "\(missing.report)")
        let finding = try #require(Self.findings(missing.report).first)
        #expect(finding["reason"] as? String == "actor_unknown")
        #expect((finding["message"] as? String)?.contains(sha) == true, "\(finding)")
        #expect(missing.report["close_recommended"] as? Bool == false)

        // A list that is not a commits list is an error, never a pass.
        let file = repo.root.appendingPathComponent("bad.json")
        try Data(#"{"sha": "x"}"#.utf8).write(to: file)
        let bad = try CLI.run(
            "check-pr", "--repo", repo.work.path, "--base", "main", "--head", head, "--actor", "alice", "--commits",
            file.path)
        #expect(bad.status == 3, "\(bad.stdout) \(bad.stderr)")
    }

    /// `--actor` repeats, and joins the event's actors rather than replacing them.
    @Test func namedActorsAddToTheEventsActors() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let head = try Self.workflowChange(repo)
        let both = try CLI.run(
            "check-pr", "--repo", repo.work.path, "--base", "main", "--head", head, "--actor", "alice", "--actor",
            "bob", "--json")
        #expect(both.status == 1)
        #expect(try both.jsonObject()["actor"] as? String == "bob")
        let added = try Self.checkEvent(repo, head: head, author: "alice", sender: "alice", extra: ["--actor", "bob"])
        #expect(added.status == 1, "\(added.report)")
        // Each actor must be allowed every change: a member's push onto an
        // unknown login's own join request is not the member's to make.
        let join = try repo.branch("join") { try $0.write("join-requests/dana.toml", CheckPRTests.joinRequestDana) }
        let alone = try repo.check(join, actor: "dana")
        #expect(alone.status == 0, "\(alone.report)")
        let pushed = try CLI.run(
            "check-pr", "--repo", repo.work.path, "--base", "main", "--head", join, "--actor", "dana", "--actor", "bob",
            "--json")
        #expect(pushed.status == 1)
        let finding = try #require(Self.findings(try pushed.jsonObject()).first)
        #expect(finding["reason"] as? String == "path_admin_only" && finding["actor"] as? String == "bob")
        // The terminal view escapes a hostile login.
        let hostile = try CLI.run(
            "check-pr", "--repo", repo.work.path, "--base", "main", "--head", head, "--actor", "alice", "--actor",
            "eve\u{1B}]52;c;AAAA\u{07}")
        #expect(hostile.status == 1)
        #expect(!hostile.stdout.contains("\u{1B}") && hostile.stdout.contains("eve\\u{1b}]52"), "\(hostile.stdout)")
    }

    /// A criss-cross history (two merge bases) is blocked, not passed and
    /// not an error; merging the base's tip into the head makes one base.
    @Test func aCrissCrossHistoryIsBlocked() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let work = repo.work
        let head = try repo.branch("pr", CheckPRTests.fileRecord("bob@example.com"))
        try repo.write("README.md", "the ops repository, edited\n")
        try GitTestSupport.git(work, "commit", "-q", "-am", "admin edit")
        let edit = try GitTestSupport.git(work, "rev-parse", "HEAD")
        // Each side merges the other's commit: main takes pr, pr takes
        // the admin's edit.
        try GitTestSupport.git(work, "merge", "-q", "--no-ff", "-m", "take pr", head)
        try GitTestSupport.git(work, "checkout", "-q", head)
        try GitTestSupport.git(work, "merge", "-q", "--no-ff", "-m", "take edit", edit)
        try GitTestSupport.git(work, "checkout", "-q", "main")
        let bases = try GitTestSupport.git(work, "merge-base", "--all", "main", head)
        try #require(bases.split(separator: "\n").count == 2, "\(bases)")

        let run = try CLI.run(
            "check-pr", "--repo", work.path, "--base", "main", "--head", head, "--actor", "bob", "--json")
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        let report = try run.jsonObject()
        #expect(report["status"] as? String == "blocked")
        #expect(report["close_recommended"] as? Bool == false)
        let finding = try #require(Self.findings(report).first)
        #expect(finding["reason"] as? String == "history_rewritten")
        #expect((finding["message"] as? String)?.contains("2 merge bases") == true)
        #expect(finding["actor"] is NSNull)
        // The same for an admin: nobody's merge of a criss-cross is judged.
        let admin = try CLI.run(
            "check-pr", "--repo", work.path, "--base", "main", "--head", head, "--actor", "alice", "--json")
        #expect(admin.status == 1)

        // Near miss: the head merges the base's tip, so there is one merge base.
        try GitTestSupport.git(work, "checkout", "-q", head)
        try GitTestSupport.git(work, "merge", "-q", "--no-ff", "-m", "catch up", "main")
        try GitTestSupport.git(work, "checkout", "-q", "main")
        let fixed = try CLI.run(
            "check-pr", "--repo", work.path, "--base", "main", "--head", head, "--actor", "bob", "--json")
        #expect(fixed.status == 0, "\(fixed.stdout) \(fixed.stderr)")
        #expect(try fixed.jsonObject()["status"] as? String == "pass")
    }

    /// The output names the governance state that judged (base commit and
    /// version, text and JSON); a base that is neither the governance
    /// branch's tip nor an ancestor of it is refused (trust_root_missing,
    /// exit 3), whether the branch is local or only remote-tracking.
    @Test func theBaseIsNamedAndMustBeOnTheGovernanceBranch() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let work = repo.work
        let old = try GitTestSupport.git(work, "rev-parse", "main")
        let oldVersion = try Policy.parse(Data(CheckPRTests.policy.utf8)).governanceVersion
        let head = try repo.branch("pr", CheckPRTests.fileRecord("bob@example.com"))
        try repo.write("policy.toml", withGovernanceVersion(oldVersion + 1, CheckPRTests.policy))
        try GitTestSupport.git(work, "commit", "-q", "-am", "governance version + 1")
        let tip = try GitTestSupport.git(work, "rev-parse", "main")
        // A branch off the governance branch whose policy makes bob an admin.
        let forged = try repo.branch("forged") { repo in
            try repo.write(
                "policy.toml",
                CheckPRTests.policy.replacingOccurrences(
                    of: "admin = [\"alice@example.com\", \"carol@example.com\"]",
                    with: "admin = [\"alice@example.com\", \"carol@example.com\", \"bob@example.com\"]"))
        }
        func check(base: String, _ extra: String...) throws -> GitTestSupport.Output {
            try CLI.runArgs(
                ["check-pr", "--repo", work.path, "--base", base, "--head", head, "--actor", "bob"] + extra)
        }

        let atTip = try check(base: "main", "--json")
        #expect(atTip.status == 0, "\(atTip.stdout) \(atTip.stderr)")
        let judged = try #require(try atTip.jsonObject()["base"] as? [String: Any])
        #expect(judged["commit"] as? String == tip)
        #expect(judged["version"] as? Int == oldVersion + 1)
        #expect(judged["governance_tip"] as? String == tip)
        let text = try check(base: "main")
        #expect(text.stdout.contains("judged by governance version \(oldVersion + 1) at base \(tip)"), "\(text.stdout)")

        // An ancestor is judged by its own state, and the output says so.
        let behind = try check(base: old, "--json")
        #expect(behind.status == 0, "\(behind.stdout) \(behind.stderr)")
        let ancestor = try #require(try behind.jsonObject()["base"] as? [String: Any])
        #expect(ancestor["commit"] as? String == old && ancestor["version"] as? Int == oldVersion)
        #expect(ancestor["governance_tip"] as? String == tip)
        #expect(try check(base: old).stdout.contains("behind the governance tip \(tip)"))

        // Off the governance branch: refused, with its reason code.
        let off = try check(base: forged, "--json")
        #expect(off.status == 3, "\(off.stdout) \(off.stderr)")
        #expect(try off.jsonObject()["reason"] as? String == "trust_root_missing")
        #expect(off.stderr.contains("trust_root_missing"))

        // The same with only the remote-tracking branch, as a CI checkout has.
        try GitTestSupport.git(work, "update-ref", "refs/remotes/origin/main", "main")
        try GitTestSupport.git(work, "checkout", "-q", "--detach", "main")
        try GitTestSupport.git(work, "branch", "-q", "-D", "main")
        #expect(try check(base: forged).status == 3)
        #expect(try check(base: tip).status == 0)
        // Without the governance branch at all, the base is taken as given.
        let none = try check(base: forged, "--governance-ref", "no-such-branch", "--json")
        #expect(none.status == 0, "\(none.stdout) \(none.stderr)")
        #expect((try none.jsonObject()["base"] as? [String: Any])?["governance_tip"] is NSNull)
    }

    /// Actors merge by login without case, and the least privileged is
    /// judged first.
    @Test func actorsMergeWithoutCase() {
        let merged = PullRequestCheck.Actor.merged([
            .init(login: "Alice", touches: [.prAuthor]), .init(login: "bob", touches: [.sender]),
            .init(login: "alice", touches: [.commitAuthor]), .init(login: "\u{212A}", touches: [.named]),
            .init(login: "k", touches: [.named]),
        ])
        #expect(merged.map(\.login) == ["Alice", "bob", "\u{212A}", "k"])
        #expect(merged.first?.touches == [.prAuthor, .commitAuthor])
    }
}
