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
    /// Where the ledger walk stands after `ledgerTip`: its governance
    /// position, the state trusted there and the ledger clock, so a poll
    /// judges only new ledger commits (docs/audit.md).
    public var ledgerCursor: LedgerCursor?

    enum CodingKeys: String, CodingKey {
        case trustRoot = "trust_root"
        case trustedCommit = "trusted_commit"
        case governanceTip = "governance_tip"
        case ledgerTip = "ledger_tip"
        case pending
        case ledgerCursor = "ledger_cursor"
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
        /// Whether the event counts, as the ledger walk judged it under
        /// the governance trusted at its commit's position.
        let counts: Bool?
    }

    var events: [Event] = []
    /// Approval record path → the first-parent governance commit that brought its current version
    /// (`ApprovalAttribution`: the last to change its `.toml` or `.sig`).
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

    // MARK: The claim journal (SPEC §6).
    //
    // Two lines per claim, each appended and fsync'd: `claim <run> <commit>`
    // before the claim commit is pushed (its id is known once it is built),
    // and `published <run> <commit>` once the push succeeded, before the
    // executor starts. The journal is what keeps "at most once" when the
    // ledger forgets: events deleted by a rewrite, or a state dir restored
    // from a backup of the ledger cache.
    //
    // Each claim commit is judged on its own (`ClaimJournal.blocks`):
    // - published, and its commit is no longer on the ledger: blocks forever
    //   (the ledger lost the claim this dispatcher ran);
    // - on the ledger (published or not: a crash between push and the
    //   `published` line still made the claim real): blocks until an
    //   entitled `resolved(retry)` follows that very claim on the ledger;
    // - not published and not on the ledger: a lost race or a crash before
    //   the push; nothing ran, nothing blocks.

    /// One journal line.
    struct JournalLine: Equatable {
        enum Kind: String { case claim, published }
        let kind: Kind
        let runID: String
        let commit: ObjectID?
    }

    /// The journal's lines for `id`, oldest first. A missing journal is
    /// empty; an unreadable one throws (never "nothing was claimed").
    func journal(_ id: IntentID) throws -> [JournalLine] {
        guard let data = try StateFiles.read(journalPath(id)) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 2, let kind = JournalLine.Kind(rawValue: fields[0]) else { return nil }
            return JournalLine(kind: kind, runID: fields[1], commit: fields.count > 2 ? ObjectID(hex: fields[2]) : nil)
        }
    }

    /// The claims this dispatcher made for `id`, by claim commit.
    func claims(_ id: IntentID) throws -> [ClaimJournal.Claim] {
        let lines = try journal(id)
        // Older journals wrote `published <run>` without the commit: the
        // run's claim line names it.
        let published = lines.filter { $0.kind == .published }
        var seen = Set<ObjectID>()
        var claims: [ClaimJournal.Claim] = []
        for line in lines where line.kind == .claim {
            guard let commit = line.commit, seen.insert(commit).inserted else { continue }
            let isPublished = published.contains { $0.commit == commit || ($0.commit == nil && $0.runID == line.runID) }
            claims.append(.init(runID: line.runID, commit: commit, published: isPublished))
        }
        return claims
    }

    func journalAppend(_ id: IntentID, _ line: JournalLine) throws {
        let text = [line.kind.rawValue, line.runID, line.commit?.hex].compactMap { $0 }.joined(separator: " ") + "\n"
        try StateFiles.appendDurably(Data(text.utf8), to: journalPath(id))
    }
}
