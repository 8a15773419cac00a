import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `ObjectStage` and `PackWriter`: objects built in memory reach the disk
/// as one pack, byte for byte what `git index-pack` makes of it, before any
/// ref can name them; merges keep every object readable. `git` is the
/// independent witness.
@Suite struct ObjectStageTests {
    typealias S = GitTestSupport

    private static func packFiles(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("objects/pack").path).sorted()
    }

    private static func looseObjects(_ dir: URL) throws -> Int {
        let counts = try S.git(dir, "count-objects", "-v").split(separator: "\n")
        return Int(counts.first { $0.hasPrefix("count: ") }?.dropFirst(7) ?? "") ?? -1
    }

    /// A ledger-shaped base commit, written the usual way (loose).
    private static func base(_ repo: Repository) throws -> ObjectID {
        let tree = try repo.insert(["intents/3f/first.toml": Data("schema = 1\n".utf8)], into: nil)
        return try repo.createCommit(
            tree: tree, parents: [], author: S.identity, committer: S.identity, message: "ledger: first\n")
    }

    @Test func aStagedCommitReachesTheDiskAsOnePackThatGitReads() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let first = try Self.base(repo)
        try repo.updateRef("writ/ledger", to: first, expecting: nil)
        let loose = try Self.looseObjects(dir)

        let stage = try ObjectStage(over: repo)
        // A large blob (a size header of several bytes) and an empty one.
        let large = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let files = [
            "audit/3f/first/0001-claimed.json": Data("{}\n".utf8), "audit/3f/first/blob.bin": large,
            "audit/00/empty/0001-blocked.json": Data(),
        ]
        let staged = stage.repository
        let tree = try staged.insert(files, into: try staged.commitTree(first))
        let commit = try staged.createCommit(
            tree: tree, parents: [first], author: S.identity, committer: S.identity, message: "ledger: claim\n")
        // In memory only: neither git nor the repository's own handle sees it.
        #expect(stage.stagedCount == 10)
        #expect(try S.run("/usr/bin/git", ["-C", dir.path, "cat-file", "-e", commit.hex]).status != 0)
        #expect(try Self.packFiles(dir).isEmpty)

        try stage.writePack(carrying: commit)
        #expect(stage.stagedCount == 0)
        // Kept until a ref names the commit.
        var packs = try Self.packFiles(dir)
        #expect(packs.map { ($0 as NSString).pathExtension } == ["idx", "keep", "pack"], "\(packs)")
        let keep = dir.appendingPathComponent("objects/pack/" + packs[1])
        #expect(try String(contentsOf: keep, encoding: .utf8) == "writ: pack in flight, pid \(getpid())\n")
        #expect(try Self.looseObjects(dir) == loose)
        stage.releaseKept(namedBy: first)
        #expect(try Self.packFiles(dir).count == 3, "the ledger does not name the commit yet")
        try repo.updateRef("writ/ledger", to: commit, expecting: first)
        stage.releaseKept(namedBy: commit)
        packs = try Self.packFiles(dir)
        #expect(packs.count == 2 && packs[0].hasSuffix(".idx") && packs[1].hasSuffix(".pack"), "\(packs)")
        #expect(stage.keptPacks.isEmpty)
        #expect(try S.git(dir, "show", "writ/ledger:audit/3f/first/0001-claimed.json") == "{}")
        #expect(try repo.blob(at: "audit/3f/first/blob.bin", inTree: try repo.commitTree(commit)) == large)
        let fsck = try S.run("/usr/bin/git", ["-C", dir.path, "fsck", "--strict", "--full", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")

        // The index is the one git computes from the pack itself.
        let pack = dir.appendingPathComponent("objects/pack/" + packs[1])
        let witness = dir.appendingPathComponent("witness.idx")
        let indexed = try S.run("/usr/bin/git", ["-C", dir.path, "index-pack", "-o", witness.path, pack.path])
        #expect(indexed.status == 0, "\(indexed.stderr)")
        let ours = try Data(contentsOf: dir.appendingPathComponent("objects/pack/" + packs[0]))
        #expect(try Data(contentsOf: witness) == ours)
        #expect(
            indexed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(packs[1].dropFirst(5).dropLast(5)))
    }

    /// A repository copied without its empty pack folder still gets packs.
    @Test func aMissingPackFolderIsMade() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let first = try Self.base(repo)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("objects/pack"))
        let stage = try ObjectStage(over: repo)
        _ = try stage.repository.insert(["audit/3f/first/x.json": Data("{}\n".utf8)], into: try repo.commitTree(first))
        try stage.writePack()
        #expect(try Self.packFiles(dir).count == 3)
    }

    @Test func aCommitThatIsNotUsedLeavesNothingBehind() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let first = try Self.base(repo)
        let stage = try ObjectStage(over: repo)
        _ = try stage.repository.insert(["audit/3f/first/x.json": Data("{}\n".utf8)], into: try repo.commitTree(first))
        stage.discard()
        try stage.writePack()
        #expect(try Self.packFiles(dir).isEmpty)
    }

    /// A pack is placed whole or not at all: one that ends short of the
    /// objects it declared throws, and one abandoned leaves no file.
    @Test func aPackThatIsNotFinishedLeavesNoFile() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        _ = try Repository.create(at: dir.path, bare: true)
        let packs = dir.appendingPathComponent("objects/pack").path
        let bytes = Data("{}\n".utf8)
        try bytes.withUnsafeBytes { raw in
            let object = PackWriter.Object(
                id: try S.id("0123456789abcdef0123456789abcdef01234567"), type: 3, bytes: raw)
            let short = try PackWriter(count: 2, in: packs)
            try short.append(object)
            #expect(throws: GitError.self) { try short.finish() }
            do {
                let abandoned = try PackWriter(count: 1, in: packs)
                try abandoned.append(object)
                #expect(throws: GitError.self) { try abandoned.append(object) }
            }
        }
        #expect(try Self.packFiles(dir).isEmpty)
    }

    /// A pack writer refuses a count its header cannot hold, and an object
    /// that cannot fit in a pack (index offsets stay 31-bit, which also keeps
    /// every length zlib counts in 32 bits) before it compresses a byte of
    /// it, naming its size and the limit; nothing is left behind. The object
    /// is 2 GiB of address space mapped read-only and never touched: mapped,
    /// not allocated.
    @Test func aPackRefusesWhatItCannotHoldBeforeReadingIt() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        _ = try Repository.create(at: dir.path, bare: true)
        let packs = dir.appendingPathComponent("objects/pack").path
        for count in [Int(UInt32.max) + 1, -1] {
            do {
                _ = try PackWriter(count: count, in: packs)
                Issue.record("a pack of \(count) objects was begun")
            } catch let error as GitError {
                #expect(error.message == "a pack of \(count) objects")
            }
        }
        let length = PackWriter.maximumPackBytes
        let mapped = try #require(
            mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), "mmap returned NULL")
        try #require(mapped != MAP_FAILED, "mmap of \(length) bytes: \(String(cString: strerror(errno)))")
        defer { munmap(mapped, length) }
        do {
            let writer = try PackWriter(count: 1, in: packs)
            let object = PackWriter.Object(
                id: try S.id("0123456789abcdef0123456789abcdef01234567"), type: 3,
                bytes: UnsafeRawBufferPointer(start: mapped, count: length))
            do {
                try writer.append(object)
                Issue.record("an object of \(length) bytes was packed")
            } catch let error as GitError {
                #expect(
                    error.message
                        == "an object of 2147483647 bytes is too large for a pack (at most 2147483647 bytes in all)")
            }
        }
        // The abandoned pack's temporary file is gone with its writer.
        #expect(try Self.packFiles(dir).isEmpty)
    }

    @Test func smallPacksAreMergedIntoOneAndEveryObjectStaysReadable() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        var tip = try Self.base(repo)
        try repo.updateRef("writ/ledger", to: tip, expecting: nil)
        let stage = try ObjectStage(over: repo)
        var written: [ObjectID] = []
        for round in 0..<6 {
            let staged = stage.repository
            let tree = try staged.insert(
                ["audit/3f/first/\(round)-claimed.json": Data("{\"round\":\(round)}\n".utf8)],
                into: try staged.commitTree(tip))
            let commit = try staged.createCommit(
                tree: tree, parents: [tip], author: S.identity, committer: S.identity, message: "ledger: \(round)\n")
            try stage.writePack(carrying: commit)
            try repo.updateRef("writ/ledger", to: commit, expecting: tip)
            stage.releaseKept(namedBy: commit)
            tip = commit
            written.append(commit)
            if round == 3 {
                // Merged mid-way: the next commits build on merged objects.
                try stage.mergeSmallPacks()
                #expect(try Self.packFiles(dir).count == 2)
            }
        }
        #expect(stage.packsWritten == 6)
        try stage.mergeSmallPacks()
        let packs = try Self.packFiles(dir)
        #expect(packs.count == 2, "\(packs)")
        #expect(!packs.contains { $0.hasPrefix("tmp_") })
        for (round, commit) in written.enumerated() {
            #expect(
                try S.git(dir, "show", "\(commit.hex):audit/3f/first/\(round)-claimed.json") == "{\"round\":\(round)}")
            #expect(
                try repo.blob(at: "audit/3f/first/\(round)-claimed.json", inTree: try repo.commitTree(commit))
                    == Data("{\"round\":\(round)}\n".utf8))
        }
        let fsck = try S.run("/usr/bin/git", ["-C", dir.path, "fsck", "--strict", "--full", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
    }

    /// A pack git wrote is never merged, whatever its size; `.keep` packs
    /// are never touched.
    @Test func mergesTakeOnlyOwnPacksAndLeaveKeptOnesAlone() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        var files: [String: Data] = [:]
        for n in 0..<200 { files["intents/\(n % 16)/i-\(n).toml"] = Data("n = \(n)\n".utf8) }
        let first = try repo.createCommit(
            tree: try repo.insert(files, into: nil), parents: [], author: S.identity, committer: S.identity,
            message: "ledger: first\n")
        try repo.updateRef("writ/ledger", to: first, expecting: nil)
        _ = try S.git(dir, "repack", "-a", "-d")
        // git writes an index, a pack and a reverse index (`.rev`).
        let big = try Self.packFiles(dir)
        #expect(big.filter { $0.hasSuffix(".pack") }.count == 1)

        let stage = try ObjectStage(over: repo)
        var tip = first
        for round in 0..<3 {
            let staged = stage.repository
            let tree = try staged.insert(["audit/x/\(round).json": Data("{}\n".utf8)], into: try staged.commitTree(tip))
            let commit = try staged.createCommit(
                tree: tree, parents: [tip], author: S.identity, committer: S.identity, message: "\(round)\n")
            try stage.writePack(carrying: commit)
            try repo.updateRef("writ/ledger", to: commit, expecting: tip)
            stage.releaseKept(namedBy: commit)
            tip = commit
        }
        try stage.mergeSmallPacks()
        let after = try Self.packFiles(dir)
        #expect(after.filter { $0.hasSuffix(".pack") }.count == 2, "\(after)")
        #expect(big.allSatisfy(after.contains), "the large pack was rewritten: \(after)")

        // A kept pack is not merged: without its `.keep`, the two packs
        // written next (five objects each) would take it in (fifteen).
        let kept = try #require(after.first { !big.contains($0) && $0.hasSuffix(".pack") })
        FileManager.default.createFile(
            atPath: dir.appendingPathComponent("objects/pack/" + kept.dropLast(5) + ".keep").path, contents: Data())
        for round in 0..<2 {
            let staged = stage.repository
            let tree = try staged.insert(
                ["audit/x/kept-\(round).json": Data("{}\n".utf8)], into: try staged.commitTree(tip))
            let commit = try staged.createCommit(
                tree: tree, parents: [tip], author: S.identity, committer: S.identity, message: "k\(round)\n")
            try stage.writePack(carrying: commit)
            try repo.updateRef("writ/ledger", to: commit, expecting: tip)
            stage.releaseKept(namedBy: commit)
            tip = commit
        }
        try stage.mergeSmallPacks()
        let final = try Self.packFiles(dir)
        #expect(final.contains(kept) && big.allSatisfy(final.contains), "\(final)")
        #expect(final.filter { $0.hasSuffix(".pack") }.count == 3, "\(final)")
        let fsck = try S.run("/usr/bin/git", ["-C", dir.path, "fsck", "--strict", "--full", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
    }

    /// One commit built on `tip` through `stage`, adding `files`.
    private static func stagedCommit(_ stage: ObjectStage, on tip: ObjectID, _ files: [String: Data]) throws -> ObjectID
    {
        let staged = stage.repository
        let tree = try staged.insert(files, into: try staged.commitTree(tip))
        return try staged.createCommit(
            tree: tree, parents: [tip], author: S.identity, committer: S.identity, message: "ledger: staged\n")
    }

    private static func expectComplete(_ dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fsck = try S.run("/usr/bin/git", ["-C", dir.path, "fsck", "--strict", "--full", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)", sourceLocation: sourceLocation)
    }

    /// Stock git maintenance run after the pack is written and before the
    /// ref names its commit (the window of a push) deletes nothing the
    /// commit needs: the pack is kept. Without the keep, `gc --prune=now`
    /// removes the unreachable pack and the ref then names a missing commit.
    @Test(arguments: [["gc", "--prune=now"], ["repack", "-a", "-d"], ["prune", "--expire=now"]])
    func maintenanceBeforeTheRefMovesLeavesTheCommitWhole(command: [String]) throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let first = try Self.base(repo)
        try repo.updateRef("writ/ledger", to: first, expecting: nil)
        let stage = try ObjectStage(over: repo)
        let commit = try Self.stagedCommit(stage, on: first, ["audit/3f/first/0001-claimed.json": Data("{}\n".utf8)])
        try stage.writePack(carrying: commit)
        let maintained = try S.run("/usr/bin/git", ["-C", dir.path] + command)
        #expect(maintained.status == 0, "\(maintained.stderr)")
        #expect(try S.run("/usr/bin/git", ["-C", dir.path, "cat-file", "-e", commit.hex]).status == 0)
        try repo.updateRef("writ/ledger", to: commit, expecting: first)
        stage.releaseKept(namedBy: commit)
        try Self.expectComplete(dir)
        #expect(try S.git(dir, "show", "writ/ledger:audit/3f/first/0001-claimed.json") == "{}")
    }

    /// An object the repository already holds only as garbage is written
    /// into the new pack all the same: `git prune --expire=now` may take the
    /// garbage copy at any moment.
    @Test func anObjectHeldOnlyAsGarbageIsPackedAgain() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let first = try Self.base(repo)
        try repo.updateRef("writ/ledger", to: first, expecting: nil)
        let bytes = Data("{\"event\":\"claimed\"}\n".utf8)
        let garbage = try repo.writeBlob(bytes)
        #expect(try S.run("/usr/bin/git", ["-C", dir.path, "cat-file", "-e", garbage.hex]).status == 0)
        let stage = try ObjectStage(over: repo)
        let commit = try Self.stagedCommit(stage, on: first, ["audit/3f/first/0001-claimed.json": bytes])
        try stage.writePack(carrying: commit)
        let pruned = try S.run("/usr/bin/git", ["-C", dir.path, "prune", "--expire=now"])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        try repo.updateRef("writ/ledger", to: commit, expecting: first)
        stage.releaseKept(namedBy: commit)
        try Self.expectComplete(dir)
        #expect(try S.git(dir, "cat-file", "-t", garbage.hex) == "blob")
    }

    /// A commit given up (a lost race) leaves no keep behind, nor does a
    /// stage that goes away; a keep a dead writ process left is removed by
    /// the next stage, and keeps of live processes and of other tools stay.
    @Test func keepsGoWithTheCommitTheyGuard() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let first = try Self.base(repo)
        try repo.updateRef("writ/ledger", to: first, expecting: nil)
        let packs = dir.appendingPathComponent("objects/pack")
        func keeps() throws -> [String] { try Self.packFiles(dir).filter { $0.hasSuffix(".keep") } }
        do {
            let stage = try ObjectStage(over: repo)
            let lost = try Self.stagedCommit(stage, on: first, ["audit/3f/first/lost.json": Data("{}\n".utf8)])
            try stage.writePack(carrying: lost)
            #expect(try keeps().count == 1)
            stage.giveUp(lost)
            stage.releaseKept(namedBy: first)
            #expect(try keeps().isEmpty)
            let pending = try Self.stagedCommit(stage, on: first, ["audit/3f/first/pending.json": Data("[]\n".utf8)])
            try stage.writePack(carrying: pending)
            #expect(try keeps().count == 1)
        }
        #expect(try keeps().isEmpty, "a stage that goes away leaves no keep of its own")

        // A dead process's keep, a live one's, and one git made.
        let dead = try S.run("/bin/sh", ["-c", "echo $$"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let planted = [
            ("pack-\(String(repeating: "1", count: 40)).keep", "writ: pack in flight, pid \(dead)\n", false),
            ("pack-\(String(repeating: "2", count: 40)).keep", "writ: pack in flight, pid \(getpid())\n", true),
            ("pack-\(String(repeating: "3", count: 40)).keep", "receive-pack 123 on host\n", true),
        ]
        for (name, text, _) in planted {
            try Data(text.utf8).write(to: packs.appendingPathComponent(name))
        }
        _ = try ObjectStage(over: repo)
        for (name, _, stays) in planted {
            #expect(FileManager.default.fileExists(atPath: packs.appendingPathComponent(name).path) == stays, "\(name)")
        }
    }

    /// Packs git wrote and packs a multi-pack-index names are never merged
    /// or deleted: the repository stays clonable and whole.
    @Test func packsGitWroteOrAMultiPackIndexNamesAreNeverMerged() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        var tip = try Self.base(repo)
        try repo.updateRef("writ/ledger", to: tip, expecting: nil)
        _ = try S.git(dir, "repack", "-d")
        let gits = try Self.packFiles(dir).filter { $0.hasSuffix(".pack") }
        #expect(gits.count == 1)
        let stage = try ObjectStage(over: repo)
        func commitOne(_ name: String) throws {
            let commit = try Self.stagedCommit(stage, on: tip, ["audit/3f/first/\(name).json": Data("{}\n".utf8)])
            try stage.writePack(carrying: commit)
            try repo.updateRef("writ/ledger", to: commit, expecting: tip)
            stage.releaseKept(namedBy: commit)
            tip = commit
        }
        try commitOne("a")
        try commitOne("b")
        let ours = try Self.packFiles(dir).filter { $0.hasSuffix(".pack") && !gits.contains($0) }
        #expect(ours.count == 2)
        // A multi-pack-index over every pack: none of them may go.
        _ = try S.git(dir, "multi-pack-index", "write", "--bitmap")
        try stage.mergeSmallPacks()
        #expect(Set(try Self.packFiles(dir).filter { $0.hasSuffix(".pack") }) == Set(gits + ours))
        let verified = try S.run("/usr/bin/git", ["-C", dir.path, "multi-pack-index", "verify"])
        #expect(verified.status == 0, "\(verified.stderr)")

        // Packs written after the index are merged, and only they.
        try commitOne("c")
        try commitOne("d")
        try stage.mergeSmallPacks()
        let after = try Self.packFiles(dir).filter { $0.hasSuffix(".pack") }
        #expect(after.count == 4, "\(after)")
        #expect(Set(gits + ours).isSubset(of: Set(after)))
        try Self.expectComplete(dir)
        let clone = dir.appendingPathComponent("clone")
        let cloned = try S.run("/usr/bin/git", ["clone", "-q", "--no-local", "--bare", dir.path, clone.path])
        #expect(cloned.status == 0, "\(cloned.stderr)")
        // An index git holds the lock of: no merge at all.
        try commitOne("e")
        let lock = dir.appendingPathComponent("objects/pack/multi-pack-index.lock")
        FileManager.default.createFile(atPath: lock.path, contents: Data())
        let before = try Self.packFiles(dir)
        try stage.mergeSmallPacks()
        #expect(try Self.packFiles(dir) == before)
        #expect(FileManager.default.fileExists(atPath: lock.path), "git's lock is git's")
    }

    /// The multi-pack-index reader against git's own file.
    @Test func theMultiPackIndexNamesWhatGitWrote() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let first = try Self.base(repo)
        try repo.updateRef("writ/ledger", to: first, expecting: nil)
        _ = try S.git(dir, "repack", "-d")
        let packDirectory = dir.appendingPathComponent("objects/pack").path
        #expect(MultiPackIndex.packNames(in: packDirectory) == [])
        _ = try S.git(dir, "multi-pack-index", "write")
        let named = try Self.packFiles(dir).filter { $0.hasSuffix(".idx") }.map { String($0.dropLast(4)) }
        #expect(MultiPackIndex.packNames(in: packDirectory) == Set(named))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: packDirectory + "/multi-pack-index")))
        for cut in [0, 8, 20, bytes.count / 2, bytes.count - 21] {
            #expect(MultiPackIndex.packNames(parsing: Array(bytes.prefix(cut))) == nil, "cut at \(cut)")
        }
    }
}
