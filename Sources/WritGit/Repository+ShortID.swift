internal import Clibgit2
import Foundation
import WritCore

/// What an abbreviated commit id resolved to.
package enum CommitLookup: Sendable, Hashable {
    /// Exactly one commit starts with the prefix.
    case found(ObjectID)
    /// No commit starts with the prefix (or the text is not 7 to 40 hex digits).
    case notFound
    /// More than one object starts with the prefix: a longer one is needed.
    case ambiguous
}

extension Repository {
    /// The shortest abbreviated id accepted: what `git log --oneline` prints.
    package static let minimumCommitPrefix = 7

    /// Resolves a full or abbreviated commit id (7 to 40 hex digits).
    ///
    /// Only object ids are looked up, never branch or tag names, so a
    /// trust root written as a short id cannot be taken over by a branch
    /// that happens to be called like it.
    package func lookupCommit(prefix text: String) throws -> CommitLookup {
        let hex = text.lowercased()
        guard (Self.minimumCommitPrefix...40).contains(hex.count), hex.allSatisfy(\.isHexDigit) else {
            return .notFound
        }
        var oid = git_oid()
        try check(git_oid_fromstrn(&oid, hex, hex.utf8.count), "git_oid_fromstrn")
        var out: OpaquePointer?
        let result = git_object_lookup_prefix(&out, raw, &oid, hex.utf8.count, GIT_OBJECT_COMMIT)
        if result == GIT_EAMBIGUOUS.rawValue { return .ambiguous }
        // A prefix of an object that is not a commit is not a commit id.
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EINVALIDSPEC.rawValue { return .notFound }
        try check(result, "git_object_lookup_prefix")
        let object = try handle(out, "git_object_lookup_prefix", release: git_object_free)
        guard let id = git_object_id(object.raw) else { return .notFound }
        return .found(ObjectID(id))
    }

    /// Points a bare repository's `HEAD` at `branch` (a full reference
    /// name), so that `git clone` checks that branch out.
    package func setSymbolicHead(_ branch: String) throws {
        guard isValidReferenceName(branch), branch.hasPrefix("refs/heads/") else {
            throw GitUsageError.invalidReferenceName(branch)
        }
        try check(git_repository_set_head(raw, branch), "git_repository_set_head")
    }
}
