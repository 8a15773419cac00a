import ArgumentParser
import Foundation
import Logging
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

    @Flag(
        help:
            "Decide and report; claim nothing, run nothing and write nothing to the ops repo (the state dir still caches what was read)."
    )
    var dryRun = false

    @Flag(help: "Print the run report as JSON.")
    var json = false

    @Option(
        help:
            "Log what the poll does to standard error at this level and above: trace, debug, info, notice, warning, error, critical."
    )
    var logLevel: String = "warning"

    func validate() throws {
        guard once != (interval != nil) else { throw ValidationError("give exactly one of --once or --interval D") }
        if let interval, DurationText.seconds(interval) == nil {
            throw ValidationError("--interval takes a duration such as 30s or 5m")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level takes one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() throws {
        var dispatcher = Dispatcher(config: try ConfigFile.load(config))
        dispatcher.dryRun = dryRun
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        dispatcher.logger = Logger(label: "writ.dispatch") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
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
                dispatcher.logger.notice("lock_contended: \(error.detail)")
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
