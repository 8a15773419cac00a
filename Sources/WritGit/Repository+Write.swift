internal import Clibgit2
import Foundation
import WritCore

extension Repository {
    /// Writes `data` as a blob object and returns its id.
    func writeBlob(_ data: Data) throws(GitError) -> ObjectID {
        var oid = git_oid()
        let result = data.withUnsafeBytes { bytes in
            git_blob_create_from_buffer(&oid, raw, bytes.baseAddress, bytes.count)
        }
        try check(result, "git_blob_create_from_buffer")
        return ObjectID(oid)
    }

    /// Adds files to a tree and returns the new root tree id.
    ///
    /// - Parameters:
    ///   - files: full paths (e.g. `audit/3f/my-intent/0001-claimed.json`)
    ///     to file contents; each is written as a blob with mode 100644.
    ///     Missing directories are created.
    ///   - base: the tree to start from, or nil for an empty tree.
    ///   - overwrite: when false (the ledger's append-only rule) any path
    ///     that already exists, or a file standing where a directory is
    ///     needed, throws `GitUsageError.pathExists`; when true it is replaced.
    ///
    /// Only the trees along the inserted paths are rewritten (one tree
    /// builder per touched directory); every other subtree keeps its id.
    /// A path named both as a file and as a directory in `files` throws
    /// `GitUsageError.pathConflict`.
    package func insert(_ files: [String: Data], into base: ObjectID?, overwrite: Bool = false) throws -> ObjectID {
        let root = PendingDirectory()
        // Sorted so that errors and blob writes happen in a stable order.
        for (path, data) in files.sorted(by: { $0.key < $1.key }) {
            let parsed = try TreePath(path)
            var directory = root
            for (depth, name) in parsed.components.dropLast().enumerated() {
                if directory.files[name] != nil {
                    throw GitUsageError.pathConflict(parsed.components[...depth].joined(separator: "/"))
                }
                directory = directory.child(name)
            }
            let leaf = parsed.components[parsed.components.count - 1]
            if directory.directories[leaf] != nil { throw GitUsageError.pathConflict(path) }
            directory.files[leaf] = try writeBlob(data)
        }
        return try write(root, over: base, prefix: "", overwrite: overwrite)
    }

    private func write(_ pending: PendingDirectory, over base: ObjectID?, prefix: String, overwrite: Bool) throws
        -> ObjectID
    {
        let baseTree = try base.map { try lookupTree($0) }
        var out: OpaquePointer?
        try check(git_treebuilder_new(&out, raw, baseTree?.raw), "git_treebuilder_new")
        let builder = try handle(out, "git_treebuilder_new", release: git_treebuilder_free)

        for (name, child) in pending.directories.sorted(by: { $0.key < $1.key }) {
            var existingTree: ObjectID?
            if let existing = git_treebuilder_get(builder.raw, name), let entry = TreeEntry(existing) {
                if entry.kind == .tree {
                    existingTree = entry.id
                } else if !overwrite {
                    throw GitUsageError.pathExists(prefix + name)
                }
            }
            let childID = try write(child, over: existingTree, prefix: prefix + name + "/", overwrite: overwrite)
            var oid = childID.oid
            try check(git_treebuilder_insert(nil, builder.raw, name, &oid, GIT_FILEMODE_TREE), "git_treebuilder_insert")
        }
        for (name, blob) in pending.files.sorted(by: { $0.key < $1.key }) {
            if !overwrite, git_treebuilder_get(builder.raw, name) != nil {
                throw GitUsageError.pathExists(prefix + name)
            }
            var oid = blob.oid
            try check(git_treebuilder_insert(nil, builder.raw, name, &oid, GIT_FILEMODE_BLOB), "git_treebuilder_insert")
        }
        var written = git_oid()
        try check(git_treebuilder_write(&written, builder.raw), "git_treebuilder_write")
        return ObjectID(written)
    }
}

/// The directories and files one `insert` call adds, as a trie.
private final class PendingDirectory {
    var directories: [String: PendingDirectory] = [:]
    package var files: [String: ObjectID] = [:]

    package func child(_ name: String) -> PendingDirectory {
        if let existing = directories[name] { return existing }
        let created = PendingDirectory()
        directories[name] = created
        return created
    }
}
