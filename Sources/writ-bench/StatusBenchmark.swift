import Foundation
import WritBulkLoad
import WritCore
import WritTestSupport

/// Measures `writ status` on a large ops repo: `intents` medium intents,
/// each with one merged approval, built in bulk by `OpsSandbox`, then
/// decided by `StatusEvaluator` in process and by the `writ` binary.
enum StatusBenchmark {
    struct Cost {
        let intents: Int
        let buildSeconds: Double
        let evaluateSeconds: Double
        /// Nil when no `writ` binary sits next to this one.
        let commandSeconds: Double?
    }

    static func run(intents: Int) throws -> Cost {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "writ-bench-status-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let buildStart = DispatchTime.now()
        let sandbox = try OpsSandbox(
            at: directory, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        try sandbox.loadApprovedIntents(
            count: intents, proposer: "agent-1@example.com", approver: "bob@example.com", batchSize: 2_000)
        let buildSeconds = seconds(since: buildStart)

        let evaluateStart = DispatchTime.now()
        let status = try sandbox.status()
        let evaluateSeconds = seconds(since: evaluateStart)
        let ready = status.intents.filter { $0.state == .ready }.count
        guard status.isHealthy, ready == intents else {
            throw WritError(
                .notApproved, "benchmark repo: \(ready) of \(intents) intents ready; the measurement is void")
        }
        return Cost(
            intents: intents, buildSeconds: buildSeconds, evaluateSeconds: evaluateSeconds,
            commandSeconds: try timeCommand(sandbox))
    }

    /// Runs `writ status --json` once, output discarded, when the binary is built.
    private static func timeCommand(_ sandbox: OpsSandbox) throws -> Double? {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "writ")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return nil }
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "status", "--repo", sandbox.ops.repository.gitDirectory, "--trust", sandbox.trustRoot.hex, "--json",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = DispatchTime.now()
        try process.run()
        process.waitUntilExit()
        let elapsed = seconds(since: start)
        guard process.terminationStatus == 0 else {
            throw WritError(.notApproved, "writ status exited \(process.terminationStatus) on the benchmark repo")
        }
        return elapsed
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
