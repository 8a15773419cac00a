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

@Suite("Executor preflight")
struct ExecutorPreflightTests {
    @Test("executor_missing without an executor, or with one for another kind; a matching one passes")
    func executorMissing() throws {
        let scratch = try ExecScratch()
        try scratch.makeClone("acme/widgets")
        let intent = try ExecFixtures.intent()
        #expect(ExecFixtures.reason(intent, nil, cloneRoot: scratch.cloneRoot) == .executorMissing)
        let other = ExecutorConfig(kind: "release", command: ["/bin/true"], timeoutSeconds: 5)
        #expect(ExecFixtures.reason(intent, other, cloneRoot: scratch.cloneRoot) == .executorMissing)
        let empty = ExecFixtures.executor(command: [])
        #expect(ExecFixtures.reason(intent, empty, cloneRoot: scratch.cloneRoot) == .executorMissing)
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/true"]), cloneRoot: scratch.cloneRoot) == nil)
    }

    @Test("env_mismatch for an unsupported platform or a missing required variable; near-misses pass")
    func envMismatch() throws {
        let scratch = try ExecScratch()
        try scratch.makeClone("acme/widgets")
        let intent = try ExecFixtures.intent()
        let root = scratch.cloneRoot
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/true"], supportedPlatforms: ["darwin"]),
                cloneRoot: root) == .envMismatch)
        #expect(
            ExecFixtures.reason(
                intent,
                ExecFixtures.executor(command: ["/bin/true"], supportedPlatforms: ["darwin", "linux"]),
                cloneRoot: root) == nil)
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/true"], supportedPlatforms: ["linux"]),
                cloneRoot: root, platform: "darwin") == .envMismatch)
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/true"]), cloneRoot: root, platform: "plan9")
                == nil)

        let needsRegion = ExecFixtures.executor(command: ["/bin/true"], requiredEnvVars: ["REGION"])
        #expect(ExecFixtures.reason(intent, needsRegion, cloneRoot: root) == .envMismatch)
        var environment = ExecFixtures.environment
        environment["REGION"] = "eu-1"
        #expect(
            ExecFixtures.reason(intent, needsRegion, cloneRoot: root, environment: environment) == nil)
    }

    @Test(
        "registry_auth_missing for a missing or empty secret and an unreadable or malformed env_file")
    func registryAuthMissing() throws {
        let scratch = try ExecScratch()
        try scratch.makeClone("acme/widgets")
        let intent = try ExecFixtures.intent()
        let root = scratch.cloneRoot
        let needsToken = ExecFixtures.executor(command: ["/bin/true"], secrets: ["GH_TOKEN"])
        #expect(ExecFixtures.reason(intent, needsToken, cloneRoot: root) == .registryAuthMissing)
        var environment = ExecFixtures.environment
        environment["GH_TOKEN"] = ""
        #expect(
            ExecFixtures.reason(intent, needsToken, cloneRoot: root, environment: environment)
                == .registryAuthMissing)
        environment["GH_TOKEN"] = "tok"
        #expect(
            ExecFixtures.reason(intent, needsToken, cloneRoot: root, environment: environment) == nil)

        // From the env file instead; an empty value there is still missing.
        let good = try scratch.write("env/good", "# host secrets\n\nGH_TOKEN=\"from-file\"\nOTHER=x\n")
        let emptyValue = try scratch.write("env/empty", "GH_TOKEN=\n")
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/true"], secrets: ["GH_TOKEN"], envFile: good),
                cloneRoot: root) == nil)
        #expect(
            ExecFixtures.reason(
                intent,
                ExecFixtures.executor(command: ["/bin/true"], secrets: ["GH_TOKEN"], envFile: emptyValue),
                cloneRoot: root) == .registryAuthMissing)

        // A declared env_file that cannot be read fails even when the secret is in the environment.
        let absent = scratch.root + "/env/absent"
        #expect(
            ExecFixtures.reason(
                intent,
                ExecFixtures.executor(command: ["/bin/true"], secrets: ["GH_TOKEN"], envFile: absent),
                cloneRoot: root, environment: environment) == .registryAuthMissing)
        #expect(
            ExecFixtures.reason(
                intent,
                ExecFixtures.executor(
                    command: ["/bin/true"], secrets: ["GH_TOKEN"], envFile: scratch.root + "/env"),
                cloneRoot: root, environment: environment) == .registryAuthMissing)

        // A malformed line is named by number, never by content.
        let malformed = try scratch.write("env/bad", "A=1\nthis line holds hunter2-secret\n")
        let result = ExecutorPreflight.plan(
            intent: intent, tier: .low,
            executor: ExecFixtures.executor(
                command: ["/bin/true"], secrets: ["GH_TOKEN"], envFile: malformed),
            cloneRoot: root, environment: environment)
        guard case .failure(let error) = result else {
            Issue.record("malformed env_file accepted")
            return
        }
        #expect(error.reason == .registryAuthMissing)
        #expect(error.detail.contains("line 2"))
        #expect(!error.detail.contains("hunter2"))
    }

    @Test(
        "clone_missing for an absent clone, a file, or an escaping repo path; an existing clone passes")
    func cloneMissing() throws {
        let scratch = try ExecScratch()
        let executor = ExecFixtures.executor(command: ["/bin/true"])
        let root = scratch.cloneRoot
        #expect(
            ExecFixtures.reason(try ExecFixtures.intent(repo: "acme/widgets"), executor, cloneRoot: root)
                == .cloneMissing)
        try scratch.makeClone("acme/widgets")
        #expect(
            ExecFixtures.reason(try ExecFixtures.intent(repo: "acme/widgets"), executor, cloneRoot: root)
                == nil)

        // These exist on disk, so only the path check can refuse them.
        try FileManager.default.createDirectory(
            atPath: scratch.root + "/escape", withIntermediateDirectories: true)
        for repo in [
            "../escape", "acme/../../escape", "./acme/widgets", "acme//widgets", "acme/widgets/",
            "/" + scratch.root.dropFirst() + "/escape",
        ] {
            #expect(
                ExecFixtures.reason(try ExecFixtures.intent(repo: repo), executor, cloneRoot: root)
                    == .cloneMissing, "\(repo)")
        }
        try scratch.write("clones/acme/plainfile", "not a clone")
        #expect(
            ExecFixtures.reason(
                try ExecFixtures.intent(repo: "acme/plainfile"), executor, cloneRoot: root) == .cloneMissing
        )
        #expect(
            ExecFixtures.reason(
                try ExecFixtures.intent(repo: "acme/widgets"), executor, cloneRoot: "clones")
                == .cloneMissing)
        // writ never clones: the refusal left nothing behind.
        #expect(!FileManager.default.fileExists(atPath: root + "/acme/gadgets"))
        #expect(
            ExecFixtures.reason(try ExecFixtures.intent(repo: "acme/gadgets"), executor, cloneRoot: root)
                == .cloneMissing)
        #expect(!FileManager.default.fileExists(atPath: root + "/acme/gadgets"))
    }

    @Test("placeholders are replaced only as whole argv elements")
    func placeholders() throws {
        let scratch = try ExecScratch()
        let clone = try scratch.makeClone("acme/widgets")
        let executor = ExecFixtures.executor(
            command: [
                "/usr/bin/printf", "{intent.id}", "x{intent.id}", "{target.repo}", "{target.branch}",
                "{param.issue}",
                "{clone}", "{intent.id} ", "{\"a\":1}", "{}",
            ], workdir: "{clone}")
        let plan = try ExecFixtures.plan(scratch, executor)
        #expect(
            plan.argv == [
                "/usr/bin/printf", ExecFixtures.intentID, "x{intent.id}", "acme/widgets", "main", "42",
                clone,
                "{intent.id} ", "{\"a\":1}", "{}",
            ])
        #expect(plan.workdir == clone)
    }

    @Test(
        "an unknown placeholder, a missing parameter or branch, or a relative workdir is env_mismatch")
    func placeholderRefusals() throws {
        let scratch = try ExecScratch()
        try scratch.makeClone("acme/widgets")
        let root = scratch.cloneRoot
        let intent = try ExecFixtures.intent()
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/echo", "{intent.kind}"]), cloneRoot: root)
                == .envMismatch)
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/echo", "{param.title}"]), cloneRoot: root)
                == .envMismatch)
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/echo", "{param.issue}"]), cloneRoot: root)
                == nil)
        let noBranch = try ExecFixtures.intent(branch: nil)
        #expect(
            ExecFixtures.reason(
                noBranch, ExecFixtures.executor(command: ["/bin/echo", "{target.branch}"]), cloneRoot: root)
                == .envMismatch)
        #expect(
            ExecFixtures.reason(
                noBranch, ExecFixtures.executor(command: ["/bin/echo", "{target.repo}"]), cloneRoot: root)
                == nil)
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/true"], workdir: "relative/dir"),
                cloneRoot: root) == .envMismatch)
        #expect(
            ExecFixtures.reason(
                intent, ExecFixtures.executor(command: ["/bin/true"], workdir: "{nope}"), cloneRoot: root)
                == .envMismatch)
    }

    @Test(
        "the plan's environment is the allowlist, the secrets and WRIT_*; its description hides secret values"
    )
    func planEnvironment() throws {
        let scratch = try ExecScratch()
        let envFile = try scratch.write("env/file", "FILE_SECRET=file-secret-value\nNOT_DECLARED=zzz\n")
        var environment = ExecFixtures.environment
        environment["GH_TOKEN"] = "env-secret-value"
        environment["WRIT_TIER"] = "forged"
        let executor = ExecFixtures.executor(
            command: ["/usr/bin/env"], envAllowlist: ["PATH", "HOME", "ABSENT", "WRIT_TIER"],
            secrets: ["GH_TOKEN", "FILE_SECRET"], envFile: envFile)
        let plan = try ExecFixtures.plan(scratch, executor, environment: environment, tier: .medium)
        #expect(
            plan.environment == [
                "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "GH_TOKEN": "env-secret-value",
                "FILE_SECRET": "file-secret-value", "WRIT_INTENT_ID": ExecFixtures.intentID,
                "WRIT_IDEMPOTENCY_KEY": "key-7", "WRIT_TIER": "medium",
            ])
        #expect(Set(plan.secretValues) == ["env-secret-value", "file-secret-value"])
        var dumped = ""
        dump(plan, to: &dumped)
        for shown in [plan.description, "\(plan)", String(reflecting: plan), dumped] {
            #expect(!shown.contains("secret-value"), "\(shown)")
            #expect(shown.contains("GH_TOKEN"))
        }

        // Without an idempotency_key the id stands in.
        let keyless = try ExecFixtures.plan(
            scratch, ExecFixtures.executor(command: ["/bin/true"]),
            intent: try ExecFixtures.intent(idempotencyKey: nil))
        #expect(keyless.environment["WRIT_IDEMPOTENCY_KEY"] == ExecFixtures.intentID)
        #expect(keyless.environment["WRIT_TIER"] == "low")
    }

    /// The detail of a refusal, or nil when preflight succeeds.
    private func refusal(
        _ scratch: ExecScratch, _ executor: ExecutorConfig, repo: String = "acme/widgets",
        environment: [String: String] = ExecFixtures.environment
    ) throws -> WritError? {
        switch ExecutorPreflight.plan(
            intent: try ExecFixtures.intent(repo: repo), tier: .low, executor: executor,
            cloneRoot: scratch.cloneRoot, environment: environment)
        {
        case .success: nil
        case .failure(let error): error
        }
    }

    @Test("the program must exist and be executable where the child would find it")
    func programIsPreflighted() throws {
        let scratch = try ExecScratch()
        let clone = try scratch.makeClone("acme/widgets")

        let missing = try #require(
            try refusal(scratch, ExecFixtures.executor(command: [scratch.root + "/no-such-program"])))
        #expect(missing.reason == .executorMissing)
        #expect(missing.detail.contains("no-such-program") && missing.detail.contains("does not exist"))

        let plain = try scratch.write("not-executable.sh", "echo hi\n")
        let notExecutable = try #require(try refusal(scratch, ExecFixtures.executor(command: [plain])))
        #expect(notExecutable.reason == .executorMissing)
        #expect(notExecutable.detail.contains("not executable"), "\(notExecutable.detail)")

        let directory = try #require(try refusal(scratch, ExecFixtures.executor(command: [clone])))
        #expect(directory.reason == .executorMissing)

        // A bare name: looked up on the PATH the executor gets, not the dispatcher's.
        let found = try ExecFixtures.plan(scratch, ExecFixtures.executor(command: ["true"]))
        let executable = try #require(found.executable)
        #expect(executable.hasPrefix("/") && executable.hasSuffix("/true"))
        #expect(found.argv == ["true"])
        let notOnPath = try #require(
            try refusal(scratch, ExecFixtures.executor(command: ["no-such-program-anywhere"])))
        #expect(notOnPath.reason == .executorMissing)
        #expect(notOnPath.detail.contains("no-such-program-anywhere") && notOnPath.detail.contains("/usr/bin:/bin"))
        let noPath = try #require(
            try refusal(scratch, ExecFixtures.executor(command: ["true"], envAllowlist: [])))
        #expect(noPath.reason == .executorMissing)
        #expect(noPath.detail.contains("no PATH"), "\(noPath.detail)")
        // Only absolute PATH entries count: "." would be wherever the child runs.
        let relativePath = try #require(
            try refusal(
                scratch, ExecFixtures.executor(command: ["run.sh"], workdir: "{clone}"),
                environment: ["PATH": ".:bin"]))
        #expect(relativePath.reason == .executorMissing)

        // A path with a slash is taken from the child's working directory.
        // Written by a child process: a descriptor this process held open
        // for writing could be inherited by a child another test forks
        // meanwhile, and exec would then fail with ETXTBSY.
        let written = try GitTestSupport.run(
            "/bin/sh", ["-c", "printf '#!/bin/sh\\necho ran\\n' > \"$0\" && chmod 755 \"$0\"", clone + "/run.sh"])
        try #require(written.status == 0, "\(written.stderr)")
        let relative = try ExecFixtures.plan(
            scratch, ExecFixtures.executor(command: ["./run.sh"], workdir: "{clone}"))
        #expect(relative.executable == clone + "/./run.sh")
        let ran = try Subprocess.run(relative)
        #expect(ran.exitCode == 0 && ran.stdoutTail == "ran\n")
    }

    @Test("a missing executor binary is refused before any claim: nothing is run or recorded")
    func missingBinaryIsRefusedBeforeClaiming() throws {
        let extra = """
            [executors.groom-backlog]
            command = ["/nonexistent/writ-test/groom"]
            timeout = "1m"
            env_allowlist = ["PATH"]

            """
        let fixture = try DispatchFixture(executors: extra)
        defer { fixture.remove() }
        try fixture.sandbox.propose(
            try fixture.request("groom-backlog", "groom-missing"), as: "agent-1@example.com")
        let report = try fixture.dispatcher().poll()
        let entry = try #require(report.intents.first { $0.id.rawValue == "groom-missing" })
        #expect(entry.reason == .executorMissing)
        #expect(entry.result == .blocked)
        let files = try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "ls-tree", "-r", "--name-only",
            "writ/ledger")
        #expect(!files.contains("claimed"), "\(files)")
        #expect(!files.contains("failed"), "\(files)")
    }

    @Test("a clone path through a symlink, a folder above a clone, or one inside it is clone_missing")
    func cloneIsConfined() throws {
        let scratch = try ExecScratch()
        let executor = ExecFixtures.executor(command: ["/bin/true"], workdir: "{clone}")
        let app = try scratch.makeClone("github.com/org/app")
        // A link inside the clone to a real directory outside it.
        try FileManager.default.createSymbolicLink(atPath: app + "/docs", withDestinationPath: "/etc")
        let throughLink = try #require(try refusal(scratch, executor, repo: "github.com/org/app/docs"))
        #expect(throughLink.reason == .cloneMissing)
        #expect(throughLink.detail.contains("symbolic link"), "\(throughLink.detail)")
        // A folder above a clone, and a plain folder inside one, are not clones.
        try FileManager.default.createDirectory(atPath: app + "/src", withIntermediateDirectories: true)
        for repo in ["github.com/org", "github.com", "github.com/org/app/src"] {
            let error = try #require(try refusal(scratch, executor, repo: repo), "\(repo)")
            #expect(error.reason == .cloneMissing, "\(repo)")
            #expect(error.detail.contains(".git"), "\(error.detail)")
        }
        // A link at the host level of the clone tree, to a real clone elsewhere.
        let elsewhere = scratch.root + "/elsewhere"
        try FileManager.default.createDirectory(
            atPath: elsewhere + "/org/app/.git", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: scratch.cloneRoot + "/gitlab.com", withDestinationPath: elsewhere)
        #expect(try refusal(scratch, executor, repo: "gitlab.com/org/app")?.reason == .cloneMissing)

        // Near miss: the clone itself passes, and so does a clone_root that is a
        // link (the host chose it); {clone} and the workdir are the real path.
        #expect(try refusal(scratch, executor, repo: "github.com/org/app") == nil)
        let linkedRoot = scratch.root + "/linked-clones"
        try FileManager.default.createSymbolicLink(atPath: linkedRoot, withDestinationPath: scratch.cloneRoot)
        let planned = ExecutorPreflight.plan(
            intent: try ExecFixtures.intent(repo: "github.com/org/app"), tier: .low,
            executor: ExecFixtures.executor(command: ["/bin/echo", "{clone}"], workdir: "{clone}"),
            cloneRoot: linkedRoot, environment: ExecFixtures.environment)
        let plan = try planned.get()
        let real = try #require(realpath(app, nil))
        defer { free(real) }
        #expect(plan.workdir == String(cString: real))
        #expect(plan.argv == ["/bin/echo", String(cString: real)])
    }
}
