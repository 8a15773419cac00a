import Foundation
import WritCore
import WritGit

/// Brings a dispatcher's remembered view up to the current tips, reading
/// only the commits that are new since the last poll.
///
/// Rewrite detection happens here: a tip that does not descend from the tip
/// processed last time (through any parents) is `history_rewritten`, and a
/// ledger commit that does more than add files is `ledger_violation`; both
/// stop the poll before anything is written. A governance head that
/// descends from the last tip only through a merge's second parent (an
/// operator's `git pull` on the governance branch) is no rewrite: the view
/// is taken again from where the two first-parent chains meet, and the
/// view says which tip fell off (`View.offChain`).
package struct LedgerSync {
    package let ops: OpsRepo
    let store: StateStore

    /// The trusted governance and the tips the view now reflects.
    package struct View {
        package let trusted: GovernanceState
        package let governanceTip: ObjectID
        let ledgerTip: ObjectID
        /// Intents whose events or approvals changed in this sync.
        package let touched: Set<IntentID>
        /// The `[limits]` count at `ledgerTip` under the trusted policy's
        /// limits; nil when it has none.
        var quota: ProposerQuota? = nil
        /// Set when the governance tip processed before is no longer on the
        /// head's first-parent chain (SPEC §5, "Non-linear updates").
        var offChain: OffChain? = nil
    }

    /// A governance tip this dispatcher processed that a merge (such as
    /// `git pull` on the governance branch) took off the first-parent
    /// chain: the head still descends from it, through a second parent.
    package struct OffChain: Sendable, Equatable, Encodable {
        /// The governance commit processed before, now off the chain.
        package let commit: ObjectID
        /// The governance head whose first-parent chain no longer holds it.
        package let head: ObjectID
        /// The newest commit of the head's chain on `commit`'s first-parent
        /// chain: what the remembered view was taken back to.
        let junction: ObjectID

        private enum CodingKeys: String, CodingKey { case commit, head, junction }
    }

    /// The state dir, as `dispatcher.toml` names it, for messages.
    private var stateDir: String { (store.root as NSString).deletingLastPathComponent }

    package func sync(_ state: inout DispatchState, now: Date) throws -> View {
        let repository = ops.repository
        // The dispatcher's judgment of both branches: one that is missing
        // is a contract error with its code, as for status and verify.
        let governanceTip = try GovernanceReader.head(of: ops)
        let ledgerTip = try LedgerFiles.head(of: ops)
        // Descent through any parents (SPEC §5): a tip that does not
        // descend from the one processed before is a rewrite.
        for (name, previous, tip) in [
            ("governance", state.governanceTip, governanceTip), ("ledger", state.ledgerTip, ledgerTip),
        ] {
            guard let previous else { continue }
            guard try repository.isDescendant(tip, of: previous) else {
                throw WritError(
                    .historyRewritten,
                    "the \(name) commit this dispatcher last processed, \(previous.hex), from state_dir \(stateDir), "
                        + "is not an ancestor of the \(name) tip \(tip.hex): the branch was rewritten (force-pushed "
                        + "or reset). Nothing runs until it is restored, or until, after checking the new history, "
                        + "`writ dispatch --config F --forget-view \(previous.hex.prefix(12))` forgets the remembered "
                        + "view (the journal is kept; docs/dispatch.md, \"History rewritten\")")
            }
        }

        // A state remembered before ledger positions existed judged events
        // by other rules, and one from before idempotency key bindings
        // bound none: read everything again (the journal is kept).
        if state.ledgerTip != nil, state.ledgerCursor == nil || state.keysBound != true {
            store.removeIntentRecords()
            state.governanceTip = nil
            state.ledgerTip = nil
            state.ledgerCursor = nil
            state.trustedCommit = state.trustRoot
        }
        // A walk from the ledger's start counts from nothing.
        if state.ledgerCursor == nil { state.quota = nil }

        // Did the governance chain change shape? The head descends from the
        // tip processed before; when that tip is no longer on the head's
        // first-parent chain, a merge took it off (SPEC §5, "Non-linear
        // updates"), and what was derived from the commits after the
        // junction of the two chains is taken again from the new chain.
        var offChain: OffChain?
        var oldOnly: [ObjectID] = []
        if let previous = state.governanceTip, previous != governanceTip {
            guard let meeting = try repository.firstParentJunction(previous, governanceTip) else {
                throw WritError(
                    .historyRewritten,
                    "the governance commit this dispatcher last processed, \(previous.hex), from state_dir "
                        + "\(stateDir), shares no first-parent history with the governance tip \(governanceTip.hex) "
                        + "(docs/dispatch.md, \"History rewritten\")")
            }
            if meeting.junction != previous {
                offChain = OffChain(commit: previous, head: governanceTip, junction: meeting.junction)
                oldOnly = meeting.oldOnly
            }
        }

        // Governance trust: from the last trusted commit forward; after a
        // change of shape, along the new chain from the trust root (which
        // must be on it), once.
        let trusted: GovernanceState
        var reshaped: GovernanceTimeline?
        if offChain != nil {
            let timeline = try GovernanceTimeline(
                ops: ops, trustRoot: state.trustRoot, now: now, requireTrustedHead: true)
            guard let verdict = timeline.verdict.trusted else {
                throw WritError(timeline.verdict.reason ?? .policyUnapproved, timeline.verdict.detail)
            }
            trusted = verdict
            reshaped = timeline
        } else {
            let root = state.trustRoot
            let result = try GovernanceReader(ops: ops).evaluate(
                trustRoot: state.trustedCommit, now: now,
                describe: { commit in
                    commit == root
                        ? "the trust root \(commit.hex)"
                        : "the governance commit this dispatcher last trusted, \(commit.hex), from state_dir \(stateDir),"
                })
            guard let verdict = result.verdict.trusted else {
                throw WritError(result.verdict.reason ?? .policyUnapproved, result.verdict.detail)
            }
            trusted = verdict
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
        if let offChain {
            try reattribute(after: offChain.junction, to: governanceTip, oldOnly: oldOnly, update)
        } else {
            try ApprovalAttribution.walk(repository, after: state.governanceTip, to: governanceTip) { arrival in
                try update(arrival.intent) { $0.approvals[arrival.record] = arrival.commit }
            }
        }

        // `[limits]`: the count advances with the walk below, under the
        // trusted head's limits. Counted under other limits (or never), it
        // is counted again from the ledger's start, once (docs/limits.md).
        let limits = trusted.policy.limits
        var quota = state.quota
        // Whether the walk below continues the count (false: the count
        // already reaches the ledger tip).
        var feeding = true
        if quota?.limits != limits {
            quota = limits.map { ProposerQuota(limits: $0) }
            if let limits, state.ledgerCursor != nil {
                quota = try recount(limits: limits, to: ledgerTip, trustRoot: state.trustRoot, now: now)
                feeding = false
            }
        }

        // A ledger position the new chain no longer holds resumes from
        // where its own first-parent chain joins the new chain; the ledger
        // clock is kept, so it never moves backwards.
        if let reshaped, var cursor = state.ledgerCursor, reshaped.point(cursor.position) == nil {
            var memo: [ObjectID: GovernanceTimeline.Projection] = [:]
            guard let point = try reshaped.projection(of: cursor.position, in: repository, memo: &memo) else {
                throw WritError(
                    .historyRewritten,
                    "the ledger position this dispatcher remembers, governance commit \(cursor.position.hex), from "
                        + "state_dir \(stateDir), never joins the governance head's first-parent history "
                        + "(docs/dispatch.md, \"History rewritten\")")
            }
            cursor.position = point.commit
            cursor.trusted = point.trusted.commit
            state.ledgerCursor = cursor
        }

        // New ledger commits, through the one walk: append-only check,
        // intents, and events judged under the governance trusted at each
        // commit's ledger position. The walk resumes from the remembered
        // position, so its timeline starts there and covers only what the
        // new commits can be anchored to.
        if state.ledgerTip != ledgerTip {
            let cursor = state.ledgerCursor
            let timeline: GovernanceTimeline
            if let reshaped {
                timeline = reshaped
            } else {
                let startTrusted: GovernanceState
                if let cursor, cursor.trusted == trusted.commit {
                    startTrusted = trusted
                } else {
                    startTrusted = try Self.state(at: cursor?.trusted ?? state.trustRoot, in: repository)
                }
                timeline = try GovernanceTimeline(
                    ops: ops, start: cursor?.position ?? state.trustRoot, trusted: startTrusted, head: governanceTip,
                    now: now)
            }
            state.ledgerCursor = try LedgerWalk(ops: ops, timeline: timeline).walk(
                after: cursor, to: ledgerTip, readBytes: false
            ) { read in
                if let problem = read.problems.first {
                    throw WritError(.ledgerViolation, problem.detail)
                }
                if feeding {
                    try QuotaWalk.take(read, into: &quota, repository: repository, cache: ops.verificationCache)
                }
                for file in read.intents {
                    try update(file.ledgerPath.intentID) { $0.proposed = true }
                    try bindKey(file)
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
        state.keysBound = true
        state.quota = quota
        return View(
            trusted: trusted, governanceTip: governanceTip, ledgerTip: ledgerTip, touched: touched, quota: quota,
            offChain: offChain)
    }

    /// The `[limits]` count under `limits` from the ledger's start to `tip`,
    /// through the one walk with governance trusted from the trust root:
    /// what a dispatcher does once when the trusted limits change.
    private func recount(limits: Policy.Limits, to tip: ObjectID, trustRoot: ObjectID, now: Date) throws
        -> ProposerQuota
    {
        var quota = ProposerQuota(limits: limits)
        let timeline = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false)
        try LedgerWalk(ops: ops, timeline: timeline).walk(after: nil, to: tip, readBytes: false) { read in
            try QuotaWalk.take(read, into: &quota, repository: ops.repository, cache: ops.verificationCache)
        }
        return quota
    }

    /// Attributes approval records again after the governance chain
    /// changed shape: the new chain's commits after `junction` by the
    /// usual walk, then each record that a commit now off the chain
    /// (`oldOnly`) had touched, and the new chain did not, to the newest
    /// commit at or before `junction` that brought its version in (nil
    /// when none did: the record is then in no tree of the new chain).
    /// The history before `junction` is walked only when such a record
    /// exists.
    private func reattribute(
        after junction: ObjectID, to head: ObjectID, oldOnly: [ObjectID],
        _ update: (IntentID, (inout IntentLedgerRecord) -> Void) throws -> Void
    ) throws {
        let repository = ops.repository
        var seen = Set<String>()
        try ApprovalAttribution.walk(repository, after: junction, to: head) { arrival in
            seen.insert(arrival.record)
            try update(arrival.intent) { $0.approvals[arrival.record] = arrival.commit }
        }
        var stale: [String: IntentID] = [:]
        for commit in oldOnly {
            for change in try repository.diff(from: try repository.commitParents(commit).first, to: commit) {
                guard let (intent, record) = ApprovalFolder.record(ofFile: change.path), !seen.contains(record)
                else { continue }
                stale[record] = intent
            }
        }
        guard !stale.isEmpty else { return }
        var before: [String: ObjectID] = [:]
        try ApprovalAttribution.walk(repository, after: nil, to: junction) { arrival in
            if stale[arrival.record] != nil { before[arrival.record] = arrival.commit }
        }
        for (record, intent) in stale.sorted(by: { $0.key < $1.key }) {
            try update(intent) { $0.approvals[record] = before[record] }
        }
    }

    /// Binds the idempotency key of an intent file the walk found, in
    /// ledger order (`IdempotencyKeys`); a signature file or a file that is
    /// no intent binds nothing. An intent whose bytes cannot be read
    /// throws: skipping it would leave its key free for a later intent.
    private func bindKey(_ file: LedgerAddition) throws {
        guard case .intent = file.ledgerPath else { return }
        let bytes = try file.bytes ?? ops.repository.blob(file.blob, limit: RecordBytes.maximumSize)
        guard let (key, binding) = IdempotencyKeys.candidate(fileBytes: bytes, path: file.path) else { return }
        try store.bindKey(key, binding)
    }

    /// Whether the intent has a `succeeded` or `failed` event that counts.
    func hasFinalOutcome(_ id: IntentID, in view: View) throws -> Bool {
        try !countingOutcomes(id, in: view).isEmpty
    }

    /// Whether the intent's last counting outcome is `failed`.
    func lastOutcomeFailed(_ id: IntentID, in view: View) throws -> Bool {
        try countingOutcomes(id, in: view).last?.event.kind == .failed
    }

    /// The intent's `succeeded` and `failed` events that count, in sequence
    /// order, read by the one reader every other reader uses
    /// (`EventAuthority.counting`, the strict `AuditEvent.parse`): what the
    /// ledger walk judged entitled, and what parses. Only outcome files are
    /// read (their kind is in their path), which keeps the first poll over a
    /// long history cheap; an outcome `writ status` and `writ verify` refuse
    /// to parse settles nothing here either.
    private func countingOutcomes(_ id: IntentID, in view: View) throws -> [CountingEvent] {
        let repository = ops.repository
        let outcomes = try store.loadIntent(id).events.filter { event in
            guard event.counts == true, case .auditEvent(_, _, let kind)? = LedgerPath(event.path) else { return false }
            return kind == .succeeded || kind == .failed
        }
        guard !outcomes.isEmpty else { return [] }
        let ledgerTree = try repository.commitTree(view.ledgerTip)
        // An outcome that cannot be read throws rather than reading as none.
        let evidence = try outcomes.compactMap { event -> EventEvidence? in
            guard let bytes = try repository.blob(at: event.path, inTree: ledgerTree, limit: RecordBytes.maximumSize)
            else { return nil }
            return EventEvidence(
                path: event.path, bytes: bytes, commit: event.commit, signers: Set(event.signers), counts: true)
        }
        return EventAuthority.counting(evidence, id: id, tier: nil, policy: view.trusted.policy).counting
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
    package func evidence(for id: IntentID, in view: View) throws
        -> (intent: IntentEvidence, approvals: [ApprovalEvidence], events: [EventEvidence])?
    {
        let repository = ops.repository
        let ledgerTree = try repository.commitTree(view.ledgerTip)
        let governanceTree = try repository.commitTree(view.governanceTip)
        // Absent is nil; a file that cannot be read throws and stops the
        // poll. Read as absent, an unreadable `claimed` event would make
        // a claimed intent look ready to run again.
        guard
            let bytes = try repository.blob(
                at: LedgerPath.intent(id).path, inTree: ledgerTree, limit: RecordBytes.maximumSize)
        else { return nil }
        let signature = try repository.blob(
            at: LedgerPath.intentSignature(id).path, inTree: ledgerTree, limit: RecordBytes.maximumSize)
        let record = try store.loadIntent(id)
        // The one folder reader status and verify use, with the remembered
        // attributions; the sync walked every governance commit, so a
        // record it did not see cannot be in the folder.
        let approvals = try ApprovalFolder.read(
            id, inTree: governanceTree, repository: repository, introducedBy: { record.approvals[$0] },
            fallback: view.governanceTip)
        let events = try record.events.compactMap { event -> EventEvidence? in
            guard let bytes = try repository.blob(at: event.path, inTree: ledgerTree, limit: RecordBytes.maximumSize)
            else { return nil }
            return EventEvidence(
                path: event.path, bytes: bytes, commit: event.commit, signers: Set(event.signers),
                counts: event.counts == true)
        }
        return (IntentEvidence(path: LedgerPath.intent(id).path, bytes: bytes, signature: signature), approvals, events)
    }
}
