internal import Clibgit2
import WritCore

extension Repository {
    /// Every best common ancestor of two commits (what `git merge-base
    /// --all` prints), empty when they share no history. More than one is
    /// a criss-cross history, where the merge git makes is built on a
    /// virtual base that no single diff describes.
    package func mergeBases(_ one: ObjectID, _ two: ObjectID) throws(GitError) -> [ObjectID] {
        var out = git_oidarray()
        var first = one.oid
        var second = two.oid
        let result = git_merge_bases(&out, raw, &first, &second)
        if result == GIT_ENOTFOUND.rawValue { return [] }
        try check(result, "git_merge_bases")
        defer { git_oidarray_dispose(&out) }
        return (0..<out.count).map { ObjectID(out.ids[$0]) }
    }

    /// The commits reachable from `head` and not from `base` (what `git
    /// rev-list base..head` lists), or nil when there are more than
    /// `limit`: a caller that must account for every commit is told it
    /// cannot, never handed a silently shortened list.
    package func commits(from head: ObjectID, excluding base: ObjectID?, limit: Int) throws(GitError) -> [ObjectID]? {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, raw), "git_revwalk_new")
        defer { git_revwalk_free(walk) }
        var headOid = head.oid
        try check(git_revwalk_push(walk, &headOid), "git_revwalk_push")
        if let base {
            var baseOid = base.oid
            try check(git_revwalk_hide(walk, &baseOid), "git_revwalk_hide")
        }
        var ids: [ObjectID] = []
        var oid = git_oid()
        while true {
            let result = git_revwalk_next(&oid, walk)
            if result == GIT_ITEROVER.rawValue { break }
            try check(result, "git_revwalk_next")
            guard ids.count < limit else { return nil }
            ids.append(ObjectID(oid))
        }
        return ids
    }
}
