import Foundation
import WritCore
import WritGit

/// Reads what `writ check-pr` judges (SPEC §9), from objects only: the
/// base revision's governance, the changes from the merge base to the
/// head, and the head's blobs. Nothing is checked out, no filter, hook or
/// attribute of the head runs, and nothing is written to the repository.
package enum PullRequestReview {
    /// A verdict and the governance state that gave it.
    package struct Review: Sendable {
        package let verdict: PullRequestCheck.Verdict
        /// The base commit whose `policy.toml` and `allowed_signers` judged.
        package let base: ObjectID
        /// That policy's `[governance] version` (SPEC §5).
        package let governanceVersion: Int
        /// The governance branch's tip when the repository has the branch
        /// (the base is then that tip or an ancestor of it); nil without it.
        package let governanceTip: ObjectID?
    }

    /// How many commits of a pull request are walked to check a commits
    /// list against them; a longer pull request cannot have every commit's
    /// author accounted for, and says so.
    static let commitWalkLimit = 10_000

    /// Judges the pull request from `base` to `head` touched by `actors`
    /// (SPEC §9: the least privileged decides). `commits`, a commits list
    /// from the forge, adds the forge account of every commit's author and
    /// committer, and every commit of the pull request must be on it.
    ///
    /// When the repository has the governance branch (`governanceRef`, the
    /// local branch or the remote-tracking one of `remote`), the base must
    /// be its tip or an ancestor of it, else `trust_root_missing`: any
    /// other commit's policy is not a governance state. The ledger, read to
    /// match each `request.toml` with its intent, is `ledgerRef` read the
    /// same way; with neither, requests are judged on their own.
    package static func check(
        repository: Repository, base: String, head: String, actors: [PullRequestCheck.Actor],
        commits: [PullRequestCheck.ListedCommit]? = nil, now: Date,
        governanceRef: String = OpsRepoDefaults.governanceRef, ledgerRef: String = OpsRepoDefaults.ledgerRef,
        remote: String? = "origin"
    ) throws -> Review {
        func commit(_ revision: String, _ flag: String) throws -> ObjectID {
            guard let id = try repository.resolve(revision), try repository.commitIfPresent(id) != nil else {
                throw RuntimeError("\(flag) \(revision) names no commit in the repository", fix: flag)
            }
            return id
        }
        let baseCommit = try commit(base, "--base")
        let headCommit = try commit(head, "--head")
        let ops = OpsRepo(repository: repository, governanceRef: governanceRef, ledgerRef: ledgerRef, remote: remote)
        let governanceTip = try ops.tip(of: governanceRef)?.commit
        if let governanceTip, try !repository.isDescendant(governanceTip, of: baseCommit) {
            throw WritError(
                .trustRootMissing,
                "the base \(baseCommit.hex) is neither the tip of the governance branch '\(governanceRef)' "
                    + "(\(governanceTip.hex)) nor an ancestor of it, so its policy is no governance state to judge by")
        }
        let baseFiles = try GovernanceCommit.read(baseCommit, in: repository)
        guard let policy = baseFiles.policyBytes, let signers = baseFiles.signersBytes else {
            throw WritError(.policyMalformed, "the base \(baseCommit.hex) has no policy.toml or allowed_signers")
        }
        let governance = try GovernanceState(commit: baseCommit, policyBytes: policy, signersBytes: signers)
        // With several merge bases the verdict is refused (below); the
        // diff from the one libgit2 picks still names every other finding.
        let mergeBases = try repository.mergeBases(baseCommit, headCommit)
        var history = PullRequestCheck.History(mergeBases: mergeBases.count)
        if let commits {
            let listed = Set(commits.map(\.id))
            if let range = try repository.commits(from: headCommit, excluding: baseCommit, limit: commitWalkLimit) {
                history.unlistedCommits = range.map(\.hex).filter { !listed.contains($0) }
            } else {
                history.tooManyCommits = true
            }
        }
        let start = mergeBases.first ?? baseCommit
        let changes = try repository.diff(from: start, to: headCommit).map { change in
            PullRequestCheck.Change(path: change.path, kind: change.kind, entryKind: change.new?.kind)
        }
        let headTree = try repository.commitTree(headCommit)
        let touchesGovernance = changes.contains {
            $0.path == GovernancePath.policy.path || $0.path == GovernancePath.allowedSigners.path
        }
        var adopted = false
        if touchesGovernance {
            let reader = GovernanceReader(ops: OpsRepo(repository: repository))
            let verdict = try GovernanceTrust.evaluate(
                root: baseFiles, history: [try GovernanceCommit.read(headCommit, in: repository)],
                records: { commit, digest in try reader.records(in: commit, for: digest) }, now: now)
            adopted = verdict.reason == nil
        }
        let ledgerTree: ObjectID? = try {
            // Two tips on different lines of history leave the ledger
            // unreadable here: which one is true is not check-pr's call.
            let tip: OpsRepo.BranchTip?
            do {
                tip = try ops.tip(of: ledgerRef)
            } catch is RuntimeError {
                return nil
            }
            guard let tip else { return nil }
            return try repository.commitTree(tip.commit)
        }()
        let verdict = try PullRequestCheck.judge(
            changes: changes, actors: actors + PullRequestCheck.ListedCommit.actors(commits ?? []), history: history,
            governance: governance, governanceAdopted: adopted, now: now,
            file: { path in try headFile(path, in: headTree, repository: repository) },
            ledgerIntent: { intent in
                guard let ledgerTree else { return .unreadable }
                let path = LedgerPath.intent(intent).path
                guard case .file(let bytes) = try headFile(path, in: ledgerTree, repository: repository) else {
                    return .absent
                }
                return .present(ContentDigest.sha256(of: bytes))
            })
        return Review(
            verdict: verdict, base: baseCommit, governanceVersion: governance.governanceVersion,
            governanceTip: governanceTip)
    }

    /// Judges the pull request as touched by `actor` alone (a named actor,
    /// as `--actor` names one); see the other `check`.
    package static func check(
        repository: Repository, base: String, head: String, actor: String, now: Date,
        ledgerRef: String = OpsRepoDefaults.ledgerRef, remote: String? = "origin"
    ) throws -> PullRequestCheck.Verdict {
        try check(
            repository: repository, base: base, head: head, actors: [.init(login: actor, touches: [.named])],
            now: now, ledgerRef: ledgerRef, remote: remote
        ).verdict
    }

    /// What the tree holds at `path`: a regular file's bytes (bounded), a
    /// non-file entry as such (never an error: check-pr reports it), or
    /// nothing.
    private static func headFile(_ path: String, in tree: ObjectID, repository: Repository) throws
        -> PullRequestCheck.HeadFile
    {
        guard let entry = try repository.entry(at: path, inTree: tree) else { return .absent }
        guard entry.kind == .blob || entry.kind == .executable else { return .notAFile(entry.kind) }
        return .file(try repository.blob(entry.id, limit: RecordBytes.maximumSize))
    }
}
