internal import Clibgit2
import Foundation
import WritCore

extension Repository {
    /// Points `name` at `new` only if it currently points at `expected`
    /// (compare-and-swap); `expected == nil` means the reference must not
    /// exist yet.
    ///
    /// `name` is a full reference name (`refs/heads/writ/ledger`) or a
    /// branch name (`writ/ledger`, taken as `refs/heads/writ/ledger`).
    /// A lost race throws `RefUpdateError.conflict(current:)`, a held lock
    /// `RefUpdateError.locked`; other failures throw `GitError`.
    package func updateRef(_ name: String, to new: ObjectID, expecting expected: ObjectID?, message: String = "writ")
        throws
    {
        let fullName = name.hasPrefix("refs/") ? name : "refs/heads/" + name
        guard isValidReferenceName(fullName) else { throw GitUsageError.invalidReferenceName(name) }
        var target = new.oid
        // An all-zero current id asks libgit2 for "must not exist"; force=1
        // is required, since force=0 fails on any existing ref even when the
        // old value matches.
        var current = (expected ?? ObjectID(git_oid())).oid
        var out: OpaquePointer?
        let result = git_reference_create_matching(&out, raw, fullName, &target, 1, &current, message)
        // ENOTFOUND: an old value was expected but the ref is absent.
        if result == GIT_EMODIFIED.rawValue || result == GIT_EEXISTS.rawValue
            || (expected != nil && result == GIT_ENOTFOUND.rawValue)
        {
            throw RefUpdateError.conflict(current: try referenceTarget(fullName))
        }
        if result == GIT_ELOCKED.rawValue {
            throw RefUpdateError.locked
        }
        try check(result, "git_reference_create_matching")
        _ = try handle(out, "git_reference_create_matching", release: git_reference_free)
    }
}

extension Repository {
    /// Removes `<ref>.lock` when it is older than `age` seconds, and says
    /// whether it did.
    ///
    /// A process killed inside a ref update leaves the lock behind and the
    /// ref can never move again (PITFALLS). Writers hold it for
    /// microseconds, so a lock that has stood for seconds belongs to a dead
    /// writer. Only the caller that owns the branch (the dispatcher, under
    /// its profile lock) should call this.
    @discardableResult
    package func removeStaleReferenceLock(_ name: String, olderThan age: TimeInterval) -> Bool {
        let fullName = name.hasPrefix("refs/") ? name : "refs/heads/" + name
        let path = (gitDirectory as NSString).appendingPathComponent(fullName + ".lock")
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let modified = attributes[.modificationDate] as? Date,
            Date().timeIntervalSince(modified) > age
        else { return false }
        return (try? FileManager.default.removeItem(atPath: path)) != nil
    }
}
