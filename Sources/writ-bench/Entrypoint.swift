import Foundation
import WritKit

/// `swift run -c release writ-bench [--quick | --status]`: the numbers the
/// project tracks, printed as a table and as one JSON line for records.
/// `--status` measures only `writ status`, at 1k, 2k, 5k and 10k intents.
@main
enum Bench {
    static func main() throws {
        let quick = CommandLine.arguments.contains("--quick")
        let statusOnly = CommandLine.arguments.contains("--status")
        var results: [String: Double] = [:]

        if !statusOnly {
            let verifications = try SignatureBenchmark.ed25519VerificationsPerSecond(iterations: quick ? 500 : 5000)
            results["ed25519_verifications_per_second"] = verifications.rounded()
            print(String(format: "ed25519 signature verifications/s: %.0f", verifications))

            for size in quick ? [1_000, 10_000] : [1_000, 100_000] {
                let cost = try LedgerAppendBenchmark.run(ledgerSize: size, appends: quick ? 50 : 200)
                results["append_ms_at_\(size)"] = (cost.appendMilliseconds * 1000).rounded() / 1000
                results["diff_ms_at_\(size)"] = (cost.diffMilliseconds * 1000).rounded() / 1000
                print(String(
                    format: "ledger of %6d intents: signed one-file append %.3f ms, its diff %.3f ms (built in %.1f s)",
                    size, cost.appendMilliseconds, cost.diffMilliseconds, cost.buildSeconds))
            }
        }

        for size in statusOnly ? [1_000, 2_000, 5_000, 10_000] : quick ? [1_000] : [1_000, 10_000] {
            let cost = try StatusBenchmark.run(intents: size)
            let label = "\(size / 1_000)k"
            results["status_seconds_at_\(size)"] = (cost.evaluateSeconds * 1000).rounded() / 1000
            if let command = cost.commandSeconds {
                results["status_command_seconds_at_\(size)"] = (command * 1000).rounded() / 1000
            }
            let command = cost.commandSeconds.map { String(format: "%.3f s", $0) } ?? "(no writ binary built)"
            print(
                "status of \(label) intents / \(label) approvals: "
                    + String(format: "%.3f s in process, ", cost.evaluateSeconds)
                    + "\(command) as writ status --json "
                    + String(format: "(repo built in %.1f s)", cost.buildSeconds))
        }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(results), as: UTF8.self))
    }
}
