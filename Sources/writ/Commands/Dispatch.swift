import ArgumentParser
import Foundation
import Logging
import WritCore
import WritGit
import WritOps

/// Loads `dispatcher.toml`.
enum ConfigFile {
    /// A config that is missing or cannot be read is a runtime error naming
    /// it, like one that does not parse: it is the host's setting, not
    /// governance, so never `policy_malformed`.
    static func load(_ path: String) throws -> DispatcherConfig {
        try DispatcherConfig.parse(
            try FileInput.readRequired(path, option: "--config"),
            directory: (path as NSString).deletingLastPathComponent, path: path)
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

    @Option(
        help: ArgumentHelp(
            "After a real rewrite: forget the remembered view (tips, ledger cursor, per-intent records) so the next poll reads the history again from the trust root; keeps the at-most-once journal.",
            discussion:
                "Takes the commit the history_rewritten message named. See docs/dispatch.md, \"History rewritten\".",
            valueName: "commit"))
    var forgetView: String?

    @Flag(help: "Print the run report as JSON.")
    var json = false

    @Option(
        help:
            "Log what the poll does to standard error at this level and above: trace, debug, info, notice, warning, error, critical."
    )
    var logLevel: String = "warning"

    func validate() throws {
        if forgetView != nil {
            guard !once, interval == nil, !dryRun else {
                throw ValidationError("--forget-view runs on its own, without --once, --interval or --dry-run")
            }
            return
        }
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
        dispatcher.remoteHelper = RemoteHelper.currentExecutable
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        dispatcher.logger = Logger(label: "writ.dispatch") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if let forgetView {
            let forgotten = try dispatcher.forgetView(naming: forgetView)
            print(
                "forgot the remembered view in \(forgotten.stateDirectory) (governance "
                    + "\(forgotten.governanceTip?.hex ?? "-"), ledger \(forgotten.ledgerTip?.hex ?? "-")); kept the "
                    + "at-most-once journal (\(forgotten.journalledIntents) intent(s)): a claim it holds is never run "
                    + "again. The next poll reads the history again from the trust root.")
            return
        }
        guard let interval, let seconds = DurationText.seconds(interval) else {
            let report = try dispatcher.poll()
            try emit(report)
            if !report.needsAttention.isEmpty { throw ExitCode(ExitStatus.findings) }
            return
        }
        while true {
            do {
                try heartbeat(Heartbeat(try dispatcher.poll()))
            } catch let error as WritError where Heartbeat.skippable.contains(error.reason) {
                // Another dispatcher of this profile is polling, or the
                // remote did not answer or failed for a moment: nothing was
                // done (the lock is already released); try next round. A
                // refused credential or an untrusted host key is no passing
                // state, and stops the loop like any other error.
                dispatcher.logger.notice("\(error.reason.rawValue): \(error.detail)")
                try heartbeat(Heartbeat(skipped: error.reason, at: Timestamp(Date())))
            }
            sleep(UInt32(clamping: seconds))
        }
    }

    /// One line per poll of `--interval` on standard output, so a service
    /// manager's log shows the loop is alive even when nothing is to do.
    private func heartbeat(_ beat: Heartbeat) throws {
        if json {
            // One compact line per poll (JSON Lines).
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            FileHandle.standardOutput.write(try encoder.encode(beat) + Data("\n".utf8))
            return
        }
        // Written straight to the descriptor: `print` is buffered when
        // standard output is a file or pipe, and the loop never exits.
        var lines = [beat.text]
        for entry in beat.intents {
            let reason = entry.reason.map { " (\($0.rawValue))" } ?? ""
            let duration = entry.durationMs.map { " in \($0) ms" } ?? ""
            lines.append("  \(entry.id): \(entry.result.rawValue)\(reason)\(duration)")
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    private func emit(_ report: RunReport) throws {
        if json {
            try Output.printJSON(report)
            return
        }
        let recovered = report.lock.recovered ? " (recovered a stale lock)" : ""
        print("\(report.runID): \(report.intents.count) intent(s) acted on\(recovered)")
        for note in report.governanceNotes { print("  note: \(note)") }
        for entry in report.intents {
            let reason = entry.reason.map { " (\($0.rawValue))" } ?? ""
            let duration = entry.durationMs.map { " in \($0) ms" } ?? ""
            print("  \(entry.id): \(entry.result.rawValue)\(reason)\(duration)")
        }
    }
}

/// What one poll of `writ dispatch --interval` did, in one line: when it
/// ended, its run id and how many intents it left in each result. A poll
/// skipped because another dispatcher held the lock has no run id and says
/// why.
struct Heartbeat: Encodable {
    let schema = 1
    let type = "heartbeat"
    let time: Timestamp
    let runID: String?
    let skipped: ReasonCode?
    let lockRecovered: Bool
    let counts: [String: Int]
    /// Entries a person must look at (`RunReport.needsAttention`): what
    /// makes `--once` exit 1, counted on every poll while it lasts.
    let attention: Int
    let intents: [RunReport.Entry]

    /// Every result a poll reports, so each count is present even when zero.
    static let results: [RunReport.Entry.Result] = [.succeeded, .failed, .blocked, .inDoubt, .ready]

    init(_ report: RunReport) {
        time = report.finishedAt
        runID = report.runID
        skipped = nil
        lockRecovered = report.lock.recovered
        counts = Dictionary(
            uniqueKeysWithValues: Self.results.map { result in
                (result.rawValue, report.intents.count { $0.result == result })
            })
        attention = report.needsAttention.count
        intents = report.intents
    }

    init(skipped reason: ReasonCode, at time: Timestamp) {
        self.time = time
        runID = nil
        skipped = reason
        lockRecovered = false
        counts = Dictionary(uniqueKeysWithValues: Self.results.map { ($0.rawValue, 0) })
        attention = 0
        intents = []
    }

    /// The failures after which `--interval` polls again next round.
    static let skippable: Set<ReasonCode> = [.lockContended, .timeout, .remoteError]

    /// `<time> <run id>: succeeded 1, failed 0, blocked 2, in_doubt 0, ready 0`.
    var text: String {
        if let skipped {
            let why =
                skipped == .lockContended
                ? "another dispatcher holds the profile lock" : "the remote did not answer or failed; nothing was done"
            return "\(time) skipped: \(skipped.rawValue) (\(why))"
        }
        let tally = Self.results.map { "\($0.rawValue) \(counts[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        return "\(time) \(runID ?? "-"): \(tally)" + (attention > 0 ? ", \(attention) need(s) attention" : "")
            + (lockRecovered ? " (recovered a stale lock)" : "")
    }

    private enum Keys: String, CodingKey {
        case schema, type, time, skipped, counts, attention, intents
        case runID = "run_id"
        case lockRecovered = "lock_recovered"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(type, forKey: .type)
        try container.encode(time, forKey: .time)
        try container.encode(runID, forKey: .runID)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(lockRecovered, forKey: .lockRecovered)
        try container.encode(counts, forKey: .counts)
        try container.encode(attention, forKey: .attention)
        try container.encode(intents, forKey: .intents)
    }
}
