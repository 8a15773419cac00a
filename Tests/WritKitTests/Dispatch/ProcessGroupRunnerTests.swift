import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Process group runner")
struct ProcessGroupRunnerTests {
    @Test("arguments reach the program literally: no shell sees them")
    func noShell() throws {
        let scratch = try ExecScratch()
        let marker = scratch.root + "/pwned"
        let hostile = [
            // Record text holds no tab or other control character (SPEC §3):
            // spaces and quotes are what a shell would split on here.
            "$(touch \(marker))", "; touch \(marker)", "`touch \(marker)`", "a  b 'c\"", "*",
        ]
        var params: [String: String] = [:]
        for (index, value) in hostile.enumerated() { params["p\(index)"] = value }
        let command = ["/usr/bin/printf", "%s\\n"] + hostile.indices.map { "{param.p\($0)}" }
        let plan = try ExecFixtures.plan(
            scratch, ExecFixtures.executor(command: command),
            intent: try ExecFixtures.intent(params: params))
        // The same through a script that quotes "$@" properly.
        let script = try scratch.script("args.sh", "for a in \"$@\"; do printf '%s\\n' \"$a\"; done")
        let viaScript = try ExecFixtures.plan(
            scratch,
            ExecFixtures.executor(
                command: ["/bin/sh", script] + hostile.indices.map { "{param.p\($0)}" }),
            intent: try ExecFixtures.intent(params: params))
        for plan in [plan, viaScript] {
            let result = try Subprocess.run(plan)
            #expect(result.exitCode == 0)
            #expect(result.stdoutTail == hostile.map { $0 + "\n" }.joined())
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("only the allowlist, the secrets and WRIT_* reach the child")
    func environment() throws {
        let scratch = try ExecScratch()
        let envFile = try scratch.write("env/file", "FILE_SECRET=file-secret-value\nNOT_DECLARED=zzz\n")
        var environment = ExecFixtures.environment
        environment["GH_TOKEN"] = "env-secret-value"
        let executor = ExecFixtures.executor(
            command: ["env"], envAllowlist: ["PATH", "HOME", "ABSENT"],
            secrets: ["GH_TOKEN", "FILE_SECRET"], envFile: envFile)
        let result = try Subprocess.run(
            try ExecFixtures.plan(scratch, executor, environment: environment, tier: .high))
        #expect(result.exitCode == 0)
        var seen: [String: String] = [:]
        for line in result.stdoutTail.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            seen[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        #expect(
            Set(seen.keys) == [
                "PATH", "HOME", "GH_TOKEN", "FILE_SECRET", "WRIT_INTENT_ID", "WRIT_IDEMPOTENCY_KEY",
                "WRIT_TIER",
            ])
        #expect(seen["WRIT_INTENT_ID"] == ExecFixtures.intentID)
        #expect(seen["WRIT_IDEMPOTENCY_KEY"] == "key-7")
        #expect(seen["WRIT_TIER"] == "high")
        #expect(seen["GH_TOKEN"] == "[REDACTED]")
        #expect(seen["FILE_SECRET"] == "[REDACTED]")
        #expect(!result.stdoutTail.contains("secret-value"))
    }

    @Test("on timeout the whole group dies, grandchildren included")
    func timeoutKillsGroup() throws {
        let scratch = try ExecScratch()
        let pidFile = scratch.root + "/grandchild.pid"
        let script = try scratch.script(
            "slow.sh", "sleep 300 &\necho $! > '\(pidFile)'\necho started\nsleep 300\necho never")
        let plan = try ExecFixtures.plan(
            scratch, ExecFixtures.executor(command: ["/bin/sh", script], timeout: 1))
        let result = try Subprocess.run(plan)
        // The runner returned on the timeout, not when the 300 s sleep ended.
        #expect(result.timedOut)
        #expect(result.exitCode == ExecutionResult.timeoutExitCode)
        #expect(result.stdoutTail == "started\n")
        #expect(result.durationMs >= 1000)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let pid = try #require(pid_t(text))
        #expect(ExecFixtures.waitGone(pid))
    }

    @Test("a child that ignores SIGTERM is killed after the grace period")
    func stubbornChild() throws {
        let scratch = try ExecScratch()
        let script = try scratch.script("stubborn.sh", "trap '' TERM\nwhile :; do sleep 0.1; done")
        // The loop never ends on its own: that the runner returns at all
        // shows the child was killed after SIGTERM was ignored.
        let result = try Subprocess.run(
            try ExecFixtures.plan(
                scratch, ExecFixtures.executor(command: ["/bin/sh", script], timeout: 1)))
        #expect(result.timedOut)
        #expect(result.exitCode == ExecutionResult.timeoutExitCode)
    }

    @Test("what a child leaves behind is killed when it exits, without waiting for the timeout")
    func leftoversKilled() throws {
        let scratch = try ExecScratch()
        let pidFile = scratch.root + "/leftover.pid"
        let script = try scratch.script("leave.sh", "sleep 300 &\necho $! > '\(pidFile)'\nexit 0")
        let result = try Subprocess.run(
            try ExecFixtures.plan(
                scratch, ExecFixtures.executor(command: ["/bin/sh", script], timeout: 60)))
        #expect(result.exitCode == 0)
        // Not timed out: the runner did not wait for the leftover (60 s timeout).
        #expect(!result.timedOut)
        let pid = try #require(
            pid_t(
                try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        #expect(ExecFixtures.waitGone(pid))
    }

    @Test(
        "secrets are redacted whole, split across writes, and on stderr; digests are of the redacted text"
    )
    func redaction() throws {
        let scratch = try ExecScratch()
        let secret = "s3cr3t-T0KEN-value"
        let script = try scratch.script(
            "leak.sh",
            """
            echo "whole: $GH_TOKEN"
            printf 'split: s3cr3t-T0'
            sleep 0.3
            printf 'KEN-value done\\n'
            echo "err: $GH_TOKEN" >&2
            printf 'tail-s3cr3t'
            """)
        var environment = ExecFixtures.environment
        environment["GH_TOKEN"] = secret
        let plan = try ExecFixtures.plan(
            scratch, ExecFixtures.executor(command: ["/bin/sh", script], secrets: ["GH_TOKEN"]),
            environment: environment)
        let result = try Subprocess.run(plan)
        // The digest covers the stream with whole secrets redacted; the
        // published tail also loses the secret's prefix left at its end.
        let redactedOut = "whole: [REDACTED]\nsplit: [REDACTED] done\ntail-s3cr3t"
        #expect(result.stdoutTail == "whole: [REDACTED]\nsplit: [REDACTED] done\ntail-[REDACTED]")
        #expect(result.stderrTail == "err: [REDACTED]\n")
        #expect(result.stdoutSHA256 == ExecFixtures.sha256(redactedOut))
        #expect(result.stderrSHA256 == ExecFixtures.sha256("err: [REDACTED]\n"))
        #expect(!result.stdoutTail.contains(secret) && !result.stderrTail.contains(secret))
        #expect(!"\(result)".contains(secret))
    }

    @Test("20 MB of output: bounded tail, digest agrees with sha256sum")
    func hugeOutput() throws {
        let scratch = try ExecScratch()
        let script = try scratch.script(
            "big.sh", "head -c 20000000 /dev/zero | tr '\\000' 'a'\necho end")
        let witness = try scratch.script("witness.sh", "sh '\(script)' | sha256sum")
        let plan = try ExecFixtures.plan(
            scratch, ExecFixtures.executor(command: ["/bin/sh", script], secrets: ["TOKEN"]),
            environment: ExecFixtures.environment.merging(["TOKEN": "never-printed"]) { $1 })
        let result = try Subprocess.run(plan)
        #expect(result.exitCode == 0)
        #expect(result.stdoutTail.utf8.count == OutputCapture.tailLimit)
        #expect(result.stdoutTail.hasSuffix("aaaaend\n"))
        let expected = try RecordFixtures.run("/bin/sh", [witness]).prefix(64)
        #expect(result.stdoutSHA256.hex == String(expected))
    }

    @Test("workdir is honoured; exit codes and signals are propagated")
    func workdirAndExitCodes() throws {
        let scratch = try ExecScratch()
        let clone = try scratch.makeClone("acme/widgets")
        let pwd = try Subprocess.run(
            try ExecFixtures.plan(
                scratch, ExecFixtures.executor(command: ["/bin/pwd"], workdir: "{clone}")))
        #expect(pwd.stdoutTail == clone + "\n")
        let exit3 = try scratch.script("exit3.sh", "echo oops >&2\nexit 3")
        let failed = try Subprocess.run(
            try ExecFixtures.plan(scratch, ExecFixtures.executor(command: ["/bin/sh", exit3])))
        #expect(failed.exitCode == 3)
        #expect(!failed.timedOut)
        #expect(failed.stderrTail == "oops\n")
        let killed = try scratch.script("kill9.sh", "kill -9 $$")
        #expect(
            try Subprocess.run(
                try ExecFixtures.plan(scratch, ExecFixtures.executor(command: ["/bin/sh", killed]))
            ).exitCode == 137)
    }

    @Test("SIGPIPE is reset to the default in the child even when the parent ignores it")
    func sigpipeReset() throws {
        signal(SIGPIPE, SIG_IGN)
        let scratch = try ExecScratch()
        let script = try scratch.script("pipe.sh", "yes | head -n 1")
        let result = try Subprocess.run(
            try ExecFixtures.plan(scratch, ExecFixtures.executor(command: ["/bin/sh", script])))
        #expect(result.exitCode == 0)
        #expect(result.stdoutTail == "y\n")
        #expect(result.stderrTail == "")
    }

    @Test("a program that cannot be started is exit code 127 with the reason on stderr")
    func spawnFailures() throws {
        // Preflight refuses these before any claim; a plan built by hand (no
        // resolved executable) still fails safely in the runner.
        let scratch = try ExecScratch()
        func handmade(_ argv: [String], path: String? = "/usr/bin:/bin") -> ExecutionPlan {
            ExecutionPlan(
                argv: argv, workdir: nil, environment: path.map { ["PATH": $0] } ?? [:], secretValues: [],
                timeoutSeconds: 5)
        }
        let missing = try Subprocess.run(handmade([scratch.root + "/no-such-program"]))
        #expect(missing.exitCode == 127)
        #expect(missing.stderrTail.contains("no-such-program"))
        let notOnPath = try Subprocess.run(handmade(["no-such-program-anywhere"]))
        #expect(notOnPath.exitCode == 127)
        let noPath = try Subprocess.run(handmade(["env"], path: nil))
        #expect(noPath.exitCode == 127)
        #expect(noPath.stderrTail.contains("no PATH"))
        // A bare name is found through the plan's PATH.
        let found = try Subprocess.run(handmade(["true"]))
        #expect(found.exitCode == 0)
        let badWorkdir = ExecutionPlan(
            argv: ["/bin/true"], workdir: scratch.root + "/gone", environment: [:], secretValues: [],
            timeoutSeconds: 5)
        #expect(try Subprocess.run(badWorkdir).exitCode == 127)
    }
}
