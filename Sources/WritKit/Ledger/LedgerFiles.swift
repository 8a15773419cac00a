import Foundation

/// The ledger's files as `writ status` needs them: which blob holds each
/// intent and its signature, and each intent's events as references
/// (path, blob, commit, signers, whether it counts), read by the one
/// ledger walk. Bytes are read when an intent is decided, so memory does
/// not hold the history's events.
struct LedgerFiles: Sendable {
    struct IntentFiles: Sendable {
        var intent: ObjectID?
        var signature: ObjectID?
    }

    var intents: [IntentID: IntentFiles] = [:]
    var events: [IntentID: [StatusSnapshot.EventRef]] = [:]
    /// The first append-only problem in the history walked.
    var violation: WritError?
    /// Where the walk ended; nil when no governance is trusted.
    var cursor: LedgerCursor?
    /// Whether a commit walked touched an intent the caller refused.
    var touchedRefused = false

    /// Walks the whole ledger up to `tip`.
    static func walk(ops: OpsRepo, timeline: GovernanceTimeline?, to tip: ObjectID) throws -> LedgerFiles {
        var files = LedgerFiles()
        files.cursor = try files.add(ops: ops, timeline: timeline, after: nil, to: tip) { _ in true }
        return files
    }

    /// The files of `snapshot`'s open intents plus what was committed after
    /// its cursor; nil when anything new touches an intent whose row the
    /// snapshot stores, or breaks the append-only rule (the caller then
    /// walks everything).
    static func resume(
        _ snapshot: StatusSnapshot, to tip: ObjectID, ops: OpsRepo, timeline: GovernanceTimeline?
    ) throws -> LedgerFiles? {
        var files = LedgerFiles()
        for live in snapshot.header.live {
            if live.intent != nil || live.signature != nil {
                files.intents[live.id] = IntentFiles(intent: live.intent, signature: live.signature)
            }
            if !live.events.isEmpty { files.events[live.id] = live.events }
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
            let signers = read.signers.sorted()
            for file in read.intents {
                let id = file.ledgerPath.intentID
                if !accepts(id) { touchedRefused = true }
                switch file.ledgerPath {
                case .intent: intents[id, default: IntentFiles()].intent = file.blob
                case .intentSignature: intents[id, default: IntentFiles()].signature = file.blob
                case .auditEvent: break
                }
            }
            for event in read.events {
                if !accepts(event.intent) { touchedRefused = true }
                events[event.intent, default: []].append(
                    StatusSnapshot.EventRef(
                        path: event.file.path, blob: event.file.blob, commit: read.id, signers: signers,
                        counts: event.counts))
            }
        }
    }
}

extension StatusSnapshot.EventRef {
    /// The event as the decision engine reads it, its bytes read now.
    func evidence(in repository: Repository) throws -> EventEvidence {
        EventEvidence(
            path: path, bytes: try repository.blob(blob, limit: RecordBytes.maximumSize), commit: commit,
            signers: Set(signers), counts: counts)
    }
}
