import Foundation
import Testing
@testable import WritKit

/// kill -9 at random points (issue acceptance): during the executor, between
/// claim and outcome, mid-commit. No intent may ever run twice, every claim
/// must end `succeeded`, `failed` or `in_doubt`, and nothing may be lost.
@Suite(.serialized) struct DispatchCrashTests {
    static let kills = 50

    @Test func killNineAtRandomPointsNeverRunsTwiceAndLosesNothing() throws {
        let fixture = try DispatchFixture(claimLease: "1s")
        defer { fixture.remove() }
        // A slow executor, so that kills land inside it too.
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: ">> \(fixture.runsFile.path)", with: ">> \(fixture.runsFile.path); sleep 0.03")
        try Data(config.utf8).write(to: URL(fileURLWithPath: fixture.configPath))

        var proposed: [String] = []
        var killedRunning = 0
        for round in 0..<Self.kills {
            for extra in 0..<2 {
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
            try process.run()
            usleep(UInt32.random(in: 0...250_000))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedRunning += 1
            }
            process.waitUntilExit()
            // A dispatcher killed inside a ref update leaves the ledger's ref
            // lock behind. Proposing is an operator command, which never
            // takes a lock (it waits, then names the file); the writer is
            // dead and reaped, so the test removes it as the message says.
            try? FileManager.default.removeItem(
                atPath: fixture.sandbox.ops.repository.gitDirectory + "/refs/heads/writ/ledger.lock")
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
        print("[crash] \(Self.kills) kills (\(killedRunning) mid-poll): \(states.values.filter { $0 == .succeeded }.count) succeeded, \(states.values.filter { $0 == .inDoubt }.count) in doubt, \(runs.count) runs")
    }
}
