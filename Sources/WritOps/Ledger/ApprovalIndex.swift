import Foundation
import WritCore
import WritGit

/// The approval and denial records on the governance branch, each with the
/// first-parent commit that brought its version in (`ApprovalAttribution`),
/// answerable at the head (`writ status`, `writ show`) and as of any point
/// of the first-parent history (`writ verify` replaying a claim).
///
/// Built in one walk of the branch's first-parent history from its root;
/// a lookup reads the one folder asked about, so answering for every intent
/// costs one history walk plus work proportional to the number of intents.
struct ApprovalIndex {
    package let repository: Repository
    /// The branch's first-parent history, root first; the last is the head.
    let chain: [ObjectID]
    /// Per record path, the chain indices (ascending) that brought a version in.
    private let arrivals: [String: [Int]]

    /// Walks the governance branch from its root to `head`.
    init(repository: Repository, head: ObjectID) throws {
        self.repository = repository
        var arrivals: [String: [Int]] = [:]
        self.chain = try ApprovalAttribution.walk(repository, after: nil, to: head) { arrival in
            arrivals[arrival.record, default: []].append(arrival.index)
        }
        self.arrivals = arrivals
    }

    /// The index of another first-parent chain that shares `base`'s up to
    /// `base.chain[index]` and goes on to `head` (a governance commit that a
    /// merge took off the head's chain, `writ verify` judging a claim
    /// anchored there): `base`'s arrivals up to `index`, then a walk of
    /// only the commits after it.
    init(repository: Repository, base: ApprovalIndex, through index: Int, head: ObjectID) throws {
        self.repository = repository
        var arrivals = base.arrivals.compactMapValues { indices -> [Int]? in
            let kept = indices.filter { $0 <= index }
            return kept.isEmpty ? nil : kept
        }
        let after = try ApprovalAttribution.walk(repository, after: base.chain[index], to: head) { arrival in
            arrivals[arrival.record, default: []].append(index + 1 + arrival.index)
        }
        self.chain = Array(base.chain[...index]) + after
        self.arrivals = arrivals
    }

    /// What an index knows, apart from the repository it reads through:
    /// workers that decide side by side share one, each reading through a
    /// repository of its own.
    struct Shape: Sendable {
        let chain: [ObjectID]
        let arrivals: [String: [Int]]
    }

    var shape: Shape { Shape(chain: chain, arrivals: arrivals) }

    /// The index `shape` describes, reading through `repository`.
    init(repository: Repository, shape: Shape) {
        self.repository = repository
        self.chain = shape.chain
        self.arrivals = shape.arrivals
    }

    /// The approval and denial records for `id` at the head, with their signatures.
    package func approvals(for id: IntentID) throws -> [ApprovalEvidence] {
        try approvals(for: id, asOf: chain.count - 1)
    }

    /// The records for `id` in the tree of `chain[index]`, each attributed
    /// to the newest commit at or before `index` that brought its version in.
    package func approvals(for id: IntentID, asOf index: Int) throws -> [ApprovalEvidence] {
        let commit = chain[index]
        return try ApprovalFolder.read(
            id, inTree: try repository.commitTree(commit), repository: repository,
            introducedBy: { path in arrivals[path]?.last { $0 <= index }.map { chain[$0] } }, fallback: commit)
    }
}
