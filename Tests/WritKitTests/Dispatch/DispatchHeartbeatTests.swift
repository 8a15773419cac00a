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
    static func heartbeats(_ fixture: DispatchFixture, json: Bool, polls: Int) throws -> [String] {
        let output = fixture.directory.appendingPathComponent("heartbeat-\(json).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["dispatch", "--config", fixture.configPath, "--interval", "1s"] + (json ? ["--json"] : [])
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // SIGKILL: a child of the test runner may inherit a signal mask
            // that blocks SIGTERM, so `terminate()` would not end it.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(60)
        var lines: [String] = []
        repeat {
            usleep(100_000)
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("  ") }
        } while lines.count < polls && process.isRunning && Date() < deadline
        #expect(process.isRunning, "the loop stopped early")
        return lines
    }

    @Test func jsonHeartbeatIsOneLinePerPoll() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("2026-04-01-beat")
        try fixture.sandbox.propose(try fixture.request("release", "2026-04-02-waiting"), as: "agent-1@example.com")

        let lines = try Self.heartbeats(fixture, json: true, polls: 2)
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

    @Test func textHeartbeatNamesTimeRunAndCounts() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("2026-04-03-beat")

        let lines = try Self.heartbeats(fixture, json: false, polls: 2)
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
