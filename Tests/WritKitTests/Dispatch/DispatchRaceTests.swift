import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// At most once with many dispatchers racing (issue acceptance): four
/// dispatcher processes, each with its own clone and state dir, against one
/// remote; 300 approved intents whose executor appends its id to a shared
/// file. Every id must appear exactly once, with one executor at a time and
/// with four side by side in each dispatcher (`max_parallel`).
@Suite(.serialized) struct DispatchRaceTests {
    static let intents = 300
    static let dispatchers = 4

    @Test(arguments: [1, 4]) func fourDispatchersOverGitDaemonRunEachIntentOnce(maxParallel: Int) throws {
        try race(maxParallel: maxParallel) { base in
            let daemon = try GitDaemon.start(basePath: base, log: base.appendingPathComponent("daemon.log"))
            return (daemon.url("remote.git"), { daemon.stop() })
        }
    }

    @Test(arguments: [1, 4]) func fourDispatchersOverALocalBareRemoteRunEachIntentOnce(maxParallel: Int) throws {
        try race(maxParallel: maxParallel) { base in (base.appendingPathComponent("remote.git").path, {}) }
    }

    private func race(maxParallel: Int, serve: (URL) throws -> (url: String, stop: () -> Void)) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let base = fixture.directory
        // 300 intents on the ledger: low tier needs no human, so "approved" is
        // the policy's auto-approval; a few high ones carry real approvals.
        for index in 0..<Self.intents {
            if index % 50 == 0 {
                try fixture.proposeApprovedHigh(String(format: "release-%04d", index))
            } else {
                try fixture.proposeLow(String(format: "triage-%04d", index))
            }
        }
        try GitTestSupport.run(
            "/usr/bin/git",
            [
                "clone", "-q", "--bare", fixture.sandbox.ops.repository.gitDirectory,
                base.appendingPathComponent("remote.git").path,
            ])
        let (url, stop) = try serve(base)
        defer { stop() }

        var configs: [String] = []
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        for lane in 0..<Self.dispatchers {
            let clone = base.appendingPathComponent("dispatcher-\(lane).git").path
            let cloned = try GitTestSupport.run("/usr/bin/git", ["clone", "-q", "--bare", url, clone])
            try #require(cloned.status == 0, "\(cloned.stderr)")
            let config =
                "remote = \"origin\"\n"
                + original
                .replacingOccurrences(
                    of: "ops_repo = \"\(fixture.sandbox.ops.repository.gitDirectory)\"", with: "ops_repo = \"\(clone)\""
                )
                .replacingOccurrences(of: "/state\"", with: "/state-\(lane)\"")
            let path = base.appendingPathComponent("dispatcher-\(lane).toml").path
            try Data(config.utf8).write(to: URL(fileURLWithPath: path))
            configs.append(path)
        }

        // Each dispatcher polls a few times, all at once.
        let started = Date()
        let processes = try configs.map { config -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [
                "-c", "for i in 1 2 3; do \"$0\" dispatch --config \"$1\" --once >/dev/null 2>>\"$1.err\"; done",
                CLI.binary,
                config,
            ]
            process.environment = ["PATH": "/usr/bin:/bin"]
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        // One last poll per lane settles anything a lane left in its outbox.
        for config in configs {
            let last = try CLI.run("dispatch", "--config", config, "--once")
            #expect(last.status == 0, "\(last.stderr)")
        }
        let elapsed = Date().timeIntervalSince(started)

        let runs = fixture.runs()
        let counts = Dictionary(runs.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.allSatisfy { $0 == 1 }, "ran twice: \(counts.filter { $0.value > 1 }.keys.sorted())")
        #expect(counts.count == Self.intents, "ran \(counts.count) of \(Self.intents)")
        print(
            "[race] \(Self.intents) intents, \(Self.dispatchers) dispatchers, max_parallel \(maxParallel), via \(url.hasPrefix("git://") ? "git daemon" : "local path"): \(String(format: "%.1f", elapsed)) s"
        )

        // The remote's ledger agrees: every intent succeeded, claimed once.
        let remote = base.appendingPathComponent("remote.git").path
        let status = try StatusEvaluator(ops: try OpsRepo(path: remote)).evaluate(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(status.ledger.ok)
        #expect(status.intents.count == Self.intents)
        #expect(status.intents.allSatisfy { $0.state == .succeeded })
        let claims = try GitTestSupport.git(
            URL(fileURLWithPath: remote), "ls-tree", "-r", "--name-only", "writ/ledger", "audit/"
        )
        .split(separator: "\n").filter { $0.hasSuffix("-claimed.json") }
        #expect(claims.count == Self.intents)
        // And the audit replay finds the racing history honest.
        let audit = try LedgerVerifier(ops: try OpsRepo(path: remote)).verify(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(audit.findings.isEmpty, "\(audit.findings.prefix(5))")
    }
}
