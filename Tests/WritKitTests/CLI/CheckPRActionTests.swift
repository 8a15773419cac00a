import Foundation
import Testing

@testable import WritKit

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
    }

    private func runAction(
        _ repo: CheckPRTests.Repo, forge: FakeForge, head: String, actor: String, number: Int,
        inputs: [String: String]
    ) throws -> Run {
        let event = repo.root.appendingPathComponent("event-\(UUID().uuidString).json")
        let payload: [String: Any] = [
            "number": number,
            "pull_request": [
                "number": number, "user": ["login": actor],
                "base": ["sha": try GitTestSupport.git(repo.work, "rev-parse", "main")],
                "head": ["sha": try GitTestSupport.git(repo.work, "rev-parse", head)],
            ],
        ]
        try JSONSerialization.data(withJSONObject: payload).write(to: event)
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
                try PythonServers.python(), Self.runner, RepoRoot.url.appendingPathComponent("action/check-pr").path,
                String(decoding: try JSONSerialization.data(withJSONObject: inputs), as: UTF8.self), repo.work.path,
            ])
        let outputs =
            (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [:]
        return Run(status: run.status, outputs: outputs, summary: try String(contentsOf: summary, encoding: .utf8))
    }

    @Test func theCheckPRActionSummarisesCommentsOnceAndClosesOnlyOnDeterministicDenials() throws {
        let repo = try CheckPRTests.Repo()
        defer { repo.remove() }
        let forge = try FakeForge(.github, token: "action-token", ledger: repo.work.path, in: repo.root)
        defer { forge.stop() }
        try forge.inject([])
        try JSONSerialization.data(withJSONObject: ["rules": [], "allow_state": true]).write(to: forge.controlFile)

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
        #expect(denied.summary.contains("| `path_admin_only` | `policy.toml` |"), "\(denied.summary)")
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
}
