import Foundation
import WritCore
import WritGit

/// The whole ledger replayed for an audit (`writ log`, `writ verify`):
/// every commit checked against the append-only rule, every audit event
/// attributed to the verified signers of its commit and judged by the
/// governance trusted at the commit's ledger position, all through the one
/// `LedgerWalk` the dispatcher and `writ status` use (docs/audit.md).
package struct LedgerAudit {
    /// An intent file as first added to the ledger (later changes are violations).
    package struct IntentFile {
        package var bytes: Data
        package var index: Int
        package var signature: Data?
        var signatureIndex: Int?
    }

    package let governance: GovernanceTimeline
    /// The ledger tip that was read.
    package let head: ObjectID
    /// The ledger's first-parent history, oldest first.
    let chain: [ObjectID]
    /// Every audit event added on the ledger, in ledger order (commit, then
    /// sequence, then path).
    package let events: [AuditedEvent]
    /// Append-only violations (merges, changed, removed or foreign paths,
    /// malformed trees), anchors that moved back, malformed events and
    /// events that do not count, in ledger order.
    package let findings: [AuditFinding]
    package let intents: [IntentID: IntentFile]

    /// The events newest first, as `writ log` prints them.
    package var newestFirst: [AuditedEvent] { events.reversed() }

    /// Replays both branches. Throws the contract errors: trust root
    /// missing, history rewritten, governance head not trusted at `now`.
    package init(ops: OpsRepo, trustRoot: ObjectID, now: Date) throws {
        let governance = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now)
        let head = try ops.ledgerHead()
        var chain: [ObjectID] = []
        var findings: [AuditFinding] = []
        var intents: [IntentID: IntentFile] = [:]
        var signatures: [IntentID: (Data, Int)] = [:]
        var events: [AuditedEvent] = []

        try Self.replay(ops: ops, governance: governance, to: head) { step in
            if step.first { chain.append(step.id) }
            findings += step.findings
            for file in step.intents {
                let bytes = try file.bytes ?? ops.repository.blob(file.blob, limit: RecordBytes.maximumSize)
                switch file.ledgerPath {
                case .intent(let id) where intents[id] == nil:
                    intents[id] = IntentFile(bytes: bytes, index: step.index)
                case .intentSignature(let id) where signatures[id] == nil:
                    signatures[id] = (bytes, step.index)
                default:
                    continue
                }
            }
            events += step.events
        }
        for (id, signature) in signatures {
            intents[id]?.signature = signature.0
            intents[id]?.signatureIndex = signature.1
        }

        self.governance = governance
        self.head = head
        self.chain = chain
        self.events = events
        self.findings = findings
        self.intents = intents
    }

    /// One ledger commit, or one part of a commit with many events, as the
    /// audit reads it: what `init` keeps of every commit, and what `writ
    /// verify` takes in and lets go, a part at a time, so its memory does
    /// not grow with the history or with the size of one commit.
    struct Step {
        package let id: ObjectID
        /// Its index on the ledger's first-parent history.
        package let index: Int
        /// Whether this is the commit's first part (a commit with more than
        /// `partSize` events comes in several, in event order).
        package let first: Bool
        /// The part's findings: for the first part the commit's
        /// append-only violations and anchor regression, then, in event
        /// order, its malformed events and events that do not count.
        package let findings: [AuditFinding]
        /// Intent files and signatures the commit added (first part only),
        /// without their bytes.
        package let intents: [LedgerAddition]
        /// The part's events, in sequence then path order.
        package let events: [AuditedEvent]
    }

    /// The most events one `Step` holds.
    static let partSize = 1_024

    /// Walks the ledger from its first commit to `head` through the one
    /// `LedgerWalk`, handing `visit` each commit's audit. Events are read
    /// and parsed on every core, each worker through a repository of its own.
    /// `walked` sees each commit as the walk read it, before its steps.
    static func replay(
        ops: OpsRepo, governance: GovernanceTimeline, to head: ObjectID,
        walked: (LedgerCommitRead) throws -> Void = { _ in }, _ visit: (Step) throws -> Void
    ) throws {
        let workers = RepositoryWorkers(ops.repository)
        try LedgerWalk(ops: ops, timeline: governance).walk(after: nil, to: head, readBytes: false) { read in
            try walked(read)
            var findings = read.problems.map {
                AuditFinding(reason: .ledgerViolation, commit: read.id, path: $0.path, detail: $0.detail)
            }
            // An anchor that moved back breaks the ledger's rule even when
            // its events count where the ledger stood (docs/audit.md).
            if let regression = read.regression {
                findings.append(
                    AuditFinding(
                        reason: .ledgerViolation, commit: read.id, path: nil, detail: regression.detail(read.id)))
            }
            // The walk judged signature and entitlement; a position always
            // exists here, since the timeline is trusted.
            guard let position = read.position, !read.events.isEmpty else {
                try visit(
                    Step(
                        id: read.id, index: read.index, first: true, findings: findings, intents: read.intents,
                        events: []))
                return
            }
            var start = 0
            while start < read.events.count {
                let part = read.events[start..<min(start + partSize, read.events.count)]
                let events = try workers.map(part, minimumPerWorker: 128) { judged, repository in
                    try Self.audited(judged, in: read, at: position, repository: repository)
                }
                for event in events {
                    if let whyNot = event.whyNot {
                        findings.append(
                            AuditFinding(reason: .ledgerViolation, commit: read.id, path: event.path, detail: whyNot))
                    }
                }
                try visit(
                    Step(
                        id: read.id, index: read.index, first: start == 0, findings: findings,
                        intents: start == 0 ? read.intents : [], events: events))
                findings = []
                start += partSize
            }
        }
    }

    /// One event of `read` as the audit reports it: parsed, summarised,
    /// and why it does not count (the walk's judgement, or its being
    /// malformed).
    private static func audited(
        _ judged: LedgerEventRead, in read: LedgerCommitRead, at position: GovernanceTimeline.Point,
        repository: Repository
    ) throws -> AuditedEvent {
        let bytes = try judged.file.bytes ?? repository.blob(judged.file.blob, limit: RecordBytes.maximumSize)
        var whyNot = judged.whyNot
        let event: AuditEvent?
        do {
            event = try AuditEvent.parse(bytes, expectedPath: judged.file.path)
        } catch {
            event = nil
            whyNot = "malformed \(judged.kind) event: " + ((error as? WritError)?.detail ?? "does not parse")
        }
        // As `EventAuthority.counting` judges it: a withdrawal names its own
        // signer, never someone else.
        if whyNot == nil, let event, event.kind == .withdrawn, !read.signers.contains(event.actor) {
            let who = read.signers.map(\.rawValue).sorted().joined(separator: ", ")
            whyNot =
                "withdrawn event names actor \(quoted: event.actor.rawValue), but ledger commit \(read.id.hex) is "
                + "signed by " + (who.isEmpty ? "nobody trusted" : who)
        }
        return AuditedEvent(
            path: judged.file.path, intent: judged.intent, kind: judged.kind, sequence: judged.sequence,
            commit: read.id, commitTime: Timestamp(read.committerTime), signature: read.signature,
            signers: read.signers.sorted(), governance: position.commit, counts: whyNot == nil, whyNot: whyNot,
            event: event, bytes: bytes,
            blob: judged.file.blob, commitIndex: read.index, clock: read.clock, positionIndex: position.index,
            verifiedSigners: read.signers, offChainAnchor: read.anchorOffChain ? read.anchor : nil)
    }
}
