internal import Clibgit2
import WritCore

extension Repository {
    /// The file-level changes from commit `old` (nil: nothing) to commit
    /// `new`, sorted by path.
    package func diff(from old: ObjectID?, to new: ObjectID) throws -> [TreeChange] {
        try diffTrees(old.map { try commitTree($0) }, try commitTree(new))
    }

    /// The file-level changes between two trees (nil: the empty tree),
    /// sorted by path.
    ///
    /// Paths are full and recursive. A change of kind or mode at a leaf
    /// (file to symlink, file to executable) is `modified`; a file replaced
    /// by a directory (or the reverse) is the removal of one and the
    /// addition of the other. Equal subtree ids are skipped without being
    /// read, so the cost follows the size of the change, not of the tree:
    /// appending one file to a fanned-out ledger reads only the trees on its
    /// path.
    ///
    /// Every tree read passes `TreeIntegrity` (`GitUsageError.malformedTree`
    /// otherwise), and the walk is iterative: a tree nested deeper than
    /// `TreeIntegrity.maximumDepth` is refused, not followed.
    package func diffTrees(_ old: ObjectID?, _ new: ObjectID?) throws -> [TreeChange] {
        var changes: [TreeChange] = []
        guard old != new else { return changes }
        var work = [DiffStep.compare(old: old, new: new, prefix: "", depth: 0)]
        while let step = work.popLast() {
            switch step {
            case .compare(let old, let new, let prefix, let depth):
                try compare(old, new, prefix: prefix, depth: depth, into: &changes, work: &work)
            case .expand(let tree, let prefix, let kind, let depth):
                for child in try self.tree(tree) {
                    let path = prefix + child.name
                    if child.kind == .tree {
                        work.append(
                            .expand(tree: child.id, prefix: path + "/", kind: kind, depth: try deeper(depth, child.id)))
                    } else {
                        changes.append(
                            TreeChange(
                                path: path, kind: kind, old: kind == .removed ? child : nil,
                                new: kind == .added ? child : nil))
                    }
                }
            }
        }
        return changes.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// One pending piece of a diff: two trees to compare, or a whole tree
    /// added or removed, to expand into its leaves.
    private enum DiffStep {
        case compare(old: ObjectID?, new: ObjectID?, prefix: String, depth: Int)
        case expand(tree: ObjectID, prefix: String, kind: TreeChange.Kind, depth: Int)
    }

    /// The depth of a subtree of a tree at `depth`, refused past the bound.
    private func deeper(_ depth: Int, _ subtree: ObjectID) throws -> Int {
        guard depth < TreeIntegrity.maximumDepth else {
            throw GitUsageError.malformedTree(
                tree: subtree, problem: "trees nest deeper than \(TreeIntegrity.maximumDepth) levels")
        }
        return depth + 1
    }

    /// Compares one level; differing subtrees are queued, not recursed into.
    private func compare(
        _ oldID: ObjectID?, _ newID: ObjectID?, prefix: String, depth: Int,
        into changes: inout [TreeChange], work: inout [DiffStep]
    ) throws {
        let old = try oldID.map { try lookupTree($0) }
        let new = try newID.map { try lookupTree($0) }
        func record(_ entry: TreeEntry, at path: String, as kind: TreeChange.Kind) throws {
            if entry.kind == .tree {
                work.append(.expand(tree: entry.id, prefix: path + "/", kind: kind, depth: try deeper(depth, entry.id)))
            } else {
                changes.append(
                    TreeChange(
                        path: path, kind: kind, old: kind == .removed ? entry : nil, new: kind == .added ? entry : nil))
            }
        }
        // Both trees passed TreeIntegrity: names are unique, so a by-name
        // lookup finds the one entry git would.
        if let old {
            for index in 0..<git_tree_entrycount(old.raw) {
                guard let before = git_tree_entry_byindex(old.raw, index), let name = git_tree_entry_name(before) else {
                    continue
                }
                let after = new.flatMap { git_tree_entry_byname($0.raw, name) }
                if let after,
                    git_tree_entry_filemode(before) == git_tree_entry_filemode(after),
                    git_oid_equal(git_tree_entry_id(before), git_tree_entry_id(after)) == 1
                {
                    continue
                }
                guard let beforeEntry = TreeEntry(before) else { throw unreadable(prefix) }
                let path = prefix + beforeEntry.name
                guard let after else {
                    try record(beforeEntry, at: path, as: .removed)
                    continue
                }
                guard let afterEntry = TreeEntry(after) else { throw unreadable(prefix) }
                switch (beforeEntry.kind == .tree, afterEntry.kind == .tree) {
                case (true, true):
                    let next = try deeper(depth, afterEntry.id)
                    work.append(.compare(old: beforeEntry.id, new: afterEntry.id, prefix: path + "/", depth: next))
                case (false, false):
                    changes.append(TreeChange(path: path, kind: .modified, old: beforeEntry, new: afterEntry))
                default:
                    try record(beforeEntry, at: path, as: .removed)
                    try record(afterEntry, at: path, as: .added)
                }
            }
        }
        if let new {
            for index in 0..<git_tree_entrycount(new.raw) {
                guard let after = git_tree_entry_byindex(new.raw, index), let name = git_tree_entry_name(after) else {
                    continue
                }
                if let old, git_tree_entry_byname(old.raw, name) != nil { continue }
                guard let afterEntry = TreeEntry(after) else { throw unreadable(prefix) }
                try record(afterEntry, at: prefix + afterEntry.name, as: .added)
            }
        }
    }

    private func unreadable(_ prefix: String) -> GitError {
        GitError(
            code: .invalid, errorClass: 0, message: "unreadable tree entry under '\(prefix)'",
            function: "git_tree_entry_byindex")
    }
}
