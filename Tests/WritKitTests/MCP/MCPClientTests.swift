import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ mcp` driven by a real MCP client: the official Python `mcp`
/// package (pinned by scripts/ensure-mcp-client), over stdio, against an
/// agent's clone whose remote is a `git daemon` (SPEC §8, issue 25).
@Suite(.serialized) struct MCPClientTests {
    /// The client script, and the python of its virtual environment
    /// (installed when missing; a failure to install fails the test).
    static let script = RepoRoot.url.appendingPathComponent("Tests/WritKitTests/MCP/Client/mcp_client.py").path

    static func python() throws -> String {
        let ensured = try TestProcess.run(
            "/bin/bash", [RepoRoot.url.appendingPathComponent("scripts/ensure-mcp-client").path])
        try #require(ensured.status == 0, "scripts/ensure-mcp-client failed: \(ensured.stderr)")
        let path = try #require(ensured.trimmed.split(separator: "\n").last.map(String.init))
        try #require(FileManager.default.isExecutableFile(atPath: path), "no python at \(path)")
        return path
    }

    /// A team (agent, alice, a dispatcher host) whose clones reach the
    /// central repo through `git daemon`, and a dispatcher config whose
    /// executors append the intent id to a file.
    struct Served {
        let team: TeamFlowTests.Team
        let agent: URL
        let alice: URL
        let host: URL
        let config: URL
        let runsFile: URL
        let daemon: GitDaemon

        init(_ name: String = #function) throws {
            team = try TeamFlowTests.Team(name)
            agent = try team.clone("agent", as: TeamFlowTests.agent)
            alice = try team.clone("alice", as: TeamFlowTests.alice)
            host = try team.clone("dispatch", as: TeamFlowTests.dispatcher)
            try FileManager.default.createSymbolicLink(
                at: team.root.appendingPathComponent("remote.git"), withDestinationURL: team.central)
            daemon = try GitDaemon.start(basePath: team.root, log: team.root.appendingPathComponent("daemon.log"))
            for clone in [agent, alice, host] {
                try GitTestSupport.git(clone, "remote", "set-url", "origin", daemon.url("remote.git"))
            }
            let targets = team.root.appendingPathComponent("targets")
            try FileManager.default.createDirectory(
                at: targets.appendingPathComponent("example"), withIntermediateDirectories: true)
            try GitTestSupport.git(targets.appendingPathComponent("example"), "init", "-q", "app")
            let state = team.root.appendingPathComponent("state")
            try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
            runsFile = team.root.appendingPathComponent("runs.txt")
            config = team.root.appendingPathComponent("dispatcher.toml")
            let append = "[\"/bin/sh\", \"-c\", \"echo \\\"$WRIT_INTENT_ID\\\" >> \(runsFile.path)\"]"
            try GitTestSupport.write(
                """
                ops_repo = "\(host.path)"
                remote = "origin"
                identity = "\(TeamFlowTests.dispatcher)"
                signing_key = "\(try #require(team.keys[TeamFlowTests.dispatcher]))"
                state_dir = "\(state.path)"
                trust_root = "\(team.trustRoot)"
                clone_root = "\(targets.path)"

                [executors.triage]
                command = \(append)
                timeout = "1m"
                env_allowlist = ["PATH"]

                [executors.dev]
                command = \(append)
                timeout = "1m"
                env_allowlist = ["PATH"]

                """, to: config)
        }

        func runs() -> [String] {
            ((try? String(contentsOf: runsFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func remove() {
            daemon.stop()
            team.remove()
        }
    }

    /// What the client script saw, step by step (see mcp_client.py).
    static func runScenario(_ setup: Served) throws -> [String: Any] {
        let writ = CLI.binary
        func step(_ argv: [String], in directory: URL) -> [String: Any] { ["argv": argv, "cwd": directory.path] }
        let scenario: [String: Any] = [
            "writ": writ, "args": ["mcp"], "cwd": setup.agent.path,
            "stderr": setup.team.root.appendingPathComponent("mcp.stderr").path,
            "env": ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"],
            "dispatch": step([writ, "dispatch", "--config", setup.config.path, "--once", "--json"], in: setup.host),
            "approve": step([writ, "approve", "dev-1", "--push"], in: setup.alice),
            "merge": [
                step(["/usr/bin/git", "fetch", "-q", "origin"], in: setup.alice),
                step(
                    ["/usr/bin/git", "merge", "-q", "--no-ff", "-m", "Merge approval/dev-1", "origin/approval/dev-1"],
                    in: setup.alice),
                step(["/usr/bin/git", "push", "-q", "origin", "main"], in: setup.alice),
            ],
        ]
        let scenarioFile = setup.team.root.appendingPathComponent("scenario.json")
        let resultFile = setup.team.root.appendingPathComponent("result.json")
        try JSONSerialization.data(withJSONObject: scenario).write(to: scenarioFile)
        let client = try TestProcess.run(try python(), [script, scenarioFile.path, resultFile.path])
        let serverLog = (try? String(contentsOf: setup.team.root.appendingPathComponent("mcp.stderr"), encoding: .utf8))
        try #require(
            client.status == 0, "the MCP client failed:\n\(client.stderr)\nwrit mcp's stderr:\n\(serverLog ?? "")")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: resultFile)) as? [String: Any])
    }

    /// The results of `calls` (tool name and arguments), made in order by
    /// the client against `writ mcp` in `clone`.
    static func runCalls(_ calls: [(String, [String: Any])], in clone: URL, scratch: URL) throws -> [[String: Any]] {
        let scenario: [String: Any] = [
            "writ": CLI.binary, "args": ["mcp"], "cwd": clone.path,
            "stderr": scratch.appendingPathComponent("mcp.stderr").path,
            "env": ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"],
            "calls": calls.map { ["tool": $0.0, "arguments": $0.1] },
        ]
        let scenarioFile = scratch.appendingPathComponent("calls.json")
        let resultFile = scratch.appendingPathComponent("calls-result.json")
        try JSONSerialization.data(withJSONObject: scenario).write(to: scenarioFile)
        let client = try TestProcess.run(try python(), [script, scenarioFile.path, resultFile.path])
        try #require(client.status == 0, "the MCP client failed:\n\(client.stderr)")
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: resultFile)) as? [String: Any])
        return try #require(result["calls"] as? [[String: Any]])
    }

    /// A tool result's structured content.
    static func content(_ result: [String: Any], _ key: String) throws -> [String: Any] {
        let call = try #require(result[key] as? [String: Any], "no \(key) in the result")
        return try #require(call["structured"] as? [String: Any], "\(key) has no structured content: \(call)")
    }

    static func isError(_ result: [String: Any], _ key: String) -> Bool {
        (result[key] as? [String: Any])?["is_error"] as? Bool == true
    }

    @Test func aRealClientProposesWaitsAndSeesEveryStateOverAGitDaemon() throws {
        let setup = try Served()
        defer { setup.remove() }
        let result = try Self.runScenario(setup)
        let steps = try #require(result["steps"] as? [[String: Any]])
        for step in steps { #expect(step["status"] as? Int == 0, "\(step)") }

        // The tools and their schemas.
        let tools = try #require(result["tools"] as? [String: [String: Any]])
        #expect(
            Set(tools.keys) == [
                "writ_policy", "writ_propose", "writ_status", "writ_show", "writ_wait", "writ_list", "writ_withdraw",
            ])
        for (name, schema) in tools {
            #expect(schema["type"] as? String == "object", "\(name): \(schema)")
            #expect(schema["properties"] is [String: Any], "\(name): \(schema)")
        }
        #expect(Set(tools["writ_propose"]?["required"] as? [String] ?? []) == ["kind", "target"])
        #expect(tools["writ_wait"]?["required"] as? [String] == ["id"])

        // writ_policy: the tiers, the kind asked about, the caller.
        let policy = try Self.content(result, "policy")
        let tiers = try #require(policy["tiers"] as? [[String: Any]])
        #expect(tiers.map { $0["tier"] as? String } == ["low", "medium", "high"])
        #expect(tiers.map { $0["approvals"] as? Int } == [0, 1, 2])
        #expect(tiers[2]["roles"] as? [String] == ["admin"])
        let kind = try #require(policy["kind"] as? [String: Any])
        #expect(kind["tier"] as? String == "medium" && kind["listed"] as? Bool == true)
        let caller = try #require(policy["caller"] as? [String: Any])
        #expect(caller["principal"] as? String == TeamFlowTests.agent && caller["may_propose"] as? Bool == true)
        let unlisted = try #require(try Self.content(result, "policy_unknown_kind")["kind"] as? [String: Any])
        #expect(unlisted["tier"] as? String == "high" && unlisted["similar_kind"] as? String == "release")

        // Refusals carry their reason code; nothing was written for them.
        #expect(Self.isError(result, "lowering"))
        #expect(try Self.content(result, "lowering")["reason"] as? String == "tier_mismatch")
        #expect(Self.isError(result, "expired"))
        #expect(try Self.content(result, "expired")["reason"] as? String == "intent_expired")
        #expect(try Self.content(result, "bad_arguments")["state"] as? String == "invalid_arguments")
        #expect(Self.isError(result, "approve_tool"), "\(result["approve_tool"] ?? "")")
        if !Self.isError(result, "approve_tool") { Issue.record("a call to writ_approve did not fail") }
        let ledger = try GitTestSupport.git(setup.team.central, "ls-tree", "-r", "--name-only", "writ/ledger")
        #expect(!ledger.contains("release-low") && !ledger.contains("triage-old"), "\(ledger)")

        // An unknown kind is proposed as high, and the result says so.
        let unknown = try Self.content(result, "unknown_kind")
        #expect(unknown["tier"] as? String == "high" && unknown["kind_listed"] as? Bool == false)
        #expect(unknown["similar_kind"] as? String == "release")

        // Low: succeeded after a dispatcher poll, with progress on the way.
        #expect(try Self.content(result, "low")["tier"] as? String == "low")
        let low = try Self.content(result, "low_wait")
        #expect(low["state"] as? String == "succeeded" && low["timed_out"] as? Bool == false, "\(low)")
        let lowProgress = try #require(result["low_progress"] as? [[String: Any]])
        #expect(lowProgress.count >= 2, "\(lowProgress)")
        #expect((lowProgress.last?["message"] as? String)?.contains("succeeded") == true, "\(lowProgress)")

        // Medium: signed on the branch, not merged; then merged and run.
        #expect(try Self.content(result, "medium_before")["reason"] as? String == "not_approved")
        let signed = try Self.content(result, "medium_signed")
        #expect(signed["signed_not_merged"] as? [String] == [TeamFlowTests.alice], "\(signed)")
        #expect(signed["approvals"] as? Int == 0 && signed["timed_out"] as? Bool == true)
        #expect((signed["next"] as? String)?.contains("must be merged") == true, "\(signed)")
        let shown = try Self.content(result, "medium_signed_show")
        #expect((shown["approval_branch"] as? [String: Any])?["holds_quorum"] as? Bool == true)
        #expect((shown["intent"] as? [String: Any])?["summary"] as? String == "build the fix")
        let cancelled = try #require(result["cancelled"] as? [String: Any])
        #expect(cancelled["cancelled"] as? Bool == true, "\(cancelled)")
        #expect(!Self.isError(result, "after_cancel"))
        let medium = try Self.content(result, "medium_wait")
        #expect(medium["state"] as? String == "succeeded", "\(medium)")
        #expect(medium["counted"] as? [String] == [TeamFlowTests.alice])
        let mediumProgress = try #require(result["medium_progress"] as? [[String: Any]])
        #expect(
            mediumProgress.contains {
                ($0["message"] as? String)?.contains("signed on the branch, not merged") == true
            },
            "\(mediumProgress)")
        #expect(setup.runs() == ["triage-1", "dev-1"])

        // writ_list: the caller's own intents.
        let listed = try #require(try Self.content(result, "list")["intents"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == ["triage-1", "dev-1", "relase-1"])

        // Resources: the trusted policy and the intent's bytes as signed.
        let policyBytes = try GitTestSupport.git(setup.team.central, "show", "main:policy.toml")
        #expect(
            (result["policy_resource"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) == policyBytes)
        let intentPath = LedgerPath.intent(try #require(IntentID("triage-1"))).path
        let intentBytes = try GitTestSupport.git(setup.team.central, "show", "writ/ledger:\(intentPath)")
        #expect(
            (result["intent_resource"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) == intentBytes)

        // Withdraw: settled as withdrawn, and a dispatcher poll never runs it.
        #expect(!Self.isError(result, "withdraw"), "\(result["withdraw"] ?? "")")
        #expect(try Self.content(result, "withdraw")["state"] as? String == "withdrawn")
        #expect(try Self.content(result, "withdrawn_status")["state"] as? String == "withdrawn")
        #expect(!setup.runs().contains("dev-2"))

        // The commits the server made verify with stock git and writ verify.
        let commits = try GitTestSupport.git(setup.team.central, "log", "--format=%H %an", "writ/ledger")
            .split(separator: "\n").filter { $0.hasSuffix(" \(TeamFlowTests.agent)") }.map { String($0.prefix(40)) }
        #expect(commits.count >= 4, "\(commits)")
        let signers = setup.team.root.appendingPathComponent("allowed_signers").path
        for commit in commits {
            let verified = try GitTestSupport.run(
                "/usr/bin/git",
                [
                    "-C", setup.team.central.path, "-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit",
                    commit,
                ])
            #expect(verified.status == 0, "\(commit): \(verified.stderr)")
        }
        try GitTestSupport.git(setup.host, "fetch", "-q", "origin")
        let verify = try CLI.run("verify", in: setup.host)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    /// A key that may decide never serves agents: the server refuses to
    /// start (exit 3), whether its principal holds the role or another
    /// principal with the same key does; an encrypted key no agent holds
    /// is an error at once, never a prompt.
    @Test func aKeyThatMayDecideOrCannotSignRefusesToStart() throws {
        let team = try TeamFlowTests.Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let alice = try team.clone("alice", as: TeamFlowTests.alice)
        var environment = TestProcess.defaultEnvironment
        environment["SSH_AUTH_SOCK"] = nil

        let admin = try TestProcess.run(CLI.binary, ["mcp"], in: alice, environment: environment)
        #expect(admin.status == 3, "\(admin.stderr)")
        #expect(admin.stderr.contains("refuses to start") && admin.stderr.contains("admin"), "\(admin.stderr)")
        #expect(admin.stdout.isEmpty, "standard output is the protocol: \(admin.stdout)")

        let aliceKey = try #require(team.keys[TeamFlowTests.alice])
        let shared = try TestProcess.run(CLI.binary, ["mcp", "--key", aliceKey], in: agent, environment: environment)
        #expect(shared.status == 3, "\(shared.stderr)")
        #expect(
            shared.stderr.contains("\(TeamFlowTests.alice) (allowed_signers lists the same key"), "\(shared.stderr)")

        let encrypted = team.root.appendingPathComponent("encrypted").path
        let made = try TestProcess.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "a passphrase", "-f", encrypted])
        try #require(made.status == 0, "\(made.stderr)")
        let locked = try TestProcess.start(
            CLI.binary, ["mcp", "--key", encrypted], in: agent, environment: environment)
        defer { locked.removeFiles() }
        let hung = locked.waitUntilExit(timeLimit: 120)
        #expect(!hung, "writ mcp waited on an encrypted key instead of failing")
        let output = try locked.output()
        #expect(output.status == 3, "\(output.stderr)")
        #expect(output.stderr.contains("encrypted and no ssh-agent"), "\(output.stderr)")

        // The agent's own key starts (and ends when its input closes).
        let served = try TestProcess.run(CLI.binary, ["mcp"], in: agent, environment: environment)
        #expect(served.status == 0, "\(served.stderr)")
        #expect(served.stderr.contains("serving \(TeamFlowTests.agent) (signing in process)"), "\(served.stderr)")
    }

    static let limitedPolicy = OpsSandbox.demoPolicy + "\n[limits]\nmax_pending = 1\n"

    /// `[limits] max_pending`: the proposal past it is refused before
    /// writing, through the same check as `writ propose` (SPEC §4.8), and
    /// `writ_policy` shows the limits.
    @Test func aProposalPastMaxPendingIsRefusedWithQuotaExceeded() throws {
        let team = try TeamFlowTests.Team(policy: Self.limitedPolicy)
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let results = try Self.runCalls(
            [
                ("writ_propose", ["kind": "dev", "target": "example/app", "id": "dev-1"]),
                ("writ_propose", ["kind": "dev", "target": "example/app", "id": "dev-2"]),
                ("writ_policy", [:]),
            ], in: agent, scratch: team.root)
        #expect(results.count == 3)
        let limits = (results.last?["structured"] as? [String: Any])?["limits"] as? [String: Any]
        #expect(limits?["max_pending"] as? Int == 1 && limits?["max_per_day"] is NSNull, "\(results)")
        #expect(results.first?["is_error"] as? Bool == false, "\(results)")
        #expect(results[1]["is_error"] as? Bool == true, "\(results)")
        let refused = try #require(results[1]["structured"] as? [String: Any])
        #expect(refused["reason"] as? String == "quota_exceeded", "\(refused)")
        let ledger = try GitTestSupport.git(team.central, "ls-tree", "-r", "--name-only", "writ/ledger")
        #expect(!ledger.contains("dev-2"), "\(ledger)")
    }

    /// An agent withdraws only what it proposed: another proposer's intent
    /// is refused with its reason code, and nothing is written.
    @Test func anAgentCannotWithdrawAnothersIntent() throws {
        let team = try TeamFlowTests.Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let alice = try team.clone("alice", as: TeamFlowTests.alice)
        let proposed = try CLI.run(
            "propose", "--kind", "dev", "--target", "example/app", "--id", "dev-alice", "--push", in: alice)
        try #require(proposed.status == 0, "\(proposed.stderr)")
        let before = try GitTestSupport.git(team.central, "rev-parse", "writ/ledger")
        let results = try Self.runCalls(
            [("writ_withdraw", ["id": "dev-alice", "note": "not mine"]), ("writ_status", ["id": "dev-alice"])],
            in: agent, scratch: team.root)
        #expect(results.first?["is_error"] as? Bool == true, "\(results)")
        let refused = try #require(results.first?["structured"] as? [String: Any])
        #expect(refused["reason"] as? String == "signer_not_authorized", "\(refused)")
        #expect((results.last?["structured"] as? [String: Any])?["state"] as? String == "blocked")
        #expect(try GitTestSupport.git(team.central, "rev-parse", "writ/ledger") == before)
    }

    /// ssh-agent first: a key the agent holds signs there, whether the
    /// config names its unencrypted file or only its `.pub`.
    @Test func aKeyInSSHAgentSignsThroughTheAgent() throws {
        let team = try TeamFlowTests.Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let sshAgent = try SSHSigningKeyTests.Agent(team.root)
        let key = try #require(team.keys[TeamFlowTests.agent])
        try sshAgent.add(key)
        var environment = TestProcess.defaultEnvironment
        environment["SSH_AUTH_SOCK"] = sshAgent.socket
        for named in [key, key + ".pub"] {
            let served = try TestProcess.run(CLI.binary, ["mcp", "--key", named], in: agent, environment: environment)
            #expect(served.status == 0, "\(named): \(served.stderr)")
            #expect(served.stderr.contains("(signing ssh-agent)"), "\(named): \(served.stderr)")
        }
    }
}
