import Foundation

/// Merges a branch into the governance branch locally, with a real merge
/// commit (first parent: the governance head), for set-ups with no forge.
///
/// Only additions and changes are carried over; a branch that removes a
/// governance path is refused, since a forge's protected-branch review is
/// the place for that. The ref moves by compare-and-swap, so a concurrent
/// merge makes this one retry on the new head rather than lose either.
public struct GovernanceMerger {
    public let ops: OpsRepo
    public var maximumAttempts = 16

    public init(ops: OpsRepo) {
        self.ops = ops
    }

    /// Merges `branch` and returns the merge commit, or nil when the
    /// governance branch already contains it.
    @discardableResult
    public func merge(branch: String, as signer: SigningIdentity, now: Date) throws -> ObjectID? {
        let repository = ops.repository
        guard let branchHead = try repository.resolve(OpsRepo.refName(branch)) else {
            throw WritError(.approvalMalformed, "branch '\(branch)' does not exist")
        }
        for _ in 0..<maximumAttempts {
            let head = try ops.governanceHead()
            if try head == branchHead || repository.isDescendant(head, of: branchHead) { return nil }
            let base = try repository.mergeBase(head, branchHead)
            var files: [String: Data] = [:]
            for change in try repository.diff(from: base, to: branchHead) {
                guard change.kind != .removed, let entry = change.new, entry.kind == .blob else {
                    throw WritError(
                        .approvalMalformed,
                        "branch '\(branch)' \(change.kind == .removed ? "removes" : "adds a non-file at") \(change.path); not merged")
                }
                files[change.path] = try repository.blob(entry.id)
            }
            let tree = try repository.insert(files, into: try repository.commit(head).tree, overwrite: true)
            let identity = signer.gitIdentity(at: now)
            let merge = try repository.createSignedCommit(
                tree: tree, parents: [head, branchHead], author: identity, committer: identity,
                message: "Merge branch '\(branch)' into \(ops.governanceRef)\n"
            ) { payload in try signer.sign(payload, namespace: SignatureNamespace.commit) }
            do {
                try repository.updateRef(OpsRepo.refName(ops.governanceRef), to: merge, expecting: head)
                return merge
            } catch RefUpdateError.conflict, RefUpdateError.locked {
                continue
            }
        }
        throw WritError(.lockContended, "the governance branch kept moving; gave up merging '\(branch)'")
    }
}
