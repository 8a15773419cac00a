internal import Clibgit2
import Foundation
import WritCore

extension Repository {
    /// Resolves a revision to the object id it names, or nil when it names
    /// nothing that exists.
    ///
    /// Accepted forms, tried in this order: `HEAD`; 40 hex digits (an
    /// object id, returned only if the object exists); a full reference name
    /// starting with `refs/`; a short name tried as `refs/heads/<name>` and
    /// then `refs/remotes/<name>`. Revision expressions (`main~1`,
    /// `@{u}`, abbreviated ids) are refused: writ names its refs exactly.
    package func resolve(_ revision: String) throws -> ObjectID? {
        if let id = ObjectID(hex: revision) {
            return try objectExists(id) ? id : nil
        }
        guard !revision.isEmpty, !revision.utf8.contains(0) else {
            throw GitUsageError.invalidRevision(revision)
        }
        let candidates: [String]
        if revision == "HEAD" || revision.hasPrefix("refs/") {
            candidates = [revision]
        } else {
            candidates = ["refs/heads/" + revision, "refs/remotes/" + revision]
        }
        for name in candidates {
            guard isValidReferenceName(name) else { throw GitUsageError.invalidRevision(revision) }
            if let id = try referenceTarget(name) { return id }
        }
        return nil
    }

    /// The id a reference points to after following symbolic links, or nil
    /// when the reference (or the branch HEAD names) does not exist.
    package func referenceTarget(_ fullName: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, raw, fullName)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EUNBORNBRANCH.rawValue { return nil }
        try check(result, "git_reference_name_to_id")
        return ObjectID(oid)
    }

    func isValidReferenceName(_ name: String) -> Bool {
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }

    /// True when the object database holds `id`.
    package func objectExists(_ id: ObjectID) throws(GitError) -> Bool {
        let database = try odb()
        var oid = id.oid
        return git_odb_exists(database.raw, &oid) == 1
    }

    /// The root tree id of the commit (or tag of a commit, or tree) a
    /// revision names.
    package func treeID(of revision: String) throws -> ObjectID {
        guard let id = try resolve(revision) else { throw GitUsageError.invalidRevision(revision) }
        return try peeledTree(id)
    }

    func peeledTree(_ id: ObjectID) throws -> ObjectID {
        var oid = id.oid
        var object: OpaquePointer?
        try check(git_object_lookup(&object, raw, &oid, GIT_OBJECT_ANY), "git_object_lookup")
        let objectHandle = try handle(object, "git_object_lookup", release: git_object_free)
        var peeled: OpaquePointer?
        let result = git_object_peel(&peeled, objectHandle.raw, GIT_OBJECT_TREE)
        if result == GIT_EINVALIDSPEC.rawValue || result == GIT_EPEEL.rawValue {
            throw GitUsageError.wrongObjectKind(id: id, expected: "commit or tree")
        }
        try check(result, "git_object_peel")
        let tree = try handle(peeled, "git_object_peel", release: git_object_free)
        guard let treeOid = git_object_id(tree.raw) else {
            throw GitError(code: .generic, errorClass: 0, message: "tree without id", function: "git_object_id")
        }
        return ObjectID(treeOid)
    }

    /// The bytes of the file at `path` in the tree of `revision`, or nil
    /// when no entry exists at that path.
    ///
    /// `revision` is resolved by `resolve(_:)`; a revision that names
    /// nothing is an error, not nil. A directory, symlink or gitlink at the
    /// path throws `GitUsageError.notABlob`.
    package func blob(at path: String, in revision: String) throws -> Data? {
        try blob(at: path, inTree: treeID(of: revision))
    }

    /// The bytes of the file at `path` under the tree `treeID`, or nil.
    package func blob(at path: String, inTree treeID: ObjectID) throws -> Data? {
        guard let entry = try entry(at: path, inTree: treeID) else { return nil }
        guard entry.kind == .blob || entry.kind == .executable else { throw GitUsageError.notABlob(path) }
        return try blob(entry.id)
    }

    /// The entry at `path` under `treeID`, or nil when the path is absent
    /// (or runs through something that is not a directory).
    ///
    /// Walked one checked tree at a time rather than with libgit2's path
    /// lookup, so every tree on the way passes `TreeIntegrity` and a by-name
    /// lookup can never pick one of two twins.
    package func entry(at path: String, inTree treeID: ObjectID) throws -> TreeEntry? {
        let components = try TreePath(path).components
        var current = treeID
        for (index, name) in components.enumerated() {
            let tree = try lookupTree(current)
            guard let found = git_tree_entry_byname(tree.raw, name) else { return nil }
            guard let entry = TreeEntry(found) else {
                throw GitError(
                    code: .invalid, errorClass: 0, message: "tree \(current) has an unreadable entry",
                    function: "git_tree_entry_byname")
            }
            if index == components.count - 1 { return entry }
            guard entry.kind == .tree else { return nil }
            current = entry.id
        }
        return nil
    }

    /// The bytes of the blob `id`.
    package func blob(_ id: ObjectID) throws(GitError) -> Data {
        var oid = id.oid
        var out: OpaquePointer?
        try check(git_blob_lookup(&out, raw, &oid), "git_blob_lookup")
        let blob = try handle(out, "git_blob_lookup", release: git_blob_free)
        let size = Int(git_blob_rawsize(blob.raw))
        guard size > 0, let bytes = git_blob_rawcontent(blob.raw) else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    /// The entries of the tree `id`, in git's tree order. A tree git would
    /// refuse throws `GitUsageError.malformedTree`.
    package func tree(_ id: ObjectID) throws -> [TreeEntry] {
        let tree = try lookupTree(id)
        let count = git_tree_entrycount(tree.raw)
        var entries: [TreeEntry] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(tree.raw, index), let value = TreeEntry(entry) else {
                throw GitError(
                    code: .invalid, errorClass: 0, message: "tree \(id) has an unreadable entry",
                    function: "git_tree_entry_byindex")
            }
            entries.append(value)
        }
        return entries
    }

    /// The entries of the directory at `path` ("" for the root) in the tree
    /// of `revision`, or nil when the path is absent.
    package func tree(at path: String, in revision: String) throws -> [TreeEntry]? {
        let root = try treeID(of: revision)
        if path.isEmpty { return try tree(root) }
        guard let entry = try entry(at: path, inTree: root) else { return nil }
        guard entry.kind == .tree else { throw GitUsageError.wrongObjectKind(id: entry.id, expected: "tree") }
        return try tree(entry.id)
    }

    /// The exact bytes and type name of an object, read from the object
    /// database without parsing.
    package func rawObject(_ id: ObjectID) throws(GitError) -> (type: String, data: Data) {
        let database = try odb()
        var oid = id.oid
        var out: OpaquePointer?
        try check(git_odb_read(&out, database.raw, &oid), "git_odb_read")
        let object = try handle(out, "git_odb_read", release: git_odb_object_free)
        let size = git_odb_object_size(object.raw)
        let data = size > 0 ? git_odb_object_data(object.raw).map { Data(bytes: $0, count: size) } ?? Data() : Data()
        let type = git_object_type2string(git_odb_object_type(object.raw)).map { String(cString: $0) } ?? "unknown"
        return (type, data)
    }

    /// The root tree of commit `id`. Cheaper than `commit(_:).tree`: the
    /// commit comes from libgit2's object cache and its raw bytes are not
    /// read again, which matters on paths taken once per intent.
    package func commitTree(_ id: ObjectID) throws -> ObjectID {
        let commit = try lookupCommit(id)
        guard let tree = git_commit_tree_id(commit.raw) else {
            throw GitError(
                code: .invalid, errorClass: 0, message: "commit \(id) lacks a tree", function: "git_commit_lookup")
        }
        return ObjectID(tree)
    }

    /// The parents of commit `id`, first parent first, as cheaply as `commitTree`.
    package func commitParents(_ id: ObjectID) throws -> [ObjectID] {
        let commit = try lookupCommit(id)
        return (0..<git_commit_parentcount(commit.raw)).compactMap { index in
            git_commit_parent_id(commit.raw, index).map { ObjectID($0) }
        }
    }

    /// The commit `id` as a value, including its raw bytes.
    package func commit(_ id: ObjectID) throws -> CommitInfo {
        let commit = try lookupCommit(id)
        guard let treeOid = git_commit_tree_id(commit.raw),
            let author = git_commit_author(commit.raw),
            let committer = git_commit_committer(commit.raw)
        else {
            throw GitError(
                code: .invalid, errorClass: 0, message: "commit \(id) lacks a tree or signature",
                function: "git_commit_lookup")
        }
        var parents: [ObjectID] = []
        for index in 0..<git_commit_parentcount(commit.raw) {
            guard let parent = git_commit_parent_id(commit.raw, index) else { continue }
            parents.append(ObjectID(parent))
        }
        let messageBytes = git_commit_message_raw(commit.raw).map { String(cString: $0) } ?? ""
        let raw = try rawObject(id).data
        return CommitInfo(
            id: id, tree: ObjectID(treeOid), parents: parents,
            author: GitIdentity(author.pointee), committer: GitIdentity(committer.pointee),
            message: messageBytes, raw: raw)
    }
}

extension GitIdentity {
    init(_ signature: git_signature) {
        let name = signature.name.map { String(cString: $0) } ?? ""
        let email = signature.email.map { String(cString: $0) } ?? ""
        self.init(
            name: name, email: email,
            date: Date(timeIntervalSince1970: TimeInterval(signature.when.time)),
            utcOffsetMinutes: Int(signature.when.offset))
    }
}

extension Repository {
    /// The size of object `id`, read from its header without loading it.
    package func objectSize(_ id: ObjectID) throws(GitError) -> Int {
        let database = try odb()
        var oid = id.oid
        var size = 0
        var type = GIT_OBJECT_ANY
        try check(git_odb_read_header(&size, &type, database.raw, &oid), "git_odb_read_header")
        return size
    }

    /// The bytes of blob `id` when it is at most `limit` bytes. A larger blob
    /// is never loaded: `limit + 1` zero bytes stand in for it, which every
    /// size-checked reader rejects as too large. Anyone who can push to the
    /// ledger could otherwise make a reader load gigabytes.
    package func blob(_ id: ObjectID, limit: Int) throws(GitError) -> Data {
        guard try objectSize(id) <= limit else { return Data(count: limit + 1) }
        return try blob(id)
    }

    /// `blob(at:inTree:)` with the size bound of `blob(_:limit:)`.
    package func blob(at path: String, inTree treeID: ObjectID, limit: Int) throws -> Data? {
        guard let entry = try entry(at: path, inTree: treeID) else { return nil }
        guard entry.kind == .blob || entry.kind == .executable else { throw GitUsageError.notABlob(path) }
        return try blob(entry.id, limit: limit)
    }
}
