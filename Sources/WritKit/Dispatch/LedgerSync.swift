import Foundation

/// Brings a dispatcher's remembered view up to the current tips, reading
/// only the commits that are new since the last poll.
///
/// Rewrite detection happens here: a tip that does not descend from the tip
/// processed last time is `history_rewritten`, and an ledger commit that
/// does more than add files is `ledger_violation`; both stop the poll
/// before anything is written.
struct LedgerSync {
    let ops: OpsRepo
    let store: StateStore

    /// The trusted governance and the tips the view now reflects.
    struct View {
        let trusted: GovernanceState
        let governanceTip: ObjectID
        let ledgerTip: ObjectID
        /// Intents whose events or approvals changed in this sync.
        let touched: Set<IntentID>
    }

    func sync(_ state: inout DispatchState, now: Date) throws -> View {
        let repository = ops.repository
        let governanceTip = try ops.governanceHead()
        let ledgerTip = try ops.ledgerHead()
        for (name, previous, tip) in [
            ("governance", state.governanceTip, governanceTip), ("ledger", state.ledgerTip, ledgerTip),
        ] {
            guard let previous else { continue }
            guard try repository.isDescendant(tip, of: previous) else {
                throw WritError(
                    .historyRewritten,
                    "the \(name) branch tip \(tip.hex) does not descend from \(previous.hex), processed before")
            }
        }

        // A state remembered before ledger positions existed judged events
        // by other rules: read everything again (the journal is kept).
        if state.ledgerTip != nil, state.ledgerCursor == nil {
            store.removeIntentRecords()
            state.governanceTip = nil
            state.ledgerTip = nil
            state.trustedCommit = state.trustRoot
        }

        // Governance trust, from the last trusted commit forward.
        let result = try GovernanceReader(ops: ops).evaluate(trustRoot: state.trustedCommit, now: now)
        guard let trusted = result.verdict.trusted else {
            throw WritError(result.verdict.reason ?? .policyUnapproved, result.verdict.detail)
        }

        // Records change through the store, which holds them until the
        // state is saved, or writes a batch out when many wait
        // (`PendingIntentRecords`): a long history read for the first time
        // holds a batch in memory, not the history.
        var touched = Set<IntentID>()
        func update(_ id: IntentID, _ change: (inout IntentLedgerRecord) -> Void) throws {
            var entry = try store.loadIntent(id)
            change(&entry)
            try store.save(entry, for: id)
            if entry.proposed { state.pending.insert(id) }
            touched.insert(id)
        }

        // New governance commits: which approval record versions arrived
        // where, by the one attribution rule status and verify use.
        try ApprovalAttribution.walk(repository, after: state.governanceTip, to: governanceTip) { arrival in
            try update(arrival.intent) { $0.approvals[arrival.record] = arrival.commit }
        }

        // New ledger commits, through the one walk: append-only check,
        // intents, and events judged under the governance trusted at each
        // commit's ledger position. The walk resumes from the remembered
        // position, so its timeline starts there and covers only what the
        // new commits can be anchored to.
        if state.ledgerTip != ledgerTip {
            let cursor = state.ledgerCursor
            let startTrusted: GovernanceState
            if let cursor, cursor.trusted == trusted.commit {
                startTrusted = trusted
            } else {
                startTrusted = try Self.state(at: cursor?.trusted ?? state.trustRoot, in: repository)
            }
            let timeline = try GovernanceTimeline(
                ops: ops, start: cursor?.position ?? state.trustRoot, trusted: startTrusted, head: governanceTip,
                now: now)
            state.ledgerCursor = try LedgerWalk(ops: ops, timeline: timeline).walk(
                after: cursor, to: ledgerTip, readBytes: false
            ) { read in
                if let problem = read.problems.first {
                    throw WritError(.ledgerViolation, problem.detail)
                }
                for file in read.intents {
                    try update(file.ledgerPath.intentID) { $0.proposed = true }
                }
                for event in read.events {
                    try update(event.intent) { entry in
                        guard !entry.events.contains(where: { $0.path == event.file.path }) else { return }
                        entry.events.append(
                            .init(
                                path: event.file.path, commit: read.id, signers: read.signers.sorted(),
                                counts: event.counts))
                    }
                }
            }
        }

        state.governanceTip = governanceTip
        state.ledgerTip = ledgerTip
        state.trustedCommit = governanceTip
        return View(trusted: trusted, governanceTip: governanceTip, ledgerTip: ledgerTip, touched: touched)
    }

    /// Whether the intent's remembered events include a `succeeded` or
    /// `failed` event that counts, as the ledger walk judged it (the event
    /// kind is part of its path, so nothing is parsed). `policy` is kept for
    /// callers; what counts was decided under each commit's own position.
    func hasFinalOutcome(_ id: IntentID, policy: Policy) throws -> Bool {
        try store.loadIntent(id).events.contains { event in
            guard case .auditEvent(_, _, let kind)? = LedgerPath(event.path), kind == .succeeded || kind == .failed
            else { return false }
            return event.counts == true
        }
    }

    /// Whether the intent's last counting outcome is `failed`.
    func lastOutcomeFailed(_ id: IntentID) throws -> Bool {
        let outcomes = try store.loadIntent(id).events.compactMap { event -> (Int, AuditEventKind)? in
            guard event.counts == true, case .auditEvent(_, let sequence, let kind)? = LedgerPath(event.path),
                kind == .succeeded || kind == .failed
            else { return nil }
            return (sequence, kind)
        }
        return outcomes.max { $0.0 < $1.0 }?.1 == .failed
    }

    /// The governance state in `commit`'s own files.
    private static func state(at commit: ObjectID, in repository: Repository) throws -> GovernanceState {
        let tree = try repository.commitTree(commit)
        guard
            let policy = try repository.blob(
                at: GovernancePath.policy.path, inTree: tree, limit: RecordBytes.maximumSize),
            let signers = try repository.blob(
                at: GovernancePath.allowedSigners.path, inTree: tree, limit: GovernanceState.maximumSignersSize)
        else {
            throw WritError(.policyMalformed, "governance commit \(commit.hex) lacks policy.toml or allowed_signers")
        }
        return try GovernanceState(commit: commit, policyBytes: policy, signersBytes: signers)
    }

    /// The evidence for one intent at the view's tips, for the decision engine.
    func evidence(for id: IntentID, in view: View) throws
        -> (intent: IntentEvidence, approvals: [ApprovalEvidence], events: [EventEvidence])?
    {
        let repository = ops.repository
        let ledgerTree = try repository.commitTree(view.ledgerTip)
        let governanceTree = try repository.commitTree(view.governanceTip)
        guard
            let bytes = try? repository.blob(
                at: LedgerPath.intent(id).path, inTree: ledgerTree, limit: RecordBytes.maximumSize)
        else { return nil }
        let signature = try? repository.blob(
            at: LedgerPath.intentSignature(id).path, inTree: ledgerTree, limit: RecordBytes.maximumSize)
        let record = try store.loadIntent(id)
        // The one folder reader status and verify use, with the remembered
        // attributions; the sync walked every governance commit, so a
        // record it did not see cannot be in the folder.
        let approvals = try ApprovalFolder.read(
            id, inTree: governanceTree, repository: repository, introducedBy: { record.approvals[$0] },
            fallback: view.governanceTip)
        let events = record.events.compactMap { event -> EventEvidence? in
            guard let bytes = try? repository.blob(at: event.path, inTree: ledgerTree, limit: RecordBytes.maximumSize)
            else { return nil }
            return EventEvidence(
                path: event.path, bytes: bytes, commit: event.commit, signers: Set(event.signers),
                counts: event.counts == true)
        }
        return (IntentEvidence(path: LedgerPath.intent(id).path, bytes: bytes, signature: signature), approvals, events)
    }
}
