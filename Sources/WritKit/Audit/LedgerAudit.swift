import Foundation

/// The whole ledger replayed for an audit (`writ log`, `writ verify`):
/// every commit checked against the append-only rule, every audit event
/// attributed to the verified signers of its commit and judged by the
/// governance trusted at the commit's ledger position, all through the one
/// `LedgerWalk` the dispatcher and `writ status` use (docs/audit.md).
public struct LedgerAudit {
    /// An intent file as first added to the ledger (later changes are violations).
    struct IntentFile {
        var bytes: Data
        var index: Int
        var signature: Data?
        var signatureIndex: Int?
    }

    let governance: GovernanceTimeline
    /// The ledger tip that was read.
    public let head: ObjectID
    /// The ledger's first-parent history, oldest first.
    let chain: [ObjectID]
    /// Every audit event added on the ledger, in ledger order (commit, then
    /// sequence, then path).
    public let events: [AuditedEvent]
    /// Append-only violations (merges, changed, removed or foreign paths,
    /// malformed trees), malformed events and events that do not count, in
    /// ledger order.
    let findings: [AuditFinding]
    let intents: [IntentID: IntentFile]

    /// The events newest first, as `writ log` prints them.
    public var newestFirst: [AuditedEvent] { events.reversed() }

    /// Replays both branches. Throws the contract errors: trust root
    /// missing, history rewritten, governance head not trusted at `now`.
    public init(ops: OpsRepo, trustRoot: ObjectID, now: Date) throws {
        let governance = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now)
        let head = try ops.ledgerHead()
        var chain: [ObjectID] = []
        var findings: [AuditFinding] = []
        var intents: [IntentID: IntentFile] = [:]
        var signatures: [IntentID: (Data, Int)] = [:]
        var events: [AuditedEvent] = []

        try LedgerWalk(ops: ops, timeline: governance).walk(after: nil, to: head) { read in
            chain.append(read.id)
            for problem in read.problems {
                findings.append(
                    AuditFinding(reason: .ledgerViolation, commit: read.id, path: problem.path, detail: problem.detail))
            }
            for file in read.intents {
                let bytes = file.bytes ?? Data()
                switch file.ledgerPath {
                case .intent(let id) where intents[id] == nil:
                    intents[id] = IntentFile(bytes: bytes, index: read.index)
                case .intentSignature(let id) where signatures[id] == nil:
                    signatures[id] = (bytes, read.index)
                default:
                    continue
                }
            }
            // The walk judged signature and entitlement; a position always
            // exists here, since the timeline is trusted.
            guard let position = read.position else { return }
            for judged in read.events {
                let bytes = judged.file.bytes ?? Data()
                var whyNot = judged.whyNot
                let event: AuditEvent?
                do {
                    event = try AuditEvent.parse(bytes, expectedPath: judged.file.path)
                } catch {
                    event = nil
                    whyNot = "malformed \(judged.kind) event: " + ((error as? WritError)?.detail ?? "does not parse")
                }
                if let whyNot {
                    findings.append(
                        AuditFinding(reason: .ledgerViolation, commit: read.id, path: judged.file.path, detail: whyNot))
                }
                let summary =
                    event.map(AuditedEvent.summarize) ?? "\(judged.kind) \(judged.intent): \(whyNot ?? "malformed")"
                events.append(
                    AuditedEvent(
                        path: judged.file.path, intent: judged.intent, kind: judged.kind, sequence: judged.sequence,
                        commit: read.id, commitTime: Timestamp(read.committerTime), signature: read.signature,
                        signers: read.signers.sorted(), governance: position.commit, counts: whyNot == nil,
                        whyNot: whyNot,
                        event: event, summary: summary.split(whereSeparator: \.isNewline).joined(separator: " "),
                        bytes: bytes,
                        commitIndex: read.index, clock: read.clock, positionIndex: position.index,
                        verifiedSigners: read.signers))
            }
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
}
