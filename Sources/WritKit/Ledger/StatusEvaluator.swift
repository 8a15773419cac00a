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
        let governance: OpsStatus.Governance
        let governanceHead = try? ops.governanceHead()
        do {
            guard let trustRoot else {
                throw WritError(.trustRootMissing, "no trust root given (--trust or trust_root in the config)")
            }
            let walked = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false)
            let verdict = walked.verdict
            trusted = verdict.trusted
            // Events count only while the head is trusted: nothing runs otherwise.
            timeline = trusted == nil ? nil : walked
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
            return OpsStatus(governance: governance, ledger: ledger, intents: [], verdicts: [:], events: [:])
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
        let index = try trusted.map { _ in
            try ApprovalIndex(repository: ops.repository, head: governance.commit ?? ops.governanceHead())
        }
        for id in evidence.keys.sorted() {
            guard let evidence = evidence[id] else { continue }
            guard let trusted, let index else {
                let intent = try? Intent.parse(evidence.bytes, expectedPath: evidence.path)
                intents.append(
                    OpsStatus.IntentStatus(
                        id: id, kind: intent?.kind, tier: nil, state: .blocked,
                        reason: governance.reason ?? .policyUnapproved, detail: governance.detail, approvals: 0,
                        required: 0))
                continue
            }
            var verdict = DecisionEngine.decide(
                governance: trusted, intent: evidence, approvals: try index.approvals(for: id),
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
        return OpsStatus(governance: governance, ledger: ledger, intents: intents, verdicts: verdicts, events: events)
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
