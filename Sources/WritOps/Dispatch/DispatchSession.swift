import Foundation
import Logging
import WritCore

/// The work of one poll, intent by intent: decides each intent in play and
/// acts on what the decision says — runs a ready one, reopens one in doubt
/// or failed when its executor allows, settles or puts in doubt a claim
/// without an outcome, reports a blocked one. The parts it drives each keep
/// one concern: `PollLedger` (the view and every ledger write),
/// `ClaimPublisher` (claims), `ExecutionScheduler` (when executors run),
/// `OutcomeRecovery` (outcomes earlier polls left), `RunRecorder` (the
/// report and `blocked` events), and beside the transport `ForgeWriteRunner`
/// and `ApprovalPRTracker`.
///
/// Invariant (at most once, SPEC §5): an executor starts only after its
/// claim is journalled and durable on the ledger, and an outcome is
/// journalled before it is published.
struct DispatchSession {
    package let dispatcher: Dispatcher
    let store: StateStore
    package var ledger: PollLedger
    package var claims: ClaimPublisher
    let scheduler: ExecutionScheduler<FinishedRun>
    let recovery: OutcomeRecovery
    var recorder: RunRecorder
    var forgeToken: ForgeToken
    /// Medium and high intents waiting for approval, for the approval PRs.
    var awaitingApproval: [ApprovalNotifier.Waiting] = []

    package var config: DispatcherConfig { dispatcher.config }
    package var now: Date { dispatcher.clock() }
    package var runID: String { ledger.runID }

    init(
        dispatcher: Dispatcher, store: StateStore, sync: LedgerSync, publisher: LedgerPublisher,
        signer: SigningIdentity, lock: ProfileLock, state: DispatchState, runID: String, view: LedgerSync.View
    ) {
        let config = dispatcher.config
        self.dispatcher = dispatcher
        self.store = store
        ledger = PollLedger(
            sync: sync, publisher: publisher, lock: lock, runID: runID, logger: dispatcher.logger,
            clock: dispatcher.clock, state: state, view: view)
        claims = ClaimPublisher(store: store, signer: signer, identity: config.identity, logger: dispatcher.logger)
        scheduler = ExecutionScheduler(
            maxParallel: config.maxParallel,
            renewalInterval: ExecutionScheduler<FinishedRun>.renewalInterval(lockTTLSeconds: config.lockTTLSeconds),
            dryRun: dispatcher.dryRun)
        recovery = OutcomeRecovery(store: store)
        recorder = RunRecorder(
            runID: runID, identity: config.identity, dryRun: dispatcher.dryRun, logger: dispatcher.logger)
        forgeToken = ForgeToken(
            secretName: config.transport.tokenSecret, environment: dispatcher.environment, envFile: config.envFile)
    }

    // MARK: The steps of a poll (`Dispatcher.poll`).

    mutating func flushOutbox() throws { try recovery.flushOutbox(on: &ledger) }

    /// Publishes, in one commit, the outcomes of the executors that have
    /// finished, without waiting.
    mutating func publishFinished() throws {
        let scheduler = self.scheduler
        try scheduler.publishFinished { try publishOutcomes($0) }
    }

    mutating func publishHeld() throws { try ledger.publishHeld() }

    /// Waits for every running executor and publishes its outcome.
    mutating func drainRunning() throws {
        let (scheduler, lock, clock) = (self.scheduler, ledger.lock, dispatcher.clock)
        try scheduler.drain(publish: { try publishOutcomes($0) }, renew: { try lock.renew(now: clock()) })
    }

    /// After a failure: waits for every running executor without publishing
    /// anything more (see `ExecutionScheduler.abandon`).
    func abandonRunning() {
        let lock = ledger.lock
        // A lock taken over is left alone (renew never writes another's lock).
        scheduler.abandon { try? lock.renew(now: now) }
    }

    mutating func publishBlocked() throws { try recorder.publishBlocked(on: &ledger) }

    /// The approval PRs (`ApprovalPRTracker`), in live mode and never in a dry run.
    mutating func notifyApprovals() throws {
        guard !dispatcher.dryRun else { return }
        let tracker = ApprovalPRTracker(
            transport: config.transport, governanceRef: config.governanceRef, remote: config.remote,
            statePath: store.root + "/approval-prs.json", logger: dispatcher.logger)
        try tracker.notify(awaitingApproval, ledger: ledger) { forgeToken.value() }
    }

    // MARK: Deciding an intent.

    mutating func act(on id: IntentID) throws {
        let sync = ledger.sync
        // Succeeded and failed are final (docs/decisions.md): an intent with
        // an outcome written by an entitled dispatcher never needs deciding
        // again, which keeps the first poll over a long history cheap.
        // A built-in's failed remote write is retried through its adopt
        // flow (SPEC §7), so with built-ins configured a failed intent is
        // decided again; a success is always final.
        if try sync.hasFinalOutcome(id, in: ledger.view) {
            guard config.hasBuiltins, try sync.lastOutcomeFailed(id, in: ledger.view) else {
                ledger.state.pending.remove(id)
                return
            }
        }
        guard let evidence = try ledger.evidence(for: id) else {
            ledger.state.pending.remove(id)
            return
        }
        let verdict = ledger.decide(evidence)
        let executor = verdict.intent.flatMap { config.executors[$0.kind] }
        switch verdict.state {
        case .succeeded, .withdrawn:
            // A withdrawn intent never runs: it leaves play like a success.
            ledger.state.pending.remove(id)
        case .failed:
            guard executor?.builtin != nil else {
                ledger.state.pending.remove(id)
                return
            }
            let reopened = ledger.decide(
                evidence,
                events: evidence.events.filter { !Self.isClaimOrDoubt($0) && !$0.path.hasSuffix("-failed.json") })
            try reopen(id, verdict: verdict, reopened: reopened)
        case .inDoubt:
            guard executor?.idempotent == true else {
                ledger.state.pending.remove(id)
                return
            }
            // An idempotent executor may run again: decide as if the claim
            // and its doubt were not there.
            try reopen(
                id, verdict: verdict,
                reopened: ledger.decide(evidence, events: evidence.events.filter { !Self.isClaimOrDoubt($0) }))
        case .claimed:
            if !dispatcher.dryRun, try recovery.recover(id, verdict: verdict, on: &ledger) {
                // Settled now: decided again on the view that holds it.
                try act(on: id)
                return
            }
            try checkLease(id, verdict: verdict, executor: executor)
        case .blocked:
            if verdict.reason == .notApproved, let tier = verdict.tier, tier != .low, let intent = verdict.intent {
                var waiting = ApprovalNotifier.Waiting(
                    id: id, intent: intent, tier: tier, digest: verdict.intentDigest, counted: verdict.counted,
                    required: verdict.approvalsRequired, roles: ledger.view.trusted.policy.tiers[tier]?.roles ?? [],
                    evidence: evidence)
                waiting.tierCounted = verdict.approvalsCounted
                waiting.groups = verdict.groupTallies
                awaitingApproval.append(waiting)
            }
            // A remote write's own gates come before the intent's gates and
            // approvals (SPEC §7): transport off is said first.
            if let refusal = transportRefusal(verdict: verdict, executor: executor) {
                noteBlocked(id, verdict: verdict, reason: refusal.reason, detail: refusal.detail)
            } else {
                noteBlocked(id, verdict: verdict, reason: verdict.reason ?? .notApproved, detail: verdict.detail)
            }
        case .ready:
            try runReady(id, verdict: verdict, rerun: false, numberAfter: verdict.events.last?.sequence ?? 0)
        }
    }

    /// A failed or in-doubt intent decided again without the events that
    /// closed it (`reopened`): run when ready, reported when blocked.
    private mutating func reopen(_ id: IntentID, verdict: Verdict, reopened: Verdict) throws {
        if reopened.state == .ready {
            try runReady(id, verdict: reopened, rerun: true, numberAfter: verdict.events.last?.sequence ?? 0)
        } else if reopened.state == .blocked {
            noteBlocked(id, verdict: verdict, reason: reopened.reason ?? .notApproved, detail: reopened.detail)
        }
    }

    // MARK: Ready: journal, claim, run, record.

    /// `numberAfter`: the highest sequence number among the intent's
    /// counting events, which new events are numbered after.
    private mutating func runReady(_ id: IntentID, verdict: Verdict, rerun: Bool, numberAfter: Int) throws {
        guard let intent = verdict.intent, let tier = verdict.tier else { return }
        // A key belongs to the first intent that used it (SPEC §7): a later
        // intent reusing it never runs, so it cannot reach what the first
        // one wrote.
        let key = intent.effectiveIdempotencyKey
        if let refusal = IdempotencyKeys.refusal(
            key: key, intent: id, digest: verdict.intentDigest, bound: try store.keyBinding(key))
        {
            noteBlocked(id, verdict: verdict, reason: refusal.reason, detail: refusal.detail)
            return
        }
        if let operation = config.executors[intent.kind]?.builtin {
            try ledger.publishHeld()
            try runBuiltin(
                id, operation: operation, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter)
            return
        }
        let planned = ExecutorPreflight.plan(
            intent: intent, tier: tier, executor: config.executors[intent.kind], cloneRoot: config.cloneRoot,
            environment: dispatcher.environment, defaultWorkdir: config.stateDir)
        let plan: ExecutionPlan
        switch planned {
        case .failure(let error):
            noteBlocked(id, verdict: verdict, reason: error.reason, detail: error.detail)
            return
        case .success(let success):
            plan = success
        }
        if dispatcher.dryRun {
            recorder.record(.init(id: id, tier: tier, result: .ready, reason: nil, durationMs: nil))
            return
        }
        if !rerun, let claim = try claims.blockingClaim(id, events: verdict.events, in: ledger.ops) {
            noteBlocked(
                id, verdict: verdict, reason: .alreadyExecuted,
                detail: "this dispatcher claimed \(id) in ledger commit \(claim.commit.hex) (\(claim.runID)); "
                    + (claim.published ? "" : "the claim reached the ledger; ")
                    + "it never runs an intent again unless an entitled resolved(retry) follows that claim on the ledger"
            )
            return
        }
        // With executors side by side, a slot is free before the claim is
        // made, so a claim is never left waiting for its executor to start.
        if scheduler.isParallel {
            let (scheduler, lock, clock) = (self.scheduler, ledger.lock, dispatcher.clock)
            try scheduler.waitForSlot(publish: { try publishOutcomes($0) }, renew: { try lock.renew(now: clock()) })
        }
        // Lost the race (nil): another dispatcher owns the intent now.
        guard let claimed = try claim(id, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter)
        else {
            try ledger.publishHeld()
            return
        }
        // The claim is journalled and durable: only now does the executor start.
        let run = ClaimedRun(
            id: id, tier: tier, intentDigest: verdict.intentDigest, actor: config.identity, plan: plan,
            runID: runID, claimCommit: claimed.commit, store: store, claimedSequence: claimed.sequence,
            idempotent: config.executors[intent.kind]?.idempotent ?? false, clock: dispatcher.clock)
        if scheduler.isParallel {
            scheduler.start { run.execute() }
        } else {
            let finished = run.execute()
            guard case .success(let executed) = finished.outcome else {
                // No outcome in the journal: publishing says why and stops the poll.
                try publishOutcomes([finished])
                return
            }
            try ledger.publishHeld()
            ledger.heldOutcome = (run, executed)
            recorder.record(
                .init(
                    id: run.id, tier: run.tier, result: executed.exitCode == 0 ? .succeeded : .failed, reason: nil,
                    durationMs: executed.durationMs))
        }
    }

    /// `ClaimPublisher.claim`, an intent in doubt reopening when its
    /// executor is idempotent.
    package mutating func claim(_ id: IntentID, verdict: Verdict, intent: Intent, tier: Tier, numberAfter: Int) throws
        -> (commit: ObjectID, sequence: Int)?
    {
        try claims.claim(
            id, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter,
            reopensInDoubt: config.executors[intent.kind]?.idempotent ?? false, on: &ledger)
    }

    /// Publishes the outcomes of finished runs (each already durable in its
    /// journal) in one ledger commit, renews the lock and reports the
    /// intents. Every ledger write happens here, on the poll's thread. A run
    /// whose outcome could not be recorded stops the poll; the others wait
    /// in their journals for the next poll.
    private mutating func publishOutcomes(_ batch: [FinishedRun]) throws {
        guard !batch.isEmpty else { return }
        let executed = try batch.map { try $0.outcome.get() }
        let events = executed.map(\.event)
        let message =
            events.count == 1
            ? "writ: \(events[0].kind.rawValue) \(batch[0].run.id) (\(runID))\n"
            : "writ: outcomes of \(events.count) intents (\(runID))\n"
        try ledger.publish(
            events, message: message,
            after: Dictionary(batch.map { ($0.run.id, $0.run.claimedSequence) }, uniquingKeysWith: max),
            extendingOwnTip: true)
        // Renewed only once the outcome is safe: a lock taken over while the
        // executor ran stops the poll here, never loses the outcome.
        try ledger.lock.renew(now: now)
        for (finished, outcome) in zip(batch, executed) {
            let run = finished.run
            if !run.idempotent { ledger.state.pending.remove(run.id) }
            recorder.record(
                .init(
                    id: run.id, tier: run.tier, result: outcome.exitCode == 0 ? .succeeded : .failed, reason: nil,
                    durationMs: outcome.durationMs))
        }
    }

    // MARK: Claims without an outcome.

    private mutating func checkLease(_ id: IntentID, verdict: Verdict, executor: ExecutorConfig?) throws {
        guard let claimedAt = OutcomeRecovery.lastClaim(verdict.events)?.at else { return }
        guard claimedAt.adding(seconds: config.claimLeaseSeconds) <= Timestamp(now) else { return }
        if dispatcher.dryRun {
            recorder.record(.init(id: id, tier: verdict.tier, result: .inDoubt, reason: nil, durationMs: nil))
            return
        }
        let event = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: .inDoubt(
                claimedAt: claimedAt,
                detail:
                    "claimed at \(claimedAt) with no outcome within claim_lease (\(config.claimLeaseSeconds)s); not run again"
            ))
        try ledger.publish(
            [event], message: "writ: in_doubt \(id)\n", after: OutcomeRecovery.numbering(id, after: verdict),
            extendingOwnTip: true)
        if executor?.idempotent != true { ledger.state.pending.remove(id) }
        recorder.record(.init(id: id, tier: verdict.tier, result: .inDoubt, reason: nil, durationMs: nil))
    }

    mutating func noteBlocked(_ id: IntentID, verdict: Verdict, reason: ReasonCode, detail: String) {
        let clock = dispatcher.clock
        recorder.noteBlocked(id, verdict: verdict, reason: reason, detail: detail, now: clock())
    }

    /// The events a re-opened intent is decided without: its claims and
    /// doubts, and any withdrawal. A failed or in-doubt intent has no
    /// withdrawal that counts (one after its claim is discarded), and
    /// without the claim it follows, it must not start counting.
    static func isClaimOrDoubt(_ evidence: EventEvidence) -> Bool {
        evidence.path.hasSuffix("-claimed.json") || evidence.path.hasSuffix("-in_doubt.json")
            || evidence.path.hasSuffix("-withdrawn.json")
    }
}
