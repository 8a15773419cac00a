import Foundation
import WritBulkLoad

/// `writ-bench --scale`: the auditor's and operator's commands on ledgers of
/// settled history (each intent signed, with `auto_approved`, `claimed` and
/// `succeeded` events), every command run as the `writ` binary in a child
/// process of its own so that its wall time and its own peak RSS are read.
///
/// Cold runs start with no verification cache (`.git/writ/` deleted), warm
/// runs reuse what the cold run left. The baseline is the time this
/// machine takes to verify as many signatures as the ledger holds, one
/// after another on one core, in process.
enum ScaleBenchmark {
    struct Cost {
        let intents: Int
        let signatures: Int
        let baselineSeconds: Double
        let coldStatus: ChildMeasurement
        let warmStatus: ChildMeasurement
        let coldVerify: ChildMeasurement
        let warmVerify: ChildMeasurement
        let firstPoll: ChildMeasurement
    }

    static func run(intents: Int, verificationsPerSecond: Double) throws -> Cost {
        guard let binary = Bench.writBinary() else { throw BenchError("no writ binary next to writ-bench; build both") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "writ-bench-scale-\(UUID().uuidString)")
        // WRIT_BENCH_KEEP=1 keeps the ledger, to look at or time by hand.
        let keep = ProcessInfo.processInfo.environment["WRIT_BENCH_KEEP"] == "1"
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }
        if keep { print("ledger kept at \(directory.path)") }
        let sandbox = try DispatchBenchmark.makeSandbox(directory)
        try sandbox.loadSettledIntents(
            count: intents, proposer: "agent-1@example.com", dispatcher: "dispatch-1@example.com")
        let gitDirectory = sandbox.ops.repository.gitDirectory
        let cache = URL(fileURLWithPath: gitDirectory).appendingPathComponent("writ")
        let environment = ["PATH": "/usr/bin:/bin", "HOME": directory.path]
        let repoArguments = ["--repo", gitDirectory, "--trust", sandbox.trustRoot.hex]

        func measure(_ arguments: [String], cold: Bool, expecting status: Int32 = 0) throws -> ChildMeasurement {
            if cold { try? FileManager.default.removeItem(at: cache) }
            let run = try ChildMeasurement.run(binary, arguments, environment: environment)
            guard run.status == status else {
                throw BenchError("writ \(arguments.first ?? "") exited \(run.status) on the benchmark ledger")
            }
            return run
        }
        func median(_ runs: Int, _ arguments: [String]) throws -> ChildMeasurement {
            let samples = try (0..<runs).map { _ in try measure(arguments, cold: false) }.sorted {
                $0.seconds < $1.seconds
            }
            return samples[samples.count / 2]
        }

        let coldStatus = try measure(["status", "--json"] + repoArguments, cold: true)
        let warmStatus = try median(5, ["status", "--json"] + repoArguments)
        let coldVerify = try measure(["verify"] + repoArguments, cold: true)
        let warmVerify = try median(3, ["verify"] + repoArguments)

        let configPath = directory.appendingPathComponent("dispatcher.toml").path
        try Data(try DispatchBenchmark.writeConfig(sandbox, executor: "/bin/true").utf8).write(
            to: URL(fileURLWithPath: configPath))
        let firstPoll = try measure(["dispatch", "--config", configPath, "--once"], cold: true)

        // One intent signature per intent; each batch of 5,000 adds two
        // signed commits, counted too.
        let signatures = intents + 2 * ((intents + 4_999) / 5_000)
        return Cost(
            intents: intents, signatures: signatures,
            baselineSeconds: Double(signatures) / verificationsPerSecond, coldStatus: coldStatus,
            warmStatus: warmStatus, coldVerify: coldVerify, warmVerify: warmVerify, firstPoll: firstPoll)
    }

    /// Runs the scale benchmark at each size and records the ratios the
    /// project tracks.
    static func report(sizes: [Int], into results: inout [String: Double]) throws {
        let verifications = try SignatureBenchmark.ed25519VerificationsPerSecond(iterations: 20_000)
        results["ed25519_verifications_per_second"] = verifications.rounded()
        print(String(format: "ed25519 signature verifications/s, one core: %.0f", verifications))
        var warm: [Int: Double] = [:]
        for size in sizes {
            let cost = try run(intents: size, verificationsPerSecond: verifications)
            let label = size >= 1_000 ? "\(size / 1_000)k" : "\(size)"
            print(
                "ledger of \(label) settled intents (\(cost.signatures) signatures, baseline "
                    + String(format: "%.2f s", cost.baselineSeconds) + "):")
            for (name, run) in [
                ("status cold", cost.coldStatus), ("status warm", cost.warmStatus), ("verify cold", cost.coldVerify),
                ("verify warm", cost.warmVerify), ("first poll", cost.firstPoll),
            ] {
                let key = name.replacingOccurrences(of: " ", with: "_")
                results["\(key)_seconds_at_\(size)"] = (run.seconds * 1000).rounded() / 1000
                results["\(key)_peak_rss_mb_at_\(size)"] = (run.peakRSSMegabytes * 10).rounded() / 10
                let ratio = run.seconds / cost.baselineSeconds
                if name.hasSuffix("cold") || name == "first poll" {
                    results["\(key)_baseline_ratio_at_\(size)"] = (ratio * 100).rounded() / 100
                }
                print(
                    String(
                        format: "  %-12@ %8.3f s  %7.1f MB peak RSS  %6.2f× the baseline", name as NSString,
                        run.seconds, run.peakRSSMegabytes, ratio))
            }
            warm[size] = cost.warmStatus.seconds
        }
        if let small = sizes.min(), let large = sizes.max(), small != large, let a = warm[small], let b = warm[large] {
            results["status_warm_ratio"] = ((b / a) * 100).rounded() / 100
            print(String(format: "warm status %d / %d intents: %.2f×", large, small, b / a))
        }
    }
}
