import WritCore

/// Something `writ verify` reports as information about an honest history:
/// not a finding, so it never fails verify, and not a reason code.
package struct AuditNote: Sendable, Equatable, Encodable {
    /// What the note is about.
    package enum Kind: String, Sendable, Encodable {
        /// A claim anchored (`Writ-Governance`) at a governance commit that
        /// the head reaches, but not along its first-parent chain: a merge
        /// such as `git pull` on the governance branch took it off the
        /// chain. The claim was judged at its anchor (SPEC §5).
        case anchorOffChain = "anchor_off_chain"
    }

    package let kind: Kind
    /// The ledger commit the note is about.
    package let commit: ObjectID
    /// The event file it is about.
    package let path: String?
    /// The governance commit the commit is anchored at.
    package let anchor: ObjectID
    package let detail: String

    private enum Keys: String, CodingKey { case kind, commit, path, anchor, detail }

    // Explicit, so that absent values are `null` rather than missing keys.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(commit, forKey: .commit)
        try container.encode(path, forKey: .path)
        try container.encode(anchor, forKey: .anchor)
        try container.encode(detail, forKey: .detail)
    }
}
