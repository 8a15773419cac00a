import Foundation
import WritCore
import WritSystem

/// The state dir's layout and its reads and writes.
struct StateStore {
    package let root: String
    /// Intent records changed since the last state save; every copy of
    /// this store shares them.
    private let pending = PendingIntentRecords()

    init(stateDir: String, profile: String) {
        root = (stateDir as NSString).appendingPathComponent(profile)
    }

    var statePath: String { root + "/state.json" }

    func intentPath(_ id: IntentID) -> String { root + "/intents/\(id.fanOut)/\(id.rawValue).json" }
    func journalPath(_ id: IntentID) -> String { root + "/journal/\(id.fanOut)/\(id.rawValue)" }
    func reportPath(_ runID: String) -> String { root + "/runs/\(runID).json" }
    var reportsDirectory: String { root + "/runs" }

    /// Deletes the run reports of polls that started before `cutoff`, except
    /// `current`'s, and returns the paths it could not delete.
    ///
    /// Only files writ names (`run-<unix seconds>-<hex>.json`, and a
    /// temporary sibling a crash left) are touched. A report's age is the
    /// start time in its run id, so copying or restoring the state dir does
    /// not make old reports young; a name whose time cannot be read is aged
    /// by its modification time. Reports are a record for people, not state
    /// the dispatcher decides on, so a report that cannot be deleted is
    /// reported back rather than stopping the poll.
    func pruneReports(before cutoff: Date, keeping current: String) -> [String] {
        let directory = reportsDirectory
        // Best effort by design (above): a folder that cannot be listed
        // deletes nothing, and this poll's report was just written into it.
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var failed: [String] = []
        for name in names.sorted() where name.hasPrefix("run-") && !name.hasPrefix(current + ".") {
            let path = directory + "/" + name
            guard let started = Self.runStart(name) ?? Self.modificationTime(path), started < cutoff else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) == nil { failed.append(path) }
        }
        return failed
    }

    /// The poll start time a report's name carries: `run-<unix seconds>-...`.
    static func runStart(_ name: String) -> Date? {
        let fields = name.split(separator: "-", maxSplits: 2)
        guard fields.count == 3, fields[0] == "run", let seconds = Int64(fields[1]), seconds >= 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// nil when it cannot be read: the report is then kept, never deleted.
    private static func modificationTime(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    func loadState() throws -> DispatchState? { try StateFiles.readJSON(DispatchState.self, from: statePath) }
    /// Saves the state, after flushing the intent records written since the
    /// last save: the state names the tips those records reflect, so on
    /// disk a state is never ahead of its records. (Records ahead of the
    /// state, after a crash, are harmless: the next sync reads the same
    /// commits again and adds nothing twice.)
    package func save(_ state: DispatchState) throws {
        try StateFiles.ensureDirectory(root)
        try writePendingRecords()
        try StateFiles.flushFileSystem(containing: root)
        try StateFiles.writeJSON(state, to: statePath)
    }

    func loadIntent(_ id: IntentID) throws -> IntentLedgerRecord {
        if let changed = pending.record(id) { return changed }
        return try StateFiles.readJSON(IntentLedgerRecord.self, from: intentPath(id)) ?? IntentLedgerRecord()
    }

    /// Keeps `record` as `id`'s. It reaches the disk with the next state
    /// save (`PendingIntentRecords`), or sooner when many are waiting.
    package func save(_ record: IntentLedgerRecord, for id: IntentID) throws {
        if pending.keep(record, for: id) { try writePendingRecords() }
    }

    /// Deletes every intent record, on disk and waiting, and the
    /// idempotency key bindings derived with them: the next sync reads the
    /// whole history again.
    func removeIntentRecords() {
        pending.discard()
        try? FileManager.default.removeItem(atPath: root + "/intents")
        try? FileManager.default.removeItem(atPath: root + "/keys")
    }

    // MARK: Idempotency key bindings (`IdempotencyKeys`).

    /// A key's file: named by the key's sha256, so any key is a safe name.
    package func keyPath(_ key: String) -> String {
        let hex = ContentDigest.sha256(of: Array(key.utf8)).hex
        return root + "/keys/\(hex.prefix(2))/\(hex).json"
    }

    /// The intent `key` is bound to; nil when none is yet.
    func keyBinding(_ key: String) throws -> IdempotencyKeys.Binding? {
        try StateFiles.readJSON(IdempotencyKeys.Binding.self, from: keyPath(key))
    }

    /// Binds `key` to `candidate` unless it is bound already (the first
    /// intent keeps it). Written like the intent records: not flushed, and
    /// flushed with them before the next state save, so a state on disk is
    /// never ahead of its bindings; a crash before that walks the same
    /// commits, in the same order, again.
    func bindKey(_ key: String, _ candidate: IdempotencyKeys.Binding) throws {
        let existing = try keyBinding(key)
        let bound = IdempotencyKeys.bind(existing, candidate)
        guard bound != existing else { return }
        try StateFiles.writeJSON(bound, to: keyPath(key), flush: false)
    }

    /// Writes the waiting records, not flushed: the state save that follows
    /// flushes them all at once (`syncfs`) before it writes the state.
    private func writePendingRecords() throws {
        for (id, record) in pending.take() {
            try StateFiles.writeJSON(record, to: intentPath(id), flush: false)
        }
    }

    // MARK: The claim journal (SPEC §6).
    //
    // Lines per claim, appended in this order:
    // - `claim <run> <commit>` before the claim commit is pushed (its id is
    //   known once it is built); not flushed: a `claim` line lost to a power
    //   failure names a claim that never ran, which forbids nothing (below);
    // - `published <run> <commit>` once the push succeeded, before the
    //   executor starts; flushed with the file's directory entry, and so
    //   the `claim` line before it;
    // - `outcome <run> <commit> <base64 event>` when the executor ended,
    //   before the outcome is published; flushed (the directory entry is
    //   durable since `published`). It is what the next poll publishes when
    //   this one died before it could (`OutcomeRecovery.recover`).
    // The journal is what keeps "at most once" when the ledger forgets:
    // events deleted by a rewrite, or a state dir restored from a backup of
    // the ledger cache.
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
        enum Kind: String { case claim, published, outcome }
        package let kind: Kind
        package let runID: String
        package let commit: ObjectID?
        /// For an `outcome` line: the outcome event's canonical JSON.
        package var event: Data? = nil
    }

    /// The journal's lines for `id`, oldest first. A missing journal is
    /// empty; an unreadable one throws (never "nothing was claimed"). A line
    /// that does not parse (a torn last append) is skipped.
    func journal(_ id: IntentID) throws -> [JournalLine] {
        guard let data = try StateFiles.read(journalPath(id)) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 2, let kind = JournalLine.Kind(rawValue: fields[0]) else { return nil }
            let commit = fields.count > 2 ? ObjectID(hex: fields[2]) : nil
            guard kind == .outcome else { return JournalLine(kind: kind, runID: fields[1], commit: commit) }
            guard fields.count == 4, let event = Data(base64Encoded: fields[3]) else { return nil }
            return JournalLine(kind: kind, runID: fields[1], commit: commit, event: event)
        }
    }

    /// The outcome `run` recorded for its claim of `id`, if the journal
    /// holds one that parses and names that intent.
    func journalledOutcome(_ id: IntentID, run: String) throws -> AuditEvent? {
        let line = try journal(id).last { $0.kind == .outcome && $0.runID == run }
        // The journal was read (a read error throws above); bytes that are
        // no event of this intent are no outcome to recover: nothing is
        // published from them, and the claim is never run again.
        guard let bytes = line?.event, let event = try? AuditEvent.parse(bytes), event.intent == id else { return nil }
        return event
    }

    /// The claims this dispatcher made for `id`, by claim commit.
    package func claims(_ id: IntentID) throws -> [ClaimJournal.Claim] {
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
        let fields = [line.kind.rawValue, line.runID, line.commit?.hex, line.event?.base64EncodedString()]
        let text = fields.compactMap { $0 }.joined(separator: " ") + "\n"
        let flush: StateFiles.AppendFlush =
            switch line.kind {
            case .claim: .none
            case .published: .contentsAndEntry
            case .outcome: .contents
            }
        try StateFiles.append(Data(text.utf8), to: journalPath(id), flush: flush)
    }
}
