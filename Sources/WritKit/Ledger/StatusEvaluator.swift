import Foundation

/// Reads an ops repo and decides every intent, with the decision engine.
///
/// Work is one walk of each branch's first-parent history plus one
/// decision per intent: no per-intent history walk.
public struct StatusEvaluator {
    let ops: OpsRepo

    public init(ops: OpsRepo) {
        self.ops = ops
    }

    public func evaluate(trustRoot: ObjectID?, now: Date) throws -> OpsStatus {
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
        var violation: WritError?
        var intentIDs = Set<IntentID>()
        var events: [IntentID: [EventEvidence]] = [:]
        do {
            ledgerHead = try ops.ledgerHead()
            try LedgerWalk(ops: ops, timeline: timeline).walk(after: nil, to: ledgerHead) { read in
                if violation == nil, let problem = read.problems.first {
                    violation = WritError(.ledgerViolation, problem.detail)
                }
                for file in read.intents { intentIDs.insert(file.ledgerPath.intentID) }
                for event in read.events {
                    events[event.intent, default: []].append(
                        EventEvidence(
                            path: event.file.path, bytes: event.file.bytes ?? Data(), commit: read.id,
                            signers: read.signers,
                            counts: event.counts))
                }
            }
        } catch let error as WritError {
            let ledger = OpsStatus.Ledger(
                ok: false, reason: error.reason, detail: error.detail, commit: try? ops.ledgerHead())
            return OpsStatus(
                governance: governance, ledger: ledger, intents: [], verdicts: [:], events: [:], policy: trusted?.policy
            )
        }
        let ledger = OpsStatus.Ledger(
            ok: violation == nil, reason: violation?.reason, detail: violation?.detail ?? "append-only",
            commit: ledgerHead)
        let headTree = try ops.repository.commit(ledgerHead).tree
        var evidence: [IntentID: IntentEvidence] = [:]
        for id in intentIDs {
            let path = LedgerPath.intent(id).path
            guard let bytes = try? ops.repository.blob(at: path, inTree: headTree, limit: RecordBytes.maximumSize)
            else { continue }
            let signature = try? ops.repository.blob(
                at: LedgerPath.intentSignature(id).path, inTree: headTree, limit: RecordBytes.maximumSize)
            evidence[id] = IntentEvidence(path: path, bytes: bytes, signature: signature)
        }

        // 3. One decision per intent.
        var intents: [OpsStatus.IntentStatus] = []
        var verdicts: [IntentID: Verdict] = [:]
        let index = try (trusted ?? lastTrusted).map { _ in
            try ApprovalIndex(repository: ops.repository, head: governance.commit ?? ops.governanceHead())
        }
        // The approvals read ahead are the ones decided on: each folder is read once.
        var readAhead = try index.map { try Self.verifyAhead(evidence, events: events, index: $0) } ?? [:]
        func approvals(_ id: IntentID, _ index: ApprovalIndex) throws -> [ApprovalEvidence] {
            if let read = readAhead.removeValue(forKey: id) { return read }
            return try index.approvals(for: id)
        }
        for id in evidence.keys.sorted() {
            guard let evidence = evidence[id] else { continue }
            guard let trusted, let index else {
                let untrusted = WritError(governance.reason ?? .policyUnapproved, governance.detail)
                let settled = try lastTrusted.flatMap { state -> Verdict? in
                    guard let index else { return nil }
                    return try Self.settled(
                        DecisionEngine.decide(
                            governance: state, intent: evidence, approvals: try approvals(id, index),
                            events: events[id] ?? [], now: now), or: untrusted)
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
            var verdict = DecisionEngine.decide(
                governance: trusted, intent: evidence, approvals: try approvals(id, index),
                events: events[id] ?? [], now: now)
            if verdict.state == .ready, let violation {
                verdict = verdict.blocked(by: violation)
            }
            verdicts[id] = verdict
            intents.append(
                OpsStatus.IntentStatus(
                    id: id, kind: verdict.intent?.kind, tier: verdict.tier, state: verdict.state,
                    reason: verdict.reason,
                    detail: verdict.detail, approvals: verdict.approvalsCounted, required: verdict.approvalsRequired))
        }
        return OpsStatus(
            governance: governance, ledger: ledger, intents: intents, verdicts: verdicts, events: events,
            policy: trusted?.policy)
    }

    /// Verifies, on every core, the intent and approval signatures the
    /// decisions will check: those of intents the ledger has not settled
    /// (a settled intent's decision reads no signature). Returns the
    /// approvals it read, by intent.
    static func verifyAhead(
        _ evidence: [IntentID: IntentEvidence], events: [IntentID: [EventEvidence]], index: ApprovalIndex
    ) throws -> [IntentID: [ApprovalEvidence]] {
        var pending: [PendingSignature] = []
        var read: [IntentID: [ApprovalEvidence]] = [:]
        for (id, intent) in evidence where !isSettled(events[id] ?? []) {
            let approvals = try index.approvals(for: id)
            read[id] = approvals
            pending += PendingSignature.decision(
                intent: intent.bytes, signature: intent.signature, approvals: approvals)
        }
        VerificationCache.verifyInParallel(pending)
        return read
    }

    /// Whether a counting outcome is among `events` (a guess that only
    /// decides what is verified ahead; the decision itself replays them).
    private static func isSettled(_ events: [EventEvidence]) -> Bool {
        events.contains { event in
            guard event.counts != false, case .auditEvent(_, _, let kind)? = LedgerPath(event.path) else {
                return false
            }
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
