internal import Clibgit2

extension Repository {
    /// The file-level changes from commit `old` (nil: nothing) to commit
    /// `new`, sorted by path.
    public func diff(from old: ObjectID?, to new: ObjectID) throws -> [TreeChange] {
        try diffTrees(old.map { try commit($0).tree }, try commit(new).tree)
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
    public func diffTrees(_ old: ObjectID?, _ new: ObjectID?) throws -> [TreeChange] {
        var changes: [TreeChange] = []
        if old != new {
            try compare(
                old.map { id throws(GitError) in try lookupTree(id) },
                new.map { id throws(GitError) in try lookupTree(id) },
                prefix: "", into: &changes)
        }
        return changes.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private func compare(_ old: GitHandle?, _ new: GitHandle?, prefix: String, into changes: inout [TreeChange]) throws {
        if let old {
            for index in 0..<git_tree_entrycount(old.raw) {
                guard let before = git_tree_entry_byindex(old.raw, index), let name = git_tree_entry_name(before) else { continue }
                let after = new.flatMap { git_tree_entry_byname($0.raw, name) }
                if let after,
                   git_tree_entry_filemode(before) == git_tree_entry_filemode(after),
                   git_oid_equal(git_tree_entry_id(before), git_tree_entry_id(after)) == 1 {
                    continue
                }
                guard let beforeEntry = TreeEntry(before) else { throw unreadable(prefix) }
                let path = prefix + beforeEntry.name
                guard let after else {
                    try record(beforeEntry, at: path, as: .removed, into: &changes)
                    continue
                }
                guard let afterEntry = TreeEntry(after) else { throw unreadable(prefix) }
                switch (beforeEntry.kind == .tree, afterEntry.kind == .tree) {
                case (true, true):
                    try compare(lookupTree(beforeEntry.id), lookupTree(afterEntry.id), prefix: path + "/", into: &changes)
                case (false, false):
                    changes.append(TreeChange(path: path, kind: .modified, old: beforeEntry, new: afterEntry))
                default:
                    try record(beforeEntry, at: path, as: .removed, into: &changes)
                    try record(afterEntry, at: path, as: .added, into: &changes)
                }
            }
        }
        if let new {
            for index in 0..<git_tree_entrycount(new.raw) {
                guard let after = git_tree_entry_byindex(new.raw, index), let name = git_tree_entry_name(after) else { continue }
                if let old, git_tree_entry_byname(old.raw, name) != nil { continue }
                guard let afterEntry = TreeEntry(after) else { throw unreadable(prefix) }
                try record(afterEntry, at: prefix + afterEntry.name, as: .added, into: &changes)
            }
        }
    }

    /// Records a whole entry as added or removed, expanding a directory into
    /// every leaf under it.
    private func record(_ entry: TreeEntry, at path: String, as kind: TreeChange.Kind, into changes: inout [TreeChange]) throws {
        guard entry.kind == .tree else {
            changes.append(TreeChange(path: path, kind: kind, old: kind == .removed ? entry : nil, new: kind == .added ? entry : nil))
            return
        }
        for child in try tree(entry.id) {
            try record(child, at: path + "/" + child.name, as: kind, into: &changes)
        }
    }

    private func unreadable(_ prefix: String) -> GitError {
        GitError(code: .invalid, errorClass: 0, message: "unreadable tree entry under '\(prefix)'", function: "git_tree_entry_byindex")
    }
}
