import Foundation
import WritKit

/// `swift run -c release writ-bench [--quick]`: the numbers the project
/// tracks, printed as a table and as one JSON line for records.
@main
enum Bench {
    static func main() throws {
        let quick = CommandLine.arguments.contains("--quick")
        var results: [String: Double] = [:]

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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(results), as: UTF8.self))
    }
}
