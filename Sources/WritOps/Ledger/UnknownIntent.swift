import WritCore

/// An intent id that names no intent on the ledger branch: the command line
/// named nothing, so `writ` treats it as a usage error (exit 2, no reason
/// code; docs/reasons.md). It is not `intent_malformed`, which judges an
/// intent that exists. The nearest id on the ledger is offered.
package struct UnknownIntent: Error, Sendable, Equatable, CustomStringConvertible {
    package let id: IntentID
    /// The ledger branch that was read.
    package let ledgerRef: String
    /// The nearest existing id, when one is close enough to be a typo (or
    /// the only one the typed text starts).
    package let suggestion: IntentID?

    package var description: String {
        "no intent \(id) on the ledger branch \(ledgerRef)"
            + (suggestion.map { "; did you mean \"\($0)\"?" } ?? "; run git fetch if it was proposed elsewhere")
    }
}

extension OpsRepo {
    /// Whether the ledger branch's tip holds the intent file of `id`
    /// (whatever it holds: any entry at its path); false when the branch or
    /// the path is absent. A ledger that cannot be read throws: it is not
    /// the same as an intent that is not there.
    public func holdsIntent(_ id: IntentID) throws -> Bool {
        guard let head = try tip(of: ledgerRef)?.commit else { return false }
        return try repository.entry(at: LedgerPath.intent(id).path, inTree: repository.commitTree(head)) != nil
    }

    /// The refusal for `id` when the ledger does not hold it, with the
    /// nearest id the ledger (local or remote-tracking) does hold.
    package func unknownIntent(_ id: IntentID) -> UnknownIntent {
        // Only the suggestion is lost when the ids cannot be listed: the
        // refusal itself stands on the read that found no intent.
        let known = ((try? intentIDs(remotes: remote.map { [$0] } ?? ["origin"])) ?? []).map(\.rawValue)
        let typed = id.rawValue
        let prefixed = known.filter { $0.hasPrefix(typed) }
        let nearest = DidYouMean.closest(to: typed, among: known) ?? (prefixed.count == 1 ? prefixed.first : nil)
        return UnknownIntent(id: id, ledgerRef: ledgerRef, suggestion: nearest.flatMap { IntentID($0) })
    }
}
