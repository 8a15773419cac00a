import Foundation
import WritCore
import WritGit

/// An ops repository and the two branches writ reads and writes (SPEC §1).
///
/// In an ordinary clone the branches writ needs are often only
/// remote-tracking refs (`git clone` makes one local branch), or the local
/// branch is older than what was last fetched. With `remote` set, every
/// branch tip is read by one rule (`tip(of:)`): the newer of the local
/// branch and `refs/remotes/<remote>/<branch>`, which must be on one line
/// of history. Writers first move the local branch to that tip
/// (`catchUp(_:)`, a fast-forward), so no one has to run
/// `git branch --track` before writing.
public struct OpsRepo {
    package let repository: Repository
    public let governanceRef: String
    public let ledgerRef: String
    /// The remote whose remote-tracking refs stand in for local branches
    /// that are missing or behind; nil reads local branches only.
    public let remote: String?
    /// The signatures this run already found valid: every verification made
    /// while reading this repo consults it and records its successes there
    /// (``VerificationCache``). A fresh, empty one unless the caller passes
    /// its own (the CLI's loaded from `.git/writ/verified`, the
    /// dispatcher's kept across its polls).
    public let verificationCache: VerificationCache

    package init(
        repository: Repository, governanceRef: String = OpsRepoDefaults.governanceRef,
        ledgerRef: String = OpsRepoDefaults.ledgerRef, remote: String? = nil,
        verificationCache: VerificationCache = VerificationCache()
    ) {
        self.repository = repository
        self.governanceRef = governanceRef
        self.ledgerRef = ledgerRef
        self.remote = remote
        self.verificationCache = verificationCache
    }

    /// Opens the repository at `path` (bare or not); a path that is not a
    /// repository is a `RuntimeError` naming it.
    public init(
        path: String, governanceRef: String = OpsRepoDefaults.governanceRef,
        ledgerRef: String = OpsRepoDefaults.ledgerRef, remote: String? = nil,
        verificationCache: VerificationCache = VerificationCache()
    ) throws {
        let repository: Repository
        do {
            repository = try Repository.open(at: path)
        } catch {
            throw RuntimeError("cannot open the ops repo at \(path): \(error)", fix: "the ops repo path (\(path))")
        }
        self.init(
            repository: repository, governanceRef: governanceRef, ledgerRef: ledgerRef, remote: remote,
            verificationCache: verificationCache)
    }

    /// The governance branch tip; `OpsRepoError.branchMissing` when the
    /// branch is absent (governance trust decides what that means:
    /// `trust_root_missing`).
    public func governanceHead() throws -> ObjectID {
        guard let head = try tip(of: governanceRef)?.commit else {
            throw OpsRepoError.branchMissing(.governance, ref: governanceRef)
        }
        return head
    }

    /// The ledger branch tip; `OpsRepoError.branchMissing` when the branch
    /// is absent (the ledger's judges make that `ledger_violation`).
    public func ledgerHead() throws -> ObjectID {
        guard let head = try tip(of: ledgerRef)?.commit else {
            throw OpsRepoError.branchMissing(.ledger, ref: ledgerRef)
        }
        return head
    }

    /// A branch tip and where it was read.
    public struct BranchTip: Sendable, Hashable {
        public let commit: ObjectID
        /// True when the local branch is missing or behind and the
        /// remote-tracking ref was read instead.
        public let fromRemoteTracking: Bool
    }

    /// The tip of `branch`: the local branch, or the remote-tracking ref
    /// when the local branch is missing or is an ancestor of it; nil when
    /// neither exists. A local branch ahead of the remote-tracking ref
    /// (commits not pushed yet) wins. Two tips on different lines of
    /// history are a `RuntimeError`: which one is true is for a person to
    /// say, and writing on either would lose the other's records.
    public func tip(of branch: String) throws -> BranchTip? {
        let local = try repository.resolve(Self.refName(branch))
        guard let trackingName = trackingRefName(branch), let tracking = try repository.resolve(trackingName) else {
            return local.map { BranchTip(commit: $0, fromRemoteTracking: false) }
        }
        guard let local else { return BranchTip(commit: tracking, fromRemoteTracking: true) }
        if local == tracking { return BranchTip(commit: local, fromRemoteTracking: false) }
        if try repository.isDescendant(local, of: tracking) {
            return BranchTip(commit: local, fromRemoteTracking: false)
        }
        if try repository.isDescendant(tracking, of: local) {
            return BranchTip(commit: tracking, fromRemoteTracking: true)
        }
        throw Self.diverged(branch, remote: remote ?? "")
    }

    /// The remote-tracking ref standing for `branch`, nil without a remote
    /// (or for a full reference name, which has no remote counterpart).
    public func trackingRefName(_ branch: String) -> String? {
        guard let remote, !branch.hasPrefix("refs/") else { return nil }
        return "refs/remotes/\(remote)/\(branch)"
    }

    /// One line for stderr when the governance or ledger branch is read
    /// from the remote-tracking ref while a local branch of that name
    /// exists and is behind it; nil otherwise. A branch that exists only as
    /// a remote-tracking ref (the ledger in a fresh clone) is read from it
    /// without a word: there is nothing stale to warn about.
    public func remoteTrackingNotice() -> String? {
        guard let remote else { return nil }
        // A notice, not a judgment: a branch that cannot be read here is
        // reported by the command's own reading of it, so nothing is lost
        // by leaving it out of this line.
        let read = [governanceRef, ledgerRef].filter { branch in
            (try? tip(of: branch))??.fromRemoteTracking == true
                && (try? repository.resolve(Self.refName(branch))) != nil
        }
        guard !read.isEmpty else { return nil }
        let names = read.map { "\(remote)/\($0)" }.joined(separator: " and ")
        let locals = read.joined(separator: " and ")
        return "writ: reading \(names): the local branch \(locals) is behind"
    }

    /// Moves the local `branch` to `tip(of:)` when that is the
    /// remote-tracking ref (creating the branch when it is missing), so
    /// the next commit is built on the newest tip; returns the tip, nil
    /// when the branch exists nowhere. A branch checked out in a work
    /// tree is not moved (its index would then describe the old commit):
    /// that is a `RuntimeError` naming the work tree.
    @discardableResult
    public func catchUp(_ branch: String) throws -> ObjectID? {
        guard let tip = try tip(of: branch) else { return nil }
        guard tip.fromRemoteTracking else { return tip.commit }
        let name = Self.refName(branch)
        let workTrees = try repository.workTreesCheckingOut(name)
        guard workTrees.isEmpty else {
            throw RuntimeError(
                "branch '\(branch)' is behind \(remote ?? "the remote")/\(branch) and is checked out in "
                    + workTrees.joined(separator: ", ") + "; writ never moves a checked-out branch",
                fix: "that work tree (git pull --ff-only there, or check out another branch)")
        }
        let local = try repository.resolve(name)
        try repository.updateRef(
            name, to: tip.commit, expecting: local, message: "writ: fast-forward to \(remote ?? "")/\(branch)")
        return tip.commit
    }

    /// The remote a writer pushes to: `remote` when `pushes`, nil when not;
    /// pushing with no remote configured is a `RuntimeError`. A writer
    /// that pushes fetches `branches` first, so it reads and builds on
    /// what the remote holds now rather than on a stale clone.
    func pushRemote(_ pushes: Bool, fetching branches: [String]) throws -> String? {
        guard pushes else { return nil }
        guard let remote else {
            throw RuntimeError(
                "--push needs a remote, and the ops repo has none configured",
                fix: "--remote, or remote in the operator config")
        }
        try repository.fetch(remote: remote, refs: branches.filter { !$0.hasPrefix("refs/") })
        return remote
    }

    /// The refusal for a local branch and its remote-tracking ref on
    /// different lines of history.
    static func diverged(_ branch: String, remote: String) -> RuntimeError {
        RuntimeError(
            "local branch '\(branch)' and \(remote)/\(branch) have diverged: each has commits the other lacks, and "
                + "writ only fast-forwards",
            fix:
                "branch '\(branch)': push or drop the local commits (git branch -f \(branch) \(remote)/\(branch) "
                + "drops them; run the writ command again to re-sign its record)")
    }

    /// The bytes at `path` in `commit`'s tree, nil when absent.
    package func blob(_ path: String, in commit: ObjectID) throws -> Data? {
        try repository.blob(at: path, inTree: try repository.commitTree(commit), limit: RecordBytes.maximumSize)
    }

    /// The full reference name of a branch (`refs/heads/<branch>`), a full name unchanged.
    public static func refName(_ branch: String) -> String {
        branch.hasPrefix("refs/") ? branch : "refs/heads/" + branch
    }
}
