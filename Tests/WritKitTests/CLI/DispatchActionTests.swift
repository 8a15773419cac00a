import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `action/dispatch` run end to end as a runner would (the emulator,
/// with actions/cache backed by a directory when a test asks): an approved
/// intent runs once across scheduled runs, with the state restored and
/// without it, over https with a token and over ssh with a pinned host
/// key; no secret in any output; a missing secret stops before the clone.
@Suite(.serialized) struct DispatchActionTests {
    static let action = RepoRoot.url.appendingPathComponent("action/dispatch").path
    static let token = "wrt-dispatch-action-token-5c1d9e3a"
    static let workflows = ["docs/workflows/writ-dispatch.yml", "docs/workflows/forgejo/writ-dispatch.yml"]
    static let executors = """
        [executors.release]
        command = ["/bin/sh", "-c", "echo \\"$WRIT_INTENT_ID\\" >> RUNS; THEN"]
        timeout = "1m"
        env_allowlist = ["PATH"]
        """

    /// What one job did, and where its runner kept its files.
    struct Job {
        let status: Int32
        let outputs: [String: Any]
        let stdout: String
        let stderr: String
        let summary: String
        let outputFile: String
        /// The job's runner directory: `temp` (RUNNER_TEMP), `workspace`, `home`.
        let directory: URL

        /// `masks: registered=N replaced=M`, the emulator's last line.
        var masks: (registered: Int, replaced: Int)? {
            guard let line = stderr.split(separator: "\n").last(where: { $0.hasPrefix("masks: ") }) else { return nil }
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
        }

        var temp: URL { directory.appendingPathComponent("temp") }
        var log: String { stdout + stderr }
    }

    /// Runs the action as one job on a fresh runner (its own RUNNER_TEMP,
    /// workspace and HOME), with only the environment a job would have:
    /// the secrets given and, when `cache` is set, the emulated cache.
    static func runJob(
        _ name: String, in base: URL, runID: Int, inputs: [String: String], secrets: [String: String],
        cache: URL?
    ) throws -> Job {
        let job = base.appendingPathComponent("job-\(name)")
        for directory in ["temp", "workspace", "home"] {
            try FileManager.default.createDirectory(
                at: job.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        let output = job.appendingPathComponent("output")
        let summary = job.appendingPathComponent("summary.md")
        _ = FileManager.default.createFile(atPath: output.path, contents: Data())
        _ = FileManager.default.createFile(atPath: summary.path, contents: Data())
        let binDirectory = (CLI.binary as NSString).deletingLastPathComponent
        var environment = [
            "PATH=\(binDirectory):/usr/bin:/bin", "HOME=\(job.appendingPathComponent("home").path)",
            "RUNNER_TEMP=\(job.appendingPathComponent("temp").path)", "GITHUB_OUTPUT=\(output.path)",
            "GITHUB_STEP_SUMMARY=\(summary.path)", "GITHUB_WORKSPACE=\(job.appendingPathComponent("workspace").path)",
            "GITHUB_RUN_ID=\(runID)", "GITHUB_RUN_ATTEMPT=1", "PYTHONDONTWRITEBYTECODE=1",
            "WRIT_GIT_COUNT_ALLOCATIONS=0",
        ]
        for (name, value) in secrets.sorted(by: { $0.key < $1.key }) { environment.append("\(name)=\(value)") }
        if let cache { environment.append("WRIT_EMULATOR_CACHE_DIR=\(cache.path)") }
        let run = try GitTestSupport.run(
            "/usr/bin/env",
            ["-i"] + environment + [
                try PythonServers.python(), CheckPRActionTests.runner, Self.action,
                String(decoding: try JSONSerialization.data(withJSONObject: inputs), as: UTF8.self),
                job.appendingPathComponent("workspace").path,
            ])
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let outputs = (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]) ?? [:]
        return Job(
            status: run.status, outputs: outputs, stdout: run.stdout, stderr: run.stderr,
            summary: try String(contentsOf: summary, encoding: .utf8),
            outputFile: try String(contentsOf: output, encoding: .utf8), directory: job)
    }

    /// The lines of a secret worth looking for: every line of a key but its
    /// armour, a token whole.
    static func secretLines(_ secrets: [String: String]) -> [String] {
        secrets.values.flatMap { value in
            value.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("-----") }
        }
    }

    /// No secret in anything the job printed or left: stdout, the log, the
    /// summary, the outputs file, any file under the job's directories or
    /// the cache; nothing relied on the mask to hide one; the action's own
    /// directory (keys, config, clone) is gone.
    static func expectNoSecret(_ job: Job, _ secrets: [String: String], cache: URL?) throws {
        let lines = secretLines(secrets)
        #expect(!lines.isEmpty)
        for line in lines {
            for (what, text) in [
                ("stdout", job.stdout), ("stderr", job.stderr), ("summary", job.summary), ("outputs", job.outputFile),
            ] {
                #expect(!text.contains(line), "a secret is in the \(what) of \(job.directory.lastPathComponent)")
            }
        }
        let masks = try #require(job.masks, "no masks line: \(job.stderr)")
        #expect(masks.registered >= lines.count, "\(masks)")
        #expect(masks.replaced == 0, "the action printed a secret that only the mask hid")
        let grep = try GitTestSupport.run(
            "/bin/grep",
            ["-r", "-a", "-l", "-F"] + lines.flatMap { ["-e", $0] } + [job.directory.path]
                + (cache.map { [$0.path] } ?? []))
        #expect(grep.status == 1, "a secret is in: \(grep.stdout) \(grep.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: job.temp.path)
        #expect(!left.contains { $0.hasPrefix("writ-dispatch.") }, "left behind: \(left)")
    }

    /// A fixture with one approved high intent whose executor appends its
    /// id to a file, served over `scheme`, and what a job needs to reach it.
    struct Setup {
        let fixture: DispatchFixture
        let lanes: RemoteLanes
        let inputs: [String: String]
        let secrets: [String: String]
        let runs: URL
        let stop: () -> Void

        /// `then`: shell the executor runs after recording its run;
        /// over ssh the executors come from a file (an absolute path),
        /// over https inline.
        init(scheme: String, _ name: String, then: String = "true") throws {
            fixture = try DispatchFixture(name)
            try fixture.proposeApprovedHigh("release-0001")
            lanes = try RemoteLanes(fixture)
            runs = fixture.directory.appendingPathComponent("action-runs.txt")
            let executors = DispatchActionTests.executors.replacingOccurrences(of: "RUNS", with: runs.path)
                .replacingOccurrences(of: "THEN", with: then)
            var inputs = [
                "trust-root": fixture.sandbox.trustRoot.hex, "identity": "dispatch-1@example.com",
                "executors": executors, "clone-root": fixture.directory.appendingPathComponent("clones").path,
            ]
            var secrets = [
                "WRIT_DISPATCH_KEY": try String(
                    contentsOfFile: fixture.sandbox.keyPath("dispatch-1@example.com"), encoding: .utf8)
            ]
            switch scheme {
            case "https":
                let ca = try TestCA.make(in: fixture.directory.appendingPathComponent("tls"), name: "trusted")
                let server = try PythonServers.https(
                    root: lanes.remote.deletingLastPathComponent(), ca: ca, user: "x-access-token",
                    token: DispatchActionTests.token, readOnlyToken: "wrt-readonly-unused-0b7e41",
                    in: fixture.directory)
                inputs["ops-repo"] = "https://127.0.0.1:\(server.port)/\(lanes.remote.lastPathComponent)"
                inputs["ca-file"] = ca.certificate
                secrets["WRIT_REMOTE_TOKEN"] = DispatchActionTests.token
                stop = { server.stop() }
            default:
                let keys = fixture.directory.appendingPathComponent("deploy-keys")
                try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
                let deploy = try CLI.makeKey(in: keys, name: "deploy")
                let server = try SSHServer.start(
                    in: fixture.directory.appendingPathComponent("sshd"), authorizedKeys: [try CLI.publicKey(deploy)])
                inputs["ops-repo"] = server.url(lanes.remote.path)
                inputs["known-hosts"] = server.knownHostsLine
                let file = fixture.directory.appendingPathComponent("executors.toml")
                try Data(executors.utf8).write(to: file)
                inputs["executors"] = file.path
                secrets["WRIT_DEPLOY_KEY"] = try String(contentsOfFile: deploy, encoding: .utf8)
                stop = { server.stop() }
            }
            self.inputs = inputs
            self.secrets = secrets
        }

        func executed() -> [String] {
            ((try? String(contentsOf: runs, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// The intent's at-most-once journal in a job's state dir, if any.
        func journal(_ job: Job) -> Bool {
            let journal = job.temp.appendingPathComponent("writ-dispatch-state/default/journal")
            let found = FileManager.default.enumerator(atPath: journal.path)?.allObjects as? [String] ?? []
            return found.contains { $0.hasSuffix("release-0001") }
        }

        func remove() {
            stop()
            fixture.remove()
        }
    }

    /// Two (with the cache, three) scheduled runs, each a fresh runner and
    /// clone: the executor ran exactly once, every later run has nothing to
    /// do; with the cache each run restores the newest saved state (the
    /// journal is there, and a lock a killed job left in the saved state
    /// does not hold the next run), without it none does and the ledger's
    /// claim alone keeps the intent from running again.
    @Test(arguments: ["https", "ssh"], [true, false])
    func anApprovedIntentRunsOnceAcrossScheduledRuns(scheme: String, cached: Bool) throws {
        let setup = try Setup(scheme: scheme, "dispatch-action-\(scheme)-\(cached)")
        defer { setup.remove() }
        let cache: URL? = cached ? setup.fixture.directory.appendingPathComponent("cache") : nil
        if let cache { try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true) }
        let base = setup.fixture.directory.appendingPathComponent("runner")
        let runIDs = [9_100_001, 9_100_002, 9_100_003]
        let prefix = "writ-dispatch-state-default-writ-"

        let first = try Self.runJob(
            "1", in: base, runID: runIDs[0], inputs: setup.inputs, secrets: setup.secrets, cache: cache)
        #expect(first.status == 0, "\(first.log)")
        #expect(setup.executed() == ["release-0001"], "\(first.log)")
        #expect(first.outputs["exit-code"] as? String == "0")
        #expect((first.outputs["run-id"] as? String)?.hasPrefix("run-") == true, "\(first.outputs)")
        #expect(first.summary.contains("### writ dispatch: exit 0"), "\(first.summary)")
        #expect(first.summary.contains("| release-0001 | high | succeeded |"), "\(first.summary)")
        #expect(try setup.lanes.claimsOnRemote().count == 1)
        #expect(setup.journal(first))
        try Self.expectNoSecret(first, setup.secrets, cache: cache)

        if let cache {
            // A lock a killed job left in its saved state: held, by another
            // host, for a long TTL. The action drops it before the run.
            let newest = try #require(
                try FileManager.default.contentsOfDirectory(atPath: cache.path).compactMap(Int.init).max())
            let lock = #"{"host":"a-runner-gone","pid":1,"started_at":"\#(Timestamp(Date()))","ttl_seconds":86400}"#
            try Data(lock.utf8).write(
                to: cache.appendingPathComponent("\(newest)/0/writ.default.lock"))
        }
        var jobs = [first]
        for (index, runID) in runIDs.enumerated().dropFirst() where cached || index < 2 {
            let job = try Self.runJob(
                "\(index + 1)", in: base, runID: runID, inputs: setup.inputs, secrets: setup.secrets, cache: cache)
            #expect(job.status == 0, "\(job.log)")
            #expect(setup.executed() == ["release-0001"], "ran again in run \(index + 1): \(job.log)")
            #expect(job.summary.contains("Nothing to do: no intent was acted on."), "\(job.summary)")
            if cached {
                // The newest state saved before this run, not the first.
                #expect(
                    job.stderr.contains("cache restored from key \(prefix)\(runIDs[index - 1])-1\n"), "\(job.stderr)")
                #expect(job.stderr.contains("cache saved under key \(prefix)\(runID)-1\n"), "\(job.stderr)")
                #expect(setup.journal(job), "the restored state holds the journal")
            } else {
                #expect(job.stderr.contains("cache miss: "), "\(job.stderr)")
                #expect(!setup.journal(job), "without the cache the state starts empty")
            }
            try Self.expectNoSecret(job, setup.secrets, cache: cache)
            jobs.append(job)
        }
        #expect(jobs.count == (cached ? 3 : 2))
        #expect(try setup.lanes.claimsOnRemote().count == 1)
        let audit = try LedgerVerifier(ops: try OpsRepo(path: setup.lanes.remote.path)).verify(
            trustRoot: setup.fixture.sandbox.trustRoot, now: Date())
        #expect(audit.findings.isEmpty, "\(audit.findings.prefix(5))")
    }

    /// An executor that fails: the job fails with writ's exit code, the
    /// summary says so, and the state is saved all the same (its journal
    /// records the run); the next run does not run it again.
    @Test func aFailingExecutorFailsTheJobAndTheStateIsStillSaved() throws {
        let setup = try Setup(scheme: "https", "dispatch-action-failing", then: "exit 3")
        defer { setup.remove() }
        let cache = setup.fixture.directory.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let base = setup.fixture.directory.appendingPathComponent("runner")
        let failed = try Self.runJob(
            "1", in: base, runID: 31, inputs: setup.inputs, secrets: setup.secrets, cache: cache)
        #expect(failed.status == 1, "\(failed.log)")
        #expect(failed.outputs["exit-code"] as? String == "1")
        #expect(failed.stdout.contains("::error::writ dispatch exited 1"), "\(failed.stdout)")
        #expect(failed.summary.contains("### writ dispatch: exit 1 (attention needed)"), "\(failed.summary)")
        #expect(failed.summary.contains("| release-0001 | high | failed |"), "\(failed.summary)")
        #expect(failed.stderr.contains("cache saved under key writ-dispatch-state-default-writ-31-1\n"))
        #expect(setup.executed() == ["release-0001"])
        try Self.expectNoSecret(failed, setup.secrets, cache: cache)
        let next = try Self.runJob("2", in: base, runID: 32, inputs: setup.inputs, secrets: setup.secrets, cache: cache)
        #expect(next.status == 0, "\(next.log)")
        #expect(setup.executed() == ["release-0001"])
    }

    /// An ssh server whose host key is not the pinned one: the clone is
    /// refused, the dispatcher never runs, nothing is claimed, and the
    /// keys are removed all the same.
    @Test func aHostKeyThatIsNotPinnedStopsTheClone() throws {
        let setup = try Setup(scheme: "ssh", "dispatch-action-hostkey")
        defer { setup.remove() }
        let other = try CLI.makeKey(in: setup.fixture.directory, name: "other-host")
        var inputs = setup.inputs
        let pinned = try #require(inputs["known-hosts"])
        let hostPart = try #require(pinned.split(separator: " ").first)
        inputs["known-hosts"] = "\(hostPart) \(try CLI.publicKey(other))"
        let base = setup.fixture.directory.appendingPathComponent("runner")
        let job = try Self.runJob("1", in: base, runID: 41, inputs: inputs, secrets: setup.secrets, cache: nil)
        #expect(job.status == 1, "\(job.log)")
        #expect(job.stdout.contains("::error::could not clone the ops repository"), "\(job.log)")
        #expect(job.stderr.contains("Host key verification failed"), "\(job.stderr)")
        #expect(job.stderr.contains("skipped (if: success()): Run the dispatcher once"))
        #expect(setup.executed().isEmpty)
        #expect(try setup.lanes.claimsOnRemote().isEmpty)
        try Self.expectNoSecret(job, setup.secrets, cache: nil)
    }

    /// A missing secret, a missing host key pin, a credential in the URL or
    /// an executors file that is not there
    /// fails the first step with a message naming it: nothing is cloned,
    /// no key is written, and a credential in the URL is not echoed.
    @Test(arguments: [
        ("https", "WRIT_REMOTE_TOKEN", "::error::the secret WRIT_REMOTE_TOKEN"),
        ("ssh", "WRIT_DISPATCH_KEY", "::error::the secret WRIT_DISPATCH_KEY"),
        ("ssh", "WRIT_DEPLOY_KEY", "::error::the secret WRIT_DEPLOY_KEY"),
        ("ssh", "known-hosts", "::error::known-hosts is empty"),
        ("https-userinfo", "", "::error::ops-repo must not hold a user or a token"),
        ("https", "executors-file", "::error::executors: no file ci/executors.toml"),
    ])
    func aMissingSecretFailsBeforeTheClone(scheme: String, missing: String, message: String) throws {
        let base = try GitTestSupport.scratch("dispatch-action-missing-\(scheme)-\(missing)")
        defer { GitTestSupport.remove(base) }
        // Nothing listens here: a clone attempt would fail differently.
        let port = try BackgroundServer.freePort()
        var inputs = [
            "trust-root": String(repeating: "a", count: 40), "identity": "dispatch-1@example.com",
            "executors": Self.executors,
        ]
        var secrets = ["WRIT_DISPATCH_KEY": "-----BEGIN OPENSSH PRIVATE KEY-----\nsentinel-key-line-8d2f\n"]
        switch scheme {
        case "https":
            inputs["ops-repo"] = "https://127.0.0.1:\(port)/ops.git"
            secrets["WRIT_REMOTE_TOKEN"] = Self.token
        case "https-userinfo":
            inputs["ops-repo"] = "https://x-access-token:\(Self.token)@127.0.0.1:\(port)/ops.git"
        default:
            inputs["ops-repo"] = "ssh://git@127.0.0.1:\(port)/ops.git"
            inputs["known-hosts"] = "[127.0.0.1]:\(port) ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv7"
            secrets["WRIT_DEPLOY_KEY"] = "-----BEGIN OPENSSH PRIVATE KEY-----\nsentinel-deploy-line-41c7\n"
        }
        secrets[missing] = nil
        inputs[missing] = nil
        if missing == "executors-file" { inputs["executors"] = "ci/executors.toml" }
        let job = try Self.runJob("missing", in: base, runID: 1, inputs: inputs, secrets: secrets, cache: nil)
        #expect(job.status == 1, "\(job.log)")
        #expect(job.stdout.contains(message), "\(job.log)")
        #expect(job.stderr.contains("step failed (exit 1): Check the inputs and write the secrets to files"))
        #expect(job.stderr.contains("skipped (if: success()): Clone the ops repository"), "\(job.stderr)")
        #expect(job.stderr.contains("skipped (if: success()): Run the dispatcher once"))
        #expect(job.outputs["exit-code"] as? String == "")
        #expect(try FileManager.default.contentsOfDirectory(atPath: job.temp.path).isEmpty, "nothing written")
        var everySecret = secrets
        everySecret["token"] = Self.token
        for line in Self.secretLines(everySecret) {
            #expect(!job.stdout.contains(line) && !job.stderr.contains(line) && !job.summary.contains(line))
        }
    }

    /// The action and the sample workflows: composite, every input used is
    /// declared, the workflows run on a schedule inside the protected
    /// environment (GitHub; Forgejo has none), one job at a time per profile, with minimal permissions,
    /// secrets passed through the step's env, and only declared inputs.
    @Test func theActionAndTheWorkflowsAreWellFormed() throws {
        let script = """
            import re, sys, yaml
            root = sys.argv[1]
            spec = yaml.safe_load(open(root + "/action/dispatch/action.yml"))
            assert spec["runs"]["using"] == "composite"
            declared = set(spec["inputs"])
            text = open(root + "/action/dispatch/action.yml").read()
            for used in re.findall(r"inputs\\.([A-Za-z0-9_-]+)", text):
                assert used in declared, "uses undeclared input %s" % used
            for step in spec["runs"]["steps"]:
                assert "inputs." not in step.get("run", ""), "an input interpolated into a script: %s" % step["name"]
            assert spec["runs"]["steps"][-1]["if"] == "always()", "the cleanup step must always run"
            for workflow in sys.argv[2:]:
                spec = yaml.safe_load(open(root + "/" + workflow))
                trigger = spec.get("on") or spec.get(True)
                assert "schedule" in trigger and "workflow_dispatch" in trigger, workflow
                concurrency = spec["concurrency"]
                assert concurrency["group"].startswith("writ-dispatch-"), workflow
                assert concurrency["cancel-in-progress"] is False, workflow
                assert spec.get("permissions", {"contents": "read"}) == {"contents": "read"}, workflow
                (job,) = spec["jobs"].values()
                if "/forgejo/" not in workflow:
                    assert job["environment"] == "writ-dispatch", workflow
                steps = [s for s in job["steps"] if s.get("uses", "").split("@")[0].endswith("action/dispatch")]
                assert len(steps) == 1, workflow
                extra = set(steps[0].get("with", {})) - declared
                assert not extra, "%s passes undeclared inputs %s" % (workflow, extra)
                assert "secrets.WRIT_DISPATCH_KEY" in steps[0]["env"]["WRIT_DISPATCH_KEY"], workflow
            print("ok")
            """
        let output = try GitTestSupport.run(
            try PythonServers.python(), ["-c", script, RepoRoot.url.path] + Self.workflows)
        #expect(output.status == 0 && output.trimmed == "ok", "\(output.stdout) \(output.stderr)")
    }
}
