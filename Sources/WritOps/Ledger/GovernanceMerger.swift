import Foundation
import WritCore
import WritGit

/// Brings approval branches into the governance branch locally, for set-ups
/// with no forge, through objects and a compare-and-swap ref update only.
///
/// Two ways, for two different acts:
/// - `mergeApproval` is what `writ approve --merge` does: it carries only
///   the approver's own record, its `.sig` and the intent's `request.toml`,
///   as one signed commit on the governance head, and lists every other
///   path the branch changes as left behind. Whatever else was pushed to
///   the approval branch (a `policy.toml` change, another principal's
///   record) never reaches the governance branch under the approver's
///   signature; it stays on the branch for its own review.
/// - `merge` carries a whole branch with a real merge commit (first parent:
///   the governance head), as a forge merging a reviewed PR would; the demo
///   and fixtures use it to stand in for that review.
///
/// Both read every blob they carry with `RecordBytes.maximumSize` as the
/// limit (a larger one is refused without being loaded), and both refuse to
/// move a governance branch that a work tree has checked out: writ never
/// writes an index or a work tree (SPEC §1), and moving the ref under one
/// leaves its index stale, so that the next `git add -A` there would revert
/// what was merged.
package struct GovernanceMerger {
    package let ops: OpsRepo
    var maximumAttempts = 16

    package init(ops: OpsRepo) {
        self.ops = ops
    }

    /// What `mergeApproval` carried and what it left on the branch.
    package struct Outcome: Sendable, Equatable {
        /// The commit on the governance branch; nil when it already held
        /// everything that was to be carried.
        package let commit: ObjectID?
        /// Paths carried in this commit, sorted.
        package let merged: [String]
        /// Paths the branch adds, changes or removes that the governance
        /// branch does not have and that were not carried, sorted.
        package let leftOnBranch: [String]
    }

    /// The governance branch is checked out in a work tree, so moving it
    /// would leave that work tree's index stale. Not a decision about an
    /// intent, so no reason code; the message says what to do instead.
    struct CheckedOut: Error, Sendable, Equatable, CustomStringConvertible {
        package let branch: String
        let workTrees: [String]

        package var description: String {
            "the governance branch '\(branch)' is checked out in \(workTrees.joined(separator: ", ")); "
                + "writ does not update a work tree or index, and moving the branch under it would leave its index "
                + "stale (a later `git add -A` would revert the merge). Run `writ approve --merge` against a bare "
                + "clone of the ops repo, or switch that work tree to another branch (`git switch --detach`) first."
        }
    }

    /// Throws `CheckedOut` when a work tree has the governance branch checked out.
    func refuseIfCheckedOut() throws {
        let workTrees = try ops.repository.workTreesCheckingOut(OpsRepo.refName(ops.governanceRef))
        guard workTrees.isEmpty else { throw CheckedOut(branch: ops.governanceRef, workTrees: workTrees) }
    }

    /// Carries `principal`'s record on `id` (and its `.sig`), plus the
    /// intent's `request.toml` when the governance branch has none yet, from
    /// `commit` (a commit of `branch`) onto the governance branch.
    ///
    /// Refused, with nothing carried (`approval_malformed`): a record or
    /// `.sig` that is missing, not a file, or over the size limit; a record
    /// that does not parse for its path; a `request.toml` to be carried that
    /// is over the limit or does not parse. A `request.toml` that differs
    /// from the one already on the governance branch is left on the branch.
    func mergeApproval(
        _ id: IntentID, of principal: Principal, from commit: ObjectID, branch: String, as signer: SigningIdentity,
        now: Date
    ) throws -> Outcome {
        try refuseIfCheckedOut()
        let repository = ops.repository
        let branchTree = try repository.commitTree(commit)
        let recordPath = GovernancePath.approval(id, principal).path
        let signaturePath = GovernancePath.approvalSignature(id, principal).path
        let requestPath = GovernancePath.request(id).path

        for _ in 0..<maximumAttempts {
            let head = try ops.governanceHead()
            let headTree = try repository.commitTree(head)
            var files: [String: Data] = [:]
            for path in [recordPath, signaturePath] {
                guard let entry = try repository.entry(at: path, inTree: branchTree) else {
                    throw WritError(.approvalMalformed, "\(path) is not on branch '\(branch)'; nothing merged")
                }
                guard try repository.entry(at: path, inTree: headTree)?.id != entry.id else { continue }
                files[path] = try boundedFile(entry, at: path, branch: branch)
            }
            if let record = files[recordPath] {
                _ = try ApprovalRecord.parse(record, expectedPath: recordPath)
            }
            if let request = try repository.entry(at: requestPath, inTree: branchTree),
                try repository.entry(at: requestPath, inTree: headTree) == nil
            {
                let bytes = try boundedFile(request, at: requestPath, branch: branch)
                _ = try ApprovalRequest.parse(bytes, expectedPath: requestPath)
                files[requestPath] = bytes
            }
            let leftOnBranch = try pathsLeftBehind(
                from: commit, head: head, headTree: headTree, carried: Set(files.keys))
            guard !files.isEmpty else { return Outcome(commit: nil, merged: [], leftOnBranch: leftOnBranch) }

            let merged = files.keys.sorted()
            var message = "writ: merge \(principal)'s record for \(id) from \(branch) into \(ops.governanceRef)\n\n"
            message += merged.map { "merged: \($0)\n" }.joined()
            message += leftOnBranch.map { "left on \(branch): \($0)\n" }.joined()
            let tree = try repository.insert(files, into: headTree, overwrite: true)
            let identity = signer.gitIdentity(at: now)
            // One parent: the branch is not merged in git's sense, so what
            // was left behind still shows as unmerged against the governance
            // branch, for its own review.
            let landed = try repository.createSignedCommit(
                tree: tree, parents: [head], author: identity, committer: identity, message: message
            ) { payload in try signer.sign(payload, namespace: SignatureNamespace.commit) }
            do {
                try repository.updateRef(OpsRepo.refName(ops.governanceRef), to: landed, expecting: head)
                return Outcome(commit: landed, merged: merged, leftOnBranch: leftOnBranch)
            } catch RefUpdateError.conflict, RefUpdateError.locked {
                continue
            }
        }
        throw RuntimeError.contention(
            "the governance branch kept moving; gave up merging '\(branch)'", branch: ops.governanceRef)
    }

    /// Merges the whole of `branch` and returns the merge commit, or nil
    /// when the governance branch already contains it.
    ///
    /// Only additions and changes are carried over; a branch that removes a
    /// governance path is refused, since a forge's protected-branch review is
    /// the place for that. The ref moves by compare-and-swap, so a concurrent
    /// merge makes this one retry on the new head rather than lose either.
    @discardableResult
    package func merge(branch: String, as signer: SigningIdentity, now: Date) throws -> ObjectID? {
        try refuseIfCheckedOut()
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
                        "branch '\(branch)' \(change.kind == .removed ? "removes" : "adds a non-file at") \(change.path); not merged"
                    )
                }
                files[change.path] = try boundedFile(entry, at: change.path, branch: branch)
            }
            let tree = try repository.insert(files, into: try repository.commitTree(head), overwrite: true)
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
        throw RuntimeError.contention(
            "the governance branch kept moving; gave up merging '\(branch)'", branch: ops.governanceRef)
    }

    /// The bytes of a regular file entry, refused (`approval_malformed`)
    /// when it is not a file or is larger than any record may be. The size
    /// is read from the object header, so a huge blob is never loaded.
    private func boundedFile(_ entry: TreeEntry, at path: String, branch: String) throws -> Data {
        guard entry.kind == .blob else {
            throw WritError(.approvalMalformed, "\(path) on branch '\(branch)' is not a regular file; nothing merged")
        }
        let size = try ops.repository.objectSize(entry.id)
        guard size <= RecordBytes.maximumSize else {
            throw WritError(
                .approvalMalformed,
                "\(path) on branch '\(branch)' is \(size) bytes, more than the \(RecordBytes.maximumSize)-byte limit; nothing merged"
            )
        }
        return try ops.repository.blob(entry.id, limit: RecordBytes.maximumSize)
    }

    /// Paths `commit`'s branch changed since it left the governance branch
    /// that are not among `carried` and that the governance head does not
    /// already hold as the branch has them.
    private func pathsLeftBehind(from commit: ObjectID, head: ObjectID, headTree: ObjectID, carried: Set<String>)
        throws -> [String]
    {
        let repository = ops.repository
        let base = try repository.mergeBase(head, commit)
        var left: [String] = []
        for change in try repository.diff(from: base, to: commit) where !carried.contains(change.path) {
            let onHead = try repository.entry(at: change.path, inTree: headTree)
            if onHead?.id != change.new?.id || onHead?.kind != change.new?.kind { left.append(change.path) }
        }
        return left.sorted()
    }
}
