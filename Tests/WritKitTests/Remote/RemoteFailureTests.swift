import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Remotes that cannot be reached: each failure has its one reason code,
/// and `--interval` waits out the passing ones.
@Suite(.serialized) struct RemoteFailureTests {
    @Test func aRefusedConnectionIsRemoteError() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-0001")
        let lanes = try RemoteLanes(fixture)
        let closed = try BackgroundServer.freePort()
        for url in ["ssh://git@127.0.0.1:\(closed)/ops.git", "https://127.0.0.1:\(closed)/ops.git"] {
            let config = try lanes.lane(0, url: url, remoteTable: "timeout = \"10s\"")
            let run = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
            #expect(run.status == 3, "\(url): \(run.stderr)")
            #expect(run.stderr.contains("remote_error"), "\(url): \(run.stderr)")
        }
        // An unknown host name too.
        let config = try lanes.lane(0, url: "ssh://git@no-such-host.invalid/ops.git", remoteTable: "timeout = \"10s\"")
        let unknown = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
        #expect(unknown.status == 3 && unknown.stderr.contains("remote_error"), "\(unknown.stderr)")
        #expect(fixture.runs().isEmpty)
    }

    @Test func aURLCarryingATokenIsRefusedWithoutRepeatingIt() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let lanes = try RemoteLanes(fixture)
        let config = try lanes.lane(
            0, url: "https://x-access-token:ghp_embedded_secret@127.0.0.1:1/ops.git", remoteTable: "")
        let run = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("carries a password or token"), "\(run.stderr)")
        #expect(!run.stderr.contains("ghp_embedded_secret"))
    }

    /// A declared secret that is missing stops the first network operation
    /// with a runtime error naming the setting; reading locally still works.
    @Test func aMissingSecretStopsTheRemoteNotTheReader() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-0001")
        let lanes = try RemoteLanes(fixture)
        let config = try lanes.lane(
            0, url: "https://127.0.0.1:1/ops.git", remoteTable: "token_secret = \"WRIT_REMOTE_TOKEN\"")
        let dispatch = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
        #expect(dispatch.status == 3, "\(dispatch.stderr)")
        #expect(dispatch.stderr.contains("token_secret names WRIT_REMOTE_TOKEN"), "\(dispatch.stderr)")
        #expect(dispatch.stderr.contains("(check token_secret in [remote]"), "\(dispatch.stderr)")
        let status = try IsolatedCLI.run(["status", "--config", config])
        #expect(status.status == 0, "\(status.stderr)")
        let fetch = try IsolatedCLI.run(["status", "--fetch", "--config", config])
        #expect(fetch.status == 3 && fetch.stderr.contains("token_secret"), "\(fetch.stderr)")
        #expect(fixture.runs().isEmpty)
    }

    /// `--interval` against a server that never answers: every poll gives
    /// up with `timeout`, says so in its heartbeat, and the loop goes on.
    @Test func intervalModeSkipsATimedOutPollAndGoesOn() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-0001")
        let lanes = try RemoteLanes(fixture)
        let silent = try PythonServers.silent(in: fixture.directory)
        defer { silent.stop() }
        let knownHosts = fixture.directory.appendingPathComponent("known_hosts").path
        FileManager.default.createFile(atPath: knownHosts, contents: Data())
        let config = try lanes.lane(
            0, url: "ssh://git@127.0.0.1:\(silent.port)/ops.git",
            remoteTable: "known_hosts = \"\(knownHosts)\"\ntimeout = \"1s\"")
        let output = fixture.directory.appendingPathComponent("interval.out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "-i", "PATH=/usr/bin:/bin", CLI.binary, "dispatch", "--config", config, "--interval", "1s",
        ]
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        var beats: [Substring] = []
        while Date() < deadline, process.isRunning {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            beats = text.split(separator: "\n").filter { $0.contains("skipped: timeout") }
            if beats.count >= 3 { break }
            usleep(100_000)
        }
        let stillRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try handle.close()
        #expect(stillRunning, "the loop ended on a timeout")
        #expect(beats.count >= 3, "\(beats)")
        #expect(fixture.runs().isEmpty)
    }
}
