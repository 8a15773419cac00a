import Foundation
import Logging
import WritCore
import WritGit

/// Makes claims: the `auto_approved` (low) and `claimed` events of one
/// intent, in one ledger commit, journalled before they are published.
///
/// Invariants (SPEC §5, docs/dispatch.md): a claim is always decided on
/// exactly the tip it is built on — whenever a branch moved since the view
/// was taken, the view is brought up to date and the intent decided again,
/// and a claim that is no longer ready is not made; a claim is made only
/// while this dispatcher is entitled under the view's governance; its
/// journal line is durable before the commit is published, and the
/// `published` line follows only once the commit is on the ledger. An
/// intent this dispatcher claimed before is not claimed again unless an
/// entitled `resolved(retry)` follows that claim (`blockingClaim`).
struct ClaimPublisher {
    let store: StateStore
    package let signer: SigningIdentity
    package let identity: Principal
    package let logger: Logger
    /// The governance commit and time of the last entitlement check that passed.
    private(set) var entitlementChecked: (governance: ObjectID, at: Date)?

    init(store: StateStore, signer: SigningIdentity, identity: Principal, logger: Logger) {
        self.store = store
        self.signer = signer
        self.identity = identity
        self.logger = logger
    }

    /// Publishes `auto_approved` (low) and `claimed` in one commit, with the
    /// outcome held from the run before riding along. Returns the claim
    /// commit and the claim's sequence number, or nil when the intent
    /// stopped being ready (someone else claimed it) or every attempt lost
    /// its race. `reopensInDoubt`: an intent in doubt may be claimed again
    /// (its executor is idempotent).
    package mutating func claim(
        _ id: IntentID, verdict: Verdict, intent: Intent, tier: Tier, numberAfter: Int, reopensInDoubt: Bool,
        on ledger: inout PollLedger
    ) throws -> (commit: ObjectID, sequence: Int)? {
        var verdict = verdict
        var numberAfter = numberAfter
        let publisher = ledger.publisher
        let runID = ledger.runID
        for attempt in 0..<publisher.maximumAttempts {
            if attempt > 0 { publisher.backOff(attempt) }
            // Fetch before every claim, not only after a lost race: earlier
            // executions in this poll may have run for minutes, and a deny,
            // a revoked approval or a governance change merged meanwhile
            // must be seen before this intent is claimed.
            _ = try Dispatcher.remoteErrors { try publisher.refresh() }
            var tip = try ledger.ops.ledgerHead()
            let governanceTip = try ledger.ops.governanceHead()
            if (tip != ledger.view.ledgerTip && tip != ledger.ownTip) || governanceTip != ledger.view.governanceTip {
                // Someone else moved a branch. The outcome held from the run
                // before goes out first, on its own, under the governance
                // its claim was decided under; then the view catches up.
                if ledger.heldOutcome != nil {
                    try ledger.publishHeld()
                    tip = try ledger.ops.ledgerHead()
                }
                try ledger.resync()
                guard ledger.view.ledgerTip == tip, let fresh = try ledger.evidence(for: id) else { continue }
                verdict = ledger.decide(fresh)
                guard verdict.state == .ready || (verdict.state == .inDoubt && reopensInDoubt) else { return nil }
                numberAfter = verdict.events.last?.sequence ?? 0
            }
            // Governance may have changed since the poll started: a claim
            // that would not count must never be made. The outcome held
            // from the run before answers a claim made while entitled: it
            // still goes out, on its own, before the poll stops.
            do {
                try checkEntitlement(under: ledger.view.trusted, now: ledger.now, cache: ledger.ops.verificationCache)
            } catch {
                try ledger.publishHeld()
                throw error
            }
            try ledger.lock.renew(now: ledger.now)
            var events = try claimEvents(
                id, verdict: verdict, intent: intent, tier: tier, runID: runID, clock: ledger.clock)
            // The outcome held from the run before rides in the same commit.
            var message = "writ: claim \(id) (\(tier), \(runID))"
            var after = [id: numberAfter]
            if let held = ledger.heldOutcome {
                events.append(held.executed.event)
                after[held.run.id] = held.run.claimedSequence
                message += "; \(held.executed.event.kind.rawValue) \(held.run.id)"
            }
            let files = try publisher.files(
                for: events, onTree: try ledger.ops.repository.commitTree(tip), after: after)
            guard
                let commit = try publisher.build(
                    files: files, on: tip, message: message + "\n", anchoredAt: ledger.view.governanceTip,
                    now: ledger.now)
            else { continue }
            // Journal first, then publish, then mark published: see StateStore.
            try store.journalAppend(id, .init(kind: .claim, runID: runID, commit: commit))
            if try publisher.makeDurable(commit, on: tip) {
                try store.journalAppend(id, .init(kind: .published, runID: runID, commit: commit))
                ledger.ownTip = tip == (ledger.ownTip ?? ledger.view.ledgerTip) ? commit : nil
                ledger.heldPublished()
                logger.info("claimed", metadata: ["intent": "\(id)", "commit": "\(commit.hex)", "run": "\(runID)"])
                let sequence =
                    files.keys.compactMap { path -> Int? in
                        if case .auditEvent(id, let sequence, _)? = LedgerPath(path) { sequence } else { nil }
                    }.max() ?? numberAfter
                return (commit, sequence)
            }
        }
        return nil
    }

    /// The events of a claim: `auto_approved` first for a low intent that
    /// has none yet, `break_glass` for a break-glass run that has none yet,
    /// then `claimed` naming the run, the idempotency key and the approvals
    /// that count.
    func claimEvents(
        _ id: IntentID, verdict: Verdict, intent: Intent, tier: Tier, runID: String, clock: () -> Date
    ) throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        if tier == .low, !verdict.events.contains(where: { $0.event.kind == .autoApproved }) {
            events.append(
                try AuditEvent(
                    intent: id, intentDigest: verdict.intentDigest, at: Timestamp(clock()), actor: identity,
                    payload: .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote)))
        }
        // SPEC §4.7: a break-glass run is announced before its claim, once
        // (a retry after in_doubt keeps the first announcement).
        if let run = verdict.breakGlass, !verdict.events.contains(where: { $0.event.kind == .breakGlass }) {
            events.append(
                try AuditEvent(
                    intent: id, intentDigest: verdict.intentDigest, at: Timestamp(clock()), actor: identity,
                    payload: .breakGlass(reason: run.reason, reviewBy: run.reviewBy ?? Timestamp(clock()))))
        }
        let approvals = try verdict.counted.map {
            try AuditEvent.ClaimedApproval(approver: $0.approver, commit: $0.commit.hex, recordDigest: $0.recordDigest)
        }
        events.append(
            try AuditEvent(
                intent: id, intentDigest: verdict.intentDigest, at: Timestamp(clock()), actor: identity,
                payload: .claimed(
                    .init(
                        tier: tier, runID: runID, idempotencyKey: intent.effectiveIdempotencyKey,
                        approvals: approvals))))
        return events
    }

    /// `DispatcherEntitlement.check` under `trusted`, skipped when it passed
    /// under the same governance commit less than a second ago (claims of a
    /// fast batch come milliseconds apart; a key window in allowed_signers
    /// is checked again within the second).
    mutating func checkEntitlement(under trusted: GovernanceState, now: Date, cache: VerificationCache?) throws {
        if let last = entitlementChecked, last.governance == trusted.commit, now >= last.at,
            now.timeIntervalSince(last.at) < 1
        {
            return
        }
        try DispatcherEntitlement.check(signer: signer, trusted: trusted, now: now, cache: cache)
        entitlementChecked = (trusted.commit, now)
    }

    /// The journalled claim that forbids claiming `id` again (see
    /// `ClaimJournal`), judged against the ledger head now and the
    /// intent's counting events.
    func blockingClaim(_ id: IntentID, events: [CountingEvent], in ops: OpsRepo) throws -> ClaimJournal.Claim? {
        let repository = ops.repository
        let head = try ops.ledgerHead()
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
}
