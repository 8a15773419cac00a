import Foundation
import Logging
import WritCore

/// The poll's place on the ledger: the view it decides on, the dispatch
/// state that view was derived from, the tip its own commits made, and the
/// outcome held back to ride in the next claim's commit. Every ledger write
/// of a poll goes through it (or through `ClaimPublisher`, which updates it).
///
/// Invariants: `ownTip` names a tip where the ledger differs from `view`
/// only by events this poll wrote itself; a new view clears it, and so does
/// a publish that lost a race and was rebuilt on another writer's commit.
/// A held outcome is already durable in its journal; its intent leaves
/// `pending` only once the outcome is on the ledger.
struct PollLedger {
    /// The evidence `LedgerSync.evidence` returns for one intent.
    typealias Evidence = (intent: IntentEvidence, approvals: [ApprovalEvidence], events: [EventEvidence])

    package let sync: LedgerSync
    let publisher: LedgerPublisher
    package let lock: ProfileLock
    package let runID: String
    package let logger: Logger
    package let clock: @Sendable () -> Date
    package var state: DispatchState
    var view: LedgerSync.View {
        didSet {
            ownTip = nil
            if let change = view.offChain {
                offChain.append(change)
                Dispatcher.say(change, to: logger)
            }
        }
    }
    /// Governance tips found off the first-parent chain during the poll,
    /// for the run report; each is found by one sync only.
    private(set) var offChain: [LedgerSync.OffChain]
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

    init(
        sync: LedgerSync, publisher: LedgerPublisher, lock: ProfileLock, runID: String, logger: Logger,
        clock: @escaping @Sendable () -> Date, state: DispatchState, view: LedgerSync.View
    ) {
        self.sync = sync
        self.publisher = publisher
        self.lock = lock
        self.runID = runID
        self.logger = logger
        self.clock = clock
        self.state = state
        self.view = view
        offChain = view.offChain.map { [$0] } ?? []
    }

    package var ops: OpsRepo { sync.ops }
    package var now: Date { clock() }

    /// Brings the view up to the branches' tips.
    mutating func resync() throws {
        view = try sync.sync(&state, now: now)
    }

    /// The intent's evidence at the view's tips, nil when the ledger holds
    /// no such intent.
    package func evidence(for id: IntentID) throws -> Evidence? {
        try sync.evidence(for: id, in: view)
    }

    /// The decision on `evidence` under the view's governance, with
    /// `events` in place of its events when given.
    func decide(_ evidence: Evidence, events: [EventEvidence]? = nil) -> Verdict {
        // `[limits]`: the finding the sync's count made at the intent's proposal commit.
        let quota = LedgerPath(evidence.intent.path).flatMap { view.quota?.finding(for: $0.intentID) }
        return DecisionEngine.decide(
            governance: view.trusted, intent: evidence.intent, approvals: evidence.approvals,
            events: events ?? evidence.events, now: now, cache: ops.verificationCache, quota: quota)
    }

    /// Publishes `events` in a commit of their own, renumbered on whatever
    /// tip the ledger has when a race is lost. `ownTip`: whether the
    /// commit extends `ownTip` (see `noteOwnCommit`); a commit that does
    /// not leaves it as it was, and the next claim finds the tip moved.
    mutating func publish(
        _ events: [AuditEvent], message: String, after: [IntentID: Int], extendingOwnTip: Bool
    ) throws {
        let commit = try publisher.publish(
            events, message: message, anchoredAt: view.governanceTip, now: now, after: after)
        if extendingOwnTip { try noteOwnCommit(commit) }
    }

    /// Extends `ownTip` with a commit `publisher.publish` made, when it was
    /// built on `ownTip` (or the view's tip); a publish that lost a race was
    /// rebuilt on someone else's commit, which the next claim must sync.
    mutating func noteOwnCommit(_ commit: ObjectID?) throws {
        guard let commit else { return }
        let parent = try ops.repository.commitParents(commit).first
        ownTip = parent == (ownTip ?? view.ledgerTip) ? commit : nil
    }

    /// Publishes the held outcome on its own, when no claim carried it.
    mutating func publishHeld() throws {
        guard let held = heldOutcome else { return }
        try publish(
            [held.executed.event], message: "writ: \(held.executed.event.kind.rawValue) \(held.run.id) (\(runID))\n",
            after: [held.run.id: held.run.claimedSequence], extendingOwnTip: true)
        heldPublished()
        try lock.renew(now: now)
    }

    /// The held outcome is on the ledger: the intent leaves play. (Its
    /// journal line stays; it answers a claim that is now settled.)
    mutating func heldPublished() {
        guard let held = heldOutcome else { return }
        if !held.run.idempotent { state.pending.remove(held.run.id) }
        heldOutcome = nil
    }
}
