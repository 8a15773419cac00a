import Foundation

/// One dispatcher: polls the ops repo and executes exactly the intents that
/// may run, at most once, recording every claim and outcome as signed
/// ledger commits (SPEC §4–§6).
///
/// A poll: take the profile lock; fetch; bring the remembered view up to
/// the new tips (rewrite, trust and append-only checks); then, for each
/// intent still in play, in id order, decide and act. A claim is journalled
/// in the state dir, then published durably, and only then executed.
public struct Dispatcher {
    public let config: DispatcherConfig
    /// The dispatcher's environment: the source of allowlisted variables and secrets.
    public var environment: [String: String]
    public var clock: @Sendable () -> Date
    public var dryRun = false

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
        let runID = "run-\(Int(started.timeIntervalSince1970))-\(String(format: "%08x", UInt32.random(in: .min ... .max)))"
        var report = RunReport(
            runID: runID, profile: config.profile, startedAt: Timestamp(started), finishedAt: Timestamp(started),
            lock: lock.acquisition, dryRun: dryRun, intents: [])

        let ops = try OpsRepo(path: config.opsRepo, governanceRef: config.governanceRef, ledgerRef: config.ledgerRef)
        let store = StateStore(stateDir: config.stateDir, profile: config.profile)
        var state = try store.loadState() ?? DispatchState(trustRoot: config.trustRoot)
        if state.trustRoot != config.trustRoot {
            // A re-pinned trust root invalidates everything derived from the old one.
            try? FileManager.default.removeItem(atPath: store.root + "/intents")
            state = DispatchState(trustRoot: config.trustRoot)
        }
        let signer = try SigningIdentity(principal: config.identity, keyPath: config.signingKey)
        let publisher = LedgerPublisher(ops: ops, remote: config.remote, signer: signer)
        let sync = LedgerSync(ops: ops, store: store)

        try publisher.refresh()
        let view = try sync.sync(&state, now: clock())
        var session = Session(
            dispatcher: self, store: store, sync: sync, publisher: publisher, state: state, runID: runID, view: view)
        if !dryRun { try session.flushOutbox() }
        try store.save(session.state)

        for id in session.state.pending.sorted() {
            try session.act(on: id)
        }
        try session.publishBlocked()
        // Take in what this poll wrote, so the tips remembered for rewrite
        // detection include the dispatcher's own commits.
        if !dryRun { session.view = try sync.sync(&session.state, now: clock()) }
        try store.save(session.state)

        report.intents = session.entries
        report.finishedAt = Timestamp(clock())
        try StateFiles.writeJSON(report, to: store.reportPath(runID))
        return report
    }
}

/// The mutable work of one poll.
private struct Session {
    let dispatcher: Dispatcher
    let store: StateStore
    let sync: LedgerSync
    let publisher: LedgerPublisher
    var state: DispatchState
    let runID: String
    var view: LedgerSync.View
    var entries: [RunReport.Entry] = []
    var blockedEvents: [AuditEvent] = []

    var config: DispatcherConfig { dispatcher.config }
    var now: Date { dispatcher.clock() }

    mutating func act(on id: IntentID) throws {
        // Succeeded and failed are final (docs/decisions.md): an intent with
        // an outcome written by an entitled dispatcher never needs deciding
        // again, which keeps the first poll over a long history cheap.
        if try sync.hasFinalOutcome(id, policy: view.trusted.policy) {
            state.pending.remove(id)
            return
        }
        guard let evidence = try sync.evidence(for: id, in: view) else {
            state.pending.remove(id)
            return
        }
        let verdict = DecisionEngine.decide(
            governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals, events: evidence.events,
            now: now)
        let executor = verdict.intent.flatMap { config.executors[$0.kind] }
        switch verdict.state {
        case .succeeded, .failed:
            state.pending.remove(id)
        case .inDoubt:
            guard executor?.idempotent == true else {
                state.pending.remove(id)
                return
            }
            // An idempotent executor may run again: decide as if the claim
            // and its doubt were not there.
            let reopened = DecisionEngine.decide(
                governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals,
                events: evidence.events.filter { !Self.isClaimOrDoubt($0) }, now: now)
            if reopened.state == .ready {
                try runReady(id, verdict: reopened, events: evidence.events, rerun: true)
            } else if reopened.state == .blocked {
                noteBlocked(id, verdict: reopened, reason: reopened.reason ?? .notApproved, detail: reopened.detail, events: evidence.events)
            }
        case .claimed:
            try checkLease(id, verdict: verdict, events: evidence.events, executor: executor)
        case .blocked:
            noteBlocked(id, verdict: verdict, reason: verdict.reason ?? .notApproved, detail: verdict.detail, events: evidence.events)
        case .ready:
            let mayResolve = { (signers: Set<Principal>) in
                EventAuthority.isEntitled(signers, toWrite: .resolved, tier: verdict.tier, policy: view.trusted.policy)
            }
            let repository = sync.ops.repository
            let signedByUnknownKey = { (commit: ObjectID) in Self.isSignedByAValidKey(commit, in: repository) }
            if Self.hasClaimByUnknownKey(
                evidence.events, discarded: verdict.discarded, signedByValidKey: signedByUnknownKey, mayResolve: mayResolve)
            {
                // Fail closed: a claim signed with a valid SSH key that the
                // trusted allowed_signers no longer lists (a rotated-out
                // dispatcher key) may mean the intent ran. Only an entitled
                // resolution (`writ resolve --retry`) after it frees the
                // intent. Unsigned claims and claims by known principals
                // without the dispatcher role are ignored, as SPEC §3 says.
                noteBlocked(
                    id, verdict: verdict, reason: .alreadyExecuted,
                    detail: "the ledger holds a claim for \(id) signed by a key not trusted now (a rotated dispatcher key?); settle it with writ resolve",
                    events: evidence.events)
                return
            }
            try runReady(id, verdict: verdict, events: evidence.events, rerun: false)
        }
    }

    /// Whether a discarded `claimed` event, in a commit with no trusted signer
    /// but a cryptographically valid SSH signature, stands with no `resolved`
    /// (retry) from an entitled principal after it.
    static func hasClaimByUnknownKey(
        _ events: [EventEvidence], discarded: [DiscardedRecord], signedByValidKey: (ObjectID) -> Bool,
        mayResolve: (Set<Principal>) -> Bool
    ) -> Bool {
        let ignored = Set(discarded.filter { $0.kind == .event }.map(\.path))
        var open = false
        for evidence in events.sorted(by: { $0.path < $1.path }) {
            guard let event = try? AuditEvent.parse(evidence.bytes, expectedPath: evidence.path) else { continue }
            switch event.payload {
            case .claimed where ignored.contains(evidence.path) && evidence.signers.isEmpty && signedByValidKey(evidence.commit):
                open = true
            case .resolved(let resolution, _) where resolution == .retry && mayResolve(evidence.signers):
                open = false
            default:
                continue
            }
        }
        return open
    }

    /// Whether `commit` carries exactly one SSH signature that verifies over
    /// it (whoever's key it is).
    static func isSignedByAValidKey(_ commit: ObjectID, in repository: Repository) -> Bool {
        guard case .signed(let armored, let payload)? = try? repository.commitSignature(commit),
            let signature = try? SSHSignature(armored: armored)
        else { return false }
        return (try? signature.verifyCryptographically(message: payload, namespace: SignatureNamespace.commit)) != nil
    }

    // MARK: Ready: journal, claim, run, record.

    private mutating func runReady(_ id: IntentID, verdict: Verdict, events: [EventEvidence], rerun: Bool) throws {
        guard let intent = verdict.intent, let tier = verdict.tier else { return }
        let planned = ExecutorPreflight.plan(
            intent: intent, tier: tier, executor: config.executors[intent.kind], cloneRoot: config.cloneRoot,
            environment: dispatcher.environment, defaultWorkdir: config.stateDir)
        let plan: ExecutionPlan
        switch planned {
        case .failure(let error):
            noteBlocked(id, verdict: verdict, reason: error.reason, detail: error.detail, events: events)
            return
        case .success(let success):
            plan = success
        }
        if dispatcher.dryRun {
            entries.append(.init(id: id, tier: tier, result: .ready, reason: nil, durationMs: nil))
            return
        }
        let ledger = sync.ops
        let forbidden = try !rerun && store.journalForbidsClaim(id) { commit in
            try ledger.repository.objectExists(commit) && ledger.repository.isDescendant(try ledger.ledgerHead(), of: commit)
        }
        guard !forbidden else {
            noteBlocked(
                id, verdict: verdict, reason: .alreadyExecuted,
                detail: "this dispatcher's journal already holds a claim for \(id); it never runs an intent twice",
                events: events)
            return
        }
        // Lost the race (nil): another dispatcher owns the intent now.
        guard try publishClaim(id, verdict: verdict, intent: intent, tier: tier, events: events) != nil else { return }
        let result = try ProcessGroupRunner.run(plan)
        let outcome = try AuditEvent.Outcome(
            exitCode: result.exitCode, durationMs: result.durationMs, stdoutSHA256: result.stdoutSHA256,
            stderrSHA256: result.stderrSHA256, stdoutTail: result.stdoutTail, stderrTail: result.stderrTail)
        let event = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: result.exitCode == 0 ? .succeeded(outcome) : .failed(outcome))
        // The outcome goes to the outbox first: if publishing fails or the
        // process dies now, the next poll publishes it.
        try StateFiles.write(Data(event.canonicalJSON()), to: outboxPath(id))
        try publisher.publish([event], message: "writ: \(event.kind.rawValue) \(id) (\(runID))\n", anchoredAt: view.governanceTip, now: now)
        try? FileManager.default.removeItem(atPath: outboxPath(id))
        if !(config.executors[intent.kind]?.idempotent ?? false) { state.pending.remove(id) }
        entries.append(.init(
            id: id, tier: tier, result: result.exitCode == 0 ? .succeeded : .failed, reason: nil,
            durationMs: result.durationMs))
    }

    /// Publishes `auto_approved` (low) and `claimed` in one commit. The
    /// claim is always decided on exactly the tip it is built on: whenever
    /// the ledger has moved since the view was taken (another dispatcher, or
    /// our own outcome publishing after a fetch), the view is brought up to
    /// date and the intent decided again. Returns nil when the intent stopped
    /// being ready (someone else claimed it).
    private mutating func publishClaim(
        _ id: IntentID, verdict: Verdict, intent: Intent, tier: Tier, events: [EventEvidence]
    ) throws -> ObjectID? {
        var verdict = verdict
        var events = events
        for attempt in 0..<publisher.maximumAttempts {
            if attempt > 0 { publisher.backOff(attempt) }
            // Fetch before every claim, not only after a lost race: earlier
            // executions in this poll may have run for minutes, and a deny,
            // a revoked approval or a governance change merged meanwhile
            // must be seen before this intent is claimed.
            try publisher.refresh()
            let tip = try sync.ops.ledgerHead()
            let governanceTip = try sync.ops.governanceHead()
            if tip != view.ledgerTip || governanceTip != view.governanceTip {
                view = try sync.sync(&state, now: now)
                guard view.ledgerTip == tip, let fresh = try sync.evidence(for: id, in: view) else { continue }
                events = fresh.events
                verdict = DecisionEngine.decide(
                    governance: view.trusted, intent: fresh.intent, approvals: fresh.approvals, events: fresh.events,
                    now: now)
                let reopenedInDoubt = verdict.state == .inDoubt && (config.executors[intent.kind]?.idempotent ?? false)
                guard verdict.state == .ready || reopenedInDoubt else { return nil }
            }
            var claimEvents: [AuditEvent] = []
            let hasAutoApproval = events.contains { $0.path.hasSuffix("-auto_approved.json") }
            if tier == .low, !hasAutoApproval {
                claimEvents.append(try AuditEvent(
                    intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                    payload: .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote)))
            }
            let approvals = try verdict.counted.map {
                try AuditEvent.ClaimedApproval(approver: $0.approver, commit: $0.commit.hex, recordDigest: $0.recordDigest)
            }
            claimEvents.append(try AuditEvent(
                intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                payload: .claimed(.init(
                    tier: tier, runID: runID, idempotencyKey: intent.effectiveIdempotencyKey, approvals: approvals))))
            let files = try publisher.files(for: claimEvents, onTree: try sync.ops.repository.commit(tip).tree)
            guard let commit = try publisher.build(
                files: files, on: tip, message: "writ: claim \(id) (\(tier), \(runID))\n", anchoredAt: view.governanceTip, now: now)
            else { continue }
            // Journal first, then publish, then mark published: see StateStore.
            try store.journalAppend(id, .init(kind: .claim, runID: runID, commit: commit))
            if try publisher.makeDurable(commit, on: tip) {
                try store.journalAppend(id, .init(kind: .published, runID: runID, commit: commit))
                return commit
            }
        }
        return nil
    }

    // MARK: Claims without an outcome.

    private mutating func checkLease(_ id: IntentID, verdict: Verdict, events: [EventEvidence], executor: ExecutorConfig?) throws {
        guard let claimedAt = Self.lastClaimTime(events) else { return }
        guard claimedAt.adding(seconds: config.claimLeaseSeconds) <= Timestamp(now) else { return }
        if dispatcher.dryRun {
            entries.append(.init(id: id, tier: verdict.tier, result: .inDoubt, reason: nil, durationMs: nil))
            return
        }
        let event = try AuditEvent(
            intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
            payload: .inDoubt(
                claimedAt: claimedAt,
                detail: "claimed at \(claimedAt) with no outcome within claim_lease (\(config.claimLeaseSeconds)s); not run again"))
        try publisher.publish([event], message: "writ: in_doubt \(id)\n", anchoredAt: view.governanceTip, now: now)
        if executor?.idempotent != true { state.pending.remove(id) }
        entries.append(.init(id: id, tier: verdict.tier, result: .inDoubt, reason: nil, durationMs: nil))
    }

    // MARK: Blocked intents: an event only when the reason changes.

    private mutating func noteBlocked(
        _ id: IntentID, verdict: Verdict, reason: ReasonCode, detail: String, events: [EventEvidence]
    ) {
        guard Self.lastBlockedReason(events) != reason else { return }
        entries.append(.init(id: id, tier: verdict.tier, result: .blocked, reason: reason, durationMs: nil))
        guard !dispatcher.dryRun,
            let event = try? AuditEvent(
                intent: id, intentDigest: verdict.intentDigest, at: Timestamp(now), actor: config.identity,
                payload: .blocked(reason: reason, detail: detail))
        else { return }
        blockedEvents.append(event)
    }

    mutating func publishBlocked() throws {
        guard !blockedEvents.isEmpty else { return }
        try publisher.publish(blockedEvents, message: "writ: blocked \(blockedEvents.count) intent(s) (\(runID))\n", anchoredAt: view.governanceTip, now: now)
        blockedEvents = []
    }

    // MARK: Outbox of outcomes not yet published.

    /// `outbox/<run>/<id>.json`: the run that claimed is part of the name,
    /// so a recovered outcome is only ever published for its own claim.
    private func outboxPath(_ id: IntentID) -> String { store.root + "/outbox/\(runID)/\(id.rawValue).json" }

    /// Publishes outcomes a previous poll recorded but could not publish, as
    /// long as they still answer the latest claim: when the claim was since
    /// declared in doubt, resolved with retry and claimed again by another
    /// run, the old outcome no longer applies and is dropped (the journal
    /// keeps the fact that this dispatcher ran it).
    mutating func flushOutbox() throws {
        let folder = store.root + "/outbox"
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for run in runs.sorted() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + run)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") {
                let path = folder + "/" + run + "/" + name
                guard let bytes = FileManager.default.contents(atPath: path),
                    let event = try? AuditEvent.parse(bytes)
                else { continue }
                let tree = try sync.ops.repository.commit(try sync.ops.ledgerHead()).tree
                let folderPath = "audit/\(event.intent.fanOut)/\(event.intent.rawValue)"
                let trail = try Self.events(in: folderPath, tree: tree, repository: sync.ops.repository)
                if Self.stillAnswersClaim(of: run, trail: trail, outcome: bytes) {
                    try publisher.publish([event], message: "writ: \(event.kind.rawValue) \(event.intent) (recovered)\n", anchoredAt: view.governanceTip, now: now)
                }
                try? FileManager.default.removeItem(atPath: path)
                view = try sync.sync(&state, now: now)
            }
            try? FileManager.default.removeItem(atPath: folder + "/" + run)
        }
    }

    /// Whether an outcome from `run` should still be published: the latest
    /// claim on the ledger is that run's, and nothing settled it yet.
    static func stillAnswersClaim(of run: String, trail: [(bytes: Data, event: AuditEvent?)], outcome: Data) -> Bool {
        guard let lastClaim = trail.lastIndex(where: {
            if case .claimed = $0.event?.payload { return true } else { return false }
        }), case .claimed(let claim) = trail[lastClaim].event?.payload, claim.runID == run
        else { return false }
        return !trail[(lastClaim + 1)...].contains { entry in
            if entry.bytes == outcome { return true }
            switch entry.event?.payload {
            case .succeeded, .failed: return true
            default: return false
            }
        }
    }

    /// The intent's events on the ledger, in sequence order.
    private static func events(in folder: String, tree: ObjectID, repository: Repository) throws
        -> [(bytes: Data, event: AuditEvent?)]
    {
        guard let entry = try repository.entry(at: folder, inTree: tree), entry.kind == .tree else { return [] }
        return try repository.tree(entry.id).filter { $0.kind == .blob }.sorted { $0.name < $1.name }.map { file in
            let bytes = try repository.blob(file.id, limit: RecordBytes.maximumSize)
            return (bytes, try? AuditEvent.parse(bytes, expectedPath: folder + "/" + file.name))
        }
    }

    // MARK: Reading events.

    private static func parsed(_ events: [EventEvidence]) -> [AuditEvent] {
        events.compactMap { try? AuditEvent.parse($0.bytes, expectedPath: $0.path) }
    }

    static func isClaimOrDoubt(_ evidence: EventEvidence) -> Bool {
        evidence.path.hasSuffix("-claimed.json") || evidence.path.hasSuffix("-in_doubt.json")
    }

    private static func lastClaimTime(_ events: [EventEvidence]) -> Timestamp? {
        parsed(events).compactMap { event -> Timestamp? in
            if case .claimed = event.payload { return event.at }
            return nil
        }.max()
    }

    private static func lastBlockedReason(_ events: [EventEvidence]) -> ReasonCode? {
        let ordered = events.sorted { $0.path < $1.path }
        for event in parsed(ordered).reversed() {
            if case .blocked(let reason, _) = event.payload { return reason }
            if case .claimed = event.payload { return nil }
        }
        return nil
    }

}
