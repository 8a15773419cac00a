import WritCore

extension OpsRepo {
    /// The ids of the intents on the ledger branch, for shell completion and
    /// scripts: the local branch and the remote-tracking copies of it
    /// (`refs/remotes/<remote>/<ledger>`), so a fresh clone whose local
    /// ledger branch does not exist yet still lists what the remote holds.
    ///
    /// This reads names only: it verifies no signature and says nothing
    /// about whether an intent counts (`writ status` does). A branch that is
    /// missing lists nothing; an id whose path is not `intents/<aa>/<id>.toml`
    /// with the right fan-out is left out.
    public func intentIDs(remotes: [String] = ["origin"]) throws -> [IntentID] {
        let branch = ledgerRef.hasPrefix("refs/heads/") ? String(ledgerRef.dropFirst("refs/heads/".count)) : ledgerRef
        var revisions = [Self.refName(ledgerRef)]
        if !branch.hasPrefix("refs/") {
            revisions += remotes.map { "refs/remotes/\($0)/\(branch)" }
        }
        var ids = Set<IntentID>()
        for revision in revisions {
            guard try repository.resolve(revision) != nil,
                let fanOuts = try repository.tree(at: "intents", in: revision)
            else { continue }
            for fanOut in fanOuts where fanOut.kind == .tree {
                for entry in try repository.tree(fanOut.id) where entry.isBlobLike && entry.name.hasSuffix(".toml") {
                    guard let id = IntentID(String(entry.name.dropLast(".toml".count))), id.fanOut == fanOut.name
                    else { continue }
                    ids.insert(id)
                }
            }
        }
        return ids.sorted()
    }
}
