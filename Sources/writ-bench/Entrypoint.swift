import Foundation

/// `swift run -c release writ-bench [--quick | --status | --dispatch | --scale [N,...] | --dispatch-vs-shell [N]]`:
/// the numbers the project tracks, printed as a table and as one JSON line
/// for records. `--status` measures only `writ status`, at 1k, 2k, 5k and
/// 10k intents; `--scale` status, verify and the first poll on ledgers of
/// settled intents (default 1,000 and 100,000), with peak RSS;
/// `--dispatch-vs-shell` writ's dispatcher against `scripts/bench/shell-dispatch`
/// on N (default 200) new low intents.
@main
enum Bench {
    static func main() throws {
        let quick = CommandLine.arguments.contains("--quick")
        let statusOnly = CommandLine.arguments.contains("--status")
        let dispatchOnly = CommandLine.arguments.contains("--dispatch")
        var results: [String: Double] = [:]

        if dispatchOnly {
            try dispatchBenchmarks(quick: quick, into: &results)
            printJSON(results)
            return
        }
        if let index = CommandLine.arguments.firstIndex(of: "--scale") {
            let given = CommandLine.arguments.dropFirst(index + 1).first.map {
                $0.split(separator: ",").compactMap { Int($0) }
            }
            let sizes = given.flatMap { $0.isEmpty ? nil : $0 } ?? (quick ? [1_000, 10_000] : [1_000, 100_000])
            try ScaleBenchmark.report(sizes: sizes, into: &results)
            printJSON(results)
            return
        }
        if let index = CommandLine.arguments.firstIndex(of: "--dispatch-vs-shell") {
            let count = CommandLine.arguments.dropFirst(index + 1).first.flatMap { Int($0) } ?? 200
            try versusShell(count: count, into: &results)
            printJSON(results)
            return
        }
        if CommandLine.arguments.contains("--throughput") {
            try throughput(quick: quick, into: &results)
            printJSON(results)
            return
        }
        // The dispatch benchmarks go first, on a disk this process has not
        // yet deleted anything from.
        if !statusOnly {
            try dispatchBenchmarks(quick: quick, into: &results)
        }

        if !statusOnly {
            let verifications = try SignatureBenchmark.ed25519VerificationsPerSecond(iterations: quick ? 500 : 5000)
            results["ed25519_verifications_per_second"] = verifications.rounded()
            print(String(format: "ed25519 signature verifications/s: %.0f", verifications))

            for size in quick ? [1_000, 10_000] : [1_000, 100_000] {
                let cost = try LedgerAppendBenchmark.run(ledgerSize: size, appends: quick ? 50 : 200)
                results["append_ms_at_\(size)"] = (cost.appendMilliseconds * 1000).rounded() / 1000
                results["diff_ms_at_\(size)"] = (cost.diffMilliseconds * 1000).rounded() / 1000
                print(
                    String(
                        format:
                            "ledger of %6d intents: signed one-file append %.3f ms, its diff %.3f ms (built in %.1f s)",
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

        printJSON(results)
    }

    static func dispatchBenchmarks(quick: Bool, into results: inout [String: Double]) throws {
        // The side-by-side comparison comes first: every other benchmark
        // deletes thousands of files when it ends, and for minutes after
        // that each new file on the disk costs up to 40 times more
        // (docs/dispatch.md, "Cost per intent"), which would measure this
        // benchmark's own clean-up, not the two dispatchers.
        try versusShell(count: 200, into: &results)
        try throughput(quick: quick, into: &results)
        var noOp: [Int: Double] = [:]
        for settled in quick ? [1_000, 10_000] : [1_000, 100_000] {
            let cost = try DispatchBenchmark.noOpPoll(settled: settled)
            noOp[settled] = cost.noOpPollMilliseconds
            results["noop_poll_ms_at_\(settled)"] = (cost.noOpPollMilliseconds * 1000).rounded() / 1000
            print(
                String(
                    format:
                        "no-op poll, %6d settled intents: %.2f ms (median; first poll that learns the history %.1f s)",
                    settled, cost.noOpPollMilliseconds, cost.firstPollSeconds))
        }
        let sizes = noOp.keys.sorted()
        if let small = sizes.first, let large = sizes.last, let a = noOp[small], let b = noOp[large], a > 0 {
            results["noop_poll_ratio"] = ((b / a) * 1000).rounded() / 1000
            print(
                String(format: "no-op poll ratio %dk/%dk: %.2f (must stay <= 1.5)", large / 1000, small / 1000, b / a))
        }
    }

    static func throughput(quick: Bool, into results: inout [String: Double]) throws {
        if let run = try DispatchBenchmark.throughput(count: quick ? 200 : 1_000) {
            results["dispatch_intents_per_second"] = (run.intentsPerSecond * 10).rounded() / 10
            results["dispatch_peak_rss_mb"] = (Double(run.peakRSSKilobytes) / 1024 * 10).rounded() / 10
            print(
                String(
                    format:
                        "dispatching %d approved intents (executor /bin/true): %.1f s, %.1f intents/s, peak RSS %.1f MB",
                    run.intents, run.seconds, run.intentsPerSecond, Double(run.peakRSSKilobytes) / 1024))
        } else {
            print("dispatch throughput: skipped (no writ binary next to writ-bench; build both)")
        }
    }

    /// `count` new low intents dispatched by `writ dispatch --once` and by
    /// the shell+git baseline, on identical repos, one after the other.
    static func versusShell(count: Int, into results: inout [String: Double]) throws {
        guard let writ = writBinary() else {
            print("dispatch versus shell: skipped (no writ binary next to writ-bench; build both)")
            return
        }
        let run = try DispatchComparison.run(count: count, writ: writ)
        results["versus_shell_writ_seconds"] = (run.writSeconds * 1000).rounded() / 1000
        results["versus_shell_shell_seconds"] = (run.shellSeconds * 1000).rounded() / 1000
        results["versus_shell_speedup"] = (run.speedup * 100).rounded() / 100
        results["versus_shell_writ_peak_rss_mb"] = (run.writPeakRSSMegabytes * 10).rounded() / 10
        results["versus_shell_file_create_us"] = run.fileCreationMicroseconds.rounded()
        print(
            String(
                format:
                    "dispatching %d new low intents (executor: a shell script): writ %.2f s (%.1f ms each, peak RSS %.1f MB), shell+git baseline %.2f s: %.1fx (must be >= 10); creating a file there took %.0f us",
                run.intents, run.writSeconds, run.writSeconds * 1000 / Double(run.intents), run.writPeakRSSMegabytes,
                run.shellSeconds, run.speedup, run.fileCreationMicroseconds))
    }

    /// The `writ` binary built next to this one, nil when it is not built.
    static func writBinary() -> String? {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "writ")
        return FileManager.default.isExecutableFile(atPath: binary.path) ? binary.path : nil
    }

    static func printJSON(_ results: [String: Double]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(results) { print(String(decoding: data, as: UTF8.self)) }
    }
}
