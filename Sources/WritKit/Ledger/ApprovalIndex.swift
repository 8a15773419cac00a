import Foundation

/// The approval records on the governance branch, each with the
/// first-parent commit that brought its current version in.
///
/// Built in one walk of the branch's first-parent history, diffing each
/// commit against its first parent: a record that reached the branch by a
/// merged approval PR is attributed to the merge commit, and a record that
/// exists only on another branch is never seen. Looking up an intent's
/// records then reads one small tree, so answering for every intent costs
/// one history walk plus work proportional to the number of intents.
public struct ApprovalIndex {
    public let ops: OpsRepo
    /// The governance commit the index describes.
    public let head: ObjectID
    private let headTree: ObjectID
    private var introducedBy: [String: ObjectID]

    /// Walks the governance branch from its root to `head`.
    public init(ops: OpsRepo, head: ObjectID) throws {
        self.ops = ops
        self.head = head
        let repository = ops.repository
        self.headTree = try repository.commit(head).tree
        var introducedBy: [String: ObjectID] = [:]
        for commitID in try repository.firstParentHistory(from: head, to: nil, order: .oldestFirst) {
            let parent = try repository.commit(commitID).parents.first
            for change in try repository.diff(from: parent, to: commitID)
            where change.kind != .removed && change.path.hasPrefix("approvals/")
                && !change.path.hasPrefix("approvals/_governance/")
            {
                introducedBy[change.path] = commitID
            }
        }
        self.introducedBy = introducedBy
    }

    /// The approval and denial records for `id` at the head, with their signatures.
    public func approvals(for id: IntentID) throws -> [ApprovalEvidence] {
        try ApprovalFolder.read(
            id, inTree: headTree, repository: ops.repository, introducedBy: { introducedBy[$0] }, fallback: head)
    }

    /// The request written by `writ propose`, when present.
    public func request(for id: IntentID) throws -> Data? {
        try? ops.repository.blob(at: GovernancePath.request(id).path, inTree: headTree, limit: RecordBytes.maximumSize)
    }
}
