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

/// A scratch directory with a clone root, scripts and builders for the
/// executing tests; removed when the test ends.
final class ExecScratch {
    let root: String

    init() throws {
        root = try Scratch.make("exec").path
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var cloneRoot: String { root + "/clones" }

    /// Creates `{cloneRoot}/{repo}` with a `.git` (what preflight takes for
    /// a clone's root) and returns its path.
    @discardableResult
    func makeClone(_ repo: String) throws -> String {
        let path = cloneRoot + "/" + repo
        try FileManager.default.createDirectory(atPath: path + "/.git", withIntermediateDirectories: true)
        return path
    }

    /// Writes a file under the scratch root and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = root + "/" + name
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Writes a /bin/sh script and returns its path (run as `/bin/sh path`).
    func script(_ name: String, _ body: String) throws -> String {
        try write(name, "set -u\n" + body + "\n")
    }
}

enum ExecFixtures {
    static let intentID = "i-20260101-triage-1"

    static func intent(
        kind: String = "triage", repo: String = "acme/widgets", branch: String? = "main",
        params: [String: String] = ["issue": "42"], idempotencyKey: String? = "key-7"
    ) throws -> Intent {
        try Intent(
            id: try #require(IntentID(intentID)), kind: kind,
            proposer: try #require(Principal("agent-1@example.com")),
            createdAt: Timestamp(secondsSinceEpoch: 1_800_000_000), summary: "triage an issue",
            idempotencyKey: idempotencyKey, target: Intent.Target(repo: repo, branch: branch),
            params: params)
    }

    static func executor(
        command: [String], timeout: Int64 = 30, workdir: String? = nil,
        envAllowlist: [String] = ["PATH"],
        requiredEnvVars: [String] = [], secrets: [String] = [], envFile: String? = nil,
        supportedPlatforms: [String] = []
    ) -> ExecutorConfig {
        ExecutorConfig(
            kind: "triage", command: command, timeoutSeconds: timeout, workdir: workdir,
            envAllowlist: envAllowlist,
            requiredEnvVars: requiredEnvVars, secrets: secrets, envFile: envFile,
            supportedPlatforms: supportedPlatforms)
    }

    static let environment = [
        "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "UNLISTED": "should-not-pass",
    ]

    /// Plans through preflight, requiring success.
    static func plan(
        _ scratch: ExecScratch, _ executor: ExecutorConfig, intent: Intent? = nil,
        environment: [String: String] = ExecFixtures.environment, tier: Tier = .low
    ) throws -> ExecutionPlan {
        let intent = try intent ?? Self.intent()
        try scratch.makeClone(intent.target.repo)
        switch ExecutorPreflight.plan(
            intent: intent, tier: tier, executor: executor, cloneRoot: scratch.cloneRoot,
            environment: environment)
        {
        case .success(let plan): return plan
        case .failure(let error):
            Issue.record("preflight refused: \(error)")
            throw error
        }
    }

    /// The reason preflight gives, or nil when it succeeds.
    static func reason(
        _ intent: Intent, _ executor: ExecutorConfig?, cloneRoot: String,
        environment: [String: String] = environment,
        platform: String = "linux"
    ) -> ReasonCode? {
        switch ExecutorPreflight.plan(
            intent: intent, tier: .low, executor: executor, cloneRoot: cloneRoot,
            environment: environment, platform: platform)
        {
        case .success: nil
        case .failure(let error): error.reason
        }
    }

    static func sha256(_ text: String) -> ContentDigest { ContentDigest.sha256(of: Array(text.utf8)) }

    /// Whether `pid` no longer names a live process: gone (ESRCH) or a zombie
    /// waiting for a reaper outside this test's control.
    static func isGone(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0, errno == ESRCH { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[close...].dropFirst(2).first == "Z"
    }

    /// Polls `isGone` for up to `seconds`.
    static func waitGone(_ pid: pid_t, seconds: Double = 3) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if isGone(pid) { return true }
            usleep(20_000)
        }
        return isGone(pid)
    }
}
