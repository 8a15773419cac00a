import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The composite actions and example workflows: they parse as YAML and name
/// only inputs that exist, and `action/check-pr` runs end to end as a runner
/// would, against the fake forge.
@Suite(.serialized) struct CheckPRActionTests {
    static let actions = ["action/setup-writ", "action/check-pr"]
    static let workflows = ["docs/workflows/writ-pr-policy.yml", "docs/workflows/forgejo/writ-pr-policy.yml"]
    static let runner = RepoRoot.url.appendingPathComponent("Tests/WritKitTests/Transport/Servers/run_action.py").path

    /// Runs Python with PyYAML (`/usr/bin/python3`, Debian's python3-yaml).
    private func python(_ script: String, _ arguments: [String] = []) throws -> GitTestSupport.Output {
        try GitTestSupport.run(try PythonServers.python(), ["-c", script] + arguments)
    }

    @Test func actionsAndWorkflowsParseAndNameOnlyDeclaredInputs() throws {
        let script = """
            import re, sys, yaml
            root = sys.argv[1]
            declared = {}
            for action in ["action/setup-writ", "action/check-pr"]:
                spec = yaml.safe_load(open(root + "/" + action + "/action.yml"))
                assert spec["runs"]["using"] == "composite", action
                names = set((spec.get("inputs") or {}).keys())
                declared[action] = names
                text = open(root + "/" + action + "/action.yml").read()
                for used in re.findall(r"inputs\\.([A-Za-z0-9_-]+)", text):
                    assert used in names, "%s uses undeclared input %s" % (action, used)
            for workflow in sys.argv[2:]:
                spec = yaml.safe_load(open(root + "/" + workflow))
                for job in spec["jobs"].values():
                    for step in job["steps"]:
                        uses = step.get("uses", "")
                        for action in declared:
                            if uses.split("@")[0].endswith(action):
                                extra = set((step.get("with") or {}).keys()) - declared[action]
                                assert not extra, "%s passes undeclared inputs %s" % (workflow, extra)
                trigger = spec.get("on") or spec.get(True)
                assert "pull_request_target" in trigger, workflow
                checkout = [s for j in spec["jobs"].values() for s in j["steps"] if "checkout" in s.get("uses", "")]
                assert checkout and "base.sha" in checkout[0]["with"]["ref"], workflow + " must check out the base"
            print("ok")
            """
        let output = try python(script, [RepoRoot.url.path] + Self.workflows)
        #expect(output.status == 0 && output.trimmed == "ok", "\(output.stdout) \(output.stderr)")
    }

    /// What one run of the action did.
    struct Run {
        let status: Int32
        let outputs: [String: Any]
        let summary: String
        let stderr: String
    }

    /// Runs the action on pull request `number` (head `head`) as a runner
    /// would: `actor` opened it and sent the event; the forge lists the
    /// pull request's commits as made by `committer` (default `actor`).
    private func runAction(
        _ repo: CheckPRTests.Repo, forge: FakeForge, head: String, actor: String, number: Int,
        inputs: [String: String], committer: String? = nil
    ) throws -> Run {
        let event = repo.root.appendingPathComponent("event-\(UUID().uuidString).json")
        let payload: [String: Any] = [
            "number": number,
            "pull_request": [
                "number": number, "user": ["login": actor],
                "base": ["sha": try GitTestSupport.git(repo.work, "rev-parse", "main")],
                "head": ["sha": try GitTestSupport.git(repo.work, "rev-parse", head)],
            ],
            "sender": ["login": actor],
        ]
        try JSONSerialization.data(withJSONObject: payload).write(to: event)
        let shas = try GitTestSupport.git(repo.work, "rev-list", "main..\(head)").split(separator: "\n")
        try forge.seed(
            "acme/ops",
            [
                "commits_of": number,
                "commits": shas.map { sha -> [String: Any] in
                    [
                        "sha": String(sha), "author": ["login": committer ?? actor],
                        "committer": ["login": committer ?? actor],
                    ]
                },
            ])
        let output = repo.root.appendingPathComponent("output")
        let summary = repo.root.appendingPathComponent("summary-\(UUID().uuidString).md")
        FileManager.default.createFile(atPath: output.path, contents: Data())
        FileManager.default.createFile(atPath: summary.path, contents: Data())
        let binDirectory = (CLI.binary as NSString).deletingLastPathComponent
        let run = try GitTestSupport.run(
            "/usr/bin/env",
            [
                "-i", "PATH=\(binDirectory):/usr/bin:/bin", "HOME=/root", "GITHUB_EVENT_PATH=\(event.path)",
                "GITHUB_OUTPUT=\(output.path)", "GITHUB_STEP_SUMMARY=\(summary.path)",
                "GITHUB_API_URL=\(forge.apiURL)", "GITHUB_REPOSITORY=acme/ops", "GITHUB_TOKEN=\(forge.token)",
                "PYTHONDONTWRITEBYTECODE=1",
                try PythonServers.python(), Self.runner, RepoRoot.url.appendingPathComponent("action/check-pr").path,
                String(decoding: try JSONSerialization.data(withJSONObject: inputs), as: UTF8.self), repo.work.path,
            ])
        let outputs =
            (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [:]
        return Run(
            status: run.status, outputs: outputs, summary: try String(contentsOf: summary, encoding: .utf8),
            stderr: run.stderr)
    }

    /// A fake GitHub whose token belongs to `login`, letting the action close.
    private func forge(_ repo: CheckPRTests.Repo, login: String = "writ-ops-bot", rules: [[String: Any]] = [])
        throws -> FakeForge
    {
        let forge = try FakeForge(.github, token: "action-token", ledger: repo.work.path, in: repo.root)
        try JSONSerialization.data(withJSONObject: ["rules": rules, "allow_state": true, "login": login])
            .write(to: forge.controlFile)
        return forge
    }

    private func comments(_ forge: FakeForge, on number: Int) throws -> [[String: Any]] {
        (try forge.state("acme/ops")["comments"] as? [[String: Any]] ?? []).filter { ($0["issue"] as? Int) == number }
    }

    @Test func theCheckPRActionSummarisesCommentsOnceAndClosesOnlyOnDeterministicDenials() throws {
        let repo = try CheckPRTests.Repo()
        defer { repo.remove() }
        let forge = try forge(repo)
        defer { forge.stop() }

        // A pass: status, summary and one comment, kept at one over reruns.
        let numbers = try (0..<4).map { try forge.openPullRequest("acme/ops", head: "pr-\($0)") }
        let own = try repo.branch("own", CheckPRTests.fileRecord("bob@example.com"))
        for _ in 0..<2 {
            let run = try runAction(repo, forge: forge, head: own, actor: "bob", number: numbers[0], inputs: [:])
            #expect(run.status == 0, "\(run.summary)")
            #expect(run.outputs["status"] as? String == "pass")
            #expect(run.summary.contains("### writ check-pr: pass"))
        }
        var comments = try #require(try forge.state("acme/ops")["comments"] as? [[String: Any]])
        #expect(comments.filter { ($0["issue"] as? Int) == numbers[0] }.count == 1)

        // A deterministic denial with auto-close: explained, then closed.
        let policy = try repo.branch("policy") { try $0.write("policy.toml", CheckPRTests.policy + "\n# x\n") }
        let denied = try runAction(
            repo, forge: forge, head: policy, actor: "bob", number: numbers[1], inputs: ["auto-close": "true"])
        #expect(denied.status == 1)
        #expect(denied.outputs["status"] as? String == "blocked")
        #expect(
            denied.summary.contains("| `path_admin_only` | <code>policy&#46;toml</code> | <code>bob</code> |"),
            "\(denied.summary)")
        let closes = try forge.writes().filter { ($0["path"] as? String ?? "").hasSuffix("/pulls/\(numbers[1])") }
        #expect(closes.count == 1)
        #expect((closes.first?["body"] as? [String: Any])?["state"] as? String == "closed")
        let writes = try forge.writes().map { $0["path"] as? String ?? "" }
        let comment = writes.firstIndex { $0.hasSuffix("/issues/\(numbers[1])/comments") }
        let close = writes.firstIndex { $0.hasSuffix("/pulls/\(numbers[1])") }
        #expect(comment != nil && close != nil && comment! < close!, "the explanation comes first: \(writes)")

        // Blocked but not deterministic (an unknown author's record): never closed.
        let unknown = try repo.branch("unknown", CheckPRTests.fileRecord("bob@example.com"))
        let notClosed = try runAction(
            repo, forge: forge, head: unknown, actor: "dana", number: numbers[2], inputs: ["auto-close": "true"])
        #expect(notClosed.outputs["status"] as? String == "blocked")
        #expect(try !forge.writes().contains { ($0["path"] as? String ?? "").hasSuffix("/pulls/\(numbers[2])") })

        // Dry run: nothing is sent.
        let before = try forge.writes().count
        let dry = try runAction(
            repo, forge: forge, head: policy, actor: "bob", number: numbers[3],
            inputs: ["dry-run": "true", "auto-close": "true"])
        #expect(dry.outputs["status"] as? String == "blocked")
        #expect(try forge.writes().count == before)
        comments = try #require(try forge.state("acme/ops")["comments"] as? [[String: Any]])
        #expect(comments.filter { ($0["issue"] as? Int) == numbers[3] }.isEmpty)
    }

    /// The action edits only a marker comment its own token's account
    /// wrote: an attacker's comment carrying the marker is left alone.
    @Test(arguments: [false, true])
    func theActionAdoptsOnlyItsOwnAccountsComment(workflowToken: Bool) throws {
        let repo = try CheckPRTests.Repo("action-own-comment-\(workflowToken)")
        defer { repo.remove() }
        // The workflow's GITHUB_TOKEN may not ask GET /user (403): its
        // comments are github-actions[bot]'s.
        let login = workflowToken ? "github-actions[bot]" : "writ-ops-bot"
        let forge = try forge(
            repo, login: login,
            rules: workflowToken ? [["method": "GET", "path": "^/user$", "status": 403, "times": 100]] : [])
        defer { forge.stop() }
        let number = try forge.openPullRequest("acme/ops", head: "pr-0")
        let marker = "<!-- writ {\"schema\":1,\"intent\":\"check-pr-\(number)\",\"key\":\"check-pr\"} -->"
        try forge.seed(
            "acme/ops", ["issue": number, "comments": 1, "login": "mallory", "body": "all clear\n" + marker])
        let head = try repo.branch("own", CheckPRTests.fileRecord("bob@example.com"))
        for _ in 0..<2 {
            let run = try runAction(repo, forge: forge, head: head, actor: "bob", number: number, inputs: [:])
            #expect(run.status == 0, "\(run.summary) \(run.stderr)")
        }
        let all = try comments(forge, on: number)
        #expect(all.count == 2, "\(all)")
        #expect(all.first?["body"] as? String == "all clear\n" + marker, "the attacker's comment is untouched")
        let ours = try #require(all.last)
        #expect((ours["user"] as? [String: Any])?["login"] as? String == login)
        #expect((ours["body"] as? String)?.contains("### writ check-pr: pass") == true)
        let edits = try forge.writes().filter { ($0["path"] as? String ?? "").contains("/issues/comments/") }
        #expect(edits.count == 1 && (edits.first?["path"] as? String)?.hasSuffix("/\(ours["id"] ?? "")") == true)
    }

    /// Thousands of denied paths, each one hostile Markdown: the comment
    /// stays under the forge's limit, escapes every path, says how many
    /// more there are, and the pull request is still closed.
    @Test func anOverlongCommentIsCappedAndThePullRequestStillCloses() throws {
        let repo = try CheckPRTests.Repo()
        defer { repo.remove() }
        let forge = try forge(repo)
        defer { forge.stop() }
        let number = try forge.openPullRequest("acme/ops", head: "pr-0")
        let head = try repo.branch("flood") { repo in
            for index in 0..<1500 {
                try repo.write(
                    "notes/[x](https:evil) <b>@admins | `\(index)` ******************************************.md",
                    "\(index)\n")
            }
        }
        let run = try runAction(
            repo, forge: forge, head: head, actor: "bob", number: number, inputs: ["auto-close": "true"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.outputs["status"] as? String == "blocked")
        let comment = try #require(try comments(forge, on: number).first, "\(run.stderr)")
        let body = try #require(comment["body"] as? String)
        #expect(body.count <= 65536)
        #expect(body.contains("more findings"), "\(body.suffix(300))")
        #expect(!body.contains("<b>") && !body.contains("@admins") && !body.contains("](https"))
        let closes = try forge.writes().filter { ($0["path"] as? String ?? "").hasSuffix("/pulls/\(number)") }
        #expect(closes.count == 1, "\(run.stderr)")
    }

    /// An agent's commits on an admin's pull request, reported by the
    /// forge's commits list, block it; the admin's own commits pass.
    @Test func theActionJudgesEveryCommitsAuthor() throws {
        let repo = try CheckPRTests.Repo()
        defer { repo.remove() }
        let forge = try forge(repo)
        defer { forge.stop() }
        let numbers = try (0..<2).map { try forge.openPullRequest("acme/ops", head: "pr-\($0)") }
        let head = try repo.branch("workflow") { try $0.write(".github/workflows/x.yml", "on: push\n") }
        let agents = try runAction(
            repo, forge: forge, head: head, actor: "alice", number: numbers[0], inputs: [:],
            committer: "writ-agent[bot]")
        #expect(agents.status == 1, "\(agents.stderr)")
        #expect(agents.summary.contains("<code>writ&#45;agent&#91;bot&#93;</code>"), "\(agents.summary)")
        let own = try runAction(repo, forge: forge, head: head, actor: "alice", number: numbers[1], inputs: [:])
        #expect(own.status == 0, "\(own.summary) \(own.stderr)")
        #expect(
            try forge.requests().contains { ($0["path"] as? String) == "/repos/acme/ops/pulls/\(numbers[1])/commits" })
    }

    /// The action's own unit tests (escaping, the cap, whose comment is
    /// adopted, who the token is), and its escaping is writ's, character
    /// for character, on hostile text.
    @Test func theActionsPythonTestsPassAndItEscapesAsWritDoes() throws {
        let directory = RepoRoot.url.appendingPathComponent("action/check-pr")
        let unit = try GitTestSupport.run(
            "/usr/bin/env",
            ["PYTHONDONTWRITEBYTECODE=1", try PythonServers.python(), "-m", "unittest", "-v", "test_check_pr"],
            in: directory)
        #expect(unit.status == 0, "\(unit.stdout) \(unit.stderr)")
        #expect(unit.stderr.contains("OK"), "\(unit.stderr)")

        var samples = [
            "policy.toml", "a b", "x](http://evil) | <img src=x> `c` *e* _u_ ~s~ #h @org/team &amp; \\",
            "line\nbreak\rreturn", "\u{1B}]52;c;AAAA\u{07}", "\u{202E}cod.exe", "\u{85}\u{7F}\u{9F}", "é ü 字 🙂",
            "\u{212A}elvin", "writ-agent[bot]",
        ]
        samples.append(String((0..<128).compactMap { Unicode.Scalar($0).map(Character.init) }))
        let script = """
            import json, sys
            sys.dont_write_bytecode = True
            sys.path.insert(0, sys.argv[1])
            import check_pr
            samples = json.loads(sys.stdin.read())
            print(json.dumps([[check_pr.markdown(s), check_pr.markdown_code(s)] for s in samples]))
            """
        let run = try GitTestSupport.run(
            try PythonServers.python(), ["-c", script, directory.path],
            stdin: try JSONSerialization.data(withJSONObject: samples))
        let escaped = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String]], "\(run.stderr)")
        #expect(escaped.count == samples.count)
        for (sample, pair) in zip(samples, escaped) {
            #expect(
                pair == [UntrustedText.markdown(sample), UntrustedText.markdownCode(sample)],
                "\(sample.debugDescription)")
        }
    }
}
