import Foundation

/// The approval and denial records as they stood at any first-parent
/// governance commit, each with the first-parent commit that brought that
/// version in: `ApprovalIndex`, answerable for every point of history.
///
/// Built in one walk of the chain, diffing each commit against its first
/// parent; a lookup reads one small tree of the commit asked about.
struct HistoricalApprovals {
    let repository: Repository
    let chain: [ObjectID]
    /// Per approval path, the chain positions (ascending) that added or changed it.
    private let introductions: [String: [Int]]

    init(repository: Repository, chain: [ObjectID]) throws {
        self.repository = repository
        self.chain = chain
        var introductions: [String: [Int]] = [:]
        for (index, commitID) in chain.enumerated() {
            let parent = try repository.commit(commitID).parents.first
            for change in try repository.diff(from: parent, to: commitID)
            where change.kind != .removed && change.path.hasPrefix("approvals/")
                && !change.path.hasPrefix("approvals/_governance/")
            {
                introductions[change.path, default: []].append(index)
            }
        }
        self.introductions = introductions
    }

    /// The records for `id` in the tree of `chain[index]`, each attributed
    /// to the newest commit at or before `index` that introduced its version.
    func approvals(for id: IntentID, asOf index: Int) throws -> [ApprovalEvidence] {
        let head = chain[index]
        return try ApprovalFolder.read(
            id, inTree: try repository.commit(head).tree, repository: repository,
            introducedBy: { path in introductions[path]?.last { $0 <= index }.map { chain[$0] } }, fallback: head)
    }
}
