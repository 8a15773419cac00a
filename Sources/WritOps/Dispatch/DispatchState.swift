import Foundation
import WritCore

/// What a dispatcher remembers between polls, in `{state_dir}/{profile}/`.
///
/// It is what makes a poll cost what is new rather than the whole history:
/// the tips processed last time (also the reference for rewrite detection),
/// the last trusted governance commit, the intents still in play, and, per
/// intent, which commits added its events and approval records.
package struct DispatchState: Codable, Sendable, Equatable {
    /// The trust root this state was built from; a config pinning another
    /// root starts over.
    package var trustRoot: ObjectID
    /// The newest governance commit whose state was trusted.
    var trustedCommit: ObjectID
    package var governanceTip: ObjectID?
    var ledgerTip: ObjectID?
    /// Intents not yet settled, by id.
    package var pending: Set<IntentID>
    /// Where the ledger walk stands after `ledgerTip`: its governance
    /// position, the state trusted there and the ledger clock, so a poll
    /// judges only new ledger commits (docs/audit.md).
    var ledgerCursor: LedgerCursor?
    /// Whether the idempotency keys of every intent walked are bound
    /// (`IdempotencyKeys`); a state from before bindings existed is read
    /// again from the trust root.
    var keysBound: Bool?
    /// The `[limits]` count (``ProposerQuota``) up to `ledgerTip`, under
    /// the limits it names; nil when the trusted policy has none.
    var quota: ProposerQuota?

    package enum CodingKeys: String, CodingKey {
        case trustRoot = "trust_root"
        case trustedCommit = "trusted_commit"
        case governanceTip = "governance_tip"
        case ledgerTip = "ledger_tip"
        case pending
        case ledgerCursor = "ledger_cursor"
        case keysBound = "keys_bound"
        case quota
    }

    init(trustRoot: ObjectID) {
        self.trustRoot = trustRoot
        self.trustedCommit = trustRoot
        self.pending = []
    }
}

/// Per intent: where its events and approval records came from.
struct IntentLedgerRecord: Codable, Sendable, Equatable {
    package struct Event: Codable, Sendable, Equatable {
        package let path: String
        package let commit: ObjectID
        package let signers: [Principal]
        /// Whether the event counts, as the ledger walk judged it under
        /// the governance trusted at its commit's position.
        package let counts: Bool?
    }

    package var events: [Event] = []
    /// Approval record path → the first-parent governance commit that brought its current version
    /// (`ApprovalAttribution`: the last to change its `.toml` or `.sig`).
    package var approvals: [String: ObjectID] = [:]
    /// Whether the intent file has been seen on the ledger.
    var proposed = false
}
