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
        /// A break-glass run whose review is pending (before `review_by`),
        /// ratified or rejected (SPEC §4.7); an overdue one is a finding.
        case breakGlass = "break_glass"
    }

    package let kind: Kind
    /// The ledger commit the note is about.
    package let commit: ObjectID
    /// The event file it is about.
    package let path: String?
    /// The governance commit the note refers to: the one the ledger commit
    /// is anchored at (`anchor_off_chain`), or the one that merged the
    /// break-glass record (`break_glass`).
    package let anchor: ObjectID
    package let detail: String
    /// A break-glass run's review state; nil for other notes.
    package let review: BreakGlassRun.Review?

    package init(
        kind: Kind, commit: ObjectID, path: String?, anchor: ObjectID, detail: String,
        review: BreakGlassRun.Review? = nil
    ) {
        self.kind = kind
        self.commit = commit
        self.path = path
        self.anchor = anchor
        self.detail = detail
        self.review = review
    }

    private enum Keys: String, CodingKey { case kind, commit, path, anchor, detail, review }

    // Explicit, so that absent values are `null` rather than missing keys.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(commit, forKey: .commit)
        try container.encode(path, forKey: .path)
        try container.encode(anchor, forKey: .anchor)
        try container.encode(detail, forKey: .detail)
        try container.encodeIfPresent(review, forKey: .review)
    }
}
