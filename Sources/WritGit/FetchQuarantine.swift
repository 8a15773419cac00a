internal import CWritGit
internal import Clibgit2
import Foundation

/// Where a fetch downloads its pack before anything can see it, as git's
/// own receive-pack quarantines a push (`objects/incoming-*`).
///
/// libgit2 renames a downloaded pack into `objects/pack` at once, and the
/// remote-tracking refs that name its objects move only afterwards: in
/// between, `git repack -a -d` or `git gc` beside writ deletes the pack as
/// garbage, and the refs then name objects that are gone (a test showed
/// `git fsck` reporting "invalid sha1 pointer" after one poll beside a
/// maintenance loop). So the download goes to a pack backend on a folder
/// of its own, of a repository handle of its own; `publish()` then moves
/// the pack into `objects/pack` behind a `.keep`, flushed, and `release()`
/// removes the keep once the refs name the fetched tips.
final class FetchQuarantine {
    /// The handle that downloads: the repository's objects, and the quarantine first for writes.
    package let repository: Repository
    private let folder: String
    private let packDirectory: String
    private var published: [String] = []

    /// A quarantine folder in `main`'s object folder, named by this
    /// process and removed by `remove()` (or, after a crash, by the next
    /// fetch once this process is gone).
    package init(for main: Repository) throws {
        let objects = try main.objectsDirectory()
        packDirectory = objects + "pack"
        Self.removeAbandoned(in: objects)
        if mkdir(packDirectory, 0o755) != 0, errno != EEXIST {
            throw Self.failure("cannot create \(packDirectory): \(String(cString: strerror(errno)))")
        }
        var template = Array((objects + "incoming-writ-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw Self.failure("cannot create a folder in \(objects): \(String(cString: strerror(errno)))")
        }
        folder = String(cString: template)
        do {
            try PackWriter.place(Data(PackKeep.text.utf8), at: folder + "/owner", in: folder)
            guard mkdir(folder + "/pack", 0o755) == 0 else {
                throw Self.failure("cannot create \(folder)/pack: \(String(cString: strerror(errno)))")
            }
            repository = try Repository.open(at: main.gitDirectory)
            try Self.addPackBackend(folder, to: repository)
        } catch {
            Self.removeFolder(folder)
            throw error
        }
    }

    deinit {
        release()
        Self.removeFolder(folder)
    }

    /// Writes go to a pack backend on the quarantine, ahead of the
    /// repository's own (libgit2 hands a download to the first backend
    /// that takes packs, by priority).
    private static func addPackBackend(_ folder: String, to repository: Repository) throws(GitError) {
        var backend: UnsafeMutablePointer<git_odb_backend>?
        try check(git_odb_backend_pack(&backend, folder), "git_odb_backend_pack")
        guard let backend else { throw failure("git_odb_backend_pack returned no backend") }
        let odb = try repository.odb()
        let added = git_odb_add_backend(odb.raw, backend, 1_000)
        if added < 0 {
            writ_backend_free(backend)
            try check(added, "git_odb_add_backend")
        }
    }

    /// Moves every downloaded pack into `objects/pack`: its keep first,
    /// then the pack, then its index, each already flushed by libgit2's
    /// indexer, then the folder flushed. The repository's own handles find
    /// them on their next lookup.
    package func publish() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/pack")) ?? []
        for name in names.filter({ $0.hasPrefix("pack-") && $0.hasSuffix(".pack") }).sorted() {
            let pack = String(name.dropLast(5))
            guard names.contains(pack + ".idx") else { continue }
            try PackKeep.place(pack, in: packDirectory)
            published.append(pack)
            for suffix in [".pack", ".idx"] {
                guard rename(folder + "/pack/" + pack + suffix, packDirectory + "/" + pack + suffix) == 0 else {
                    throw Self.failure(
                        "cannot move \(pack)\(suffix) into \(packDirectory): \(String(cString: strerror(errno)))")
                }
            }
        }
        if !published.isEmpty { try PackWriter.flushDirectory(packDirectory) }
    }

    /// Removes the keeps of the published packs: call once refs name
    /// what was fetched (git's maintenance then keeps it as reachable).
    package func release() {
        for pack in published { PackKeep.remove(pack, in: packDirectory) }
        published = []
    }

    /// Removes quarantine folders of writ processes that are gone.
    private static func removeAbandoned(in objects: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: objects) else { return }
        for name in names where name.hasPrefix("incoming-writ-") {
            guard let owner = PackKeep.owner(ofFile: objects + name + "/owner") else { continue }
            if kill(owner, 0) != 0, errno == ESRCH { removeFolder(objects + name) }
        }
        PackKeep.removeAbandoned(in: objects + "pack")
    }

    private static func removeFolder(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func failure(_ message: String) -> GitError {
        GitError(code: .generic, errorClass: 0, message: message, function: "FetchQuarantine")
    }
}
