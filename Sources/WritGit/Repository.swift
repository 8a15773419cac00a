internal import Clibgit2
import Foundation
import WritCore

/// An open git repository (bare or with a work tree), read and written
/// through the object database and refs only: writ never touches a work tree
/// or an index.
///
/// Not `Sendable`: libgit2 lets one repository handle be used by one thread
/// at a time. Open one handle per thread or task.
package final class Repository {
    package let raw: OpaquePointer
    /// Trees that passed `TreeIntegrity.check` through this handle, so each
    /// is checked once however often it is read. Bounded: a long-running
    /// reader forgets them all and checks again rather than grow forever.
    private var checkedTrees: Set<ObjectID> = []
    private static let checkedTreesLimit = 32_768
    /// How fetches and pushes through this handle reach network remotes:
    /// credentials, host keys, certificates, the timeout and its helper.
    /// A repository on this machine needs none of it.
    package var remoteAccess = RemoteAccess.processDefault

    private init(raw: OpaquePointer) {
        self.raw = raw
    }

    /// A handle that owns `raw`, a repository made around an object
    /// database of its own (`ObjectStage`).
    package convenience init(wrapping raw: OpaquePointer) {
        self.init(raw: raw)
    }

    deinit {
        git_repository_free(raw)
    }

    /// Opens the repository at exactly `path` (a work tree or a bare git
    /// directory). Parent directories are never searched.
    package static func open(at path: String) throws(GitError) -> Repository {
        GitRuntime.ensure()
        var out: OpaquePointer?
        try check(
            git_repository_open_ext(&out, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil),
            "git_repository_open_ext")
        return try Repository(raw: unwrap(out, "git_repository_open_ext"))
    }

    /// Creates an empty repository at `path` (or reopens an existing one),
    /// bare or with a work tree.
    package static func create(at path: String, bare: Bool) throws(GitError) -> Repository {
        GitRuntime.ensure()
        var out: OpaquePointer?
        try check(git_repository_init(&out, path, bare ? 1 : 0), "git_repository_init")
        return try Repository(raw: unwrap(out, "git_repository_init"))
    }

    /// True when the repository has no work tree.
    package var isBare: Bool {
        git_repository_is_bare(raw) == 1
    }

    /// The path of the git directory (`.git/` or the bare repository).
    package var gitDirectory: String {
        guard let path = git_repository_path(raw) else { return "" }
        return String(cString: path)
    }

    // MARK: Handle helpers shared by the extensions

    package func handle(_ pointer: OpaquePointer?, _ function: String, release: @escaping (OpaquePointer?) -> Void)
        throws(GitError) -> GitHandle
    {
        GitHandle(try unwrap(pointer, function), repository: self, release: release)
    }

    /// The tree `id`, refused with `GitUsageError.malformedTree` when git
    /// itself would refuse it (`TreeIntegrity`). Every tree writ reads comes
    /// through here.
    func lookupTree(_ id: ObjectID) throws -> GitHandle {
        var oid = id.oid
        var out: OpaquePointer?
        try check(git_tree_lookup(&out, raw, &oid), "git_tree_lookup")
        let tree = try handle(out, "git_tree_lookup", release: git_tree_free)
        if !checkedTrees.contains(id) {
            // The raw bytes too: some of what git refuses, libgit2's parser
            // takes silently (`TreeIntegrity.modeTextProblem`).
            let database = try odb()
            var object: OpaquePointer?
            try check(git_odb_read(&object, database.raw, &oid), "git_odb_read")
            let rawObject = try handle(object, "git_odb_read", release: git_odb_object_free)
            try withExtendedLifetime(rawObject) {
                let raw = UnsafeRawBufferPointer(
                    start: git_odb_object_data(rawObject.raw), count: git_odb_object_size(rawObject.raw))
                try TreeIntegrity.check(tree.raw, id: id, raw: raw)
            }
            if checkedTrees.count >= Self.checkedTreesLimit { checkedTrees.removeAll(keepingCapacity: true) }
            checkedTrees.insert(id)
        }
        return tree
    }

    package func lookupCommit(_ id: ObjectID) throws(GitError) -> GitHandle {
        var oid = id.oid
        var out: OpaquePointer?
        try check(git_commit_lookup(&out, raw, &oid), "git_commit_lookup")
        return try handle(out, "git_commit_lookup", release: git_commit_free)
    }

    /// The object folder's path, with a trailing slash.
    func objectsDirectory() throws(GitError) -> String {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(git_repository_item_path(&buffer, raw, GIT_REPOSITORY_ITEM_OBJECTS), "git_repository_item_path")
        let path = buffer.ptr.map { String(cString: $0) } ?? ""
        return path.hasSuffix("/") ? path : path + "/"
    }

    /// Opens the object database afresh: a handle keeps every pack it ever
    /// listed, deleted ones included, until then.
    func reopenObjectDatabase() throws(GitError) {
        var out: OpaquePointer?
        try check(git_odb_open(&out, try objectsDirectory()), "git_odb_open")
        let fresh = try unwrap(out, "git_odb_open")
        defer { git_odb_free(fresh) }
        try check(git_repository_set_odb(raw, fresh), "git_repository_set_odb")
    }

    func odb() throws(GitError) -> GitHandle {
        var out: OpaquePointer?
        try check(git_repository_odb(&out, raw), "git_repository_odb")
        return try handle(out, "git_repository_odb", release: git_odb_free)
    }
}

/// A libgit2 call that reported success must have filled its out-pointer;
/// a NULL there is treated as a failure rather than trusted.
func unwrap(_ pointer: OpaquePointer?, _ function: String) throws(GitError) -> OpaquePointer {
    guard let pointer else {
        throw GitError(
            code: .generic, errorClass: 0, message: "succeeded without returning an object", function: function)
    }
    return pointer
}
