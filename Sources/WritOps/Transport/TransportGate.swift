import Foundation
import WritCore
import WritGit

/// The host-side gates of SPEC §7 a remote write passes before anything
/// is claimed or sent, in this order, the first failure winning:
/// 1. `transport_disabled`: `[transport] mode` is `off`;
/// 2. `repo_not_allowlisted`: the target is not in `allow_repos`;
/// 3. `clone_missing`: no clone at `clone_root/<target.repo>` (writ never
///    clones);
/// 4. `remote_mismatch`: the clone's `origin`, as configured (no `insteadOf`
///    rewrite), does not name the target's `HOST/OWNER/NAME`; for
///    `forge.pull_request`, the head branch is not in the clone.
///
/// The intent's own gates and approvals (SPEC §4) come after these; a
/// `projection` event is pushed before any request.
enum TransportGate {
    package static func check(_ request: ForgeRequest, transport: TransportConfig, cloneRoot: String) throws(WritError)
    {
        guard transport.mode != .off else {
            throw WritError(
                .transportDisabled,
                "\(request.operation.rawValue) on \(request.repo) not made: [transport] mode is off in dispatcher.toml")
        }
        guard transport.allowRepos.contains(request.repo) else {
            throw WritError(.repoNotAllowlisted, "\(request.repo) is not in [transport] allow_repos")
        }
        let clone = try ExecutorPreflight.clonePath(root: cloneRoot, repo: request.repo.description)
        let repository: Repository
        let configured: String?
        do {
            repository = try Repository.open(at: clone)
            configured = try repository.configuredRemoteURL("origin")
        } catch {
            throw WritError(.cloneMissing, "the clone \(clone) cannot be read: \(error)")
        }
        guard let configured else {
            throw WritError(.remoteMismatch, "the clone \(clone) has no remote origin; it must name \(request.repo)")
        }
        guard let bound = RepoSlug(remoteURL: configured), bound == request.repo else {
            throw WritError(
                .remoteMismatch,
                "the clone \(clone)'s origin \(RemoteEndpoint.redactingUserInfo(configured)) does not name "
                    + "\(request.repo)")
        }
        if request.operation == .pullRequest, let head = request.params["head"] {
            // Absent is a refusal about the intent; a branch that cannot be
            // read is a clone that cannot be read, never "absent".
            let exists: Bool
            do {
                exists = try repository.resolve("refs/heads/" + head) != nil
            } catch GitUsageError.invalidRevision {
                // A name git refuses as a ref cannot be a branch of the clone.
                exists = false
            } catch {
                throw WritError(.cloneMissing, "the clone \(clone) cannot be read: \(error)")
            }
            guard exists else {
                throw WritError(
                    .remoteMismatch,
                    "the head branch \(quoted: head) is not in the clone \(clone); writ never creates it")
            }
        }
    }
}
