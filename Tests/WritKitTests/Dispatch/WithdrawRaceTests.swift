import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A withdrawal racing a claim over a real remote (issue acceptance), 50
/// times: 50 low intents in rounds of five, each round a dispatcher poll
/// (`writ dispatch --once`, an executor that appends the intent's id to a
/// file) started together with five `writ withdraw --push` processes, every
/// process with its own clone of one ops repo served by git daemon (a
/// fresh one per round for the withdrawals). Five, not more: the race under
/// test is a withdrawal against a claim, and ten withdrawals pushing the
/// same branch at once mostly race each other. By
/// ledger order exactly one of the claim and the withdrawal counts: each
/// intent ran exactly once and succeeded (and its withdrawal was refused),
/// or never ran and is withdrawn (and its withdrawal was written); never
/// both.
@Suite(.serialized) struct WithdrawRaceTests {
    static let rounds = 10
    static let perRound = 5
    static let agent = "agent-1@example.com"

    @Test func aWithdrawalRacingAClaimOverGitDaemonCountsOrIsRefused() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let base = fixture.directory
        let remote = base.appendingPathComponent("remote.git").path
        let cloned = try GitTestSupport.run(
            "/usr/bin/git", ["clone", "-q", "--bare", fixture.sandbox.ops.repository.gitDirectory, remote])
        try #require(cloned.status == 0, "\(cloned.stderr)")
        let daemon = try GitDaemon.start(basePath: base, log: base.appendingPathComponent("daemon.log"))
        defer { daemon.stop() }
        let url = daemon.url("remote.git")

        func clone(_ name: String) throws -> String {
            let path = base.appendingPathComponent(name).path
            let out = try GitTestSupport.run("/usr/bin/git", ["clone", "-q", "--bare", url, path])
            try #require(out.status == 0, "\(out.stderr)")
            return path
        }
        // The dispatcher polls through a clone of its own.
        let dispatcherClone = try clone("dispatcher.git")
        let config =
            "remote = \"origin\"\n"
            + (try String(contentsOfFile: fixture.configPath, encoding: .utf8)).replacingOccurrences(
                of: "ops_repo = \"\(fixture.sandbox.ops.repository.gitDirectory)\"",
                with: "ops_repo = \"\(dispatcherClone)\"")
        let configPath = base.appendingPathComponent("race-dispatcher.toml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
        // The agent proposes through one clone and withdraws through one per
        // lane and round.
        let proposerClone = try clone("proposer.git")
        let key = fixture.sandbox.keyPath(Self.agent)
        let trust = fixture.sandbox.trustRoot.hex

        func launch(_ arguments: [String], log: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = arguments
            process.environment = ["PATH": "/usr/bin:/bin", "HOME": base.path]
            process.standardInput = FileHandle.nullDevice
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            try handle.close()
            return process
        }

        var withdrawals: [String: (status: Int32, output: String)] = [:]
        var ids: [String] = []
        let started = Date()
        for round in 0..<Self.rounds {
            let batch = (0..<Self.perRound).map { String(format: "race-%02d-%02d", round, $0) }
            for id in batch {
                let proposed = try CLI.runArgs([
                    "propose", "--kind", "triage", "--target", DispatchFixture.target, "--branch", "main", "--id", id,
                    "--summary", "race \(id)", "--repo", proposerClone, "--as", Self.agent, "--key", key,
                    "--trust", trust, "--push",
                ])
                try #require(proposed.status == 0, "\(proposed.stderr)")
            }
            ids += batch
            let lanes = try (0..<Self.perRound).map { try clone("agent-\(round)-\($0).git") }
            // The poll and the withdrawals start together.
            let poll = try launch(
                ["dispatch", "--config", configPath, "--once"],
                log: base.appendingPathComponent("poll-\(round).log").path)
            let racers = try batch.enumerated().map { lane, id in
                try launch(
                    [
                        "withdraw", id, "--note", "race", "--push", "--repo", lanes[lane], "--as", Self.agent,
                        "--key", key, "--trust", trust,
                    ], log: base.appendingPathComponent("withdraw-\(id).log").path)
            }
            for (id, process) in zip(batch, racers) {
                process.waitUntilExit()
                let output =
                    (try? String(
                        contentsOfFile: base.appendingPathComponent("withdraw-\(id).log").path, encoding: .utf8)) ?? ""
                withdrawals[id] = (process.terminationStatus, output)
            }
            poll.waitUntilExit()
            let pollLog =
                (try? String(contentsOfFile: base.appendingPathComponent("poll-\(round).log").path, encoding: .utf8))
                ?? ""
            #expect(poll.terminationStatus == 0, "poll \(round): \(pollLog)")
        }
        // One more poll runs whatever neither side settled in its round.
        let last = try CLI.run("dispatch", "--config", configPath, "--once")
        #expect(last.status == 0, "\(last.stderr)")
        let elapsed = Date().timeIntervalSince(started)

        let runs = Dictionary(fixture.runs().map { ($0, 1) }, uniquingKeysWith: +)
        let status = try StatusEvaluator(ops: try OpsRepo(path: remote)).evaluate(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(status.ledger.ok, "\(status.ledger.detail)")
        let states = Dictionary(uniqueKeysWithValues: status.intents.map { ($0.id.rawValue, $0.state) })
        var ran = 0
        var withdrawn = 0
        for id in ids {
            let withdrawal = try #require(withdrawals[id])
            // A withdrawal either counted or was refused: never an error.
            #expect(
                withdrawal.status == 0
                    || (withdrawal.status == 1 && withdrawal.output.contains("refused: already_executed:")),
                "\(id): withdraw exit \(withdrawal.status): \(withdrawal.output)")
            switch states[id] {
            case .succeeded:
                ran += 1
                #expect(runs[id] == 1, "\(id) succeeded but ran \(runs[id] ?? 0) times")
                #expect(withdrawal.status != 0, "\(id) ran, yet its withdrawal was written: \(withdrawal.output)")
            case .withdrawn:
                withdrawn += 1
                #expect(runs[id] == nil, "\(id) is withdrawn but ran \(runs[id] ?? 0) times")
                #expect(withdrawal.status == 0, "\(id) is withdrawn, yet its withdrawal failed: \(withdrawal.output)")
            default:
                Issue.record("\(id) is \(states[id]?.rawValue ?? "missing"), neither succeeded nor withdrawn")
            }
        }
        #expect(ran + withdrawn == ids.count)
        // How many withdrawals lost their push race to a claim and were
        // refused on the rebuild (the rest of the refusals came at the check).
        let refusedOnRebuild = withdrawals.values.filter {
            $0.output.contains("while this withdrawal was being written")
        }.count
        #expect(Set(runs.keys).isSubset(of: Set(ids)))
        // The audit replay finds the racing history honest: no claim after
        // a withdrawal, no withdrawal after a claim.
        let audit = try LedgerVerifier(ops: try OpsRepo(path: remote)).verify(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(audit.findings.isEmpty, "\(audit.findings.prefix(5))")
        print(
            "[withdraw race] \(ids.count) intents over git daemon in rounds of \(Self.perRound): \(ran) ran, "
                + "\(withdrawn) withdrawn, \(refusedOnRebuild) refused after a lost push race, "
                + "\(String(format: "%.1f", elapsed)) s")
    }
}
