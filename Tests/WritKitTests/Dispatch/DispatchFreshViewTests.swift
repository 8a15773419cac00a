import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The dispatcher decides every claim on a fresh view of the remote: what
/// was merged while an earlier executor ran is seen, and a claim the remote
/// accepted is the dispatcher's even when the local ref cannot follow.
@Suite(.serialized) struct DispatchFreshViewTests {
    /// A fixture whose dispatcher works on its own bare clone of a bare
    /// remote (both cloned from the sandbox repo), with `remote = "origin"`.
    private struct Remote {
        let remote: String
        let clone: String
        let configPath: String
    }

    private func withRemote(_ fixture: DispatchFixture) throws -> Remote {
        let base = fixture.directory
        let remote = base.appendingPathComponent("remote.git").path
        let clone = base.appendingPathComponent("dispatcher.git").path
        try GitTestSupport.run(
            "/usr/bin/git", ["clone", "-q", "--bare", fixture.sandbox.ops.repository.gitDirectory, remote])
        let cloned = try GitTestSupport.run("/usr/bin/git", ["clone", "-q", "--bare", remote, clone])
        try #require(cloned.status == 0, "\(cloned.stderr)")
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        let config =
            "remote = \"origin\"\n"
            + original.replacingOccurrences(
                of: "ops_repo = \"\(fixture.sandbox.ops.repository.gitDirectory)\"", with: "ops_repo = \"\(clone)\"")
        let path = base.appendingPathComponent("dispatcher-remote.toml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return Remote(remote: remote, clone: clone, configPath: path)
    }

    /// Pushes the sandbox's governance branch to the remote, as a merge on the forge would.
    private func pushGovernance(_ fixture: DispatchFixture, to remote: Remote) throws {
        let pushed = try GitTestSupport.run(
            "/usr/bin/git",
            ["-C", fixture.sandbox.ops.repository.gitDirectory, "push", "-q", remote.remote, "main:main"])
        try #require(pushed.status == 0, "\(pushed.stderr)")
    }

    private func proposeApproved(_ fixture: DispatchFixture, kind: String, _ id: String) throws {
        try fixture.sandbox.propose(try fixture.request(kind, id), as: "agent-1@example.com")
        let intentID = try #require(IntentID(id))
        try fixture.sandbox.approve(intentID, as: "alice@example.com")
        try fixture.sandbox.approve(intentID, as: "carol@example.com")
    }

    /// Hole: the dispatcher fetched only at the start of a poll (and after a
    /// lost race). Intents run one after another, so a deny merged while an
    /// earlier executor ran for minutes was not seen, and the denied intent
    /// was claimed and run on governance as it stood when the poll began.
    @Test func denyMergedDuringAnEarlierRunIsSeenBeforeTheNextClaim() throws {
        // Side files the slow executor uses to signal it started and to wait.
        let side = try GitTestSupport.scratch("review-deny-mid-poll")
        let started = side.appendingPathComponent("started").path
        let go = side.appendingPathComponent("go").path
        let slowRunsFile = side.appendingPathComponent("runs.txt").path
        let fixture = try DispatchFixture(
            executors: """
                [executors.slow]
                command = ["/bin/sh", "-c", "touch \(started); while [ ! -f \(go) ]; do sleep 0.05; done; echo \\"$WRIT_INTENT_ID\\" >> \(slowRunsFile)"]
                timeout = "1m"
                env_allowlist = ["PATH"]

                """)
        defer {
            fixture.remove()
            GitTestSupport.remove(side)
        }
        try proposeApproved(fixture, kind: "slow", "a-slow")
        try fixture.proposeApprovedHigh("b-release")
        let remote = try withRemote(fixture)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["dispatch", "--config", remote.configPath, "--once"]
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: started), Date() < deadline, process.isRunning { usleep(20_000) }
        try #require(FileManager.default.fileExists(atPath: started), "the slow executor never started")

        // While a-slow runs, an admin's deny of b-release is merged on the remote.
        try fixture.sandbox.approve(try #require(IntentID("b-release")), as: "alice@example.com", decision: .deny)
        try pushGovernance(fixture, to: remote)
        _ = FileManager.default.createFile(atPath: go, contents: Data())
        process.waitUntilExit()

        let slowRuns = (try? String(contentsOfFile: slowRunsFile, encoding: .utf8)) ?? ""
        #expect(slowRuns == "a-slow\n")
        #expect(!fixture.runs().contains("b-release"), "a denied intent ran: \(fixture.runs())")
    }

    /// Hole: with a remote, a claim whose push succeeded but whose local ref
    /// update then failed (the ref locked by another local writer) was taken
    /// for a lost race. The dispatcher stepped back from its own durable
    /// claim, the intent never ran, and it could only end in doubt.
    @Test func pushedClaimCountsEvenWhenTheLocalRefCannotMove() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-locked-local")
        let remote = try withRemote(fixture)
        let lock = remote.clone + "/refs/heads/writ/ledger.lock"
        // `git clone --bare` may pack the refs; the lock blocks either way.
        try FileManager.default.createDirectory(
            atPath: remote.clone + "/refs/heads/writ", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: lock, contents: Data())

        let first = try CLI.run("dispatch", "--config", remote.configPath, "--once")
        try FileManager.default.removeItem(atPath: lock)
        let second = try CLI.run("dispatch", "--config", remote.configPath, "--once")
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(fixture.runs() == ["triage-locked-local"], "first poll: \(first.stdout)\(first.stderr)")

        // The outcome reached the remote.
        let log = try GitTestSupport.run("/usr/bin/git", ["-C", remote.remote, "log", "--format=%s", "writ/ledger"])
        #expect(log.stdout.contains("writ: succeeded triage-locked-local"), "\(log.stdout)")
    }
}
