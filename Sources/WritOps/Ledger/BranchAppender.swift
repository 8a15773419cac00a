import Foundation
import WritCore
import WritGit

/// Appends files to a branch as one SSH-signed commit, through objects and
/// a compare-and-swap ref update only (no work tree, no index).
///
/// Appending never overwrites: a path that already exists fails the append,
/// which is what keeps the ledger append-only by construction. When another
/// writer moves the branch between our read and our update, the commit is
/// rebuilt on the new tip and retried, never forced.
///
/// A ref lock (`<ref>.lock`) held by another writer is waited for, never
/// taken: a slow writer's lock looks exactly like a dead one's, and only a
/// caller that knows no other writer of its own can be running (the
/// dispatcher, under its profile lock) may decide that a lock is stale.
/// Such a caller opts in with `clearsStaleLocks`; operator commands never do.
package struct BranchAppender {
    package let repository: Repository
    package var maximumAttempts = 16
    /// How many lost push races are rebuilt before giving up.
    package var maximumPushAttempts = 16
    /// How long a held ref lock is waited for before the append fails.
    var lockWaitSeconds: TimeInterval = 10
    /// Opt-in for a caller that owns the branch exclusively: a lock older
    /// than `staleLockSeconds` is then taken for a dead writer's and removed.
    var clearsStaleLocks = false
    var staleLockSeconds: TimeInterval = 5

    /// The append waited `waitedSeconds` for another writer's ref lock and
    /// gave up. Not a decision about an intent, so no reason code: the
    /// message names the lock file, for an operator to remove once sure
    /// that no writer is alive.
    struct LockHeld: Error, Sendable, Equatable, CustomStringConvertible {
        package let branch: String
        let lockFile: String
        let waitedSeconds: TimeInterval

        package var description: String {
            "branch '\(branch)' is locked by another writer: \(lockFile) stood for \(Int(waitedSeconds.rounded())) s. "
                + "If no writ or git process is writing this repository, remove \(lockFile) and try again."
        }
    }

    package init(repository: Repository) {
        self.repository = repository
    }

    /// Commits `files` on top of `branch` and returns the new commit id.
    ///
    /// `createBranchFrom` names the commit to start the branch from when it
    /// does not exist yet (nil: the branch must exist). `overwrite` is for
    /// governance-side branches only (an approver replacing their own
    /// record); the ledger is never written with it.
    @discardableResult
    package func append(
        _ files: [String: Data], to branch: String, message: String, signer: SigningIdentity, at date: Date,
        createBranchFrom start: ObjectID? = nil, overwrite: Bool = false
    ) throws -> ObjectID {
        try append(
            to: branch, message: message, signer: signer, at: date, createBranchFrom: start, overwrite: overwrite
        ) { _ in files }
    }

    /// Commits the files `make` builds on the tree of the branch's tip,
    /// and with `remote` pushes the branch there with compare-and-swap.
    ///
    /// The push expects the remote to hold what
    /// `refs/remotes/<remote>/<branch>` says (nothing, when that ref is
    /// absent). A lost race (another writer pushed first) fetches the
    /// branch, puts the local branch on the remote's new tip and rebuilds
    /// the commit there, at most `maximumPushAttempts` times; nothing is
    /// ever forced. `make` is called again for each rebuild, so what it
    /// builds may depend on the tree (event numbers do). A rebuild that
    /// would drop local commits the remote never had (the branch was
    /// ahead when the race was lost) is refused instead.
    @discardableResult
    package func append(
        to branch: String, pushingTo remote: String? = nil, message: String, signer: SigningIdentity, at date: Date,
        createBranchFrom start: ObjectID? = nil, overwrite: Bool = false,
        files make: (_ baseTree: ObjectID) throws -> [String: Data]
    ) throws -> ObjectID {
        try append(
            to: branch, pushingTo: remote, messageOn: { _ in message }, signer: signer, at: date,
            createBranchFrom: start, overwrite: overwrite, files: make)
    }

    /// As ``append(to:pushingTo:message:signer:at:createBranchFrom:overwrite:files:)``,
    /// with the message built for the commit each attempt builds on (a
    /// ledger commit's anchor depends on it: `GovernanceAnchor.anchor`), and
    /// `alsoFetching` fetched with the branch after a lost race (the
    /// governance branch, so that a newer anchor the winner named is known).
    @discardableResult
    package func append(
        to branch: String, pushingTo remote: String? = nil, alsoFetching: [String] = [],
        messageOn message: (_ parent: ObjectID) throws -> String, signer: SigningIdentity, at date: Date,
        createBranchFrom start: ObjectID? = nil, overwrite: Bool = false,
        files make: (_ baseTree: ObjectID) throws -> [String: Data]
    ) throws -> ObjectID {
        let localName = OpsRepo.refName(branch)
        var pushAttempts = 0
        while true {
            let before = try repository.resolve(localName)
            let expected = try remote.flatMap { try repository.resolve("refs/remotes/\($0)/\(branch)") }
            let commit = try appendLocally(
                to: branch, message: message, signer: signer, at: date, createBranchFrom: start,
                overwrite: overwrite, files: make)
            guard let remote else { return commit }
            do {
                try repository.push(remote: remote, branch: branch, from: commit, expecting: expected)
                return commit
            } catch PushError.conflict, PushError.notFastForward, PushError.locked {
                pushAttempts += 1
            } catch PushError.rejected(let ref, let status) {
                throw RuntimeError(
                    "remote '\(remote)' refused the push of \(ref): \(status); the commit \(commit.hex) stays on the "
                        + "local branch '\(branch)'",
                    fix: "the remote's rules for \(ref)")
            }
            guard before == expected else {
                throw RuntimeError(
                    "remote '\(remote)' moved '\(branch)' while the local branch also held commits it lacks; "
                        + "the commit \(commit.hex) stays on the local branch, not pushed",
                    fix: "branch '\(branch)' (fetch, then push or drop the local commits)")
            }
            guard pushAttempts < maximumPushAttempts else {
                throw RuntimeError.contention(
                    "branch '\(branch)' kept moving on remote '\(remote)'; gave up after \(pushAttempts) pushes "
                        + "(the commit \(commit.hex) stays on the local branch)", branch: branch)
            }
            // Lost the race: start again from what the remote holds now.
            // The unpushed commit is rebuilt there, so moving the local
            // branch back off it loses nothing.
            guard let fetched = try repository.fetch(remote: remote, refs: [branch] + alsoFetching)[branch] ?? nil
            else {
                throw RuntimeError(
                    "remote '\(remote)' no longer has branch '\(branch)'", fix: "branch '\(branch)' on '\(remote)'")
            }
            try repository.updateRef(
                localName, to: fetched, expecting: commit, message: "writ: rebuild on \(remote)/\(branch)")
            usleep(UInt32.random(in: 1_000...20_000) * UInt32(min(pushAttempts, 8)))
        }
    }

    /// Commits on the local branch with a compare-and-swap ref update,
    /// rebuilding on the new tip when another local writer moved it.
    private func appendLocally(
        to branch: String, message: (ObjectID) throws -> String, signer: SigningIdentity, at date: Date,
        createBranchFrom start: ObjectID?,
        overwrite: Bool, files make: (ObjectID) throws -> [String: Data]
    ) throws -> ObjectID {
        var attempts = 0
        let lockDeadline = Date().addingTimeInterval(lockWaitSeconds)
        while attempts < maximumAttempts {
            let tip = try repository.resolve(OpsRepo.refName(branch))
            guard let parent = tip ?? start else {
                throw RuntimeError(
                    "branch '\(branch)' does not exist in the ops repo",
                    fix: "the branch names given (or fetch the branch first)")
            }
            let base = try repository.commitTree(parent)
            let files = try make(base)
            let tree: ObjectID
            do {
                tree = try repository.insert(files, into: base, overwrite: overwrite)
            } catch GitUsageError.pathExists(let path) {
                throw WritError(.ledgerViolation, "\(path) already exists on \(branch); records are append-only")
            }
            let identity = signer.gitIdentity(at: date)
            let commit = try repository.createSignedCommit(
                tree: tree, parents: [parent], author: identity, committer: identity, message: try message(parent)
            ) { payload in try signer.sign(payload, namespace: SignatureNamespace.commit) }
            do {
                try repository.updateRef(OpsRepo.refName(branch), to: commit, expecting: tip)
                return commit
            } catch RefUpdateError.conflict {
                attempts += 1
            } catch RefUpdateError.locked {
                // Another writer holds the ref, usually for microseconds:
                // wait. Only an opted-in owner clears a lock gone stale.
                guard Date() < lockDeadline else {
                    throw LockHeld(
                        branch: branch,
                        lockFile: (repository.gitDirectory as NSString).appendingPathComponent(
                            OpsRepo.refName(branch) + ".lock"),
                        waitedSeconds: lockWaitSeconds)
                }
                if clearsStaleLocks {
                    repository.removeStaleReferenceLock(OpsRepo.refName(branch), olderThan: staleLockSeconds)
                }
                usleep(50_000)
            }
        }
        throw RuntimeError.contention(
            "branch '\(branch)' kept moving; gave up after \(maximumAttempts) attempts", branch: branch)
    }
}
