import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A dispatcher refuses to run anything unless what it writes would count:
/// its key is listed for its identity (namespace `git`) in the trusted
/// allowed_signers, and its identity holds the `dispatcher` role.
@Suite struct DispatcherEntitlementTests {
    private func rewriteConfig(_ fixture: DispatchFixture, _ change: (String) -> String) throws {
        let text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try Data(change(text).utf8).write(to: URL(fileURLWithPath: fixture.configPath))
    }

    @Test func dispatcherWithAnotherPrincipalsKeyRefusesToStart() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-wrong-key")
        try rewriteConfig(fixture) {
            $0.replacingOccurrences(
                of: fixture.sandbox.keyPath("dispatch-1@example.com"), with: fixture.sandbox.keyPath("bob@example.com"))
        }
        let before = try fixture.sandbox.ops.ledgerHead()
        let error = try #require(throws: RuntimeError.self) { try fixture.dispatcher().poll() }
        #expect(error.detail.contains("not listed for dispatch-1@example.com"))
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(cli.status == 3)
        #expect(cli.stderr.contains("signing_key"))
        #expect(fixture.runs().isEmpty)
        #expect(try fixture.sandbox.ops.ledgerHead() == before, "nothing may be written")

        // A correctly set-up dispatcher then runs it, once.
        try rewriteConfig(fixture) {
            $0.replacingOccurrences(
                of: fixture.sandbox.keyPath("bob@example.com"), with: fixture.sandbox.keyPath("dispatch-1@example.com"))
        }
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-wrong-key"])
    }

    /// Governance can change between two claims of one poll: an adopted
    /// change that removes the dispatcher's key, merged while an executor
    /// runs, stops the poll before the next claim.
    @Test func governanceChangeMidPollStopsTheNextClaim() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let ops = fixture.sandbox.ops
        let before = try ops.governanceHead()
        let rotation = try EventCountingAgreementTests.rotateDispatcher(fixture.sandbox, at: Date())
        try ops.repository.updateRef("refs/heads/main", to: before, expecting: rotation)
        // The first intent's executor merges the prepared change, as an
        // admin would while the executor runs.
        let merge =
            "[ $WRIT_INTENT_ID = triage-first ] && /usr/bin/git --git-dir=\(ops.repository.gitDirectory) "
            + "update-ref refs/heads/main \(rotation.hex) \(before.hex); true"
        try fixture.thenRun(merge)
        try fixture.proposeLow("triage-first")
        try fixture.proposeLow("triage-second")

        let error = try #require(throws: RuntimeError.self) { try fixture.dispatcher().poll() }
        #expect(error.detail.contains("not listed for dispatch-1@example.com"))
        #expect(try ops.governanceHead() == rotation)
        #expect(fixture.runs() == ["triage-first"], "nothing is claimed after the key was removed")
        let states = Dictionary(
            uniqueKeysWithValues: try fixture.sandbox.status().intents.map { ($0.id.rawValue, $0.state) })
        #expect(states["triage-first"] == .succeeded, "the outcome of a claim made while entitled still counts")
        #expect(states["triage-second"] == .ready)
    }

    @Test func identityWithoutTheDispatcherRoleRefusesToStart() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-wrong-role")
        try rewriteConfig(fixture) {
            $0.replacingOccurrences(of: "dispatch-1@example.com", with: "bob@example.com")
                .replacingOccurrences(
                    of: fixture.sandbox.keyPath("dispatch-1@example.com"),
                    with: fixture.sandbox.keyPath("bob@example.com"))
        }
        let error = try #require(throws: RuntimeError.self) { try fixture.dispatcher().poll() }
        #expect(error.detail.contains("\"dispatcher\" role"))
        #expect(fixture.runs().isEmpty)
    }
}

/// The claim journal, keyed by claim commit (docs/dispatch.md).
@Suite struct ClaimJournalTests {
    static let a = ObjectID(hex: String(repeating: "a", count: 40))!
    static let b = ObjectID(hex: String(repeating: "b", count: 40))!

    @Test(arguments: [
        // (published, on ledger, retried) -> blocks
        (true, true, false, true),
        (true, true, true, false),
        (true, false, false, true),
        (true, false, true, true),
        (false, true, false, true),
        (false, true, true, false),
        (false, false, false, false),
    ])
    func oneClaim(published: Bool, onLedger: Bool, retried: Bool, blocks: Bool) {
        let claim = ClaimJournal.Claim(runID: "run-1", commit: Self.a, published: published)
        let blocking = ClaimJournal.blockingClaim([claim], isOnLedger: { _ in onLedger }, isRetried: { _ in retried })
        #expect((blocking != nil) == blocks)
    }

    @Test func everyClaimIsJudgedOnItsOwn() {
        let first = ClaimJournal.Claim(runID: "run-1", commit: Self.a, published: true)
        let second = ClaimJournal.Claim(runID: "run-2", commit: Self.b, published: true)
        // The first claim was retried, the second was not: still blocked, by the second.
        let blocking = ClaimJournal.blockingClaim(
            [first, second], isOnLedger: { _ in true }, isRetried: { $0 == Self.a })
        #expect(blocking == second)
    }

    /// One dispatcher: its executor is killed, the claim goes in doubt, an
    /// operator resolves it with retry, and the same dispatcher runs it
    /// again, exactly once.
    @Test func resolveRetryReachesTheDispatcherThatClaimed() throws {
        let marker = "hang-first-run"
        let fixture = try DispatchFixture(claimLease: "1s")
        defer { fixture.remove() }
        let hang = fixture.directory.appendingPathComponent(marker)
        try Data().write(to: hang)
        let pidFile = fixture.directory.appendingPathComponent("hang.pid")
        try fixture.thenRun("[ -f \(hang.path) ] && { echo $$ > \(pidFile.path); exec sleep 30; }; true")
        try fixture.proposeLow("triage-retry")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["dispatch", "--config", fixture.configPath, "--once"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while fixture.runs().isEmpty || !FileManager.default.fileExists(atPath: pidFile.path), Date() < deadline {
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The executor's process group outlived the dispatcher; end it too
        // (that group only: a pattern would match other tests' sleeps).
        if let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
        {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        try FileManager.default.removeItem(at: hang)
        #expect(fixture.runs() == ["triage-retry"])

        sleep(2)
        let doubt = try fixture.dispatcher().poll()
        #expect(doubt.intents.map(\.result) == [.inDoubt])
        try OperatorEvents(ops: fixture.sandbox.ops).resolve(
            try #require(IntentID("triage-retry")), resolution: .retry, note: "the executor was killed",
            as: try fixture.sandbox.identity("bob@example.com"), now: Date())
        #expect(try fixture.sandbox.status().intents.first?.state == .ready)

        let rerun = try fixture.dispatcher().poll()
        #expect(rerun.intents.map(\.result) == [.succeeded])
        #expect(fixture.runs() == ["triage-retry", "triage-retry"])
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-retry", "triage-retry"], "never a third time")
    }
}

/// The profile lock is never taken from a live holder.
@Suite struct ProfileLockTests {
    private func scratch(_ name: String = #function) throws -> URL { try GitTestSupport.scratch(name) }

    private func write(_ holder: ProfileLock.Holder, to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(holder).write(to: directory.appendingPathComponent("writ.default.lock"))
    }

    @Test func liveHolderIsNeverDisplacedEvenPastItsTTL() throws {
        let directory = try scratch()
        defer { GitTestSupport.remove(directory) }
        let me = getpid()
        try write(
            .init(
                pid: me, host: ProfileLock.hostName(), startedAt: Timestamp(secondsSinceEpoch: 0), ttlSeconds: 1,
                renewedAt: nil, processStart: ProfileLock.processStart(me)),
            to: directory)
        let error = try #require(throws: WritError.self) {
            try ProfileLock.acquire(stateDir: directory.path, profile: "default", ttlSeconds: 60)
        }
        #expect(error.reason == .lockContended)
    }

    @Test func recycledPidIsNotTakenForTheHolder() throws {
        let directory = try scratch()
        defer { GitTestSupport.remove(directory) }
        let me = getpid()
        let start = try #require(ProfileLock.processStart(me))
        try write(
            .init(
                pid: me, host: ProfileLock.hostName(), startedAt: Timestamp(Date()), ttlSeconds: 3600,
                renewedAt: nil, processStart: start + 1),
            to: directory)
        let lock = try ProfileLock.acquire(stateDir: directory.path, profile: "default", ttlSeconds: 60)
        #expect(lock.acquisition.recovered)
    }

    @Test func anotherHostsLockLivesUntilItsRenewedTTLPasses() throws {
        let directory = try scratch()
        defer { GitTestSupport.remove(directory) }
        let now = Date()
        var holder = ProfileLock.Holder(
            pid: 1, host: "elsewhere", startedAt: Timestamp(now.addingTimeInterval(-3600)), ttlSeconds: 600,
            renewedAt: Timestamp(now.addingTimeInterval(-60)), processStart: nil)
        try write(holder, to: directory)
        #expect(throws: WritError.self) {
            try ProfileLock.acquire(stateDir: directory.path, profile: "default", ttlSeconds: 60)
        }
        holder.renewedAt = Timestamp(now.addingTimeInterval(-601))
        try write(holder, to: directory)
        #expect(
            try ProfileLock.acquire(stateDir: directory.path, profile: "default", ttlSeconds: 60).acquisition.recovered)
    }

    /// Renewals a fast batch makes milliseconds apart only check the lock:
    /// the file is rewritten once its last renewal is a second old, and a
    /// lock taken over is found either way.
    @Test func renewalsWithinASecondCheckWithoutRewriting() throws {
        let directory = try scratch()
        defer { GitTestSupport.remove(directory) }
        // On a whole second: lock times are kept to the second.
        let start = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let lock = try ProfileLock.acquire(stateDir: directory.path, profile: "default", ttlSeconds: 60, now: start)
        try lock.renew(now: start.addingTimeInterval(0.2))
        #expect(try #require(ProfileLock.read(lock.path)).renewedAt == nil, "rewritten within the second")
        try lock.renew(now: start.addingTimeInterval(1.5))
        let renewed = try #require(ProfileLock.read(lock.path)).renewedAt
        #expect(renewed == Timestamp(start.addingTimeInterval(1.5)))
        try lock.renew(now: start.addingTimeInterval(1.7))
        #expect(try #require(ProfileLock.read(lock.path)).renewedAt == renewed)

        let thief = ProfileLock.Holder(
            pid: 1, host: "elsewhere", startedAt: Timestamp(Date()), ttlSeconds: 60, renewedAt: nil, processStart: nil)
        try write(thief, to: directory)
        #expect(throws: RuntimeError.self) { try lock.renew(now: start.addingTimeInterval(1.8)) }
        lock.release()
    }

    @Test func renewingExtendsTheLockAndFailsOnceItWasTaken() throws {
        let directory = try scratch()
        defer { GitTestSupport.remove(directory) }
        let lock = try ProfileLock.acquire(stateDir: directory.path, profile: "default", ttlSeconds: 60)
        let later = Date().addingTimeInterval(3000)
        try lock.renew(now: later)
        let holder = try #require(ProfileLock.read(lock.path))
        #expect(holder.renewedAt == Timestamp(later))
        // Another host decided the lock was stale and replaced it.
        let thief = ProfileLock.Holder(
            pid: 1, host: "elsewhere", startedAt: Timestamp(Date()), ttlSeconds: 60, renewedAt: nil, processStart: nil)
        try write(thief, to: directory)
        #expect(throws: RuntimeError.self) { try lock.renew() }
        lock.release()
        #expect(ProfileLock.read(lock.path) == thief, "release never removes another holder's lock")
    }
}

/// Runtime and configuration errors are not reason codes: they exit 3 and
/// name the setting or path to fix.
@Suite struct DispatchRuntimeErrorTests {
    private func rewriteConfig(_ fixture: DispatchFixture, _ change: (String) -> String) throws {
        let text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try Data(change(text).utf8).write(to: URL(fileURLWithPath: fixture.configPath))
    }

    private func expectRuntimeError(_ fixture: DispatchFixture, naming setting: String) throws {
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(cli.status == 3, "\(cli.stderr)")
        #expect(cli.stderr.hasPrefix("writ: error: "), "\(cli.stderr)")
        #expect(cli.stderr.contains(setting), "\(cli.stderr)")
        for code in ReasonCode.allCases {
            #expect(!cli.stderr.contains(code.rawValue), "\(cli.stderr)")
        }
        #expect(!cli.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test func stateDirThatCannotBeCreated() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let blocker = fixture.directory.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        try rewriteConfig(fixture) {
            $0.replacingOccurrences(
                of: fixture.directory.appendingPathComponent("state").path,
                with: blocker.appendingPathComponent("state").path)
        }
        try expectRuntimeError(fixture, naming: "state_dir")
    }

    @Test func unreadableStateFile() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-state")
        // state.json replaced by a directory: reading it fails with EISDIR.
        try FileManager.default.createDirectory(
            at: fixture.directory.appendingPathComponent("state/default/state.json"), withIntermediateDirectories: true)
        try expectRuntimeError(fixture, naming: "state_dir")
        #expect(fixture.runs().isEmpty)
    }

    @Test func opsRepoThatCannotBeOpened() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try rewriteConfig(fixture) {
            $0.replacingOccurrences(of: fixture.sandbox.ops.repository.gitDirectory, with: "/nonexistent/ops")
        }
        try expectRuntimeError(fixture, naming: "ops_repo")
    }

    @Test func signingKeyThatCannotBeRead() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try rewriteConfig(fixture) {
            $0.replacingOccurrences(of: fixture.sandbox.keyPath("dispatch-1@example.com"), with: "/nonexistent/key")
        }
        try expectRuntimeError(fixture, naming: "signing_key")
    }

    @Test func remoteThatDoesNotExist() throws {
        let fixture = try DispatchFixture(remote: "upstream")
        defer { fixture.remove() }
        try expectRuntimeError(fixture, naming: "remote")
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(cli.stderr.contains("\"upstream\""))
        #expect(!cli.stderr.contains("unknownRemote"))
    }
}

/// `writ dispatch --once` exits 1 when a person must look: an executor
/// failed, a claim went in doubt, or an intent cannot run on this host.
@Suite struct DispatchExitStatusTests {
    @Test func failedExecutorExitsOne() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.thenRun("exit 3")
        try fixture.proposeLow("triage-broken")
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(cli.status == 1, "\(cli.stdout) \(cli.stderr)")
        #expect(try fixture.sandbox.status().intents.first?.state == .failed)
    }

    @Test func missingExecutorBinaryExitsOne() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "[\"/bin/sh\", \"-c\"", with: "[\"/nonexistent/bin/sh\", \"-c\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        try fixture.proposeLow("triage-no-binary")
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once", "--json")
        #expect(cli.status == 1, "\(cli.stdout) \(cli.stderr)")
        #expect(cli.stdout.contains("executor_missing"))
        // The run report is one JSON line.
        #expect(try cli.jsonObject()["run_id"] is String)
        #expect(fixture.runs().isEmpty)
    }

    @Test func successExitsZero() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-fine")
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(fixture.runs() == ["triage-fine"])
    }
}

/// `--log-level info` says what the poll does on standard error: ids,
/// commits and results, one line each.
@Suite struct DispatchLoggingTests {
    @Test func infoLogNamesEveryClaimAndOutcome() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-logged")
        let quiet = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        try fixture.proposeLow("triage-logged-2")
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once", "--log-level", "info")
        #expect(cli.status == 0)
        let lines = cli.stderr.split(separator: "\n")
        #expect(lines.contains { $0.contains("claimed") && $0.contains("intent=triage-logged-2") })
        #expect(lines.contains { $0.contains("succeeded") && $0.contains("intent=triage-logged-2") })
        let usage = try CLI.run("dispatch", "--config", fixture.configPath, "--once", "--log-level", "loud")
        #expect(usage.status == 2)
    }
}
