/// `[limits]` per proposer principal (SPEC §4.8): the counting rule of
/// docs/limits.md, as a state that advances with the ledger walk.
///
/// Every intent is judged once, at its own proposal commit, in ledger order
/// (commit by commit; within a commit, its events first, then its intents
/// in id order), so every reader that walks the ledger — the dispatcher,
/// `writ status`, `show`, `verify`, the report — gives each intent the same
/// answer, and a poll only takes in what is new.
///
/// Pure and clock-free: it sees proposals, whether their signature held at
/// their proposal commit, and the events that free slots; time comes only
/// from the intents' own `created_at` and `expires_at`. What it keeps is
/// small: per proposer, the intents it counts that are still pending and
/// the `max_per_day` newest `created_at` values it counts, plus the ids it
/// refused that no event has settled since.
package struct ProposerQuota: Sendable, Equatable, Codable {
    /// The window of `max_per_day`, in seconds.
    package static let day: Int64 = 86_400

    /// The limits every intent was judged under: the trusted head's
    /// (docs/limits.md). A state made under other limits is replayed.
    package let limits: Policy.Limits
    private var proposers: [Principal: Counted] = [:]
    /// Each pending counted intent's proposer, to free its slot by id.
    private var owners: [IntentID: Principal] = [:]
    /// Intents over a limit, with the finding's detail. One that an event
    /// settles since is dropped (the ledger's state wins over any finding),
    /// unless `keepsSettledRefusals`.
    private var refusals: [IntentID: String] = [:]
    /// Whether a refused intent's finding outlives a claim or outcome:
    /// `writ verify` judges such a claim after the walk has passed it.
    /// Never saved: each reader sets it.
    package var keepsSettledRefusals = false

    private enum CodingKeys: String, CodingKey { case limits, proposers, owners, refusals }

    /// What is counted of one proposer.
    private struct Counted: Sendable, Equatable, Codable {
        /// Counted intents not freed by an event, oldest first. One that
        /// expired stays: a later, back-dated proposal still sees it pending.
        var pending: [Slot] = []
        /// `created_at` of counted intents, newest first, at most
        /// `max_per_day` of them: whether a window holds `max_per_day`
        /// counted proposals depends only on the newest `max_per_day`.
        var recent: [Timestamp] = []
    }

    private struct Slot: Sendable, Equatable, Codable {
        let id: IntentID
        let expiresAt: Timestamp?
    }

    package init(limits: Policy.Limits) {
        self.limits = limits
    }

    /// Whether a counting event of `kind` frees the slot of its intent: the
    /// intent is claimed or settled, so no longer waits for anyone. The one
    /// place that says so; a `resolved(retry)` does not take a slot back.
    package static func freesSlot(_ kind: AuditEventKind) -> Bool {
        switch kind {
        case .claimed, .succeeded, .failed, .inDoubt, .withdrawn: true
        case .autoApproved, .blocked, .resolved, .projection, .gate, .breakGlass: false
        }
    }

    /// A counting event of `kind` for `id`, met in ledger order.
    package mutating func take(_ kind: AuditEventKind, for id: IntentID) {
        guard Self.freesSlot(kind) else { return }
        if !keepsSettledRefusals { refusals.removeValue(forKey: id) }
        guard let proposer = owners.removeValue(forKey: id) else { return }
        proposers[proposer]?.pending.removeAll { $0.id == id }
    }

    /// A proposal met in ledger order: the intent `id` parsed at its
    /// proposal commit, and `signed` says whether its `.sig` verified for
    /// its proposer there. Returns the finding when it is over a limit; an
    /// intent within the limits and signed counts against later ones, one
    /// refused or unsigned never does.
    @discardableResult
    package mutating func propose(_ intent: Intent, signed: Bool) -> WritError? {
        guard signed, refusals[intent.id] == nil, owners[intent.id] == nil else { return nil }
        if let finding = check(intent.proposer, createdAt: intent.createdAt) {
            refusals[intent.id] = finding.detail
            return finding
        }
        var counted = proposers[intent.proposer] ?? Counted()
        if limits.maxPending != nil {
            counted.pending.append(Slot(id: intent.id, expiresAt: intent.expiresAt))
            owners[intent.id] = intent.proposer
        }
        if let maxPerDay = limits.maxPerDay {
            let at = counted.recent.firstIndex { $0 < intent.createdAt } ?? counted.recent.endIndex
            counted.recent.insert(intent.createdAt, at: at)
            if counted.recent.count > maxPerDay { counted.recent.removeLast(counted.recent.count - maxPerDay) }
        }
        proposers[intent.proposer] = counted
        return nil
    }

    /// Whether a proposal by `proposer` created at `createdAt` would be over
    /// a limit after everything taken in so far: `writ propose` asks before
    /// writing, the walk when it meets one.
    package func check(_ proposer: Principal, createdAt: Timestamp) -> WritError? {
        let counted = proposers[proposer] ?? Counted()
        if let maxPending = limits.maxPending {
            // Expired at the new intent's created_at: the slot is free.
            let open = counted.pending.filter { slot in slot.expiresAt.map { $0 > createdAt } ?? true }
            if open.count >= maxPending {
                let named = open.prefix(3).map(\.id.rawValue).joined(separator: ", ")
                let more = open.count > 3 ? ", …" : ""
                let expiry = open.compactMap(\.expiresAt).min().map { "; the first expiry is \($0)" } ?? ""
                return WritError(
                    .quotaExceeded,
                    "\(quoted: proposer.rawValue) has \(open.count) pending intents (max_pending = \(maxPending)): "
                        + "\(named)\(more); a slot frees when one of them is claimed, settled or withdrawn, or "
                        + "expires\(expiry)")
            }
        }
        if let maxPerDay = limits.maxPerDay {
            // Counted: created within the 24 h before, or later (so a
            // back-dated created_at cannot escape the window).
            let since = createdAt.adding(seconds: -Self.day)
            let inWindow = counted.recent.filter { $0 > since }
            if inWindow.count >= maxPerDay, let oldest = inWindow.last {
                return WritError(
                    .quotaExceeded,
                    "\(quoted: proposer.rawValue) has \(inWindow.count) proposals in the 24 h before \(createdAt) "
                        + "(max_per_day = \(maxPerDay)); the window frees at \(oldest.adding(seconds: Self.day)) "
                        + "(an intent created at or after it)")
            }
        }
        return nil
    }

    /// The finding for `id` when it was over a limit at its proposal commit.
    package func finding(for id: IntentID) -> WritError? {
        refusals[id].map { WritError(.quotaExceeded, $0) }
    }

    /// The ids found over a limit, sorted.
    package var refused: [IntentID] { refusals.keys.sorted() }
}
