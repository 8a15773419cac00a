internal import Clibgit2
import Foundation
import WritCore

extension Repository {
    /// The git directory every work tree of this repository shares
    /// (`git_repository_commondir`): the main `.git` (or the bare
    /// repository) even when this handle was opened in a linked work tree,
    /// whose own `gitDirectory` is `.git/worktrees/<name>/`.
    package var commonDirectory: String {
        guard let path = git_repository_commondir(raw) else { return gitDirectory }
        return String(cString: path)
    }

    /// The top of the work tree this handle was opened in; nil when bare.
    package var workTreeDirectory: String? {
        guard !isBare, let path = git_repository_workdir(raw) else { return nil }
        return String(cString: path)
    }

    /// Where git tracks `path` (relative to the top of the work tree), or
    /// nil when it tracks it nowhere that a checkout, merge or switch could
    /// write it from: this work tree's index (any stage), the tree of
    /// `HEAD` (also detached), and the tree at the tip of every local
    /// branch (`refs/heads/`) and remote-tracking branch (`refs/remotes/`).
    ///
    /// The answer names the first place found: `the index`, `HEAD`, or the
    /// full reference name. Any kind of entry at `path` counts (a file, a
    /// symlink, a directory, a submodule). The cost is one tree lookup per
    /// distinct branch tip; tags and other refs are not walked.
    package func placeTracking(_ path: String) throws -> String? {
        if !isBare, try indexTracks(path) { return "the index" }
        var seen: Set<ObjectID> = []
        func tracks(_ id: ObjectID) throws -> Bool {
            let tree = try peeledTree(id)
            guard seen.insert(tree).inserted else { return false }
            return try entry(at: path, inTree: tree) != nil
        }
        if let head = try referenceTarget("HEAD"), try tracks(head) { return "HEAD" }
        for pattern in ["refs/heads/*", "refs/remotes/*"] {
            for (name, id) in try referenceTips(matching: pattern) where try tracks(id) {
                return name
            }
        }
        return nil
    }

    /// True when this work tree's index holds `path` at any stage (a
    /// conflicted merge leaves stages 1 to 3 and no stage 0), or a file
    /// under it as a directory.
    private func indexTracks(_ path: String) throws(GitError) -> Bool {
        var index: OpaquePointer?
        try check(git_repository_index(&index, raw), "git_repository_index")
        let owned = try handle(index, "git_repository_index", release: git_index_free)
        if (0...3).contains(where: { git_index_get_bypath(owned.raw, path, $0) != nil }) { return true }
        var position = 0
        return git_index_find_prefix(&position, owned.raw, path + "/") == 0
    }

    /// Every reference whose name matches `pattern` (libgit2's glob, where
    /// `*` also matches `/`) with the object it points to, symbolic
    /// references followed; a symbolic reference to nothing is skipped.
    private func referenceTips(matching pattern: String) throws(GitError) -> [(String, ObjectID)] {
        var iterator: OpaquePointer?
        try check(git_reference_iterator_glob_new(&iterator, raw, pattern), "git_reference_iterator_glob_new")
        defer { git_reference_iterator_free(iterator) }
        var tips: [(String, ObjectID)] = []
        while true {
            var reference: OpaquePointer?
            let result = git_reference_next(&reference, iterator)
            if result == GIT_ITEROVER.rawValue { break }
            try check(result, "git_reference_next")
            let owned = try handle(reference, "git_reference_next", release: git_reference_free)
            guard let name = git_reference_name(owned.raw).map({ String(cString: $0) }) else { continue }
            var resolved: OpaquePointer?
            let resolving = git_reference_resolve(&resolved, owned.raw)
            if resolving == GIT_ENOTFOUND.rawValue { continue }
            try check(resolving, "git_reference_resolve")
            let direct = try handle(resolved, "git_reference_resolve", release: git_reference_free)
            guard let target = git_reference_target(direct.raw) else { continue }
            tips.append((name, ObjectID(target.pointee)))
        }
        return tips
    }
}
