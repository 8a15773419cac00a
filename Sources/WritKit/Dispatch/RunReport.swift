import Foundation

/// What one poll did (issue contract shape), written to
/// `{state_dir}/{profile}/runs/<run_id>.json` and printed with `--json`.
public struct RunReport: Sendable, Encodable {
    /// One intent the poll acted on.
    public struct Entry: Sendable, Encodable, Equatable {
        public enum Result: String, Sendable, Encodable {
            case succeeded, failed, blocked
            case inDoubt = "in_doubt"
            /// Only with `--dry-run`: would have been claimed and run.
            case ready
        }

        public let id: IntentID
        public let tier: Tier?
        public let result: Result
        public let reason: ReasonCode?
        public let durationMs: Int?

        private enum Keys: String, CodingKey {
            case id, tier, result, reason
            case durationMs = "duration_ms"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(id, forKey: .id)
            try container.encode(tier, forKey: .tier)
            try container.encode(result, forKey: .result)
            try container.encode(reason, forKey: .reason)
            try container.encode(durationMs, forKey: .durationMs)
        }
    }

    public let runID: String
    public let profile: String
    public let startedAt: Timestamp
    public var finishedAt: Timestamp
    public let lock: ProfileLock.Acquisition
    public var dryRun: Bool
    public var intents: [Entry]

    private enum Keys: String, CodingKey {
        case runID = "run_id"
        case profile
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case lock
        case dryRun = "dry_run"
        case intents
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(runID, forKey: .runID)
        try container.encode(profile, forKey: .profile)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(lock, forKey: .lock)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(intents, forKey: .intents)
    }
}
