import Foundation
import Logging
import WritCore
import WritSystem
import WritGit

/// One dispatcher: polls the ops repo and executes exactly the intents that
/// may run, at most once, recording every claim and outcome as signed
/// ledger commits (SPEC §4–§6).
///
/// A poll: take the profile lock; fetch; bring the remembered view up to
/// the new tips (rewrite, trust and append-only checks); then, for each
/// intent still in play, in id order, decide and act. A claim is journalled
/// in the state dir, then published durably, and only then executed.
public struct Dispatcher {
    package let config: DispatcherConfig
    /// The dispatcher's environment: the source of allowlisted variables and secrets.
    package var environment: [String: String]
    package var clock: @Sendable () -> Date
    public var dryRun = false
    /// Where the poll says what it does: one line per lock recovery, claim
    /// and intent acted on, with ids, commits and reason codes only (never
    /// executor output or a secret).
    public var logger = Logger(label: "writ.dispatch")
    /// The `writ` binary that runs each network fetch and push under the
    /// `[remote]` timeout (`RemoteAccess.helper`); nil runs them in this
    /// process, where a server that never answers cannot be abandoned.
    public var remoteHelper: String?
    /// The signatures found valid so far, kept across polls (its file is
    /// read by the first and appended to by each): the ops repo of every
    /// poll carries it, so the verifications of a poll consult it and no
    /// other.
    package let verificationCache = VerificationCache()

    public init(
        config: DispatcherConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.config = config
        self.environment = environment
        self.clock = clock
    }

    /// Runs one poll and returns its report (also written to the state dir).
    public func poll() throws -> RunReport {
        let started = clock()
        let lock = try ProfileLock.acquire(
            stateDir: config.stateDir, profile: config.profile, ttlSeconds: config.lockTTLSeconds, now: started)
        defer { lock.release() }
        if lock.acquisition.recovered, let previous = lock.acquisition.previous {
            logger.notice(
                "recovered a stale profile lock", metadata: ["pid": "\(previous.pid)", "host": "\(previous.host)"])
        }
        let runID =
            "run-\(Int(started.timeIntervalSince1970))-\(String(format: "%08x", UInt32.random(in: .min ... .max)))"
        var report = RunReport(
            runID: runID, profile: config.profile, startedAt: Timestamp(started), finishedAt: Timestamp(started),
            lock: lock.acquisition, dryRun: dryRun, intents: [])

        let ops: OpsRepo
        do {
            ops = try OpsRepo(
                path: config.opsRepo, governanceRef: config.governanceRef, ledgerRef: config.ledgerRef,
                verificationCache: verificationCache)
        } catch let error as RuntimeError {
            throw RuntimeError(error.detail, fix: "ops_repo in dispatcher.toml (\(config.opsRepo))")
        }
        if let remote = config.remoteSettings {
            ops.repository.remoteAccess = try remote.access(
                environment: environment, envFile: config.envFile, helper: remoteHelper, config: "dispatcher.toml")
        }
        let store = StateStore(stateDir: config.stateDir, profile: config.profile)
        // Signatures verified by an earlier poll are not verified again.
        let verified = URL(fileURLWithPath: store.root + "/verified")
        verificationCache.load(from: verified)
        defer { verificationCache.save(to: verified) }
        var state = try store.loadState() ?? DispatchState(trustRoot: config.trustRoot)
        if state.trustRoot != config.trustRoot {
            // A re-pinned trust root invalidates everything derived from the old one.
            store.removeIntentRecords()
            state = DispatchState(trustRoot: config.trustRoot)
        }
        let signer: SigningIdentity
        do {
            signer = try SigningIdentity(principal: config.identity, keyPath: config.signingKey)
        } catch {
            let detail = (error as? WritError)?.detail ?? (error as? RuntimeError)?.detail ?? "\(error)"
            throw RuntimeError(
                "cannot load the signing key: \(detail)", fix: "signing_key in dispatcher.toml (\(config.signingKey))")
        }
        var publisher = LedgerPublisher(ops: ops, remote: config.remote, signer: signer)
        // Claims and outcomes are written a pack per commit (docs/dispatch.md).
        let stage = dryRun ? nil : try ObjectStage(over: ops.repository)
        publisher.stage = stage
        let sync = LedgerSync(ops: ops, store: store)

        _ = try Self.remoteErrors { try publisher.refresh() }
        let view = try sync.sync(&state, now: clock())
        if let offChain = view.offChain { Self.say(offChain, to: logger) }
        // Nothing is written, not even a recovered outcome, by a dispatcher
        // whose events would not count.
        try DispatcherEntitlement.check(
            signer: signer, trusted: view.trusted, now: clock(), cache: ops.verificationCache)
        var session = Session(
            dispatcher: self, store: store, sync: sync, publisher: publisher, signer: signer, lock: lock, state: state,
            runID: runID, view: view)
        if !dryRun { try session.flushOutbox() }
        // A long read of new history is kept at once, so that a crash in
        // what follows does not cost it again. A short one is saved with
        // the rest of the poll, at its end: saving it now too would write
        // each new intent's record twice in one poll (docs/dispatch.md,
        // "Cost per intent"). Either way the state on disk never runs
        // ahead of the records it names.
        if view.touched.count >= PendingIntentRecords.limit { try store.save(session.state) }

        do {
            for id in session.state.pending.sorted() {
                // Outcomes of executors that finished meanwhile are
                // published before the next intent is decided and claimed.
                try session.publishFinished()
                try session.act(on: id)
            }
            try session.publishHeld()
            try session.drainRunning()
        } catch {
            // Never leave the poll (and release the lock) while executors
            // run: each one's outcome reaches its journal first, and the
            // next poll publishes it.
            session.abandonRunning()
            throw error
        }
        try session.publishBlocked()
        try session.notifyApprovals()
        // The poll's packs, merged into one (and with older small ones).
        if let stage, stage.packsWritten > 0 { try stage.mergeSmallPacks() }
        // Take in what this poll wrote, so the tips remembered for rewrite
        // detection include the dispatcher's own commits.
        if !dryRun { session.view = try sync.sync(&session.state, now: clock()) }
        // Packs whose commits the local ledger names now need no keep.
        stage?.releaseKept(namedBy: try? ops.repository.resolve(OpsRepo.refName(ops.ledgerRef)))
        try store.save(session.state)

        // Executors running side by side finish in any order; the report
        // lists intents in id order whatever the order they finished in.
        report.intents = config.maxParallel > 1 ? session.entries.sorted { $0.id < $1.id } : session.entries
        report.governanceOffChain = session.offChain
        report.finishedAt = Timestamp(clock())
        try StateFiles.writeJSON(report, to: store.reportPath(runID))
        let cutoff = clock().addingTimeInterval(-TimeInterval(config.reportRetentionSeconds))
        for path in store.pruneReports(before: cutoff, keeping: runID) {
            logger.warning("cannot delete an expired run report", metadata: ["path": "\(path)"])
        }
        return report
    }

    /// What `forgetView` forgot and kept.
    public struct ForgottenView: Sendable {
        /// The profile's directory in the state dir.
        public let stateDirectory: String
        public let governanceTip: ObjectID?
        public let ledgerTip: ObjectID?
        /// Intents the at-most-once journal holds lines for, all kept.
        public let journalledIntents: Int
    }

    /// The recovery from a real rewrite (docs/dispatch.md, "History
    /// rewritten"): forgets the remembered view — the tips processed last,
    /// the ledger cursor and the per-intent records derived from them — so
    /// that the next poll reads both branches again from the trust root.
    /// The at-most-once journal is kept: a claim it holds that the ledger no
    /// longer shows is never run again (`already_executed`).
    ///
    /// `commit` must name (by a prefix of 7 or more hex digits) the
    /// governance or ledger tip the view remembers, the one the
    /// `history_rewritten` message named, so the view is never forgotten
    /// by accident. Takes the profile lock like a poll.
    public func forgetView(naming commit: String) throws -> ForgottenView {
        let lock = try ProfileLock.acquire(
            stateDir: config.stateDir, profile: config.profile, ttlSeconds: config.lockTTLSeconds, now: clock())
        defer { lock.release() }
        let store = StateStore(stateDir: config.stateDir, profile: config.profile)
        guard let state = try store.loadState() else {
            throw RuntimeError(
                "state_dir \(config.stateDir) holds no remembered view for profile '\(config.profile)'",
                fix: "nothing to forget: the next poll reads the history from the trust root")
        }
        let prefix = commit.lowercased()
        let named = [state.governanceTip, state.ledgerTip].compactMap { $0 }.contains {
            prefix.count >= 7 && $0.hex.hasPrefix(prefix)
        }
        guard named else {
            let tips = [("governance", state.governanceTip), ("ledger", state.ledgerTip)]
                .compactMap { name, tip in tip.map { "\(name) \($0.hex)" } }.joined(separator: ", ")
            throw RuntimeError(
                "\(quoted: commit) is not a tip the view remembers (\(tips))",
                fix: "--forget-view takes the commit the history_rewritten message named (7 or more hex digits)")
        }
        let journal = store.root + "/journal"
        var journalled = 0
        for fanOut in (try? FileManager.default.contentsOfDirectory(atPath: journal)) ?? [] {
            journalled += ((try? FileManager.default.contentsOfDirectory(atPath: journal + "/" + fanOut)) ?? []).count
        }
        store.removeIntentRecords()
        try store.save(DispatchState(trustRoot: config.trustRoot))
        logger.warning(
            "forgot the remembered view; the at-most-once journal is kept",
            metadata: [
                "governance_tip": "\(state.governanceTip?.hex ?? "-")", "ledger_tip": "\(state.ledgerTip?.hex ?? "-")",
                "journalled_intents": "\(journalled)",
            ])
        return ForgottenView(
            stateDirectory: store.root, governanceTip: state.governanceTip, ledgerTip: state.ledgerTip,
            journalledIntents: journalled)
    }

    /// Says once, in the log, that a governance tip this dispatcher
    /// processed fell off the first-parent chain; the run report lists it
    /// too (`governance_off_chain`).
    package static func say(_ offChain: LedgerSync.OffChain, to logger: Logger) {
        let message =
            "governance commit \(offChain.commit.hex), processed before, is no longer on the first-parent chain of "
            + "the governance head \(offChain.head.hex) (a merge such as `git pull` on the governance branch); "
            + "it is still reachable, so dispatch goes on, trust walked again along the new chain from "
            + "\(offChain.junction.hex)"
        logger.warning(
            "\(message)",
            metadata: [
                "commit": "\(offChain.commit.hex)", "head": "\(offChain.head.hex)",
                "junction": "\(offChain.junction.hex)",
            ])
    }

    /// Runs `body`, turning a remote that cannot be used as configured
    /// (unknown name, unsupported URL) into a `RuntimeError` naming the setting.
    static func remoteErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RemoteUsageError {
            let detail: String
            switch error {
            case .unknownRemote(let name): detail = "the ops repo has no remote named \(quoted: name)"
            case .invalidRemoteName(let name): detail = "\(quoted: name) is not a valid remote name"
            case .invalidBranchName(let name): detail = "\(quoted: name) is not a plain branch name"
            case .unsupportedURL(let url):
                detail = "the remote URL \(quoted: url) names no supported transport or local repository"
            case .unusableURL(let url, let problem):
                detail = "the remote URL \(quoted: url) \(problem)"
            }
            throw RuntimeError(detail, fix: "remote (and governance_ref, ledger_ref) in dispatcher.toml")
        }
    }
}

/// The mutable work of one poll.
private struct Session {
    package let dispatcher: Dispatcher
    let store: StateStore
    package let sync: LedgerSync
    let publisher: LedgerPublisher
    package let signer: SigningIdentity
    package let lock: ProfileLock
    package var state: DispatchState
    package let runID: String
    var view: LedgerSync.View {
        didSet {
            ownTip = nil
            if let change = view.offChain {
                offChain.append(change)
                Dispatcher.say(change, to: dispatcher.logger)
            }
        }
    }
    /// Governance tips found off the first-parent chain during the poll,
    /// for the run report; each is found by one sync only.
    var offChain: [LedgerSync.OffChain] = []
    /// The ledger tip made by this poll's own commits, each built on the
    /// one before, starting from the view's tip: the ledger there differs
    /// from the view only by events this poll wrote itself, for intents it
    /// has finished deciding. A claim on that tip needs no new sync; any
    /// other tip (another writer's commit, or a publish that lost a race
    /// and was rebuilt on one) clears it.
    var ownTip: ObjectID?
    /// With executors run one at a time: the last run's outcome, already
    /// durable in its journal and reported, published in the commit of the
    /// next claim (one ledger commit per intent instead of two), or on its
    /// own when no claim follows (`publishHeld`).
    var heldOutcome: (run: ClaimedRun, executed: FinishedRun.Executed)?
    /// The governance commit and time of the last entitlement check that passed.
    var entitlementChecked: (governance: ObjectID, at: Date)?
    package var entries: [RunReport.Entry] = []
    /// Blocked events to publish at the end of the poll, each with the
    /// sequence number its intent's counting events reached.
    var blockedEvents: [(event: AuditEvent, after: Int)] = []
    /// Medium and high intents waiting for approval, for the approval PRs.
    var awaitingApproval: [ApprovalNotifier.Waiting] = []
    /// The forge token once read (`forgeToken()`); nil before.
    var forgeTokenCache: String??
    /// The executors running side by side (`max_parallel` > 1); nil runs
    /// each executor on the poll's thread, one at a time.
    let pool: ExecutorPool<FinishedRun>?

    package var config: DispatcherConfig { dispatcher.config }
    package var now: Date { dispatcher.clock() }

    init(
        dispatcher: Dispatcher, store: StateStore, sync: LedgerSync, publisher: LedgerPublisher,
        signer: SigningIdentity, lock: ProfileLock, state: DispatchState, runID: String, view: LedgerSync.View
    ) {
        self.dispatcher = dispatcher
        self.store = store
        self.sync = sync
        self.publisher = publisher
        self.signer = signer
        self.lock = lock
        self.state = state
        self.runID = runID
        self.view = view
        offChain = view.offChain.map { [$0] } ?? []
        pool = dispatcher.config.maxParallel > 1 && !dispatcher.dryRun ? ExecutorPool() : nil
    }

    mutating func act(on id: IntentID) throws {
        // Succeeded and failed are final (docs/decisions.md): an intent with
        // an outcome written by an entitled dispatcher never needs deciding
        // again, which keeps the first poll over a long history cheap.
        // A built-in's failed remote write is retried through its adopt
        // flow (SPEC §7), so with built-ins configured a failed intent is
        // decided again; a success is always final.
        if try sync.hasFinalOutcome(id, in: view) {
            guard config.hasBuiltins, try sync.lastOutcomeFailed(id, in: view) else {
                state.pending.remove(id)
                return
            }
        }
        guard let evidence = try sync.evidence(for: id, in: view) else {
            state.pending.remove(id)
            return
        }
        let verdict = DecisionEngine.decide(
            governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals, events: evidence.events,
            now: now, cache: sync.ops.verificationCache)
        let executor = verdict.intent.flatMap { config.executors[$0.kind] }
        switch verdict.state {
        case .succeeded:
            state.pending.remove(id)
        case .failed:
            guard executor?.builtin != nil else {
                state.pending.remove(id)
                return
            }
            let reopened = DecisionEngine.decide(
                governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals,
                events: evidence.events.filter { !Self.isClaimOrDoubt($0) && !$0.path.hasSuffix("-failed.json") },
                now: now, cache: sync.ops.verificationCache)
            if reopened.state == .ready {
                try runReady(id, verdict: reopened, rerun: true, numberAfter: verdict.events.last?.sequence ?? 0)
            } else if reopened.state == .blocked {
                noteBlocked(id, verdict: verdict, reason: reopened.reason ?? .notApproved, detail: reopened.detail)
            }
        case .inDoubt:
            guard executor?.idempotent == true else {
                state.pending.remove(id)
                return
            }
            // An idempotent executor may run again: decide as if the claim
            // and its doubt were not there.
            let reopened = DecisionEngine.decide(
                governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals,
                events: evidence.events.filter { !Self.isClaimOrDoubt($0) }, now: now,
                cache: sync.ops.verificationCache)
            if reopened.state == .ready {
                try runReady(id, verdict: reopened, rerun: true, numberAfter: verdict.events.last?.sequence ?? 0)
            } else if reopened.state == .blocked {
                noteBlocked(id, verdict: verdict, reason: reopened.reason ?? .notApproved, detail: reopened.detail)
            }
        case .claimed:
            if !dispatcher.dryRun, try recoverJournalledOutcome(id, verdict: verdict) {
                // Settled now: decided again on the view that holds it.
                try act(on: id)
                return
            }
            try checkLease(id, verdict: verdict, executor: executor)
        case .blocked:
            if verdict.reason == .notApproved, let tier = verdict.tier, tier != .low, let intent = verdict.intent {
                awaitingApproval.append(
                    .init(
                        id: id, intent: intent, tier: tier, digest: verdict.intentDigest, counted: verdict.counted,
                        required: verdict.approvalsRequired, roles: view.trusted.policy.tiers[tier]?.roles ?? [],
                        evidence: evidence))
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
            try publishHeld()
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
            record(.init(id: id, tier: tier, result: .ready, reason: nil, durationMs: nil))
            return
        }
        if !rerun, let claim = try blockingJournalClaim(id, events: verdict.events) {
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
        if let pool { try waitForSlot(pool) }
        // Lost the race (nil): another dispatcher owns the intent now.
        guard
            let claimed = try publishClaim(id, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter)
        else {
            try publishHeld()
            return
        }
        // The claim is journalled and durable: only now does the executor start.
        let run = ClaimedRun(
            id: id, tier: tier, intentDigest: verdict.intentDigest, actor: config.identity, plan: plan,
            runID: runID, claimCommit: claimed.commit, store: store, claimedSequence: claimed.sequence,
            idempotent: config.executors[intent.kind]?.idempotent ?? false, clock: dispatcher.clock)
        if let pool {
            pool.start { run.execute() }
        } else {
            let finished = run.execute()
            guard case .success(let executed) = finished.outcome else {
                // No outcome in the journal: publishing says why and stops the poll.
                try publishOutcome(finished)
                return
            }
            try publishHeld()
            heldOutcome = (run, executed)
            record(
                .init(
                    id: run.id, tier: run.tier, result: executed.exitCode == 0 ? .succeeded : .failed, reason: nil,
                    durationMs: executed.durationMs))
        }
    }

    /// Publishes the held outcome on its own, when no claim carried it.
    mutating func publishHeld() throws {
        guard let held = heldOutcome else { return }
        try noteOwnCommit(
            publisher.publish(
                [held.executed.event],
                message: "writ: \(held.executed.event.kind.rawValue) \(held.run.id) (\(runID))\n",
                anchoredAt: view.governanceTip, now: now, after: [held.run.id: held.run.claimedSequence]))
        heldPublished()
        try lock.renew(now: now)
    }

    /// The held outcome is on the ledger: the intent leaves play. (Its
    /// journal line stays; it answers a claim that is now settled.)
    private mutating func heldPublished() {
        guard let held = heldOutcome else { return }
        if !held.run.idempotent { state.pending.remove(held.run.id) }
        heldOutcome = nil
    }

    // MARK: Executors side by side (`max_parallel`).

    /// How long the poll's thread waits for an executor to finish before it
    /// renews the profile lock: a quarter of the TTL, at most 30 s, so the
    /// lock stays fresh however long the executors run.
    private var renewalInterval: Double { min(30, max(1, Double(config.lockTTLSeconds) / 4)) }

    /// Publishes the outcome of a finished run (already durable in its
    /// journal), renews the lock and reports the intent.
    private mutating func publishOutcome(_ finished: FinishedRun) throws {
        try publishOutcomes([finished])
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
        try noteOwnCommit(
            publisher.publish(
                events, message: message, anchoredAt: view.governanceTip, now: now,
                after: Dictionary(batch.map { ($0.run.id, $0.run.claimedSequence) }, uniquingKeysWith: max)))
        // Renewed only once the outcome is safe: a lock taken over while the
        // executor ran stops the poll here, never loses the outcome.
        try lock.renew(now: now)
        for (finished, outcome) in zip(batch, executed) {
            let run = finished.run
            if !run.idempotent { state.pending.remove(run.id) }
            record(
                .init(
                    id: run.id, tier: run.tier, result: outcome.exitCode == 0 ? .succeeded : .failed, reason: nil,
                    durationMs: outcome.durationMs))
        }
    }

    /// Publishes, in one commit, the outcomes of the executors that have
    /// finished, without waiting.
    mutating func publishFinished() throws {
        guard let pool else { return }
        try publishOutcomes(pool.takeFinished())
    }

    /// Waits up to `renewalInterval` for an executor to finish and publishes
    /// its outcome with those of any others that finished meanwhile; renews
    /// the lock when none did.
    private mutating func awaitFinished(_ pool: ExecutorPool<FinishedRun>) throws {
        if let finished = pool.next(timeout: renewalInterval) {
            try publishOutcomes([finished] + pool.takeFinished())
        } else {
            try lock.renew(now: now)
        }
    }

    /// Waits until fewer than `max_parallel` executors run, publishing
    /// outcomes as they come and renewing the lock while it waits.
    private mutating func waitForSlot(_ pool: ExecutorPool<FinishedRun>) throws {
        try publishFinished()
        while pool.outstanding >= config.maxParallel { try awaitFinished(pool) }
    }

    /// Waits for every running executor and publishes its outcome.
    mutating func drainRunning() throws {
        guard let pool else { return }
        while pool.outstanding > 0 { try awaitFinished(pool) }
    }

    /// After a failure: waits for every running executor without publishing
    /// anything more. Each worker has written its outcome to its journal
    /// before it finished, so the next poll publishes it; a worker that
    /// could not (its state dir failed) leaves a claim that goes in doubt.
    mutating func abandonRunning() {
        guard let pool else { return }
        while pool.outstanding > 0 {
            if pool.next(timeout: renewalInterval) == nil {
                // Keeps the lock while executors still run; a lock taken
                // over is left alone (renew never writes another's lock).
                try? lock.renew(now: now)
            }
        }
    }

    // MARK: Built-in remote writes (SPEC §7).

    /// The reasons of §4 that a remote write's transport gates are checked
    /// before: the intent's gates and approvals.
    static let approvalStageReasons: Set<ReasonCode> = [
        .gateMissing, .notApproved, .denied, .approvalExpired, .tierMismatch, .digestMismatch, .signerNotAuthorized,
        .selfApproval, .signerUnknown, .approvalSignatureInvalid, .approvalMalformed,
    ]

    /// The first transport gate a blocked built-in intent fails, when its
    /// own reason is one the gates come before; nil otherwise.
    private func transportRefusal(verdict: Verdict, executor: ExecutorConfig?) -> WritError? {
        guard let operation = executor?.builtin, let intent = verdict.intent,
            Self.approvalStageReasons.contains(verdict.reason ?? .notApproved)
        else { return nil }
        do {
            _ = try gatedRequest(operation, intent)
            return nil
        } catch {
            return error
        }
    }

    /// The intent's write, its params validated and the transport gates
    /// passed (`TransportGate`), or the first refusal.
    private func gatedRequest(_ operation: ForgeOperation, _ intent: Intent) throws(WritError) -> ForgeRequest {
        let request = try ForgeRequest(operation: operation, intent: intent)
        try TransportGate.check(request, transport: config.transport, cloneRoot: config.cloneRoot)
        return request
    }

    /// A ready intent of a built-in executor: its params and the transport
    /// gates, then what the mode allows. In `record` mode the `projection`
    /// event is the whole effect: published once per intent digest and
    /// idempotency key, nothing claimed and nothing sent, so the intent
    /// stays ready for when live writes are turned on.
    private mutating func runBuiltin(
        _ id: IntentID, operation: ForgeOperation, verdict: Verdict, intent: Intent, tier: Tier, numberAfter: Int
    ) throws {
        let request: ForgeRequest
        do {
            request = try gatedRequest(operation, intent)
        } catch {
            noteBlocked(id, verdict: verdict, reason: error.reason, detail: error.detail)
            return
        }
        if dispatcher.dryRun {
            record(.init(id: id, tier: tier, result: .ready, reason: nil, durationMs: nil))
            return
        }
        switch config.transport.mode {
        case .off:
            // Refused by the gate above.
            return
        case .live:
            try sendBuiltin(
                id, request: request, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter)
        case .record:
            let recorded = verdict.events.contains { counting in
                guard case .projection(_, _, let key) = counting.event.payload else { return false }
                return key == request.key && counting.event.intentDigest == verdict.intentDigest
            }
            if !recorded {
                let event = try AuditEvent(
                    intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                    payload: .projection(
                        operation: operation.rawValue, target: request.projectionTarget, key: request.key))
                try publisher.publish(
                    [event], message: "writ: projection \(id) (\(runID), record mode: nothing sent)\n",
                    anchoredAt: view.governanceTip, now: now, after: [id: verdict.events.last?.sequence ?? 0])
            }
            record(.init(id: id, tier: tier, result: .recorded, reason: nil, durationMs: nil))
        }
    }

    // MARK: Approval PRs on the ops repo's forge.

    /// What this dispatcher opened on the forge: intent id → the pull
    /// request, the approvals count its body shows, and whether the final
    /// comment was made. Only saves calls: the markers are what make the
    /// flow idempotent, so losing this file duplicates nothing.
    struct ApprovalPR: Codable {
        package var number: Int
        package var counted: Int
        package var settled: Bool
        /// sha256 of the title and body last written: the body is
        /// recomputed every poll and sent only when it changed.
        package var body: String?
    }

    private var approvalPRsPath: String { store.root + "/approval-prs.json" }

    /// Opens (or adopts) the approval PR and its notice for each intent
    /// waiting for approval, and posts the final comment on those that
    /// settled. Best effort: a forge failure is logged and tried again next
    /// poll; it never stops the dispatch of other intents.
    mutating func notifyApprovals() throws {
        let transport = config.transport
        guard transport.approvalPRs, transport.mode == .live, !dispatcher.dryRun, let slug = transport.opsRepoSlug
        else { return }
        var known = (try? StateFiles.readJSON([String: ApprovalPR].self, from: approvalPRsPath) ?? [:]) ?? [:]
        let bodies = approvalBodies()
        let pending = bodies.filter { known[$0.waiting.id.rawValue]?.body != $0.digest }
        let settling = try known.filter { !$0.value.settled }.compactMap { entry -> (IntentID, ApprovalPR)? in
            guard let id = IntentID(entry.key), try sync.hasFinalOutcome(id, in: view) else {
                return nil
            }
            return (id, entry.value)
        }
        guard !pending.isEmpty || !settling.isEmpty else { return }
        guard let token = forgeToken() else {
            dispatcher.logger.warning("approval PRs: the forge token is not set")
            return
        }
        let notifier: ApprovalNotifier
        do {
            notifier = ApprovalNotifier(
                client: try ForgeClient(transport: transport, token: token, timeout: .seconds(60)),
                transport: transport, opsRepo: slug, governanceRef: config.governanceRef)
        } catch {
            dispatcher.logger.warning("approval PRs: cannot set up the forge client", metadata: ["error": "\(error)"])
            return
        }
        for (waiting, digest) in pending {
            do {
                let number = try notifier.open(waiting)
                known[waiting.id.rawValue] = ApprovalPR(
                    number: number, counted: waiting.counted.count, settled: false, body: digest)
            } catch {
                dispatcher.logger.warning(
                    "approval PR not opened",
                    metadata: ["intent": "\(waiting.id)", "reason": "\(error.reason.rawValue)"])
            }
        }
        for (id, entry) in settling {
            let settled = try settledRun(id)
            do {
                try notifier.settle(settled, number: entry.number)
                known[id.rawValue]?.settled = true
            } catch {
                dispatcher.logger.warning(
                    "approval PR final comment not posted",
                    metadata: ["intent": "\(id)", "reason": "\(error.reason.rawValue)"])
            }
        }
        try StateFiles.writeJSON(known, to: approvalPRsPath)
    }

    /// Every waiting intent with its approval PR body recomputed from the
    /// intent and its approval branch (fetched from the remote first, so
    /// the body shows what approvers pushed), and the digest of its title
    /// and body. A fetch that fails is logged; the last fetched branches
    /// are shown then.
    private func approvalBodies() -> [(waiting: ApprovalNotifier.Waiting, digest: String)] {
        guard !awaitingApproval.isEmpty else { return [] }
        let repository = sync.ops.repository
        if let remote = config.remote {
            do {
                _ = try repository.fetch(
                    remote: remote, refs: awaitingApproval.map { ApprovalNotifier.branch($0.id) })
            } catch {
                dispatcher.logger.warning(
                    "approval PRs: cannot fetch the approval branches", metadata: ["error": "\(error)"])
            }
        }
        let branches = ApprovalBranches(remote: config.remote)
        let policy = view.trusted.policy
        return awaitingApproval.map { waiting in
            var waiting = waiting
            if let evidence = waiting.evidence, let records = try? branches.records(of: waiting.id, in: repository),
                !records.isEmpty
            {
                waiting.branch = DecisionEngine.projectMerge(
                    waiting.id, governance: view.trusted, intent: evidence.intent, merged: evidence.approvals,
                    branch: records, events: evidence.events, now: now)
            }
            let signed = Set(waiting.counted.map(\.approver) + (waiting.branch?.signers ?? []))
            waiting.mayApprove = policy.mayStillApprove(
                tier: waiting.tier, proposer: waiting.intent.proposer, signed: signed
            ).map { ($0, policy.logins(of: $0)) }
            let text =
                ApprovalNotifier.title(waiting) + "\n"
                + ApprovalNotifier.body(waiting, governanceRef: config.governanceRef)
            return (waiting, ContentDigest.sha256(of: Array(text.utf8)).description)
        }
    }

    /// What the final comment of a settled intent reports: its last
    /// counting outcome and the claim before it (the run that executed it,
    /// not this poll's run).
    private func settledRun(_ id: IntentID) throws -> ApprovalNotifier.Settled {
        let failed = try sync.lastOutcomeFailed(id, in: view)
        var claim: String?
        var ran: (runID: String?, outcome: AuditEvent.Outcome, commit: ObjectID)?
        if let evidence = try sync.evidence(for: id, in: view) {
            let verdict = DecisionEngine.decide(
                governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals,
                events: evidence.events, now: now, cache: sync.ops.verificationCache)
            for event in verdict.events {
                switch event.event.payload {
                case .claimed(let claimed): claim = claimed.runID
                case .succeeded(let outcome), .failed(let outcome): ran = (claim, outcome, event.commit)
                default: break
                }
            }
        }
        return ApprovalNotifier.Settled(
            id: id, outcome: failed ? "failed" : "succeeded", runID: ran?.runID, exitCode: ran?.outcome.exitCode,
            durationMs: ran?.outcome.durationMs, commit: ran?.commit)
    }

    /// The forge token, from the environment or the top-level env_file.
    /// Read once per poll.
    private mutating func forgeToken() -> String? {
        if let cached = forgeTokenCache { return cached }
        var token: String?
        if let name = config.transport.tokenSecret {
            if let value = dispatcher.environment[name], !value.isEmpty {
                token = value
            } else if let file = config.envFile, let values = try? EnvFile.load(file), let value = values[name],
                !value.isEmpty
            {
                token = value
            }
        }
        forgeTokenCache = .some(token)
        return token
    }

    /// Live: claim (durable), push the `projection` event, then make the
    /// write, and record its outcome with the remote id and URL, or its
    /// one reason code. A failure is retried on a later poll through the
    /// adopt flow; each attempt is on the ledger.
    private mutating func sendBuiltin(
        _ id: IntentID, request: ForgeRequest, verdict: Verdict, intent: Intent, tier: Tier, numberAfter: Int
    ) throws {
        guard let token = forgeToken() else {
            noteBlocked(
                id, verdict: verdict, reason: .registryAuthMissing,
                detail: "the forge token (\(config.transport.tokenSecret ?? "token_secret unset")) is not set in the "
                    + "environment or env_file")
            return
        }
        guard let claimed = try publishClaim(id, verdict: verdict, intent: intent, tier: tier, numberAfter: numberAfter)
        else { return }
        let started = ContinuousClock.now
        let projection = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: .projection(
                operation: request.operation.rawValue, target: request.projectionTarget, key: request.key))
        try publisher.publish(
            [projection], message: "writ: projection \(id) (\(runID))\n", anchoredAt: view.governanceTip, now: now,
            after: [id: claimed.sequence])
        let timeout = Duration.seconds(config.executors[intent.kind]?.timeoutSeconds ?? 120)
        let result: Result<ForgeClient.Written, WritError>
        do throws(WritError) {
            let client: ForgeClient
            do {
                client = try ForgeClient(transport: config.transport, token: token, timeout: timeout)
            } catch {
                throw WritError(.remoteError, "cannot set up the forge client: \(error)")
            }
            let (cloneRoot, caFile) = (config.cloneRoot, config.transport.caFile)
            let (helper, environment) = (dispatcher.remoteHelper, dispatcher.environment)
            // The head branch is pushed only once the writer knows it is not
            // the base or the repository's default branch.
            result = .success(
                try ForgeWriter(client: client, transport: config.transport).perform(request, intent: id) {
                    () throws(WritError) in
                    guard request.operation == .pullRequest, let head = request.params["head"] else { return }
                    let clone = try ExecutorPreflight.clonePath(root: cloneRoot, repo: request.repo.description)
                    // Within what is left of the executor's timeout.
                    let access = RemoteAccess(
                        token: token, caFile: caFile, timeout: try client.http.remaining(), helper: helper,
                        environment: environment)
                    try HeadBranchPush.push(head, clone: clone, access: access)
                })
        } catch {
            result = .failure(error)
        }
        let elapsed = ContinuousClock.now - started
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let empty = ContentDigest.sha256(of: [UInt8]())
        let payload: AuditEvent.Payload
        switch result {
        case .success(let written):
            payload = .succeeded(
                AuditEvent.Outcome(
                    exitCode: 0, durationMs: durationMs, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "",
                    stderrTail: "", remoteID: written.id, remoteURL: written.url))
        case .failure(let error):
            // A forge's reply is untrusted text that may echo the token (in
            // an error body, a URL): through the same redactor and cap as an
            // executor's output before it reaches the ledger.
            var capture = OutputCapture(secrets: [token])
            capture.append(Array(error.detail.prefix(2_000).utf8))
            let (digest, detail) = capture.finish()
            payload = .failed(
                AuditEvent.Outcome(
                    exitCode: 1, durationMs: durationMs, stdoutSHA256: empty, stderrSHA256: digest, stdoutTail: "",
                    stderrTail: detail, reason: error.reason))
        }
        let event = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: payload)
        try store.journalAppend(
            id, .init(kind: .outcome, runID: runID, commit: claimed.commit, event: Data(event.canonicalJSON())))
        try publisher.publish(
            [event], message: "writ: \(event.kind.rawValue) \(id) (\(runID))\n", anchoredAt: view.governanceTip,
            now: now, after: [id: claimed.sequence])
        try lock.renew(now: now)
        var reason: ReasonCode?
        if case .failure(let error) = result { reason = error.reason }
        record(
            .init(
                id: id, tier: tier, result: reason == nil ? .succeeded : .failed, reason: reason,
                durationMs: durationMs))
    }

    /// The journalled claim that forbids claiming `id` again (see
    /// `ClaimJournal`), judged against the ledger now and its counting events.
    private func blockingJournalClaim(_ id: IntentID, events: [CountingEvent]) throws -> ClaimJournal.Claim? {
        let repository = sync.ops.repository
        let head = try sync.ops.ledgerHead()
        return try ClaimJournal.blockingClaim(
            try store.claims(id),
            isOnLedger: { commit in
                try commit == head || (repository.objectExists(commit) && repository.isDescendant(head, of: commit))
            },
            isRetried: { commit in Self.isRetried(claimIn: commit, events: events) })
    }

    /// Whether an entitled `resolved(retry)` follows the counting claim that
    /// `commit` added.
    static func isRetried(claimIn commit: ObjectID, events: [CountingEvent]) -> Bool {
        guard let claim = events.firstIndex(where: { $0.commit == commit && $0.event.kind == .claimed }) else {
            return false
        }
        return events[(claim + 1)...].contains {
            if case .resolved(.retry, _) = $0.event.payload { return true }
            return false
        }
    }

    /// Publishes `auto_approved` (low) and `claimed` in one commit. The
    /// claim is always decided on exactly the tip it is built on: whenever
    /// the ledger has moved since the view was taken (another dispatcher, or
    /// our own outcome publishing after a fetch), the view is brought up to
    /// date and the intent decided again. Returns nil when the intent stopped
    /// being ready (someone else claimed it).
    private mutating func publishClaim(
        _ id: IntentID, verdict: Verdict, intent: Intent, tier: Tier, numberAfter: Int
    ) throws -> (commit: ObjectID, sequence: Int)? {
        var verdict = verdict
        var numberAfter = numberAfter
        for attempt in 0..<publisher.maximumAttempts {
            if attempt > 0 { publisher.backOff(attempt) }
            // Fetch before every claim, not only after a lost race: earlier
            // executions in this poll may have run for minutes, and a deny,
            // a revoked approval or a governance change merged meanwhile
            // must be seen before this intent is claimed.
            _ = try Dispatcher.remoteErrors { try publisher.refresh() }
            var tip = try sync.ops.ledgerHead()
            let governanceTip = try sync.ops.governanceHead()
            if (tip != view.ledgerTip && tip != ownTip) || governanceTip != view.governanceTip {
                // Someone else moved a branch. The outcome held from the run
                // before goes out first, on its own, under the governance
                // its claim was decided under; then the view catches up.
                if heldOutcome != nil {
                    try publishHeld()
                    tip = try sync.ops.ledgerHead()
                }
                view = try sync.sync(&state, now: now)
                guard view.ledgerTip == tip, let fresh = try sync.evidence(for: id, in: view) else { continue }
                verdict = DecisionEngine.decide(
                    governance: view.trusted, intent: fresh.intent, approvals: fresh.approvals, events: fresh.events,
                    now: now, cache: sync.ops.verificationCache)
                let reopenedInDoubt = verdict.state == .inDoubt && (config.executors[intent.kind]?.idempotent ?? false)
                guard verdict.state == .ready || reopenedInDoubt else { return nil }
                numberAfter = verdict.events.last?.sequence ?? 0
            }
            // Governance may have changed since the poll started: a claim
            // that would not count must never be made. The outcome held
            // from the run before answers a claim made while entitled: it
            // still goes out, on its own, before the poll stops.
            do {
                try checkEntitlement()
            } catch {
                try publishHeld()
                throw error
            }
            try lock.renew(now: now)
            var claimEvents: [AuditEvent] = []
            if tier == .low, !verdict.events.contains(where: { $0.event.kind == .autoApproved }) {
                claimEvents.append(
                    try AuditEvent(
                        intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                        payload: .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote)))
            }
            let approvals = try verdict.counted.map {
                try AuditEvent.ClaimedApproval(
                    approver: $0.approver, commit: $0.commit.hex, recordDigest: $0.recordDigest)
            }
            claimEvents.append(
                try AuditEvent(
                    intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                    payload: .claimed(
                        .init(
                            tier: tier, runID: runID, idempotencyKey: intent.effectiveIdempotencyKey,
                            approvals: approvals))))
            // The outcome held from the run before rides in the same commit.
            var message = "writ: claim \(id) (\(tier), \(runID))"
            var after = [id: numberAfter]
            if let held = heldOutcome {
                claimEvents.append(held.executed.event)
                after[held.run.id] = held.run.claimedSequence
                message += "; \(held.executed.event.kind.rawValue) \(held.run.id)"
            }
            let files = try publisher.files(
                for: claimEvents, onTree: try sync.ops.repository.commitTree(tip), after: after)
            guard
                let commit = try publisher.build(
                    files: files, on: tip, message: message + "\n", anchoredAt: view.governanceTip, now: now)
            else { continue }
            // Journal first, then publish, then mark published: see StateStore.
            try store.journalAppend(id, .init(kind: .claim, runID: runID, commit: commit))
            if try publisher.makeDurable(commit, on: tip) {
                try store.journalAppend(id, .init(kind: .published, runID: runID, commit: commit))
                ownTip = tip == (ownTip ?? view.ledgerTip) ? commit : nil
                heldPublished()
                dispatcher.logger.info(
                    "claimed", metadata: ["intent": "\(id)", "commit": "\(commit.hex)", "run": "\(runID)"])
                let sequence =
                    files.keys.compactMap { path -> Int? in
                        if case .auditEvent(id, let sequence, _)? = LedgerPath(path) { sequence } else { nil }
                    }.max() ?? numberAfter
                return (commit, sequence)
            }
        }
        return nil
    }

    /// `DispatcherEntitlement.check` under the view's governance, skipped
    /// when it passed under the same governance commit less than a second
    /// ago (claims of a fast batch come milliseconds apart; a key window
    /// in allowed_signers is checked again within the second).
    private mutating func checkEntitlement() throws {
        let now = self.now
        if let last = entitlementChecked, last.governance == view.trusted.commit,
            now >= last.at, now.timeIntervalSince(last.at) < 1
        {
            return
        }
        try DispatcherEntitlement.check(
            signer: signer, trusted: view.trusted, now: now, cache: sync.ops.verificationCache)
        entitlementChecked = (view.trusted.commit, now)
    }

    /// Extends `ownTip` with a commit `publisher.publish` made, when it was
    /// built on `ownTip` (or the view's tip); a publish that lost a race was
    /// rebuilt on someone else's commit, which the next claim must sync.
    private mutating func noteOwnCommit(_ commit: ObjectID?) throws {
        guard let commit else { return }
        let parent = try sync.ops.repository.commitParents(commit).first
        ownTip = parent == (ownTip ?? view.ledgerTip) ? commit : nil
    }

    /// The sequence number new events of the verdict's intent follow: the
    /// highest among the events that count (events that do not count, a
    /// planted `999999999999999999-blocked.json` among them, are not
    /// numbered after).
    static func numbering(_ id: IntentID, after verdict: Verdict) -> [IntentID: Int] {
        [id: verdict.events.last?.sequence ?? 0]
    }

    // MARK: Claims without an outcome.

    private mutating func checkLease(_ id: IntentID, verdict: Verdict, executor: ExecutorConfig?) throws {
        guard let claimedAt = Self.lastClaim(verdict.events)?.at else { return }
        guard claimedAt.adding(seconds: config.claimLeaseSeconds) <= Timestamp(now) else { return }
        if dispatcher.dryRun {
            record(.init(id: id, tier: verdict.tier, result: .inDoubt, reason: nil, durationMs: nil))
            return
        }
        let event = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: .inDoubt(
                claimedAt: claimedAt,
                detail:
                    "claimed at \(claimedAt) with no outcome within claim_lease (\(config.claimLeaseSeconds)s); not run again"
            ))
        try noteOwnCommit(
            publisher.publish(
                [event], message: "writ: in_doubt \(id)\n", anchoredAt: view.governanceTip, now: now,
                after: Self.numbering(id, after: verdict)))
        if executor?.idempotent != true { state.pending.remove(id) }
        record(.init(id: id, tier: verdict.tier, result: .inDoubt, reason: nil, durationMs: nil))
    }

    // MARK: Blocked intents: an event only when the reason changes.

    /// Adds `entry` to the run report and logs it.
    private mutating func record(_ entry: RunReport.Entry) {
        entries.append(entry)
        var metadata: Logger.Metadata = ["intent": "\(entry.id)", "run": "\(runID)"]
        if let reason = entry.reason { metadata["reason"] = "\(reason.rawValue)" }
        if let duration = entry.durationMs { metadata["duration_ms"] = "\(duration)" }
        let level: Logger.Level = entry.result == .failed || entry.result == .inDoubt ? .warning : .info
        dispatcher.logger.log(level: level, "\(entry.result.rawValue)", metadata: metadata)
    }

    private mutating func noteBlocked(_ id: IntentID, verdict: Verdict, reason: ReasonCode, detail: String) {
        let unchanged = Self.lastBlockedReason(verdict.events) == reason
        // A host reason is in every poll's report (and exit status) while
        // it lasts: nobody approving will ever fix it, and a poll that said
        // nothing would read as green while the intent never runs. The
        // event is still written only when the reason changes.
        guard !unchanged || RunReport.hostReasons.contains(reason) else { return }
        record(.init(id: id, tier: verdict.tier, result: .blocked, reason: reason, durationMs: nil))
        guard !unchanged, !dispatcher.dryRun,
            let event = try? AuditEvent(
                intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                payload: .blocked(reason: reason, detail: detail))
        else { return }
        blockedEvents.append((event, verdict.events.last?.sequence ?? 0))
    }

    mutating func publishBlocked() throws {
        guard !blockedEvents.isEmpty else { return }
        let after = Dictionary(blockedEvents.map { ($0.event.intent, $0.after) }, uniquingKeysWith: max)
        try publisher.publish(
            blockedEvents.map(\.event), message: "writ: blocked \(blockedEvents.count) intent(s) (\(runID))\n",
            anchoredAt: view.governanceTip, now: now, after: after)
        blockedEvents = []
    }

    // MARK: Outcomes a poll that died could not publish.

    /// Publishes the outcome this dispatcher journalled for the intent's
    /// latest claim when a poll that died could not: only while it still
    /// answers that claim (the claim is that run's and nothing settled it),
    /// and only from counting events, so a forged claim or outcome cannot
    /// make a real outcome be dropped. Says whether it published one.
    private mutating func recoverJournalledOutcome(_ id: IntentID, verdict: Verdict) throws -> Bool {
        guard case .claimed(let claim)? = Self.lastClaim(verdict.events)?.payload,
            let event = try store.journalledOutcome(id, run: claim.runID),
            Self.stillAnswersClaim(of: claim.runID, events: verdict.events, outcome: event)
        else { return false }
        try noteOwnCommit(
            publisher.publish(
                [event], message: "writ: \(event.kind.rawValue) \(id) (recovered)\n", anchoredAt: view.governanceTip,
                now: now, after: Self.numbering(id, after: verdict)))
        view = try sync.sync(&state, now: now)
        return true
    }

    /// Publishes outcomes that a dispatcher from before outcomes went to the
    /// journal left in `outbox/<run>/<id>.json`, under the same rule as
    /// `recoverJournalledOutcome`, and removes the folder.
    mutating func flushOutbox() throws {
        let folder = store.root + "/outbox"
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for run in runs.sorted() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + run)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") {
                let path = folder + "/" + run + "/" + name
                guard let bytes = try StateFiles.read(path), let event = try? AuditEvent.parse(bytes) else { continue }
                if let evidence = try sync.evidence(for: event.intent, in: view) {
                    let verdict = DecisionEngine.decide(
                        governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals,
                        events: evidence.events, now: now, cache: sync.ops.verificationCache)
                    if Self.stillAnswersClaim(of: run, events: verdict.events, outcome: event) {
                        try publisher.publish(
                            [event], message: "writ: \(event.kind.rawValue) \(event.intent) (recovered)\n",
                            anchoredAt: view.governanceTip, now: now,
                            after: Self.numbering(event.intent, after: verdict))
                        view = try sync.sync(&state, now: now)
                    }
                }
                try? FileManager.default.removeItem(atPath: path)
            }
            try? FileManager.default.removeItem(atPath: folder + "/" + run)
        }
    }

    /// Whether an outcome from `run` should still be published: the latest
    /// counting claim is that run's, and no counting outcome (this one
    /// included) answers it yet.
    static func stillAnswersClaim(of run: String, events: [CountingEvent], outcome: AuditEvent) -> Bool {
        guard let last = events.lastIndex(where: { $0.event.kind == .claimed }),
            case .claimed(let claim) = events[last].event.payload, claim.runID == run
        else { return false }
        return !events[(last + 1)...].contains { entry in
            entry.event == outcome || entry.event.kind == .succeeded || entry.event.kind == .failed
        }
    }

    // MARK: Reading counting events.

    static func isClaimOrDoubt(_ evidence: EventEvidence) -> Bool {
        evidence.path.hasSuffix("-claimed.json") || evidence.path.hasSuffix("-in_doubt.json")
    }

    /// The latest counting claim.
    static func lastClaim(_ events: [CountingEvent]) -> AuditEvent? {
        events.last { $0.event.kind == .claimed }?.event
    }

    /// The reason of the latest counting `blocked` event since the latest
    /// counting claim, nil when there is none.
    static func lastBlockedReason(_ events: [CountingEvent]) -> ReasonCode? {
        for counting in events.reversed() {
            switch counting.event.payload {
            case .blocked(let reason, _): return reason
            case .claimed: return nil
            default: continue
            }
        }
        return nil
    }
}
