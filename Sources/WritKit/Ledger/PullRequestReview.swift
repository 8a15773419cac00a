import Foundation

/// Reads what `writ check-pr` judges (SPEC §9), from objects only: the
/// base revision's governance, the changes from the merge base to the
/// head, and the head's blobs. Nothing is checked out, no filter, hook or
/// attribute of the head runs, and nothing is written to the repository.
public enum PullRequestReview {
    /// Judges the pull request from `base` to `head` opened by `actor`.
    /// The ledger, read to match each `request.toml` with its intent, is
    /// `ledgerRef` or, when that local branch is missing or behind,
    /// `refs/remotes/<remote>/<ledgerRef>` (what a clone with every branch
    /// fetched holds); with neither, requests are judged on their own.
    public static func check(
        repository: Repository, base: String, head: String, actor: String, now: Date,
        ledgerRef: String = OpsRepoDefaults.ledgerRef, remote: String? = "origin"
    ) throws -> PullRequestCheck.Verdict {
        func commit(_ revision: String, _ flag: String) throws -> ObjectID {
            guard let id = try repository.resolve(revision), (try? repository.commit(id)) != nil else {
                throw RuntimeError("\(flag) \(revision) names no commit in the repository", fix: flag)
            }
            return id
        }
        let baseCommit = try commit(base, "--base")
        let headCommit = try commit(head, "--head")
        let baseFiles = try GovernanceCommit.read(baseCommit, in: repository)
        guard let policy = baseFiles.policyBytes, let signers = baseFiles.signersBytes else {
            throw WritError(.policyMalformed, "the base \(baseCommit.hex) has no policy.toml or allowed_signers")
        }
        let governance = try GovernanceState(commit: baseCommit, policyBytes: policy, signersBytes: signers)
        let start = try repository.mergeBase(baseCommit, headCommit) ?? baseCommit
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
            guard
                let tip = try? OpsRepo(repository: repository, ledgerRef: ledgerRef, remote: remote).tip(of: ledgerRef)
            else { return nil }
            return try repository.commitTree(tip.commit)
        }()
        return try PullRequestCheck.judge(
            changes: changes, login: actor, governance: governance, governanceAdopted: adopted, now: now,
            file: { path in try headFile(path, in: headTree, repository: repository) },
            ledgerIntent: { intent in
                guard let ledgerTree else { return .unreadable }
                let path = LedgerPath.intent(intent).path
                guard case .file(let bytes) = try headFile(path, in: ledgerTree, repository: repository) else {
                    return .absent
                }
                return .present(ContentDigest.sha256(of: bytes))
            })
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
