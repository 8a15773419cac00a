import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Trees `git fsck` refuses are refused wherever writ reads a tree: the
/// entry list, path lookups, and the diff. The trees are written raw
/// (`git mktree` refuses to make them).
@Suite struct TreeIntegrityTests {
    /// One raw tree entry: mode text, name bytes, object id.
    struct RawEntry {
        let mode: String
        let name: [UInt8]
        let id: ObjectID

        init(_ mode: String, _ name: String, _ id: ObjectID) {
            self.init(mode, Array(name.utf8), id)
        }

        init(_ mode: String, _ name: [UInt8], _ id: ObjectID) {
            self.mode = mode
            self.name = name
            self.id = id
        }
    }

    static func treeBytes(_ entries: [RawEntry]) -> Data {
        var bytes: [UInt8] = []
        for entry in entries {
            bytes += Array(entry.mode.utf8) + [0x20] + entry.name + [0] + entry.id.bytes
        }
        return Data(bytes)
    }

    /// Writes a tree object exactly as given.
    static func writeRawTree(_ dir: URL, _ entries: [RawEntry]) throws -> ObjectID {
        try GitTestSupport.id(
            GitTestSupport.git(
                dir, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", stdin: treeBytes(entries)))
    }

    static func fixture() throws -> (dir: URL, repo: Repository, one: ObjectID, two: ObjectID) {
        let dir = try GitTestSupport.scratch()
        try GitTestSupport.git(dir, "init", "-q", "--bare")
        let one = try GitTestSupport.id(
            GitTestSupport.git(dir, "hash-object", "-w", "--stdin", stdin: Data("approved intent\n".utf8)))
        let two = try GitTestSupport.id(
            GitTestSupport.git(dir, "hash-object", "-w", "--stdin", stdin: Data("forged intent\n".utf8)))
        return (dir, try Repository.open(at: dir.path), one, two)
    }

    /// Every reader refuses the tree: listing, lookup by path (at the root
    /// and one level down), and the diff from nothing and from an empty tree.
    func expectRefusedEverywhere(_ repo: Repository, _ dir: URL, _ bad: ObjectID, lookup name: String) throws {
        #expect(throws: GitUsageError.self) { try repo.tree(bad) }
        #expect(throws: GitUsageError.self) { try repo.entry(at: name, inTree: bad) }
        #expect(throws: GitUsageError.self) { try repo.diffTrees(nil, bad) }
        let parent = try Self.writeRawTree(dir, [RawEntry("40000", "intents", bad)])
        #expect(throws: GitUsageError.self) { try repo.entry(at: "intents/" + name, inTree: parent) }
        #expect(throws: GitUsageError.self) { try repo.diffTrees(nil, parent) }
        do {
            _ = try repo.tree(bad)
        } catch GitUsageError.malformedTree(let tree, let problem) {
            #expect(tree == bad)
            #expect(!problem.isEmpty)
        }
    }

    @Test func duplicateEntriesAreRefused() throws {
        let (dir, repo, one, two) = try Self.fixture()
        defer { GitTestSupport.remove(dir) }
        let bad = try Self.writeRawTree(dir, [RawEntry("100644", "a.json", one), RawEntry("100644", "a.json", two)])
        // Stock git sees two entries and reports the tree broken.
        let fsck = try GitTestSupport.run("/usr/bin/git", ["-C", dir.path, "fsck", "--no-dangling"])
        #expect(fsck.status != 0)
        try expectRefusedEverywhere(repo, dir, bad, lookup: "a.json")
    }

    @Test func fileAndDirectoryOfOneNameAreRefusedEvenApart() throws {
        let (dir, repo, one, _) = try Self.fixture()
        defer { GitTestSupport.remove(dir) }
        let sub = try Self.writeRawTree(dir, [RawEntry("100644", "x", one)])
        // git's order: "a" (file), "a.c", "a/" (directory): sorted, yet a twin.
        let bad = try Self.writeRawTree(
            dir, [RawEntry("100644", "a", one), RawEntry("100644", "a.c", one), RawEntry("40000", "a", sub)])
        try expectRefusedEverywhere(repo, dir, bad, lookup: "a")
    }

    @Test func unsortedEntriesAreRefused() throws {
        let (dir, repo, one, two) = try Self.fixture()
        defer { GitTestSupport.remove(dir) }
        let bad = try Self.writeRawTree(dir, [RawEntry("100644", "b", one), RawEntry("100644", "a", two)])
        try expectRefusedEverywhere(repo, dir, bad, lookup: "a")
        // A directory sorts as if its name ended in "/": "a" dir after "a.c".
        let sub = try Self.writeRawTree(dir, [RawEntry("100644", "x", one)])
        let dirFirst = try Self.writeRawTree(dir, [RawEntry("40000", "a", sub), RawEntry("100644", "a.c", one)])
        try expectRefusedEverywhere(repo, dir, dirFirst, lookup: "a.c")
    }

    @Test func badNamesAndModesAreRefused() throws {
        let (dir, repo, one, _) = try Self.fixture()
        defer { GitTestSupport.remove(dir) }
        for name in ["x/y", ".", "..", ".git", ".GIT"] {
            let bad = try Self.writeRawTree(dir, [RawEntry("100644", name, one)])
            #expect(throws: GitUsageError.self, "name \(name)") { try repo.tree(bad) }
            #expect(throws: GitUsageError.self, "name \(name)") { try repo.diffTrees(nil, bad) }
        }
        let slash = try Self.writeRawTree(dir, [RawEntry("100644", "intents/3f/x.json", one)])
        #expect(throws: GitUsageError.self) { try repo.entry(at: "intents", inTree: slash) }
        let oddMode = try Self.writeRawTree(dir, [RawEntry("100664", "a", one)])
        #expect(throws: GitUsageError.self) { try repo.tree(oddMode) }
    }

    /// Found by the `tree` fuzz target (fuzz/corpus/tree/signed-mode): libgit2
    /// reads a mode with `strtol`, so `+100755` is an executable to it, while
    /// git cannot parse the tree at all. A zero-padded mode, which git reads
    /// (fsck only warns), stays accepted.
    @Test func modeWithASignIsRefusedAsGitRefusesIt() throws {
        let (dir, repo, one, two) = try Self.fixture()
        defer { GitTestSupport.remove(dir) }
        let signed = try Self.writeRawTree(dir, [RawEntry("100644", "a", one), RawEntry("+100755", "b", two)])
        let lsTree = try GitTestSupport.run("/usr/bin/git", ["-C", dir.path, "ls-tree", signed.description])
        #expect(lsTree.status != 0)
        try expectRefusedEverywhere(repo, dir, signed, lookup: "b")
        // Other signs and blanks libgit2 refuses itself.
        for mode in ["-100644", " 100644", "10064a"] {
            let bad = try Self.writeRawTree(dir, [RawEntry(mode, "a", one)])
            #expect(throws: (any Error).self, "mode \(mode)") { try repo.tree(bad) }
        }
        let padded = try Self.writeRawTree(dir, [RawEntry("0100644", "a", one)])
        #expect(try repo.tree(padded).map(\.mode) == [0o100644])
    }

    @Test func modeTextIsCheckedOnRawBytes() {
        func problem(_ text: String) -> String? {
            let bytes = Array(text.utf8) + [0] + Array(repeating: UInt8(1), count: 20)
            return bytes.withUnsafeBytes { TreeIntegrity.modeTextProblem($0) }
        }
        #expect(problem("100644 a") == nil)
        #expect(problem("040000 d") == nil)
        #expect(problem("+100644 a") != nil)
        #expect(problem("1006448 a") != nil)
        #expect(problem(" a") != nil)
    }

    /// The near misses: names that sort around a directory in git's order,
    /// written by git itself, are accepted and read as git reads them.
    @Test func treesGitWritesAreAccepted() throws {
        let (dir, repo, one, two) = try Self.fixture()
        defer { GitTestSupport.remove(dir) }
        let sub = try Self.writeRawTree(dir, [RawEntry("100644", "x", two)])
        let listing = "100644 blob \(one)\ta-\n040000 tree \(sub)\ta\n100644 blob \(one)\ta.c\n100644 blob \(two)\ta0\n"
        let tree = try GitTestSupport.id(GitTestSupport.git(dir, "mktree", stdin: Data(listing.utf8)))
        #expect(try repo.tree(tree).map(\.name) == ["a-", "a.c", "a", "a0"])
        #expect(try repo.entry(at: "a/x", inTree: tree)?.id == two)
        #expect(try repo.entry(at: "a0", inTree: tree)?.id == two)
        #expect(try repo.entry(at: "a.c/x", inTree: tree) == nil)
        #expect(try repo.diffTrees(nil, tree).map(\.path) == ["a-", "a.c", "a/x", "a0"])
    }

    /// A chain of `depth` trees, each holding the next as "d", the last
    /// holding one file. Ids are computed here so one `git hash-object`
    /// call writes them all.
    static func chain(_ dir: URL, depth: Int, leaf: ObjectID) throws -> ObjectID {
        let files = dir.appendingPathComponent("chain-\(depth)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { GitTestSupport.remove(files) }
        var paths: [String] = []
        var current = treeBytes([RawEntry("100644", "leaf", leaf)])
        var id = ObjectID(bytes: SHA1.hash(Array("tree \(current.count)\0".utf8) + current))!
        for level in 0..<depth {
            let path = files.appendingPathComponent("\(level)").path
            try current.write(to: URL(fileURLWithPath: path))
            paths.append(path)
            if level == depth - 1 { break }
            current = treeBytes([RawEntry("40000", "d", id)])
            id = ObjectID(bytes: SHA1.hash(Array("tree \(current.count)\0".utf8) + current))!
        }
        // In batches: `hash-object --literally` keeps a descriptor per object.
        var written = ""
        for start in stride(from: 0, to: paths.count, by: 2_000) {
            let batch = paths[start..<min(start + 2_000, paths.count)]
            written = try GitTestSupport.git(
                dir, "hash-object", "-t", "tree", "--literally", "-w", "--stdin-paths",
                stdin: Data((batch.joined(separator: "\n") + "\n").utf8))
        }
        #expect(written.split(separator: "\n").last.map(String.init) == id.description)
        return id
    }
}

/// Tree depth: 10,000 nested trees written as loose objects, too many
/// files for the fast tier (docs/testing.md), so a suite of its own.
@Suite struct TreeDepthTests {
    typealias Fixture = TreeIntegrityTests

    @Test func nestingIsBoundedAndDeepTreesAreRefusedNotFollowed() throws {
        let (dir, repo, one, _) = try Fixture.fixture()
        defer { GitTestSupport.remove(dir) }
        // The root plus 64 nested trees: the deepest writ reads.
        let deepest = try Fixture.chain(dir, depth: TreeIntegrity.maximumDepth + 1, leaf: one)
        let changes = try repo.diffTrees(nil, deepest)
        #expect(changes.count == 1)
        #expect(changes.first?.path.split(separator: "/").count == TreeIntegrity.maximumDepth + 1)
        let tooDeep = try Fixture.chain(dir, depth: TreeIntegrity.maximumDepth + 2, leaf: one)
        #expect(throws: GitUsageError.self) { try repo.diffTrees(nil, tooDeep) }
        // Compared against the legal one, the walk goes down the shared
        // path and still stops at the bound.
        #expect(throws: GitUsageError.self) { try repo.diffTrees(deepest, tooDeep) }
        // 10,000 levels overflowed the recursive diff's stack (as did 40,000).
        let abyss = try Fixture.chain(dir, depth: 10_000, leaf: one)
        #expect(throws: GitUsageError.self) { try repo.diffTrees(nil, abyss) }
        #expect(throws: GitUsageError.self) { try repo.diffTrees(deepest, abyss) }
    }
}

/// SHA-1 (FIPS 180-4), only to name raw git objects in tests without a
/// process per object.
enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                w[i] =
                    UInt32(data[chunk + 4 * i]) << 24 | UInt32(data[chunk + 4 * i + 1]) << 16
                    | UInt32(data[chunk + 4 * i + 2]) << 8 | UInt32(data[chunk + 4 * i + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32) =
                    switch i {
                    case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
                    case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
                    case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                    default: (b ^ c ^ d, 0xCA62_C1D6)
                    }
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d
                d = c
                c = b << 30 | b >> 2
                b = a
                a = temp
            }
            h[0] &+= a
            h[1] &+= b
            h[2] &+= c
            h[3] &+= d
            h[4] &+= e
        }
        return h.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * $0)) } }
    }
}
