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

    /// When governance commit `id` landed, for a wait or a break-glass
    /// review (SPEC §4.6–4.7): its committer date, never earlier than its
    /// first parent's. A merge dated back before the commit it merges onto
    /// cannot shorten a wait that way; a date in the future only makes the
    /// wait longer. The answer depends on the two commits alone, so every
    /// reader (dispatcher, status, show, verify) gives the same one.
    func governanceTime(of id: ObjectID) throws -> Date {
        let commit = try commit(id)
        guard let parent = commit.parents.first else { return commit.committer.date }
        return max(commit.committer.date, try self.commit(parent).committer.date)
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
