import Foundation
import WritCore
import WritGit

/// Reads for the ledger's and governance's readers that tell absent from
/// unreadable: each returns nil only for what is legitimately not there,
/// and throws when what is there cannot be read (an object missing from
/// the database behind a tree that names it, an I/O error), so a broken
/// repository is never taken for a missing record, signature or commit
/// (docs/reasons.md, "Runtime errors carry no reason code").
extension Repository {
    /// The record file at `path` in `tree`: nil when no blob stands there
    /// (no entry, a folder at the path, or a tree on the way git would
    /// refuse, which the ledger's and governance's own checks judge).
    func recordIfPresent(at path: String, inTree tree: ObjectID) throws -> Data? {
        do {
            return try blob(at: path, inTree: tree, limit: RecordBytes.maximumSize)
        } catch GitUsageError.notABlob, GitUsageError.malformedTree {
            return nil
        }
    }

    /// The commit `id`: nil when the database holds no such object, or
    /// holds another kind of object under that id (libgit2 says
    /// `GIT_ENOTFOUND` for both).
    func commitIfPresent(_ id: ObjectID) throws -> CommitInfo? {
        do {
            return try commit(id)
        } catch let error as GitError where error.code == .notFound {
            return nil
        }
    }

    /// The parents of commit `id`; nil when `id` names no commit here.
    func commitParentsIfPresent(_ id: ObjectID) throws -> [ObjectID]? {
        do {
            return try commitParents(id)
        } catch let error as GitError where error.code == .notFound {
            return nil
        }
    }
}
