import Foundation

/// Reads what `writ check-pr` judges (SPEC §9), from objects only: the
/// base revision's governance, the changes from the merge base to the
/// head, and the head's blobs. Nothing is checked out, no filter, hook or
/// attribute of the head runs, and nothing is written to the repository.
public enum PullRequestReview {
    public static func check(repository: Repository, base: String, head: String, actor: String, now: Date) throws
        -> PullRequestCheck.Verdict
    {
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
        return try PullRequestCheck.judge(
            changes: changes, login: actor, governance: governance, governanceAdopted: adopted, now: now
        ) { path in
            try repository.blob(at: path, inTree: headTree, limit: RecordBytes.maximumSize)
        }
    }
}
