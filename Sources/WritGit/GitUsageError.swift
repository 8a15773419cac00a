import WritCore

/// A request the Git layer refuses before or instead of calling libgit2.
package enum GitUsageError: Error, Sendable, Hashable {
    /// A path component is empty, `.`, `..`, contains `/` or NUL, or is
    /// `.git` in any case.
    case invalidPathComponent(path: String, component: String)
    /// An insertion would replace an existing entry and overwriting was not
    /// allowed (the ledger is append-only).
    case pathExists(String)
    /// The same insertion set names a path both as a file and as a directory.
    case pathConflict(String)
    /// The object is not of the kind the operation needs.
    case wrongObjectKind(id: ObjectID, expected: String)
    /// The path exists but names a directory or gitlink, not a blob.
    case notABlob(String)
    /// A revision string names no branch, reference or object id.
    case invalidRevision(String)
    /// `base` is not on the first-parent chain of `head`.
    case notOnFirstParentChain(head: ObjectID, base: ObjectID)
    /// A signature to embed is empty or holds characters a header cannot.
    case invalidSignatureText
    /// A reference name is not a valid full reference name.
    case invalidReferenceName(String)
    /// A tree git itself would refuse (`git fsck`): duplicate or unsorted
    /// entries, a name holding `/` or NUL, or nesting deeper than writ reads.
    /// Readers map it to their record's reason code (`ledger_violation` on
    /// the ledger, `policy_malformed` on the governance branch).
    case malformedTree(tree: ObjectID, problem: String)
}
