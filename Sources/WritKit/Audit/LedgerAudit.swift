import Foundation

/// The whole ledger replayed for an audit: every commit checked against the
/// append-only rule, every audit event attributed to the verified signers of
/// its commit and judged by the governance in force when it was committed
/// (see `GovernanceTimeline` for how time is aligned).
///
/// Reading is one first-parent walk of each branch; each ledger commit is
/// diffed against its first parent, and its signature is verified once.
public struct LedgerAudit {
    /// An intent file as first added to the ledger (later changes are violations).
    struct IntentFile {
        var bytes: Data
        var index: Int
        var signature: Data?
        var signatureIndex: Int?
    }

    public let governance: GovernanceTimeline
    /// The ledger tip that was read.
    public let head: ObjectID
    /// The ledger's first-parent history, oldest first.
    public let chain: [ObjectID]
    /// Every audit event added on the ledger, in ledger order (commit, then
    /// sequence, then path).
    public let events: [AuditedEvent]
    /// Append-only violations (merges, changed, removed or foreign paths),
    /// malformed events and events that do not count, in ledger order.
    public let findings: [AuditFinding]
    let intents: [IntentID: IntentFile]

    /// The events newest first, as `writ log` prints them.
    public var newestFirst: [AuditedEvent] { events.reversed() }

    /// Replays both branches. Throws the contract errors: trust root
    /// missing, history rewritten, governance head not trusted at `now`.
    public init(ops: OpsRepo, trustRoot: ObjectID, now: Date) throws {
        let governance = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now)
        let repository = ops.repository
        let head = try ops.ledgerHead()
        let chain = try repository.firstParentHistory(from: head, to: nil, order: .oldestFirst)

        struct RawEvent {
            let path: String
            let id: IntentID
            let sequence: Int
            let kind: AuditEventKind
            let bytes: Data
        }
        struct CommitRead {
            let id: ObjectID
            let index: Int
            let time: Date
            let clock: Date
            let events: [RawEvent]
        }

        var findings: [AuditFinding] = []
        var intents: [IntentID: IntentFile] = [:]
        var signatures: [IntentID: (Data, Int)] = [:]
        var reads: [CommitRead] = []
        var clock = Date.distantPast
        for (index, commitID) in chain.enumerated() {
            let commit = try repository.commit(commitID)
            clock = max(clock, commit.committer.date)
            if commit.parents.count > 1 {
                findings.append(AuditFinding(
                    reason: .ledgerViolation, commit: commitID, path: nil,
                    detail: "ledger commit \(commitID.hex) is a merge; the ledger is fast-forward only"))
            }
            var raw: [RawEvent] = []
            for change in try repository.diff(from: commit.parents.first, to: commitID) {
                if let problem = LedgerReader.appendProblem(change) {
                    findings.append(AuditFinding(
                        reason: .ledgerViolation, commit: commitID, path: change.path,
                        detail: "ledger commit \(commitID.hex) \(problem); the ledger is append-only"))
                }
                guard change.kind == .added, let entry = change.new, entry.kind == .blob,
                    let path = LedgerPath(change.path)
                else { continue }
                switch path {
                case .intent(let id):
                    if intents[id] == nil {
                        intents[id] = IntentFile(bytes: try repository.blob(entry.id, limit: RecordBytes.maximumSize), index: index)
                    }
                case .intentSignature(let id):
                    if signatures[id] == nil { signatures[id] = (try repository.blob(entry.id, limit: RecordBytes.maximumSize), index) }
                case .auditEvent(let id, let sequence, let kind):
                    raw.append(RawEvent(
                        path: change.path, id: id, sequence: sequence, kind: kind, bytes: try repository.blob(entry.id, limit: RecordBytes.maximumSize)))
                }
            }
            raw.sort { ($0.sequence, $0.path) < ($1.sequence, $1.path) }
            reads.append(CommitRead(id: commitID, index: index, time: commit.committer.date, clock: clock, events: raw))
        }
        for (id, signature) in signatures {
            intents[id]?.signature = signature.0
            intents[id]?.signatureIndex = signature.1
        }

        var events: [AuditedEvent] = []
        for read in reads where !read.events.isEmpty {
            let point = governance.point(at: read.clock)
            let (status, signers, signatureDetail) = try Self.signature(
                of: read.id, in: repository, trusted: point.trusted.signers, at: read.clock)
            for raw in read.events {
                var whyNot: String?
                let event: AuditEvent?
                do {
                    event = try AuditEvent.parse(raw.bytes, expectedPath: raw.path)
                } catch {
                    event = nil
                    whyNot = "malformed \(raw.kind) event: " + ((error as? WritError)?.detail ?? "does not parse")
                }
                if event != nil {
                    let tier = intents[raw.id]
                        .flatMap { try? Intent.parse($0.bytes, expectedPath: LedgerPath.intent(raw.id).path) }
                        .map { $0.effectiveTier(point.trusted.policy) }
                    if !EventAuthority.isEntitled(signers, toWrite: raw.kind, tier: tier, policy: point.trusted.policy) {
                        let under = "under governance \(point.commit.hex)"
                        switch status {
                        case .unsigned:
                            whyNot = "unsigned \(raw.kind) event: ledger commit \(read.id.hex) is not signed (\(signatureDetail))"
                        case .untrusted:
                            whyNot = "forged \(raw.kind) event: ledger commit \(read.id.hex) is not signed by a trusted key \(under) (\(signatureDetail))"
                        case .trusted:
                            let who = signers.map(\.rawValue).sorted().joined(separator: ", ")
                            whyNot = "unentitled \(raw.kind) event: ledger commit \(read.id.hex) is signed by \(who), who may not write \(raw.kind) \(under)"
                        }
                    }
                }
                if let whyNot {
                    findings.append(AuditFinding(reason: .ledgerViolation, commit: read.id, path: raw.path, detail: whyNot))
                }
                let summary = event.map(AuditedEvent.summarize) ?? "\(raw.kind) \(raw.id): \(whyNot ?? "malformed")"
                events.append(AuditedEvent(
                    path: raw.path, intent: raw.id, kind: raw.kind, sequence: raw.sequence, commit: read.id,
                    commitTime: Timestamp(read.time), signature: status, signers: signers.sorted(),
                    governance: point.commit, counts: whyNot == nil, whyNot: whyNot, event: event,
                    summary: summary.split(whereSeparator: \.isNewline).joined(separator: " "),
                    bytes: raw.bytes, commitIndex: read.index, clock: read.clock, verifiedSigners: signers))
            }
        }

        self.governance = governance
        self.head = head
        self.chain = chain
        self.events = events
        self.findings = findings
        self.intents = intents
    }

    /// The signature state of a ledger commit under `trusted`, checked at `date`.
    static func signature(of commit: ObjectID, in repository: Repository, trusted: AllowedSigners, at date: Date) throws
        -> (AuditedEvent.Signature, Set<Principal>, String)
    {
        switch try repository.commitSignature(commit) {
        case .unsigned(let reason):
            return (.unsigned, [], reason.rawValue)
        case .signed(let armored, let payload):
            do {
                let found = try SignatureVerifier.signers(
                    armored: Array(armored.utf8), message: payload, namespace: SignatureNamespace.commit, allowedSigners: trusted, at: date)
                let principals = Set(found.principals.compactMap(Principal.init))
                guard !principals.isEmpty else { return (.untrusted, [], "the key is trusted only under a pattern, not a principal") }
                return (.trusted, principals, "signed by " + principals.map(\.rawValue).sorted().joined(separator: ", "))
            } catch {
                return (.untrusted, [], error.description)
            }
        }
    }
}
