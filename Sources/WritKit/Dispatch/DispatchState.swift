import Foundation

/// What a dispatcher remembers between polls, in `{state_dir}/{profile}/`.
///
/// It is what makes a poll cost what is new rather than the whole history:
/// the tips processed last time (also the reference for rewrite detection),
/// the last trusted governance commit, the intents still in play, and, per
/// intent, which commits added its events and approval records.
public struct DispatchState: Codable, Sendable, Equatable {
    /// The trust root this state was built from; a config pinning another
    /// root starts over.
    public var trustRoot: ObjectID
    /// The newest governance commit whose state was trusted.
    public var trustedCommit: ObjectID
    public var governanceTip: ObjectID?
    public var ledgerTip: ObjectID?
    /// Intents not yet settled, by id.
    public var pending: Set<IntentID>

    enum CodingKeys: String, CodingKey {
        case trustRoot = "trust_root"
        case trustedCommit = "trusted_commit"
        case governanceTip = "governance_tip"
        case ledgerTip = "ledger_tip"
        case pending
    }

    public init(trustRoot: ObjectID) {
        self.trustRoot = trustRoot
        self.trustedCommit = trustRoot
        self.pending = []
    }
}

/// Per intent: where its events and approval records came from.
struct IntentLedgerRecord: Codable, Sendable, Equatable {
    struct Event: Codable, Sendable, Equatable {
        let path: String
        let commit: ObjectID
        let signers: [Principal]
    }

    var events: [Event] = []
    /// Approval record path → the first-parent governance commit that brought its current version.
    var approvals: [String: ObjectID] = [:]
    /// Whether the intent file has been seen on the ledger.
    var proposed = false
}

/// The state dir's layout and its reads and writes.
struct StateStore {
    let root: String

    init(stateDir: String, profile: String) {
        root = (stateDir as NSString).appendingPathComponent(profile)
    }

    var statePath: String { root + "/state.json" }

    func intentPath(_ id: IntentID) -> String { root + "/intents/\(id.fanOut)/\(id.rawValue).json" }
    func journalPath(_ id: IntentID) -> String { root + "/journal/\(id.fanOut)/\(id.rawValue)" }
    func reportPath(_ runID: String) -> String { root + "/runs/\(runID).json" }

    func loadState() throws -> DispatchState? { try StateFiles.readJSON(DispatchState.self, from: statePath) }
    func save(_ state: DispatchState) throws { try StateFiles.writeJSON(state, to: statePath) }

    func loadIntent(_ id: IntentID) throws -> IntentLedgerRecord {
        try StateFiles.readJSON(IntentLedgerRecord.self, from: intentPath(id)) ?? IntentLedgerRecord()
    }

    func save(_ record: IntentLedgerRecord, for id: IntentID) throws {
        try StateFiles.writeJSON(record, to: intentPath(id))
    }

    /// The dispatcher's own journal of claims (SPEC §6): written before a
    /// claim is published, and consulted before any run, so a deleted ledger
    /// event can never lead this dispatcher to run an intent twice.
    func journalEntries(_ id: IntentID) -> [String] {
        guard let data = FileManager.default.contents(atPath: journalPath(id)) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Records a claim attempt; false when one is already journalled (for
    /// idempotent re-runs pass `allowRepeat`).
    func journalClaim(_ id: IntentID, runID: String, at: Timestamp, allowRepeat: Bool) throws -> Bool {
        let line = Data("claim \(runID) \(at.rfc3339)\n".utf8)
        if try StateFiles.createExclusive(line, at: journalPath(id)) { return true }
        guard allowRepeat else { return false }
        let existing = FileManager.default.contents(atPath: journalPath(id)) ?? Data()
        try StateFiles.write(existing + line, to: journalPath(id))
        return true
    }

    /// Withdraws a journalled claim that definitely did not reach the ledger
    /// (the push was refused), so the intent is not refused forever.
    func withdrawClaim(_ id: IntentID, runID: String) throws {
        let kept = journalEntries(id).filter { !$0.hasPrefix("claim \(runID) ") }
        if kept.isEmpty {
            try? FileManager.default.removeItem(atPath: journalPath(id))
        } else {
            try StateFiles.write(Data((kept.joined(separator: "\n") + "\n").utf8), to: journalPath(id))
        }
    }
}
