import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// kill -9 at random points (issue acceptance): during the executor, between
/// claim and outcome, mid-commit. No intent may ever run twice, every claim
/// must end `succeeded`, `failed` or `in_doubt`, and nothing may be lost;
/// with one executor at a time, and with four side by side (`max_parallel`),
/// where a kill lands while several run.
@Suite(.serialized) struct DispatchCrashTests {
    static let kills = 50

    @Test(arguments: [1, 4]) func killNineAtRandomPointsNeverRunsTwiceAndLosesNothing(maxParallel: Int) throws {
        let fixture = try DispatchFixture(claimLease: "1s", maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        // A slow executor, so that kills land inside it too.
        try fixture.thenRun("sleep 0.03")
        // As many new intents per round as may run at once (two at least).
        let perRound = max(2, maxParallel)

        var random = SeededRandom("killNineAtRandomPoints" + (maxParallel == 1 ? "" : "-\(maxParallel)"))
        var proposed: [String] = []
        var killedRunning = 0
        for round in 0..<Self.kills {
            for extra in 0..<perRound {
                let id = String(format: "triage-%03d-%d", round, extra)
                try fixture.proposeLow(id)
                proposed.append(id)
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["dispatch", "--config", fixture.configPath, "--once"]
            process.environment = ["PATH": "/usr/bin:/bin"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            if try Self.dispatchAndKill(fixture, after: UInt32.random(in: 0...250_000, using: &random)) {
                killedRunning += 1
            }
        }
        // Let every orphaned claim's lease run out, then settle.
        sleep(2)
        // The first settling poll declares orphaned claims in doubt, which
        // exits 1 (a person must look); after that there is nothing to do.
        for round in 0..<3 {
            let settle = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
            #expect(round == 0 ? [0, 1].contains(settle.status) : settle.status == 0, "\(settle.stderr)")
        }

        let runs = fixture.runs()
        let counts = Dictionary(runs.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.allSatisfy { $0 == 1 }, "ran twice: \(counts.filter { $0.value > 1 }.keys.sorted())")

        let status = try fixture.sandbox.status()
        #expect(status.ledger.ok, "\(status.ledger.detail)")
        let states = Dictionary(uniqueKeysWithValues: status.intents.map { ($0.id.rawValue, $0.state) })
        #expect(Set(states.keys) == Set(proposed), "an intent went missing from the ledger")
        // Every claim ended: succeeded, failed or in doubt; nothing is left claimed or unclaimed.
        let unsettled = states.filter { ![.succeeded, .failed, .inDoubt].contains($0.value) }
        #expect(unsettled.isEmpty, "unsettled: \(unsettled)")
        // Whatever succeeded really ran, exactly once.
        for (id, state) in states where state == .succeeded {
            #expect(counts[id] == 1, "\(id) succeeded without a run")
        }
        // And the audit agrees that the history is honest.
        let report = try LedgerVerifier(ops: fixture.sandbox.ops, idempotentKinds: [])
            .verify(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(report.findings.isEmpty, "\(report.findings)")
        print(
            "[crash] max_parallel \(maxParallel), \(Self.kills) kills (\(killedRunning) mid-poll): \(states.values.filter { $0 == .succeeded }.count) succeeded, \(states.values.filter { $0 == .inDoubt }.count) in doubt, \(runs.count) runs"
        )
    }

    /// Starts `writ dispatch --once`, kills it with SIGKILL after
    /// `microseconds` if it is still running, and reaps it; true when it was
    /// killed.
    static func dispatchAndKill(_ fixture: DispatchFixture, after microseconds: UInt32) throws -> Bool {
        let process = try startDispatch(fixture)
        usleep(microseconds)
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        // A dispatcher killed inside a ref update leaves the ledger's ref
        // lock behind. Operator commands never take a lock (they wait, then
        // name the file); the writer is dead and reaped, so the test removes
        // it as the message says.
        try? FileManager.default.removeItem(
            atPath: fixture.sandbox.ops.repository.gitDirectory + "/refs/heads/writ/ledger.lock")
        return killed
    }

    /// kill -9 at random points, then `writ resolve --retry` after every
    /// claim left in doubt, for several cycles, with kills landing in the
    /// re-runs too: each intent runs at most once per claim an operator
    /// allowed (never twice for one), and once the kills stop every intent
    /// ends succeeded.
    @Test(arguments: [1, 4]) func killNineWithResolveRetryRunsEachIntentOnceMorePerRetry(maxParallel: Int) throws {
        let fixture = try DispatchFixture(claimLease: "1s", maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        try fixture.thenRun("sleep 0.05")
        var random = SeededRandom("killNineWithResolveRetry" + (maxParallel == 1 ? "" : "-\(maxParallel)"))
        let ids = try (0..<16).map { index -> IntentID in
            let id = String(format: "triage-retry-%02d", index)
            try fixture.proposeLow(id)
            return try #require(IntentID(id))
        }
        let operatorIdentity = try fixture.sandbox.identity("bob@example.com")
        var retries: [IntentID: Int] = [:]

        func settleAndRetry() throws -> Int {
            sleep(2)
            _ = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
            var retried = 0
            for intent in try fixture.sandbox.status().intents where intent.state == .inDoubt {
                try OperatorEvents(ops: fixture.sandbox.ops).resolve(
                    intent.id, resolution: .retry, note: "killed by the test", as: operatorIdentity, now: Date())
                retries[intent.id, default: 0] += 1
                retried += 1
            }
            return retried
        }

        for _ in 0..<3 {
            for _ in 0..<8 {
                _ = try Self.dispatchAndKill(fixture, after: UInt32.random(in: 0...300_000, using: &random))
            }
            _ = try settleAndRetry()
        }
        // The kills stop: every retried intent runs (once more) and settles.
        for _ in 0..<4 {
            let poll = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
            #expect([0, 1].contains(poll.status), "\(poll.stderr)")
            if try settleAndRetry() == 0 { break }
        }

        let counts = Dictionary(fixture.runs().map { ($0, 1) }, uniquingKeysWith: +)
        let status = try fixture.sandbox.status()
        #expect(status.ledger.ok, "\(status.ledger.detail)")
        for intent in status.intents {
            let runs = counts[intent.id.rawValue] ?? 0
            let allowed = 1 + (retries[intent.id] ?? 0)
            #expect(runs <= allowed, "\(intent.id) ran \(runs) times with \(allowed - 1) retries")
            #expect(intent.state == .succeeded, "\(intent.id) is \(intent.state)")
            #expect(runs >= 1, "\(intent.id) succeeded without a run")
        }
        #expect(Set(status.intents.map(\.id)) == Set(ids))
        let report = try LedgerVerifier(ops: fixture.sandbox.ops, idempotentKinds: [])
            .verify(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(report.findings.isEmpty, "\(report.findings)")
        print(
            "[crash+retry] max_parallel \(maxParallel), \(retries.values.reduce(0, +)) retries over \(retries.count) intents, \(fixture.runs().count) runs"
        )
    }

    /// Starts `writ dispatch --once` on the fixture, output discarded.
    static func startDispatch(_ fixture: DispatchFixture) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["dispatch", "--config", fixture.configPath, "--once"]
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
