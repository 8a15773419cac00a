import Foundation
import WritCore

/// What one poll did (issue contract shape), written to
/// `{state_dir}/{profile}/runs/<run_id>.json` and printed with `--json`.
package struct RunReport: Sendable, Encodable {
    /// One intent the poll acted on.
    package struct Entry: Sendable, Encodable, Equatable {
        package enum Result: String, Sendable, Encodable {
            case succeeded, failed, blocked
            case inDoubt = "in_doubt"
            /// Only with `--dry-run`: would have been claimed and run.
            case ready
            /// A remote write in `[transport] mode = "record"`: its
            /// `projection` event is on the ledger; nothing was sent.
            case recorded
        }

        package let id: IntentID
        package let tier: Tier?
        package let result: Result
        package let reason: ReasonCode?
        package let durationMs: Int?

        private enum Keys: String, CodingKey {
            case id, tier, result, reason
            case durationMs = "duration_ms"
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(id, forKey: .id)
            try container.encode(tier, forKey: .tier)
            try container.encode(result, forKey: .result)
            try container.encode(reason, forKey: .reason)
            try container.encode(durationMs, forKey: .durationMs)
        }
    }

    /// Reasons a poll blocks an intent for that are the host's to fix
    /// (a missing executor, environment, secret or clone), not the ops
    /// repo's: nobody approving or waiting will ever unblock them.
    /// The transport gates (`transport_disabled`, `repo_not_allowlisted`,
    /// `remote_mismatch`) are not among them: they say what the host chose
    /// to allow, and are reported without failing the poll.
    static let hostReasons: Set<ReasonCode> = [
        .executorMissing, .envMismatch, .registryAuthMissing, .cloneMissing,
    ]

    /// The entries a person must look at: an executor that failed, a claim
    /// left in doubt, or an intent the host cannot run. `writ dispatch
    /// --once` exits 1 when there is any, so cron and systemd `OnFailure=`
    /// alert on them.
    package var needsAttention: [Entry] {
        intents.filter { entry in
            switch entry.result {
            case .failed, .inDoubt: true
            case .blocked: entry.reason.map(Self.hostReasons.contains) ?? false
            case .succeeded, .ready, .recorded: false
            }
        }
    }

    package let runID: String
    let profile: String
    let startedAt: Timestamp
    package var finishedAt: Timestamp
    package let lock: ProfileLock.Acquisition
    package var dryRun: Bool
    package var intents: [Entry]
    /// Governance tips this poll found a merge had taken off the
    /// first-parent chain (SPEC §5, "Non-linear updates"), each said once.
    var governanceOffChain: [LedgerSync.OffChain] = []

    /// One line per `governanceOffChain` entry, for the text output.
    package var governanceNotes: [String] {
        governanceOffChain.map {
            "governance commit \($0.commit.hex) fell off the first-parent chain of \($0.head.hex) (a merge such as "
                + "`git pull`); still reachable, so dispatch goes on (docs/dispatch.md, \"History rewritten\")"
        }
    }

    private enum Keys: String, CodingKey {
        case runID = "run_id"
        case profile
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case lock
        case dryRun = "dry_run"
        case intents
        case governanceOffChain = "governance_off_chain"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(runID, forKey: .runID)
        try container.encode(profile, forKey: .profile)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(lock, forKey: .lock)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(intents, forKey: .intents)
        try container.encode(governanceOffChain, forKey: .governanceOffChain)
    }
}
