import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ dispatch --interval D` prints one heartbeat line per poll (time,
/// run id, counts by result); with `--json`, one JSON line per poll.
@Suite struct DispatchHeartbeatTests {
    /// Runs `writ dispatch --interval 1s` until it printed `polls` lines of
    /// standard output (or a minute passed), stops it, and returns the lines.
    static func heartbeats(_ fixture: DispatchFixture, json: Bool, polls: Int) async throws -> [String] {
        let child = try TestProcess.start(
            CLI.binary,
            ["dispatch", "--config", fixture.configPath, "--interval", "1s"] + (json ? ["--json"] : []),
            environment: ["PATH": "/usr/bin:/bin"])
        defer { child.removeFiles() }
        func lines() -> [String] {
            child.stdoutSoFar.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("  ") }
        }
        _ = await child.waitUntil(every: 0.1) { lines().count >= polls }
        #expect(child.isRunning, "the loop stopped early")
        await child.killAndReap()
        return lines()
    }

    @Test func jsonHeartbeatIsOneLinePerPoll() async throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("2026-04-01-beat")
        try fixture.sandbox.propose(try fixture.request("release", "2026-04-02-waiting"), as: "agent-1@example.com")

        let lines = try await Self.heartbeats(fixture, json: true, polls: 2)
        try #require(lines.count >= 2, "\(lines)")
        var runIDs: [String] = []
        for (index, line) in lines.prefix(2).enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["schema"] as? Int == 1)
            #expect(object["type"] as? String == "heartbeat")
            let time = try #require(object["time"] as? String)
            #expect(Timestamp(rfc3339: time) != nil, "\(time)")
            let runID = try #require(object["run_id"] as? String)
            #expect(runID.hasPrefix("run-"))
            runIDs.append(runID)
            let counts = try #require(object["counts"] as? [String: Int])
            let expected =
                index == 0
                ? ["succeeded": 1, "failed": 0, "blocked": 1, "in_doubt": 0, "ready": 0]
                : ["succeeded": 0, "failed": 0, "blocked": 0, "in_doubt": 0, "ready": 0]
            #expect(counts == expected, "poll \(index): \(line)")
        }
        #expect(Set(runIDs).count == 2)
        // Each heartbeat names the report the poll left in the state dir.
        for runID in runIDs {
            #expect(
                FileManager.default.fileExists(
                    atPath: fixture.directory.appendingPathComponent("state/default/runs/\(runID).json").path))
        }
    }

    @Test func textHeartbeatNamesTimeRunAndCounts() async throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("2026-04-03-beat")

        let lines = try await Self.heartbeats(fixture, json: false, polls: 2)
        try #require(lines.count >= 2, "\(lines)")
        let pattern = #/^(\S+) (run-\d+-[0-9a-f]{8}): succeeded (\d), failed 0, blocked 0, in_doubt 0, ready 0$/#
        let first = try #require(lines[0].wholeMatch(of: pattern), "\(lines[0])")
        #expect(Timestamp(rfc3339: String(first.1)) != nil)
        #expect(first.3 == "1")
        let second = try #require(lines[1].wholeMatch(of: pattern), "\(lines[1])")
        #expect(second.3 == "0")
        #expect(first.2 != second.2)
    }
}
