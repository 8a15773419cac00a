internal import Clibgit2
import WritCore

/// The order in which a history walk returns commit ids.
package enum HistoryOrder: Sendable {
    case oldestFirst
    case newestFirst
}

extension Repository {
    /// The commits on the first-parent chain from `head` back to `base`,
    /// excluding `base` (to the root commit when `base` is nil).
    ///
    /// Returned oldest-first by default (the order in which to replay
    /// them). `head == base` gives an empty list. A `base` that is not on
    /// the first-parent chain throws `GitUsageError.notOnFirstParentChain`,
    /// rather than silently returning the whole history.
    package func firstParentHistory(from head: ObjectID, to base: ObjectID?, order: HistoryOrder = .oldestFirst) throws
        -> [ObjectID]
    {
        var ids: [ObjectID] = []
        var current: ObjectID? = head
        while let id = current {
            if id == base { break }
            ids.append(id)
            let commit = try lookupCommit(id)
            current =
                git_commit_parentcount(commit.raw) > 0 ? git_commit_parent_id(commit.raw, 0).map(ObjectID.init) : nil
        }
        if let base, current != base {
            throw GitUsageError.notOnFirstParentChain(head: head, base: base)
        }
        return order == .oldestFirst ? ids.reversed() : ids
    }

    /// Where the first-parent chains of `old` and `new` meet: the newest
    /// commit on both, with the commits of each chain after it, newest
    /// first. Nil when the chains share no commit.
    ///
    /// Both chains are walked one commit at a time, side by side, so the
    /// cost follows the parts that differ, not the length of the history:
    /// two first-parent chains that share a commit share everything
    /// before it, and the first shared commit either walk reaches is the
    /// newest one.
    package func firstParentJunction(_ old: ObjectID, _ new: ObjectID) throws -> (
        junction: ObjectID, oldOnly: [ObjectID], newOnly: [ObjectID]
    )? {
        var walks: [(next: ObjectID?, seen: [ObjectID], set: Set<ObjectID>)] = [
            (old, [], []), (new, [], []),
        ]
        while walks[0].next != nil || walks[1].next != nil {
            for side in 0..<2 {
                guard let id = walks[side].next else { continue }
                if walks[1 - side].set.contains(id) {
                    let other = walks[1 - side].seen
                    let otherOnly = Array(other.prefix(while: { $0 != id }))
                    let mine = walks[side].seen
                    return side == 0
                        ? (id, mine, otherOnly) : (id, otherOnly, mine)
                }
                walks[side].seen.append(id)
                walks[side].set.insert(id)
                let commit = try lookupCommit(id)
                walks[side].next =
                    git_commit_parentcount(commit.raw) > 0
                    ? git_commit_parent_id(commit.raw, 0).map(ObjectID.init) : nil
            }
        }
        return nil
    }

    /// True when `commit` is `ancestor` or has it in its history (any
    /// parent, not only first parents).
    ///
    /// Equality is tested explicitly: libgit2 does not count a commit as its
    /// own descendant.
    package func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) throws(GitError) -> Bool {
        if commit == ancestor { return true }
        var commitOid = commit.oid
        var ancestorOid = ancestor.oid
        return try check(git_graph_descendant_of(raw, &commitOid, &ancestorOid), "git_graph_descendant_of") == 1
    }

    /// The best common ancestor of two commits, or nil when they share no
    /// history.
    package func mergeBase(_ one: ObjectID, _ two: ObjectID) throws(GitError) -> ObjectID? {
        var out = git_oid()
        var first = one.oid
        var second = two.oid
        let result = git_merge_base(&out, raw, &first, &second)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "git_merge_base")
        return ObjectID(out)
    }
}
