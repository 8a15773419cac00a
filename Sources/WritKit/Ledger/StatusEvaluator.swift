import Foundation

/// Reads an ops repo and decides every intent, with the decision engine.
///
/// Work is one walk of each branch's first-parent history plus one
/// decision per intent: no per-intent history walk. Given a status
/// snapshot file, the walk starts where the last one ended and only the
/// intents whose rows can still change are decided (docs/status.md).
public struct StatusEvaluator {
    let ops: OpsRepo

    public init(ops: OpsRepo) {
        self.ops = ops
    }

    /// Where `writ status` keeps its snapshot for `ops`: `.git/writ/status`.
    public static func snapshotFile(of ops: OpsRepo) -> URL {
        StatusSnapshot.file(inGitDirectory: ops.repository.gitDirectory)
    }

    /// Decides every intent at `now`.
    ///
    /// Without `snapshot`, the result holds every row in `intents`, every
    /// verdict and every event (what `writ show` and the report read).
    /// With it, the snapshot file is read and rewritten, rows that can no
    /// longer change come back as `stored` lines, and only the verdicts of
    /// intents still open are kept, with no event bytes: memory follows
    /// what is open, not the history's length.
    public func evaluate(trustRoot: ObjectID?, now: Date, snapshot: URL? = nil) throws -> OpsStatus {
        // 1. Governance trust: nothing is ready unless it holds.
        var trusted: GovernanceState?
        var timeline: GovernanceTimeline?
        // The last governance trusted on the chain, even when the head is not:
        // what the ledger trail was judged under. It settles intents, it never
        // readies one.
        var lastTrusted: GovernanceState?
        let governance: OpsStatus.Governance
        let governanceHead = try? ops.governanceHead()
        do {
            guard let trustRoot else {
                throw WritError(.trustRootMissing, "no trust root given (--trust or trust_root in the config)")
            }
            let walked = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false)
            let verdict = walked.verdict
            trusted = verdict.trusted
            // Each event is judged under the governance trusted at its commit, so
            // the trail stays true when the head is untrusted; nothing is ready
            // then (step 3), but what already ran is still reported as settled.
            timeline = walked
            lastTrusted = walked.head.trusted
            governance = OpsStatus.Governance(
                trusted: trusted != nil, reason: verdict.reason, detail: verdict.detail, commit: walked.head.commit)
        } catch let error as WritError {
            governance = OpsStatus.Governance(
                trusted: false, reason: error.reason, detail: error.detail, commit: governanceHead)
        }

        // 2. The ledger, through the one walk: each event judged under the
        // governance trusted at its commit's ledger position.
        let ledgerHead: ObjectID
        var read: LedgerFiles
        // A snapshot is used and kept only under trusted governance.
        var key: StatusSnapshot.Key?
        if snapshot != nil, trusted != nil, let trustRoot, let commit = governance.commit {
            key = StatusSnapshot.Key(version: WritVersion.current, trustRoot: trustRoot, governance: commit)
        }
        var prior: StatusSnapshot?
        if let snapshot, let key { prior = StatusSnapshot.load(from: snapshot, key: key) }
        do {
            ledgerHead = try ops.ledgerHead()
            if let resumed = prior.flatMap({ try? LedgerFiles.resume($0, to: ledgerHead, ops: ops, timeline: timeline) }
            ) {
                read = resumed
            } else {
                prior = nil
                read = try LedgerFiles.walk(ops: ops, timeline: timeline, to: ledgerHead)
            }
        } catch let error as WritError {
            let ledger = OpsStatus.Ledger(
                ok: false, reason: error.reason, detail: error.detail, commit: try? ops.ledgerHead())
            return OpsStatus(
                governance: governance, ledger: ledger, intents: [], verdicts: [:], events: [:], policy: trusted?.policy
            )
        }
        let violation = read.violation
        let ledger = OpsStatus.Ledger(
            ok: violation == nil, reason: violation?.reason, detail: violation?.detail ?? "append-only",
            commit: ledgerHead)
        // An append-only violation may have changed or removed files: read
        // each intent as the head's tree holds it.
        let headTree = violation == nil ? nil : try ops.repository.commit(ledgerHead).tree
        func evidence(_ id: IntentID) -> IntentEvidence? {
            let path = LedgerPath.intent(id).path
            let limit = RecordBytes.maximumSize
            if let headTree {
                guard let bytes = try? ops.repository.blob(at: path, inTree: headTree, limit: limit) else {
                    return nil
                }
                let signature = try? ops.repository.blob(
                    at: LedgerPath.intentSignature(id).path, inTree: headTree, limit: limit)
                return IntentEvidence(path: path, bytes: bytes, signature: signature)
            }
            guard let files = read.intents[id], let blob = files.intent,
                let bytes = try? ops.repository.blob(blob, limit: limit)
            else { return nil }
            let signature = files.signature.flatMap { try? ops.repository.blob($0, limit: limit) }
            return IntentEvidence(path: path, bytes: bytes, signature: signature)
        }
        func events(_ id: IntentID) throws -> [EventEvidence] {
            try (read.events[id] ?? []).map { try $0.evidence(in: ops.repository) }
        }

        // 3. One decision per intent.
        let keepEverything = snapshot == nil
        var intents: [OpsStatus.IntentStatus] = []
        var verdicts: [IntentID: Verdict] = [:]
        var keptEvents: [IntentID: [EventEvidence]] = [:]
        var stable: [(IntentID, Data)] = []
        let index = try (trusted ?? lastTrusted).map { _ in
            try ApprovalIndex(repository: ops.repository, head: governance.commit ?? ops.governanceHead())
        }
        // The approvals read ahead are the ones decided on: each folder is read once.
        var readAhead = try index.map { try Self.verifyAhead(read, evidence: evidence, index: $0) } ?? [:]
        func approvals(_ id: IntentID, _ index: ApprovalIndex) throws -> [ApprovalEvidence] {
            if let read = readAhead.removeValue(forKey: id) { return read.approvals }
            return try index.approvals(for: id)
        }
        for id in read.intents.keys.sorted() {
            guard let evidence = readAhead[id]?.intent ?? evidence(id) else { continue }
            let intentEvents = try events(id)
            if keepEverything { keptEvents[id] = intentEvents }
            guard let trusted, let index else {
                let untrusted = WritError(governance.reason ?? .policyUnapproved, governance.detail)
                let settled = try lastTrusted.flatMap { state -> Verdict? in
                    guard let index else { return nil }
                    return try Self.settled(
                        DecisionEngine.decide(
                            governance: state, intent: evidence, approvals: try approvals(id, index),
                            events: intentEvents, now: now), or: untrusted)
                }
                let intent = try? Intent.parse(evidence.bytes, expectedPath: evidence.path)
                guard let settled else {
                    intents.append(
                        OpsStatus.IntentStatus(
                            id: id, kind: intent?.kind, tier: nil, state: .blocked, reason: untrusted.reason,
                            detail: untrusted.detail, approvals: 0, required: 0))
                    continue
                }
                verdicts[id] = settled
                intents.append(
                    OpsStatus.IntentStatus(
                        id: id, kind: intent?.kind, tier: settled.tier, state: settled.state, reason: settled.reason,
                        detail: settled.detail, approvals: 0, required: 0))
                continue
            }
            let intentApprovals = try approvals(id, index)
            var verdict = DecisionEngine.decide(
                governance: trusted, intent: evidence, approvals: intentApprovals, events: intentEvents, now: now)
            if verdict.state == .ready, let violation {
                verdict = verdict.blocked(by: violation)
            }
            let row = OpsStatus.IntentStatus(
                id: id, kind: verdict.intent?.kind, tier: verdict.tier, state: verdict.state, reason: verdict.reason,
                detail: verdict.detail, approvals: verdict.approvalsCounted, required: verdict.approvalsRequired)
            // A row only new history could change leaves the decided set.
            if !keepEverything, verdict.state == .succeeded || verdict.state == .failed, intentApprovals.isEmpty {
                stable.append((id, try StatusLine.encode(row)))
                continue
            }
            verdicts[id] = verdict
            intents.append(row)
        }

        let stored = (prior?.rows ?? .empty).merged(with: stable)
        if let snapshot, let key, violation == nil, let cursor = read.cursor {
            // Everything not stored stays open, events of intents not yet
            // on the ledger included.
            let settled = Set(stable.map(\.0))
            let live = Set(read.intents.keys).union(read.events.keys).subtracting(settled).sorted().map { id in
                StatusSnapshot.LiveIntent(
                    id: id, intent: read.intents[id]?.intent, signature: read.intents[id]?.signature,
                    events: read.events[id] ?? [])
            }
            let unchanged = prior != nil && prior?.header.cursor == cursor && stable.isEmpty
            if !unchanged {
                StatusSnapshot(
                    header: .init(key: key, cursor: cursor, live: live, rowBytes: stored.bytes.count), rows: stored
                ).save(to: snapshot)
            }
        }
        return OpsStatus(
            governance: governance, ledger: ledger, intents: intents, verdicts: verdicts, events: keptEvents,
            policy: trusted?.policy, stored: keepEverything ? .empty : stored)
    }

    /// Verifies, on every core, the intent and approval signatures the
    /// decisions will check: those of intents the ledger has not settled
    /// (a settled intent's decision reads no signature). Returns what it
    /// read, by intent.
    static func verifyAhead(
        _ read: LedgerFiles, evidence: (IntentID) -> IntentEvidence?, index: ApprovalIndex
    ) throws -> [IntentID: (intent: IntentEvidence, approvals: [ApprovalEvidence])] {
        var pending: [PendingSignature] = []
        var result: [IntentID: (intent: IntentEvidence, approvals: [ApprovalEvidence])] = [:]
        for id in read.intents.keys where !isSettled(read.events[id] ?? []) {
            guard let intent = evidence(id) else { continue }
            let approvals = try index.approvals(for: id)
            result[id] = (intent, approvals)
            pending += PendingSignature.decision(
                intent: intent.bytes, signature: intent.signature, approvals: approvals)
        }
        VerificationCache.verifyInParallel(pending)
        return result
    }

    /// Whether a counting outcome is among `events` (a guess that only
    /// decides what is verified ahead; the decision itself replays them).
    private static func isSettled(_ events: [StatusSnapshot.EventRef]) -> Bool {
        events.contains { event in
            guard event.counts, case .auditEvent(_, _, let kind)? = LedgerPath(event.path) else { return false }
            return kind == .succeeded || kind == .failed || kind == .resolved
        }
    }

    /// Under untrusted governance: the verdict when the ledger settled the
    /// intent as succeeded or failed (the trail is still true), else the
    /// same verdict blocked by the governance problem, with no approvals
    /// counted (none count while governance is untrusted).
    static func settled(_ verdict: Verdict, or untrusted: WritError) -> Verdict {
        if verdict.state == .succeeded || verdict.state == .failed { return verdict }
        return Verdict(
            state: .blocked, reason: untrusted.reason, detail: untrusted.detail, intent: verdict.intent,
            intentDigest: verdict.intentDigest, tier: verdict.tier, approvalsCounted: 0,
            approvalsRequired: verdict.approvalsRequired, counted: [], discarded: [], events: verdict.events)
    }
}

extension Verdict {
    /// The same verdict, blocked by a repo-wide problem.
    func blocked(by error: WritError) -> Verdict {
        Verdict(
            state: .blocked, reason: error.reason, detail: error.detail, intent: intent, intentDigest: intentDigest,
            tier: tier, approvalsCounted: approvalsCounted, approvalsRequired: approvalsRequired, counted: counted,
            discarded: discarded, events: events)
    }
}

/// `writ status --json`'s line for one intent.
public enum StatusLine {
    public static func encode(_ row: OpsStatus.IntentStatus) throws -> Data {
        try JSONLine.encode(row, type: "intent")
    }
}
