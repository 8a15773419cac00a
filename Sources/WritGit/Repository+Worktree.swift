internal import Clibgit2
import Foundation

extension Repository {
    /// The work trees whose HEAD is the branch `name` (a full reference
    /// name such as `refs/heads/main`): this repository's own, when it has
    /// one, and any linked work tree (`git worktree add`).
    ///
    /// writ moves refs without touching any index or work tree (SPEC §1).
    /// Moving a branch that a work tree has checked out leaves that work
    /// tree's index describing the old commit, and the next `git add -A;
    /// git commit` there silently reverts whatever the ref move brought in.
    /// Callers that move such a branch ask here first and refuse.
    package func workTreesCheckingOut(_ name: String) throws(GitError) -> [String] {
        var found: [String] = []
        if !isBare, let workdir = git_repository_workdir(raw) {
            var head: OpaquePointer?
            let result = git_reference_lookup(&head, raw, "HEAD")
            if result != GIT_ENOTFOUND.rawValue {
                try check(result, "git_reference_lookup")
                let owned = try handle(head, "git_reference_lookup", release: git_reference_free)
                if git_reference_type(owned.raw) == GIT_REFERENCE_SYMBOLIC,
                    let target = git_reference_symbolic_target(owned.raw), String(cString: target) == name
                {
                    found.append(String(cString: workdir))
                }
            }
        }
        var names = git_strarray()
        try check(git_worktree_list(&names, raw), "git_worktree_list")
        defer { git_strarray_dispose(&names) }
        for index in 0..<names.count {
            guard let pointer = names.strings[index] else { continue }
            var head: OpaquePointer?
            let result = git_repository_head_for_worktree(&head, raw, pointer)
            // An unborn or vanished HEAD names no existing branch.
            if result == GIT_ENOTFOUND.rawValue || result == GIT_EUNBORNBRANCH.rawValue { continue }
            try check(result, "git_repository_head_for_worktree")
            let owned = try handle(head, "git_repository_head_for_worktree", release: git_reference_free)
            guard let headName = git_reference_name(owned.raw), String(cString: headName) == name else { continue }
            var worktree: OpaquePointer?
            if git_worktree_lookup(&worktree, raw, pointer) == 0, let worktree {
                defer { git_worktree_free(worktree) }
                found.append(git_worktree_path(worktree).map { String(cString: $0) } ?? String(cString: pointer))
            } else {
                found.append(String(cString: pointer))
            }
        }
        return found
    }
}
