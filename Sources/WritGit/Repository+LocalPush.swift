internal import Clibgit2
import Foundation
import WritCore

extension Repository {
    /// Pushes to a repository on this machine with a real compare-and-swap.
    ///
    /// libgit2's local transport writes the remote's ref with no old-value
    /// check, so it is not used. Instead:
    /// 1. every object reachable from `commit` that the remote lacks is
    ///    copied into the remote's object database, each object only after
    ///    everything it references (so the remote never holds a commit
    ///    whose tree or parents are missing, even after a crash); objects
    ///    already there end the walk, since a repository holding an object
    ///    holds all it references. No temporary ref is created, so an
    ///    interrupted push leaves at most unreferenced objects, which git's
    ///    garbage collection removes;
    /// 2. the remote's `reference` is moved with
    ///    `git_reference_create_matching` (via `updateRef(_:to:expecting:)`),
    ///    which checks the old value while holding `<ref>.lock`, the same
    ///    lock file protocol git itself uses, so concurrent pushers in any
    ///    process (writ or git) never both win.
    ///
    /// A lock held by a concurrent pusher is waited for briefly; a lock that
    /// stays (a crashed writer) is reported as `PushError.locked`.
    func pushToLocalRepository(at path: String, reference: String, commit: ObjectID, expecting remoteOld: ObjectID?)
        throws
    {
        let target = try Repository.open(at: path)
        if !target.isBare, try target.symbolicHead() == reference {
            // A work tree would silently disagree with its own branch.
            throw PushError.rejected(ref: reference, status: "branch is checked out in the remote's work tree")
        }
        if commit == remoteOld {
            let current = try target.referenceTarget(reference)
            guard current == remoteOld else { throw PushError.conflict(current: current) }
            return
        }
        try copyMissingObjects(reachableFrom: commit, into: target)

        let deadline = Date().addingTimeInterval(2)
        while true {
            do {
                try target.updateRef(reference, to: commit, expecting: remoteOld, message: "writ: push")
                return
            } catch RefUpdateError.conflict(let current) {
                throw PushError.conflict(current: current)
            } catch RefUpdateError.locked {
                // Another pusher holds the lock for microseconds; only a lock
                // that outlives the deadline is reported.
                guard Date() < deadline else { throw PushError.locked }
                usleep(2_000)
            }
        }
    }

    /// The reference HEAD points to symbolically, or nil when HEAD is
    /// detached or absent.
    func symbolicHead() throws(GitError) -> String? {
        var out: OpaquePointer?
        let result = git_reference_lookup(&out, raw, "HEAD")
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "git_reference_lookup")
        let head = try handle(out, "git_reference_lookup", release: git_reference_free)
        guard git_reference_type(head.raw) == GIT_REFERENCE_SYMBOLIC,
            let name = git_reference_symbolic_target(head.raw)
        else { return nil }
        return String(cString: name)
    }

    /// Copies the commits reachable from `tip` that `target` lacks, with
    /// their trees and blobs, parents and contents before the objects that
    /// name them (an iterative post-order walk: histories can be long).
    private func copyMissingObjects(reachableFrom tip: ObjectID, into target: Repository) throws {
        let source = try odb()
        let destination = try target.odb()
        var visited = Set<ObjectID>()
        var stack: [(id: ObjectID, expanded: Bool)] = [(tip, false)]
        while let (id, expanded) = stack.popLast() {
            if expanded {
                let commit = try lookupCommit(id)
                guard let tree = git_commit_tree_id(commit.raw) else {
                    throw GitError(
                        code: .invalid, errorClass: 0, message: "commit \(id) has no tree",
                        function: "git_commit_tree_id")
                }
                try copyTree(ObjectID(tree), from: source, to: destination, visited: &visited)
                try copyObject(id, from: source, to: destination)
                continue
            }
            guard visited.insert(id).inserted, !contains(destination, id) else { continue }
            stack.append((id, true))
            let commit = try lookupCommit(id)
            for index in 0..<git_commit_parentcount(commit.raw) {
                guard let parent = git_commit_parent_id(commit.raw, index) else {
                    throw GitError(
                        code: .invalid, errorClass: 0, message: "commit \(id) has an unreadable parent",
                        function: "git_commit_parent_id")
                }
                let parentID = ObjectID(parent)
                if !visited.contains(parentID) { stack.append((parentID, false)) }
            }
        }
    }

    /// Copies tree `id` and whatever of its contents `destination` lacks.
    /// Gitlinks name commits of other repositories and are not copied.
    /// Recursion is bounded by `TreeIntegrity.maximumDepth`: a deeper tree
    /// is refused, never pushed.
    private func copyTree(
        _ id: ObjectID, from source: GitHandle, to destination: GitHandle, visited: inout Set<ObjectID>, depth: Int = 0
    ) throws {
        guard visited.insert(id).inserted, !contains(destination, id) else { return }
        for entry in try tree(id) {
            switch entry.kind {
            case .tree:
                guard depth < TreeIntegrity.maximumDepth else {
                    throw GitUsageError.malformedTree(
                        tree: entry.id, problem: "trees nest deeper than \(TreeIntegrity.maximumDepth) levels")
                }
                try copyTree(entry.id, from: source, to: destination, visited: &visited, depth: depth + 1)
            case .blob, .executable, .symlink:
                if visited.insert(entry.id).inserted, !contains(destination, entry.id) {
                    try copyObject(entry.id, from: source, to: destination)
                }
            case .gitlink:
                continue
            }
        }
        try copyObject(id, from: source, to: destination)
    }

    private func contains(_ database: GitHandle, _ id: ObjectID) -> Bool {
        var oid = id.oid
        return git_odb_exists(database.raw, &oid) == 1
    }

    /// Copies one object's exact bytes and checks that the destination
    /// stored it under the same id.
    private func copyObject(_ id: ObjectID, from source: GitHandle, to destination: GitHandle) throws(GitError) {
        var oid = id.oid
        var out: OpaquePointer?
        try check(git_odb_read(&out, source.raw, &oid), "git_odb_read")
        let object = try handle(out, "git_odb_read", release: git_odb_object_free)
        var written = git_oid()
        try check(
            git_odb_write(
                &written, destination.raw, git_odb_object_data(object.raw), git_odb_object_size(object.raw),
                git_odb_object_type(object.raw)),
            "git_odb_write")
        guard ObjectID(written) == id else {
            throw GitError(
                code: .invalid, errorClass: 0, message: "object \(id) was stored as \(ObjectID(written))",
                function: "git_odb_write")
        }
    }
}
