import Foundation

/// Appends files to a branch as one SSH-signed commit, through objects and
/// a compare-and-swap ref update only (no work tree, no index).
///
/// Appending never overwrites: a path that already exists fails the append,
/// which is what keeps the ledger append-only by construction. When another
/// writer moves the branch between our read and our update, the commit is
/// rebuilt on the new tip and retried, never forced.
public struct BranchAppender {
    public let repository: Repository
    public var maximumAttempts = 16
    /// How long a held ref lock is waited for; one older than
    /// `staleLockSeconds` is a dead writer's and is removed.
    public var lockWaitSeconds: TimeInterval = 10
    public var staleLockSeconds: TimeInterval = 5

    public init(repository: Repository) {
        self.repository = repository
    }

    /// Commits `files` on top of `branch` and returns the new commit id.
    ///
    /// `createBranchFrom` names the commit to start the branch from when it
    /// does not exist yet (nil: the branch must exist). `overwrite` is for
    /// governance-side branches only (an approver replacing their own
    /// record); the ledger is never written with it.
    @discardableResult
    public func append(
        _ files: [String: Data], to branch: String, message: String, signer: SigningIdentity, at date: Date,
        createBranchFrom start: ObjectID? = nil, overwrite: Bool = false
    ) throws -> ObjectID {
        var attempts = 0
        let lockDeadline = Date().addingTimeInterval(lockWaitSeconds)
        while attempts < maximumAttempts {
            let tip = try repository.resolve(OpsRepo.refName(branch))
            guard let parent = tip ?? start else {
                throw WritError(.trustRootMissing, "branch '\(branch)' does not exist in the ops repo")
            }
            let base = try repository.commit(parent).tree
            let tree: ObjectID
            do {
                tree = try repository.insert(files, into: base, overwrite: overwrite)
            } catch GitUsageError.pathExists(let path) {
                throw WritError(.ledgerViolation, "\(path) already exists on \(branch); records are append-only")
            }
            let identity = signer.gitIdentity(at: date)
            let commit = try repository.createSignedCommit(
                tree: tree, parents: [parent], author: identity, committer: identity, message: message
            ) { payload in try signer.sign(payload, namespace: SignatureNamespace.commit) }
            do {
                try repository.updateRef(OpsRepo.refName(branch), to: commit, expecting: tip)
                return commit
            } catch RefUpdateError.conflict {
                attempts += 1
            } catch RefUpdateError.locked {
                // Another writer holds the ref for microseconds, or a killed
                // one left its lock: wait, and clear a lock that has gone stale.
                guard Date() < lockDeadline else { break }
                repository.removeStaleReferenceLock(OpsRepo.refName(branch), olderThan: staleLockSeconds)
                usleep(50_000)
            }
        }
        throw WritError(.lockContended, "branch '\(branch)' kept moving; gave up after \(maximumAttempts) attempts")
    }
}
