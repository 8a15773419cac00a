import WritCore
import WritGit

/// The `Writ-Governance: <commit>` trailer every ledger commit writ writes
/// carries: the governance commit its writer read and trusted when it
/// decided to write. `LedgerWalk` turns anchors into ledger positions.
package enum GovernanceAnchor {
    /// The trailer's key.
    package static let key = "Writ-Governance"

    /// `message` with the trailer appended as its last paragraph.
    package static func message(_ message: String, anchoredAt governance: ObjectID) -> String {
        var body = message
        while body.hasSuffix("\n") { body.removeLast() }
        return body + "\n\n\(key): \(governance.hex)\n"
    }

    /// How many first-parent commits back from the commit a writer builds
    /// on `anchor(deciding:onTopOf:governanceHead:in:)` looks for an anchor.
    static let lookBack = 16

    /// The anchor for a ledger commit built on `parent` by a writer that
    /// decided under governance commit `decided`: `decided`, unless the
    /// newest anchored commit among `parent`'s last `lookBack` first-parent
    /// commits names a newer governance commit (a descendant of `decided`)
    /// that `governanceHead` holds; then that one. Readers judge a commit at
    /// the newest anchor before it anyway (positions never move back), so
    /// naming it changes no verdict; it keeps a writer that lost a race to
    /// one with a newer view (an outcome published after a long run, while
    /// an approval was merged and a proposal anchored at it) from carrying
    /// an anchor that moved back, which `writ verify` reports.
    static func anchor(
        deciding decided: ObjectID, onTopOf parent: ObjectID?, governanceHead: ObjectID?, in repository: Repository
    ) -> ObjectID {
        guard let head = governanceHead, let previous = latest(from: parent, in: repository), previous != decided,
            (try? repository.isDescendant(previous, of: decided)) == true,
            (try? repository.isDescendant(head, of: previous)) == true
        else { return decided }
        return previous
    }

    /// The message of a ledger commit an operator command (propose, gate,
    /// resolve) builds on `parent` after deciding under governance commit
    /// `decided`: anchored at `decided`, or at the newer governance commit
    /// the ledger already stands at (`anchor(deciding:onTopOf:governanceHead:in:)`),
    /// which a push race lost to a writer with a newer view can put under
    /// the rebuilt commit.
    package static func message(_ body: String, decidedAt decided: ObjectID, onTopOf parent: ObjectID, ops: OpsRepo)
        -> String
    {
        // No governance head readable: the decided anchor, which is never wrong, only possibly older.
        let head = try? ops.governanceHead()
        return message(
            body, anchoredAt: anchor(deciding: decided, onTopOf: parent, governanceHead: head, in: ops.repository))
    }

    /// The anchor of the newest anchored commit among `tip`'s last
    /// `lookBack` first-parent commits.
    private static func latest(from tip: ObjectID?, in repository: Repository) -> ObjectID? {
        var current = tip
        for _ in 0..<lookBack {
            guard let id = current, let commit = try? repository.commit(id) else { return nil }
            if let anchor = parse(commit.message) { return anchor }
            current = commit.parents.first
        }
        return nil
    }

    /// The anchor of a commit message: the object id of its single
    /// `Writ-Governance: <40 lower-case hex>` line. None, or more than one
    /// such line (a message that cannot be read one way only), is no
    /// anchor, and the commit keeps the position of its parent.
    package static func parse(_ message: String) -> ObjectID? {
        let prefix = key + ": "
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix(prefix) }
        guard lines.count == 1, let line = lines.first else { return nil }
        let hex = line.dropFirst(prefix.count)
        guard hex.count == 40, hex.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
            return nil
        }
        return ObjectID(hex: String(hex))
    }
}
