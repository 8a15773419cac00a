import Foundation
import Testing

@testable import WritKit

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

        try stage.writePack()
        #expect(stage.stagedCount == 0)
        let packs = try Self.packFiles(dir)
        #expect(packs.count == 2 && packs[0].hasSuffix(".idx") && packs[1].hasSuffix(".pack"), "\(packs)")
        #expect(try Self.looseObjects(dir) == loose)
        try repo.updateRef("writ/ledger", to: commit, expecting: first)
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
        #expect(try Self.packFiles(dir).count == 2)
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
            try stage.writePack()
            try repo.updateRef("writ/ledger", to: commit, expecting: tip)
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

    /// A large pack is left as it is until the small ones add up to half of
    /// it; `.keep` packs are never touched.
    @Test func mergesTakeSmallPacksFirstAndLeaveKeptOnesAlone() throws {
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
            tip = try staged.createCommit(
                tree: tree, parents: [tip], author: S.identity, committer: S.identity, message: "\(round)\n")
            try stage.writePack()
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
            tip = try staged.createCommit(
                tree: tree, parents: [tip], author: S.identity, committer: S.identity, message: "k\(round)\n")
            try stage.writePack()
        }
        try stage.mergeSmallPacks()
        let final = try Self.packFiles(dir)
        #expect(final.contains(kept) && big.allSatisfy(final.contains), "\(final)")
        #expect(final.filter { $0.hasSuffix(".pack") }.count == 3, "\(final)")
        _ = try S.git(dir, "update-ref", "refs/heads/writ/ledger", tip.hex)
        let fsck = try S.run("/usr/bin/git", ["-C", dir.path, "fsck", "--strict", "--full", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
    }
}
