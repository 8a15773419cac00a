import Foundation
import WritCore
import WritGit

/// The ledger's files as `writ status` needs them: which blob holds each
/// intent and its signature, and each intent's events as references
/// (path, blob, commit, signers, whether it counts), read by the one
/// ledger walk. Bytes are read when an intent is decided, so memory does
/// not hold the history's events.
struct LedgerFiles: Sendable {
    /// The ledger head that the ledger is judged at. A ledger that is not
    /// there cannot be append-only: the judges of the ledger (status,
    /// verify) decide that is `ledger_violation` (SPEC §3), here rather
    /// than in ``OpsRepo``, which only reports the branch missing
    /// (``OpsRepoError``).
    package static func head(of ops: OpsRepo) throws -> ObjectID {
        do {
            return try ops.ledgerHead()
        } catch let missing as OpsRepoError {
            throw WritError(.ledgerViolation, missing.description)
        }
    }

    struct IntentFiles: Sendable {
        package var intent: ObjectID?
        package var signature: ObjectID?
    }

    /// One event, packed: at 100,000 intents the walk holds 300,000 of
    /// them, so no path string (it follows from the id, the sequence and
    /// the kind) and no per-intent array (each intent's events are a chain
    /// through `next`).
    private struct Event: Sendable {
        package let blob: ObjectID
        /// Index in `commits`.
        package let commit: Int32
        /// The next event of the same intent, or -1.
        package var next: Int32 = -1
        package let sequence: Int
        package let kind: AuditEventKind
        package let counts: Bool
    }

    /// Events in blocks of a fixed size: growing never copies what is held
    /// (one array doubling would hold the old and the new buffer at once)
    /// and at most one block is part empty.
    private struct EventStore: Sendable {
        static let blockSize = 32_768
        private var blocks: [[Event]] = []
        package private(set) var count = 0

        package mutating func append(_ event: Event) {
            if count % Self.blockSize == 0 {
                blocks.append([])
                blocks[blocks.count - 1].reserveCapacity(Self.blockSize)
            }
            blocks[blocks.count - 1].append(event)
            count += 1
        }

        subscript(index: Int) -> Event {
            get { blocks[index / Self.blockSize][index % Self.blockSize] }
            set { blocks[index / Self.blockSize][index % Self.blockSize] = newValue }
        }
    }

    /// A ledger commit that added events, and who signed it.
    private struct Commit: Sendable {
        package let id: ObjectID
        package let signers: [Principal]
    }

    /// Every intent met, in the order met; its slot indexes the arrays below.
    private var ids: [IntentID] = []
    private var slots: [IntentID: Int32] = [:]
    private var blobs: [IntentFiles] = []
    private var firstEvent: [Int32] = []
    private var lastEvent: [Int32] = []
    private var store = EventStore()
    private var commits: [Commit] = []
    /// The first append-only problem in the history walked.
    var violation: WritError?
    /// Where the walk ended; nil when no governance is trusted.
    var cursor: LedgerCursor?
    /// Whether a commit walked touched an intent the caller refused.
    var touchedRefused = false
    /// The `[limits]` count up to `cursor` (docs/limits.md); nil when the
    /// trusted policy has no limits.
    var quota: ProposerQuota?

    /// The ids with an intent file or a signature, sorted: the intents to decide.
    package var intentIDs: [IntentID] {
        zip(ids, blobs).compactMap { $1.intent != nil || $1.signature != nil ? $0 : nil }.sorted()
    }

    /// Every id with a file or an event, sorted.
    var allIDs: [IntentID] { ids.sorted() }

    /// The blobs of `id`'s intent file and signature.
    package func files(of id: IntentID) -> IntentFiles? {
        guard let slot = slots[id] else { return nil }
        let found = blobs[Int(slot)]
        return found.intent == nil && found.signature == nil ? nil : found
    }

    /// `id`'s events in the order the walk met them.
    package func events(of id: IntentID) -> [StatusSnapshot.EventRef] {
        guard let slot = slots[id] else { return [] }
        var refs: [StatusSnapshot.EventRef] = []
        var next = firstEvent[Int(slot)]
        while next >= 0 {
            let event = store[Int(next)]
            let commit = commits[Int(event.commit)]
            refs.append(
                StatusSnapshot.EventRef(
                    path: LedgerPath.auditEvent(id, sequence: event.sequence, event: event.kind).path,
                    blob: event.blob, commit: commit.id, signers: commit.signers, counts: event.counts))
            next = event.next
        }
        return refs
    }

    private mutating func slot(_ id: IntentID) -> Int {
        if let slot = slots[id] { return Int(slot) }
        let slot = ids.count
        ids.append(id)
        slots[id] = Int32(slot)
        blobs.append(IntentFiles())
        firstEvent.append(-1)
        lastEvent.append(-1)
        return slot
    }

    private mutating func addEvent(
        _ id: IntentID, blob: ObjectID, commit: Int, sequence: Int, kind: AuditEventKind, counts: Bool
    ) {
        let at = slot(id)
        let index = Int32(store.count)
        store.append(Event(blob: blob, commit: Int32(commit), sequence: sequence, kind: kind, counts: counts))
        if lastEvent[at] >= 0 { store[Int(lastEvent[at])].next = index } else { firstEvent[at] = index }
        lastEvent[at] = index
    }

    /// Walks the whole ledger up to `tip`, counting proposals under `limits`.
    static func walk(
        ops: OpsRepo, timeline: GovernanceTimeline?, to tip: ObjectID, limits: Policy.Limits? = nil
    ) throws
        -> LedgerFiles
    {
        var files = LedgerFiles()
        files.quota = limits.map { ProposerQuota(limits: $0) }
        files.cursor = try files.add(ops: ops, timeline: timeline, after: nil, to: tip) { _ in true }
        return files
    }

    /// The files of `snapshot`'s open intents plus what was committed after
    /// its cursor; nil when anything new touches an intent whose row the
    /// snapshot stores, or breaks the append-only rule (the caller then
    /// walks everything).
    static func resume(
        _ snapshot: StatusSnapshot, to tip: ObjectID, ops: OpsRepo, timeline: GovernanceTimeline?,
        limits: Policy.Limits? = nil
    ) throws -> LedgerFiles? {
        // The count continues only under the limits it was made under.
        guard snapshot.header.quota?.limits == limits else { return nil }
        var files = LedgerFiles()
        files.quota = snapshot.header.quota
        for live in snapshot.header.live {
            guard files.addLive(live) else { return nil }
        }
        let cursor = try files.add(ops: ops, timeline: timeline, after: snapshot.header.cursor, to: tip) { id in
            !snapshot.rows.contains(id)
        }
        guard let cursor, files.violation == nil, !files.touchedRefused else { return nil }
        files.cursor = cursor
        return files
    }

    /// Adds the commits after `cursor` up to `tip`, noting when one touches
    /// an intent `accepts` refuses.
    private mutating func add(
        ops: OpsRepo, timeline: GovernanceTimeline?, after cursor: LedgerCursor?, to tip: ObjectID,
        accepts: (IntentID) -> Bool
    ) throws -> LedgerCursor? {
        try LedgerWalk(ops: ops, timeline: timeline).walk(after: cursor, to: tip, readBytes: false) { read in
            if violation == nil, let problem = read.problems.first {
                violation = WritError(.ledgerViolation, problem.detail)
            }
            try QuotaWalk.take(read, into: &quota, repository: ops.repository, cache: ops.verificationCache)
            var commit: Int?
            for file in read.intents {
                let id = file.ledgerPath.intentID
                if !accepts(id) { touchedRefused = true }
                switch file.ledgerPath {
                case .intent:
                    let at = slot(id)
                    blobs[at].intent = file.blob
                case .intentSignature:
                    let at = slot(id)
                    blobs[at].signature = file.blob
                case .auditEvent: break
                }
            }
            for event in read.events {
                if !accepts(event.intent) { touchedRefused = true }
                if commit == nil {
                    commit = commits.count
                    commits.append(Commit(id: read.id, signers: read.signers.sorted()))
                }
                addEvent(
                    event.intent, blob: event.file.blob, commit: commit ?? 0, sequence: event.sequence,
                    kind: event.kind, counts: event.counts)
            }
        }
    }

    /// Takes in an open intent the snapshot kept; false when its events do
    /// not name it (the snapshot is then not used).
    private mutating func addLive(_ live: StatusSnapshot.LiveIntent) -> Bool {
        if live.intent != nil || live.signature != nil {
            let at = slot(live.id)
            blobs[at] = IntentFiles(intent: live.intent, signature: live.signature)
        }
        for event in live.events {
            guard case .auditEvent(live.id, let sequence, let kind)? = LedgerPath(event.path) else { return false }
            commits.append(Commit(id: event.commit, signers: event.signers))
            addEvent(
                live.id, blob: event.blob, commit: commits.count - 1, sequence: sequence, kind: kind,
                counts: event.counts)
        }
        return true
    }
}

extension StatusSnapshot.EventRef {
    /// The event as the decision engine reads it, its bytes read now.
    package func evidence(in repository: Repository) throws -> EventEvidence {
        EventEvidence(
            path: path, bytes: try repository.blob(blob, limit: RecordBytes.maximumSize), commit: commit,
            signers: Set(signers), counts: counts)
    }
}
