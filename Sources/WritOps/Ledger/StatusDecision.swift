import Foundation
import WritCore
import WritGit

/// Everything `StatusEvaluator` decides one intent from, shared read-only
/// by the workers that decide intents side by side; each worker reads the
/// object store through a repository of its own.
struct DecisionInputs: Sendable {
    package let files: LedgerFiles
    /// The ledger head's tree when the history broke the append-only rule
    /// (intents are then read as the head holds them), else nil.
    let headTree: ObjectID?
    package let trusted: GovernanceState?
    /// The last governance trusted on the chain: it settles intents while
    /// the head is untrusted, it never readies one.
    let lastTrusted: GovernanceState?
    package let governance: OpsStatus.Governance
    let violation: WritError?
    package let now: Date
    /// Without a snapshot every row, verdict and event is kept.
    let keepEverything: Bool
    package let approvals: ApprovalIndex.Shape?
    /// The state trusted at each governance commit of the timeline: a
    /// claim's anchor gives what its tier required then.
    let anchored: [ObjectID: GovernanceState]
    /// The run's verification cache (the ops repo's): signatures every
    /// worker already found valid are not computed again.
    package let cache: VerificationCache?
    /// The approval branches, whose records an open intent shows as
    /// signed but not merged (`BranchApprovals`).
    package var branches: ApprovalBranches = .none

    /// One intent decided: what the evaluation keeps of it.
    package struct Decision: Sendable {
        package let row: OpsStatus.IntentStatus
        package let verdict: Verdict?
        /// The intent's events, when everything is kept.
        package let events: [EventEvidence]
        /// The row's JSON line, when the row can no longer change and is
        /// stored rather than kept.
        let stableLine: Data?
    }

    /// Decides `id`, reading through `repository`; nil when the intent
    /// file cannot be read.
    func decide(_ id: IntentID, in repository: Repository) throws -> Decision? {
        guard let evidence = try evidence(id, in: repository) else { return nil }
        let events = try files.events(of: id).map { try $0.evidence(in: repository) }
        let kept = keepEverything ? events : []
        let index = approvals.map { ApprovalIndex(repository: repository, shape: $0) }
        guard let trusted, let index else {
            let untrusted = WritError(governance.reason ?? .policyUnapproved, governance.detail)
            let settled = try lastTrusted.flatMap { state -> Verdict? in
                guard let index else { return nil }
                return try StatusEvaluator.settled(
                    DecisionEngine.decide(
                        governance: state, intent: evidence, approvals: try index.approvals(for: id),
                        events: events, now: now, cache: cache), or: untrusted)
            }
            let intent = try? Intent.parse(evidence.bytes, expectedPath: evidence.path)
            guard let settled else {
                let row = OpsStatus.IntentStatus(
                    id: id, kind: intent?.kind, tier: nil, state: .blocked, reason: untrusted.reason,
                    detail: untrusted.detail, approvals: 0, required: 0)
                return Decision(row: row, verdict: nil, events: kept, stableLine: nil)
            }
            // What ran is shown with the approvals its claim counted.
            let atClaim = try ClaimApprovals.counts(
                settled, repository: repository, governance: { anchored[$0] }, fallback: lastTrusted)
            var row = OpsStatus.IntentStatus(
                id: id, kind: intent?.kind, tier: settled.tier, state: settled.state, reason: settled.reason,
                detail: settled.detail, approvals: atClaim?.counted ?? 0, required: atClaim?.required ?? 0)
            row.breakGlass = settled.breakGlass.map(BreakGlassStatus.init)
            return Decision(row: row, verdict: settled, events: kept, stableLine: nil)
        }
        let intentApprovals = try index.approvals(for: id)
        var verdict = DecisionEngine.decide(
            governance: trusted, intent: evidence, approvals: intentApprovals, events: events, now: now,
            cache: cache, quota: files.quota?.finding(for: id))
        if verdict.state == .ready, let violation {
            verdict = verdict.blocked(by: violation)
        }
        // A claimed or settled intent counts the approvals its claim
        // relied on, not today's tally (a key rotated since would make
        // that "0 of 1"); a ready one a dispatcher would not run says why.
        let atClaim = try ClaimApprovals.counts(
            verdict, repository: repository, governance: { anchored[$0] }, fallback: trusted)
        var row = OpsStatus.IntentStatus(
            id: id, kind: verdict.intent?.kind, tier: verdict.tier, state: verdict.state, reason: verdict.reason,
            detail: DispatchBlock.of(verdict)?.sentence ?? verdict.detail,
            approvals: atClaim?.counted ?? verdict.approvalsCounted,
            required: atClaim?.required ?? verdict.approvalsRequired)
        row.breakGlass = verdict.breakGlass.map(BreakGlassStatus.init)
        // Only an open intent reads its branch: a settled row never shows
        // one, so a warm status reads a few references, not one per intent.
        if verdict.state == .blocked {
            let records = try branches.records(of: id, in: repository)
            if !records.isEmpty {
                row.approvalBranch = DecisionEngine.projectMerge(
                    id, governance: trusted, intent: evidence, merged: intentApprovals, branch: records,
                    events: events, now: now)
            }
        }
        // A row only new history could change leaves the decided set.
        if !keepEverything, verdict.state == .succeeded || verdict.state == .failed, intentApprovals.isEmpty {
            return Decision(row: row, verdict: nil, events: [], stableLine: try StatusLine.encode(row))
        }
        return Decision(row: row, verdict: verdict, events: kept, stableLine: nil)
    }

    /// The intent file and signature of `id`; nil when there is no intent
    /// file. A file the ledger holds that cannot be read throws: an
    /// unreadable signature is never shown as a missing one
    /// (`intent_signature_invalid`).
    private func evidence(_ id: IntentID, in repository: Repository) throws -> IntentEvidence? {
        let path = LedgerPath.intent(id).path
        let limit = RecordBytes.maximumSize
        if let headTree {
            guard let bytes = try repository.recordIfPresent(at: path, inTree: headTree) else { return nil }
            let signature = try repository.recordIfPresent(at: LedgerPath.intentSignature(id).path, inTree: headTree)
            return IntentEvidence(path: path, bytes: bytes, signature: signature)
        }
        guard let blobs = files.files(of: id), let blob = blobs.intent else { return nil }
        let bytes = try repository.blob(blob, limit: limit)
        let signature = try blobs.signature.map { try repository.blob($0, limit: limit) }
        return IntentEvidence(path: path, bytes: bytes, signature: signature)
    }
}
