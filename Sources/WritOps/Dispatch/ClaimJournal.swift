import WritCore

/// When a dispatcher's own claim journal forbids claiming an intent again
/// (SPEC §6, docs/dispatch.md): the rule, apart from the files.
enum ClaimJournal {
    /// One claim this dispatcher built, from its journal lines.
    struct Claim: Equatable, Sendable {
        package let runID: String
        /// The ledger commit that carries the `claimed` event.
        package let commit: ObjectID
        /// Whether the push succeeded (the `published` line was written).
        let published: Bool
    }

    /// The first journalled claim that forbids another run of the intent,
    /// or nil when none does.
    ///
    /// - `isOnLedger(commit)`: the claim commit is part of the ledger now.
    /// - `isRetried(commit)`: an entitled `resolved(retry)` follows the
    ///   counting `claimed` event of that commit on the ledger.
    ///
    /// A claim on the ledger blocks until it is retried. A published claim
    /// that the ledger no longer holds blocks forever: the ledger forgot a
    /// run this dispatcher made, and no event can vouch for it any more.
    /// An unpublished claim off the ledger never ran and blocks nothing.
    static func blockingClaim(
        _ claims: [Claim], isOnLedger: (ObjectID) throws -> Bool, isRetried: (ObjectID) -> Bool
    ) rethrows -> Claim? {
        for claim in claims {
            if try isOnLedger(claim.commit) {
                if !isRetried(claim.commit) { return claim }
            } else if claim.published {
                return claim
            }
        }
        return nil
    }
}
