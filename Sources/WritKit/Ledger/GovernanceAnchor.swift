/// The `Writ-Governance: <commit>` trailer every ledger commit writ writes
/// carries: the governance commit its writer read and trusted when it
/// decided to write. `LedgerWalk` turns anchors into ledger positions.
public enum GovernanceAnchor {
    /// The trailer's key.
    static let key = "Writ-Governance"

    /// `message` with the trailer appended as its last paragraph.
    public static func message(_ message: String, anchoredAt governance: ObjectID) -> String {
        var body = message
        while body.hasSuffix("\n") { body.removeLast() }
        return body + "\n\n\(key): \(governance.hex)\n"
    }

    /// The anchor of a commit message: the object id of its single
    /// `Writ-Governance: <40 lower-case hex>` line. None, or more than one
    /// such line (a message that cannot be read one way only), is no
    /// anchor, and the commit keeps the position of its parent.
    static func parse(_ message: String) -> ObjectID? {
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
