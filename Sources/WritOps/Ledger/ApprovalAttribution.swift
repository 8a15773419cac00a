import Foundation
import WritCore
import WritGit

/// Which first-parent governance commit brought in each approval record
/// version: the one rule that `writ status`, `writ show`, `writ verify` and
/// the dispatcher's claims share (docs/decisions.md, "Which commit brought a
/// record in").
///
/// A record version is the pair `<principal>.toml` and `<principal>.toml.sig`
/// as it stands: a new signature is a new version. It is attributed to the
/// first-parent commit of the governance branch that last added, changed or
/// removed either file, each commit diffed against its first parent. So a
/// record merged from an approval branch belongs to the merge commit, never
/// to the branch commit that wrote it, and a record only on another branch
/// is never seen at all.
enum ApprovalAttribution {
    /// One record version brought in by a first-parent commit.
    struct Arrival: Sendable, Equatable {
        package let intent: IntentID
        /// The record's path (`approvals/<aa>/<id>/<principal>.toml`), also
        /// when only its `.sig` changed.
        package let record: String
        package let commit: ObjectID
        /// The commit's index in the walked range, oldest first from 0.
        package let index: Int
    }

    /// Walks the first-parent commits after `start` (exclusive; nil: from
    /// the root) up to `head`, oldest first, and calls `arrived` once per
    /// record each commit touches, in commit order, so the last call for a
    /// record names its attributed commit. Returns the commits walked.
    ///
    /// Each commit costs one diff against its first parent, which reads
    /// only the trees on the changed paths: resuming from a remembered tip
    /// reads only the new commits.
    @discardableResult
    static func walk(
        _ repository: Repository, after start: ObjectID?, to head: ObjectID, _ arrived: (Arrival) throws -> Void
    ) throws -> [ObjectID] {
        let chain = try repository.firstParentHistory(from: head, to: start, order: .oldestFirst)
        for (index, commitID) in chain.enumerated() {
            let parent = try repository.commitParents(commitID).first
            // A record whose `.toml` and `.sig` both changed arrives once;
            // the diff is sorted by path, so the order is stable.
            var seen = Set<String>()
            for change in try repository.diff(from: parent, to: commitID) {
                guard let (intent, record) = ApprovalFolder.record(ofFile: change.path), seen.insert(record).inserted
                else { continue }
                try arrived(Arrival(intent: intent, record: record, commit: commitID, index: index))
            }
        }
        return chain
    }
}
