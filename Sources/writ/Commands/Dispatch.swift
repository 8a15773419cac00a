import ArgumentParser
import Foundation
import WritKit

/// Loads `dispatcher.toml`.
enum ConfigFile {
    static func load(_ path: String) throws -> DispatcherConfig {
        try DispatcherConfig.parse(try FileInput.read(path, as: .policyMalformed))
    }
}

struct Dispatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poll the ops repo and execute exactly the intents that may run, at most once.",
        discussion: """
            One poll takes the profile lock, fetches, checks governance trust and history, and claims, runs and \
            records each ready intent. With --once: exit 0 when nothing needs a person; 1 when an executor failed, \
            a claim went in doubt, or an intent is blocked for a host reason (executor_missing, env_mismatch, \
            registry_auth_missing, clone_missing); 3 on a contract or runtime error (trust, rewritten history, ledger \
            violation, config, state dir, key, remote); 4 when another dispatcher holds the profile lock.
            """)

    @Option(help: "The dispatcher.toml host config.")
    var config: String

    @Flag(help: "Poll once and exit.")
    var once = false

    @Option(help: "Poll every D (e.g. 30s, 5m) until stopped.")
    var interval: String?

    @Flag(help: "Decide and report; claim nothing, run nothing and write nothing to the ops repo (the state dir still caches what was read).")
    var dryRun = false

    @Flag(help: "Print the run report as JSON.")
    var json = false

    func validate() throws {
        guard once != (interval != nil) else { throw ValidationError("give exactly one of --once or --interval D") }
        if let interval, DurationText.seconds(interval) == nil {
            throw ValidationError("--interval takes a duration such as 30s or 5m")
        }
    }

    func run() throws {
        var dispatcher = Dispatcher(config: try ConfigFile.load(config))
        dispatcher.dryRun = dryRun
        guard let interval, let seconds = DurationText.seconds(interval) else {
            let report = try dispatcher.poll()
            try emit(report)
            if !report.needsAttention.isEmpty { throw ExitCode(ExitStatus.findings) }
            return
        }
        while true {
            do {
                try emit(try dispatcher.poll())
            } catch let error as WritError where error.reason == .lockContended {
                // Another dispatcher of this profile is polling; try next round.
                Output.printError("writ: lock_contended: \(error.detail)")
            }
            sleep(UInt32(clamping: seconds))
        }
    }

    private func emit(_ report: RunReport) throws {
        if json {
            try Output.printJSON(report)
            return
        }
        let recovered = report.lock.recovered ? " (recovered a stale lock)" : ""
        print("\(report.runID): \(report.intents.count) intent(s) acted on\(recovered)")
        for entry in report.intents {
            let reason = entry.reason.map { " (\($0.rawValue))" } ?? ""
            let duration = entry.durationMs.map { " in \($0) ms" } ?? ""
            print("  \(entry.id): \(entry.result.rawValue)\(reason)\(duration)")
        }
    }
}
