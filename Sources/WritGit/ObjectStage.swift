internal import CWritGit
internal import Clibgit2
import Foundation
import WritCore

/// Objects written in memory and put on disk together, as one pack.
///
/// A claim commit adds about ten objects (its blobs, the trees along their
/// paths, the commit). Written loose, each is a new file, and on a disk
/// that has just deleted many files a new file can cost a millisecond
/// (docs/dispatch.md, "Cost per intent"). Built through `repository`, they
/// stay in memory until `writePack()` writes them as one pack: two files.
/// A pack is complete before it is renamed into place, so a ref moved
/// after `writePack()` never names an object that is not on disk.
///
/// Packs written one per commit pile up, and every lookup that misses
/// looks through each of them, so `mergeSmallPacks()` merges them as they
/// grow (by object count, each merge at least doubling what it merges).
///
/// Beside stock git maintenance (docs/dispatch.md, "Packs"): a pack is
/// written with a `.keep` file, which `git repack -a -d`, `git gc` and
/// `git prune` respect, and the keep is removed only once a ref names its
/// commit (`releaseKept(namedBy:)`) or the commit was given up; every
/// object a commit needs is in its own pack, even one the repository held
/// already as garbage (the staging backend answers libgit2's "freshen" for
/// staged objects only); and merges touch only packs this stage wrote, never
/// one a multi-pack-index names, holding git's own multi-pack-index lock
/// while they delete.
///
/// Not `Sendable`: it owns repository handles, used from one thread.
package final class ObjectStage {
    /// The repository to build with: it reads the main repository's
    /// objects and the staged ones, and keeps what it writes in memory.
    /// Replaced after a merge: read it at each use.
    package private(set) var repository: Repository
    private var backend: UnsafeMutablePointer<git_odb_backend>
    private let main: Repository
    private let packDirectory: String
    /// Packs written since the last merge.
    private var packsSinceMerge = 0
    /// Packs written in all.
    package private(set) var packsWritten = 0
    /// Packs written here whose `.keep` still stands, each with the commit
    /// it carries (nil once that commit was given up).
    private var kept: [(pack: String, commit: ObjectID?)] = []
    /// Packs this stage wrote (merged ones included): the only packs a
    /// merge may delete.
    private var written = Set<String>()

    /// Packs written before a merge is due: lookups that miss scan every
    /// pack, and a poll may write one per intent.
    static let mergeEvery = 64

    /// The most bytes one staged object may hold (its size is kept in 32
    /// bits): a larger one is refused with `GitError.Code.objectTooLarge`.
    static let maximumObjectBytes = UInt64(WRIT_STAGE_MAX_OBJECT_BYTES)
    /// This stage's limit: `maximumObjectBytes` but in tests.
    private let objectLimit: UInt64

    /// A stage over `main`, whose object database receives the packs.
    package convenience init(over main: Repository) throws {
        try self.init(over: main, maximumObjectBytes: Self.maximumObjectBytes)
    }

    /// A stage refusing objects over `maximumObjectBytes` (lowered to
    /// `ObjectStage.maximumObjectBytes`), which tests set low to see the
    /// refusal without building gigabytes.
    package init(over main: Repository, maximumObjectBytes: UInt64) throws {
        self.main = main
        objectLimit = maximumObjectBytes
        packDirectory = try main.objectsDirectory() + "pack"
        // git and libgit2 make it with the repository; a copy may lack it.
        if mkdir(packDirectory, 0o755) != 0, errno != EEXIST {
            throw Self.failure("cannot create \(packDirectory): \(String(cString: strerror(errno)))")
        }
        (repository, backend) = try Self.stagingRepository(over: main, objectLimit: objectLimit)
        PackKeep.removeAbandoned(in: packDirectory)
    }

    deinit {
        // A stage that goes away leaves no keep of its own behind; a
        // commit a ref does not name by now is garbage for git to collect.
        for entry in kept { PackKeep.remove(entry.pack, in: packDirectory) }
    }

    private static func stagingRepository(over main: Repository, objectLimit: UInt64) throws(GitError)
        -> (Repository, UnsafeMutablePointer<git_odb_backend>)
    {
        var out: OpaquePointer?
        try check(git_odb_new(&out), "git_odb_new")
        let odb = try unwrap(out, "git_odb_new")
        defer { git_odb_free(odb) }
        var target: OpaquePointer?
        try check(git_repository_odb(&target, main.raw), "git_repository_odb")
        var backend: UnsafeMutablePointer<git_odb_backend>?
        let created = writ_stage_backend_new(&backend, target, objectLimit)
        guard created == 0, let backend else {
            git_odb_free(target)
            try check(created < 0 ? created : WRIT_ENOMEM, "writ_stage_backend_new")
            throw failure("no staging backend")
        }
        // Once added, the object database owns the backend (and its target).
        let added = git_odb_add_backend(odb, backend, 1_000)
        if added < 0 {
            writ_backend_free(backend)
            try check(added, "git_odb_add_backend")
        }
        var raw: OpaquePointer?
        try check(git_repository_wrap_odb(&raw, odb), "git_repository_wrap_odb")
        return (Repository(wrapping: try unwrap(raw, "git_repository_wrap_odb")), backend)
    }

    /// How many objects are staged.
    package var stagedCount: Int { writ_stage_count(backend) }

    /// Whether `id` is staged (not asking the main repository).
    package func holds(_ id: ObjectID) -> Bool {
        var oid = id.oid
        return writ_stage_holds(backend, &oid) == 1
    }

    /// Throws `GitError.Code.objectTooLarge` when an object of `bytes`
    /// would be refused: the check every staged write makes first.
    func checkSize(_ bytes: UInt64) throws(GitError) {
        try check(writ_stage_check_size(backend, bytes), "writ_stage_check_size")
    }

    /// The staged object at `index`, in the order written; its bytes stay
    /// valid until the stage is reset. Throws `indexOutOfRange` past the end.
    func stagedObject(at index: Int) throws(GitError) -> PackWriter.Object {
        var oid = git_oid()
        var type = GIT_OBJECT_INVALID
        var bytes: UnsafePointer<UInt8>?
        var size = 0
        try check(writ_stage_object(backend, index, &oid, &type, &bytes, &size), "writ_stage_object")
        return PackWriter.Object(
            id: ObjectID(oid), type: type.rawValue, bytes: UnsafeRawBufferPointer(start: bytes, count: size))
    }

    /// Writes the staged objects into the main repository as one kept
    /// pack, durable on return, and forgets them; nothing when none are
    /// staged. `commit` is the commit the pack carries: its `.keep` goes
    /// when `releaseKept(namedBy:)` finds a ref naming it.
    package func writePack(carrying commit: ObjectID? = nil) throws {
        let count = writ_stage_count(backend)
        guard count > 0 else { return }
        let writer = try PackWriter(count: count, in: packDirectory)
        for index in 0..<count { try writer.append(stagedObject(at: index)) }
        let name = try writer.finish(keep: PackKeep.text)
        kept.append((name, commit))
        written.insert(name)
        writ_stage_reset(backend)
        packsSinceMerge += 1
        packsWritten += 1
    }

    /// Gives up the commit a kept pack carries (a lost race): nothing will
    /// name it, so its keep goes at the next release.
    package func giveUp(_ commit: ObjectID) {
        kept = kept.map { $0.commit == commit ? ($0.pack, nil) : $0 }
    }

    /// Removes the `.keep` of every pack whose commit `tip` is or descends
    /// from (a ref names it now, so git's maintenance keeps its objects),
    /// and of every pack whose commit was given up. A pack whose commit
    /// no ref names yet stays kept.
    package func releaseKept(namedBy tip: ObjectID?) {
        kept = kept.filter { entry in
            let release: Bool
            if let commit = entry.commit {
                release = tip.map { (try? main.isDescendant($0, of: commit)) ?? false } ?? false
            } else {
                release = true
            }
            if release { PackKeep.remove(entry.pack, in: packDirectory) }
            return !release
        }
    }

    /// Packs written here whose `.keep` still stands.
    package var keptPacks: [String] { kept.map(\.pack) }

    /// Forgets the staged objects without writing them (a commit that was
    /// built and then not used).
    package func discard() {
        writ_stage_reset(backend)
    }

    /// `mergeSmallPacks()`, when `mergeEvery` packs were written since the
    /// last merge: called before a commit is built.
    package func mergeSmallPacksWhenDue() throws {
        if packsSinceMerge >= Self.mergeEvery { try mergeSmallPacks() }
    }

    /// Merges the smallest packs this stage wrote into one, when there are
    /// two or more worth merging: from the smallest up, each next pack is
    /// taken while it holds at most twice what is taken so far, so a large
    /// pack is rewritten only once the small ones add up to half of it.
    /// Packs another tool wrote (`git fetch`, `git gc`), kept packs and
    /// packs a multi-pack-index names are left alone (SPEC §6: writ never
    /// deletes a pack it did not write). The merged pack is on disk, flushed
    /// with its folder, before any pack it replaces is deleted, so every
    /// object is in some pack at every moment; a reader that had a deleted
    /// pack open keeps reading it. Merges happen between commits: anything
    /// staged and not yet written is dropped.
    package func mergeSmallPacks() throws {
        writ_stage_reset(backend)
        packsSinceMerge = 0
        // git's own lock on the multi-pack-index, held while packs go: git
        // writes no index naming a pack this merge is about to delete.
        let lock = packDirectory + "/multi-pack-index.lock"
        let lockDescriptor = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard lockDescriptor >= 0 else { return }
        defer {
            close(lockDescriptor)
            unlink(lock)
        }
        guard let indexed = MultiPackIndex.packNames(in: packDirectory) else { return }
        let packs = PackListing.smallestFirst(in: packDirectory).filter {
            written.contains($0.name) && !indexed.contains($0.name)
        }
        var chosen: [PackListing.Pack] = []
        var total = 0
        for pack in packs {
            if !chosen.isEmpty, pack.objects > 2 * total { break }
            chosen.append(pack)
            total += pack.objects
        }
        guard chosen.count >= 2 else { return }

        // Every object of the chosen packs, read back whole through the
        // main repository and streamed into one new pack, one at a time.
        var merged: [PackListing.Pack] = []
        var ids: [ObjectID] = []
        var seen = Set<ObjectID>()
        for pack in chosen {
            // A pack that cannot be read (its .pack gone, say) is left as it is.
            guard let listed = try? PackListing.objectIDs(of: pack) else { continue }
            ids.append(contentsOf: listed.filter { seen.insert($0).inserted })
            merged.append(pack)
        }
        guard merged.count >= 2 else { return }
        let odb = try main.odb()
        let writer = try PackWriter(count: ids.count, in: packDirectory)
        for id in ids {
            var oid = id.oid
            var out: OpaquePointer?
            try check(git_odb_read(&out, odb.raw, &oid), "git_odb_read")
            let object = try main.handle(out, "git_odb_read", release: git_odb_object_free)
            try writer.append(
                PackWriter.Object(
                    id: id, type: git_odb_object_type(object.raw).rawValue,
                    bytes: UnsafeRawBufferPointer(
                        start: git_odb_object_data(object.raw), count: git_odb_object_size(object.raw))))
        }
        let name = try writer.finish()
        written.insert(name)
        for pack in merged where pack.name != name {
            written.remove(pack.name)
            // The index first: a reader listing the folder then no longer
            // finds the pack, rather than an index whose pack is gone.
            unlink(packDirectory + "/" + pack.name + ".idx")
            unlink(packDirectory + "/" + pack.name + ".pack")
            // What git may have written next to it describes that pack only.
            unlink(packDirectory + "/" + pack.name + ".rev")
            unlink(packDirectory + "/" + pack.name + ".bitmap")
        }
        // Handles forget deleted packs only when reopened.
        try main.reopenObjectDatabase()
        (repository, backend) = try Self.stagingRepository(over: main, objectLimit: objectLimit)
    }

    private static func failure(_ message: String) -> GitError {
        GitError(code: .generic, errorClass: 0, message: message, function: "ObjectStage")
    }
}

/// The packs of a pack folder, read from their index files.
enum PackListing {
    struct Pack {
        /// `pack-<hash>`, without extension.
        package let name: String
        let indexPath: String
        let objects: Int
    }

    /// Every pack with an index and a pack file, and no `.keep`,
    /// `.promisor` or `.mtimes`, fewest objects first.
    static func smallestFirst(in directory: String) -> [Pack] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let present = Set(names)
        return names.compactMap { file -> Pack? in
            guard file.hasPrefix("pack-"), file.hasSuffix(".idx") else { return nil }
            let name = String(file.dropLast(4))
            // Kept, promised (partial clones) and cruft packs mean something
            // beyond their objects; they are never merged.
            guard present.contains(name + ".pack"),
                ![".keep", ".promisor", ".mtimes"].contains(where: { present.contains(name + $0) }),
                let objects = objectCount(directory + "/" + file)
            else { return nil }
            return Pack(name: name, indexPath: directory + "/" + file, objects: objects)
        }.sorted { ($0.objects, $0.name) < ($1.objects, $1.name) }
    }

    /// The object count an index file's fan-out table ends with (index
    /// version 2: a 4-byte signature and a 4-byte version come first).
    static func objectCount(_ path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 8 + 256 * 4), header.count == 8 + 256 * 4,
            Array(header.prefix(8)) == [0xFF, 0x74, 0x4F, 0x63, 0, 0, 0, 2]
        else { return nil }
        return header.suffix(4).reduce(0) { $0 << 8 | Int($1) }
    }

    /// The ids of every object in `pack`.
    static func objectIDs(of pack: Pack) throws(GitError) -> [ObjectID] {
        var backend: UnsafeMutablePointer<git_odb_backend>?
        try check(git_odb_backend_one_pack(&backend, pack.indexPath), "git_odb_backend_one_pack")
        guard let backend else { return [] }
        defer { writ_backend_free(backend) }
        final class Collected { var ids: [ObjectID] = [] }
        let collected = Collected()
        collected.ids.reserveCapacity(pack.objects)
        let result = withExtendedLifetime(collected) {
            writ_backend_foreach(
                backend,
                { oid, payload in
                    guard let oid, let payload else { return -1 }
                    Unmanaged<Collected>.fromOpaque(payload).takeUnretainedValue().ids.append(ObjectID(oid.pointee))
                    return 0
                }, Unmanaged.passUnretained(collected).toOpaque())
        }
        try check(result, "git_odb_backend foreach")
        return collected.ids
    }
}
