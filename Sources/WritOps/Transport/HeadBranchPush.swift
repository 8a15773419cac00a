import Foundation
import WritCore
import WritGit

/// Publishes the head branch of a `forge.pull_request` from the target's
/// pre-cloned work tree (SPEC §7): a fast-forward-only push to the clone's
/// `origin`, with compare-and-swap against what the remote holds now. The
/// branch must already exist in the clone; writ never creates, forces or
/// deletes one.
enum HeadBranchPush {
    package static func push(_ branch: String, clone: String, access: RemoteAccess) throws(WritError) {
        do {
            let repository = try Repository.open(at: clone)
            repository.remoteAccess = access
            guard let local = try repository.resolve("refs/heads/" + branch) else {
                throw WritError(.remoteMismatch, "the head branch \(quoted: branch) is not in the clone \(clone)")
            }
            let remote = try repository.fetch(remote: "origin", refs: [branch])[branch] ?? nil
            guard remote != local else { return }
            try repository.push(remote: "origin", branch: branch, from: local, expecting: remote)
        } catch let error as WritError {
            throw error
        } catch PushError.notFastForward {
            throw WritError(
                .remoteMismatch,
                "the head branch \(quoted: branch) of \(clone) does not fast-forward origin's; writ never force-pushes")
        } catch RemoteUsageError.unusableURL(let url, let problem) {
            // A push URL or rewrite that would send the head branch (and the
            // token) elsewhere than the bound URL.
            throw WritError(.remoteMismatch, "the clone \(clone)'s origin \(url) \(problem)")
        } catch PushError.conflict {
            throw WritError(.remoteError, "origin's \(quoted: branch) moved during the push; retried on a later poll")
        } catch {
            throw WritError(.remoteError, "cannot push the head branch \(quoted: branch) of \(clone): \(error)")
        }
    }
}
