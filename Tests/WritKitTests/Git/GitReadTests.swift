import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct GitReadTests {
    typealias S = GitTestSupport

    @Test func openAndCreateBareAndNonBare() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let work = dir.appendingPathComponent("work")
        let bare = dir.appendingPathComponent("bare.git")

        let created = try Repository.create(at: work.path, bare: false)
        #expect(!created.isBare)
        #expect(try S.git(work, "rev-parse", "--is-bare-repository") == "false")
        let createdBare = try Repository.create(at: bare.path, bare: true)
        #expect(createdBare.isBare)
        #expect(try S.git(bare, "rev-parse", "--is-bare-repository") == "true")

        let cli = dir.appendingPathComponent("cli")
        try S.run("/usr/bin/git", ["init", "-q", cli.path])
        #expect(try !Repository.open(at: cli.path).isBare)
        #expect(try Repository.open(at: bare.path).isBare)

        // No search upwards: a subdirectory of a work tree is not a repository.
        let sub = cli.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        #expect(throws: GitError.self) { try Repository.open(at: sub.path) }
        #expect(throws: GitError.self) { try Repository.open(at: dir.appendingPathComponent("missing").path) }
    }

    @Test func objectIDParsing() throws {
        let hex = "0123456789abcdef0123456789abcdef01234567"
        let id = try S.id(hex)
        #expect(id.hex == hex)
        #expect(ObjectID(hex: hex.uppercased()) == id)
        #expect(ObjectID(hex: String(hex.dropLast())) == nil)
        #expect(ObjectID(hex: hex + "0") == nil)
        #expect(ObjectID(hex: "g" + hex.dropFirst()) == nil)
        #expect(ObjectID(bytes: id.bytes) == id)
        #expect(ObjectID(hex: String(repeating: "0", count: 40))?.isZero == true)
    }

    /// Ids sort as their bytes do (git's order: pack indexes depend on it),
    /// including ids that differ only in the last byte of a word.
    @Test func objectIDsSortInByteOrder() throws {
        var generator = SystemRandomNumberGenerator()
        var ids = (0..<2_000).map { _ in
            ObjectID(bytes: (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })!
        }
        let base = try S.id("00112233445566778899aabbccddeeff00112233")
        for offset in [7, 8, 15, 16, 19] {
            var bytes = base.bytes
            bytes[offset] ^= 0x01
            ids.append(ObjectID(bytes: bytes)!)
            ids.append(base)
        }
        #expect(ids.sorted().map(\.bytes) == ids.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        #expect(ids.allSatisfy { $0.firstByte == $0.bytes[0] })
    }

    /// main: README, dir/b.txt, tool.sh (executable), link (symlink), sub (gitlink);
    /// branch writ/ledger with one more file.
    private func fixture(_ dir: URL) throws -> (main: ObjectID, ledger: ObjectID) {
        try S.run("/usr/bin/git", ["init", "-q", "-b", "main", dir.path])
        try S.write("hello\n", to: dir.appendingPathComponent("README"))
        try S.write("bee\n", to: dir.appendingPathComponent("dir/b.txt"))
        try S.write("#!/bin/sh\n", to: dir.appendingPathComponent("tool.sh"))
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: dir.appendingPathComponent("tool.sh").path)
        try FileManager.default.createSymbolicLink(
            atPath: dir.appendingPathComponent("link").path, withDestinationPath: "README")
        try S.git(dir, "add", "-A")
        try S.git(dir, "update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,sub")
        try S.git(dir, "commit", "-q", "-m", "first")
        let main = try S.id(S.git(dir, "rev-parse", "main"))
        try S.git(dir, "checkout", "-q", "-b", "writ/ledger")
        try S.write("{}\n", to: dir.appendingPathComponent("intents/ab/x.toml"))
        try S.git(dir, "add", "-A")
        try S.git(dir, "commit", "-q", "-m", "second")
        return (main, try S.id(S.git(dir, "rev-parse", "writ/ledger")))
    }

    @Test func readBlobsAtRefAndPath() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let (main, ledger) = try fixture(dir)
        let repo = try Repository.open(at: dir.path)

        #expect(try repo.resolve("main") == main)
        #expect(try repo.resolve("refs/heads/main") == main)
        #expect(try repo.resolve("writ/ledger") == ledger)
        #expect(try repo.resolve(main.hex) == main)
        #expect(try repo.resolve("HEAD") == ledger)
        #expect(try repo.resolve("nope") == nil)
        #expect(try repo.resolve(String(repeating: "1", count: 40)) == nil)
        #expect(throws: (any Error).self) { try repo.resolve("main~1") }

        #expect(try repo.blob(at: "dir/b.txt", in: "main") == Data("bee\n".utf8))
        #expect(try repo.blob(at: "README", in: main.hex) == Data("hello\n".utf8))
        #expect(try repo.blob(at: "intents/ab/x.toml", in: "writ/ledger") == Data("{}\n".utf8))
        #expect(try repo.blob(at: "intents/ab/x.toml", in: "refs/heads/main") == nil)
        #expect(try repo.blob(at: "dir/missing", in: "main") == nil)
        #expect(throws: GitUsageError.notABlob("dir")) { try repo.blob(at: "dir", in: "main") }
        #expect(throws: GitUsageError.notABlob("link")) { try repo.blob(at: "link", in: "main") }
        #expect(throws: GitUsageError.invalidRevision("nope")) { try repo.blob(at: "README", in: "nope") }
        #expect(throws: GitUsageError.self) { try repo.blob(at: "../README", in: "main") }
    }

    @Test func listTreeMatchesGit() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        _ = try fixture(dir)
        let repo = try Repository.open(at: dir.path)
        let entries = try #require(try repo.tree(at: "", in: "main"))
        let kinds = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.kind) })
        #expect(kinds == ["README": .blob, "dir": .tree, "tool.sh": .executable, "link": .symlink, "sub": .gitlink])

        // Same names, modes and ids as `git ls-tree`, in the same order.
        let witness = try S.git(dir, "ls-tree", "main").split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            let meta = parts[0].split(separator: " ")
            return "\(meta[0]) \(meta[2]) \(parts[1])"
        }
        let ours = entries.map { String($0.mode, radix: 8).leftPadded(6) + " \($0.id.hex) \($0.name)" }
        #expect(ours == witness)
        #expect(try repo.tree(at: "dir", in: "main")?.map(\.name) == ["b.txt"])
        #expect(try repo.tree(at: "nothing", in: "main") == nil)
    }

    @Test func commitInfoMatchesGit() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let (main, ledger) = try fixture(dir)
        let repo = try Repository.open(at: dir.path)
        let info = try repo.commit(ledger)
        #expect(info.id == ledger)
        #expect(info.parents == [main])
        #expect(info.tree == (try S.id(S.git(dir, "rev-parse", "writ/ledger^{tree}"))))
        #expect(info.author.name == "Test Author")
        #expect(info.committer.email == "committer@example.com")
        #expect(info.message == "second\n")
        let timestamp = try S.git(dir, "log", "-1", "--format=%ct", "writ/ledger")
        #expect(String(Int(info.committer.date.timeIntervalSince1970)) == timestamp)
        let raw = try S.run("/usr/bin/git", ["-C", dir.path, "cat-file", "commit", ledger.hex])
        #expect(info.raw == Data(raw.stdout.utf8))
    }

    /// A - B - M (main, first parents) with C branched from A and merged in M.
    private func mergeFixture(_ dir: URL) throws -> (a: ObjectID, b: ObjectID, c: ObjectID, m: ObjectID) {
        try S.run("/usr/bin/git", ["init", "-q", "-b", "main", dir.path])
        try S.git(dir, "commit", "-q", "--allow-empty", "-m", "A")
        let a = try S.id(S.git(dir, "rev-parse", "HEAD"))
        try S.git(dir, "checkout", "-q", "-b", "side")
        try S.write("c\n", to: dir.appendingPathComponent("c.txt"))
        try S.git(dir, "add", "-A")
        try S.git(dir, "commit", "-q", "-m", "C")
        let c = try S.id(S.git(dir, "rev-parse", "HEAD"))
        try S.git(dir, "checkout", "-q", "main")
        try S.write("b\n", to: dir.appendingPathComponent("b.txt"))
        try S.git(dir, "add", "-A")
        try S.git(dir, "commit", "-q", "-m", "B")
        let b = try S.id(S.git(dir, "rev-parse", "HEAD"))
        try S.git(dir, "merge", "-q", "--no-ff", "-m", "M", "side")
        let m = try S.id(S.git(dir, "rev-parse", "HEAD"))
        return (a, b, c, m)
    }

    @Test func firstParentWalkAcrossMerge() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let (a, b, c, m) = try mergeFixture(dir)
        let repo = try Repository.open(at: dir.path)

        let all = try repo.firstParentHistory(from: m, to: nil)
        #expect(all == [a, b, m])
        let witness = try S.git(dir, "rev-list", "--first-parent", "--reverse", m.hex).split(separator: "\n").map(
            String.init)
        #expect(all.map(\.hex) == witness)
        #expect(try repo.firstParentHistory(from: m, to: nil, order: .newestFirst) == [m, b, a])
        #expect(try repo.firstParentHistory(from: m, to: a) == [b, m])
        #expect(try repo.firstParentHistory(from: m, to: m) == [])
        #expect(throws: GitUsageError.notOnFirstParentChain(head: m, base: c)) {
            try repo.firstParentHistory(from: m, to: c)
        }
    }

    @Test func descendantIncludingEqualityAndMergeBase() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let (a, b, c, m) = try mergeFixture(dir)
        let repo = try Repository.open(at: dir.path)
        #expect(try repo.isDescendant(m, of: c))
        #expect(try repo.isDescendant(m, of: a))
        #expect(try repo.isDescendant(b, of: b))
        #expect(try !repo.isDescendant(c, of: b))
        #expect(try !repo.isDescendant(a, of: m))
        #expect(try repo.mergeBase(b, c) == a)
        #expect(try repo.mergeBase(b, c)?.hex == S.git(dir, "merge-base", b.hex, c.hex))

        // Unrelated histories have no merge base.
        try S.git(dir, "checkout", "-q", "--orphan", "other")
        try S.git(dir, "commit", "-q", "--allow-empty", "-m", "root2")
        let other = try S.id(S.git(dir, "rev-parse", "HEAD"))
        #expect(try repo.mergeBase(other, m) == nil)
    }

    @Test func diffAddedModifiedRemovedNested() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        try S.run("/usr/bin/git", ["init", "-q", "-b", "main", dir.path])
        try S.write("1\n", to: dir.appendingPathComponent("keep.txt"))
        try S.write("1\n", to: dir.appendingPathComponent("a/b/change.txt"))
        try S.write("1\n", to: dir.appendingPathComponent("a/b/remove.txt"))
        try S.write("1\n", to: dir.appendingPathComponent("gone/deep/x.txt"))
        try S.write("1\n", to: dir.appendingPathComponent("becomes-link"))
        try S.write("1\n", to: dir.appendingPathComponent("dir-to-file/inner.txt"))
        try S.git(dir, "add", "-A")
        try S.git(dir, "commit", "-q", "-m", "one")
        let one = try S.id(S.git(dir, "rev-parse", "HEAD"))

        try S.write("2\n", to: dir.appendingPathComponent("a/b/change.txt"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("a/b/remove.txt"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("gone"))
        try S.write("new\n", to: dir.appendingPathComponent("a/c/new.txt"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("becomes-link"))
        try FileManager.default.createSymbolicLink(
            atPath: dir.appendingPathComponent("becomes-link").path, withDestinationPath: "keep.txt")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("dir-to-file"))
        try S.write("file now\n", to: dir.appendingPathComponent("dir-to-file"))
        try S.git(dir, "add", "-A")
        try S.git(dir, "commit", "-q", "-m", "two")
        let two = try S.id(S.git(dir, "rev-parse", "HEAD"))

        let repo = try Repository.open(at: dir.path)
        let changes = try repo.diff(from: one, to: two)
        let ours = Set(changes.map { "\($0.kind.rawValue) \($0.path)" })
        #expect(
            ours == [
                "modified a/b/change.txt", "removed a/b/remove.txt", "added a/c/new.txt",
                "removed gone/deep/x.txt", "modified becomes-link",
                "removed dir-to-file/inner.txt", "added dir-to-file",
            ])
        // The same set as git, with git's T (type change) read as modified.
        let witness = try S.git(dir, "diff-tree", "-r", "--no-renames", "--name-status", one.hex, two.hex)
            .split(separator: "\n").map { line -> String in
                let parts = line.split(separator: "\t")
                let kind = ["A": "added", "M": "modified", "T": "modified", "D": "removed"][String(parts[0])] ?? "?"
                return "\(kind) \(parts[1])"
            }
        #expect(ours == Set(witness))
        #expect(changes.first { $0.path == "becomes-link" }?.new?.kind == .symlink)
        #expect(try repo.diff(from: two, to: two).isEmpty)
        #expect(try repo.diff(from: nil, to: one).allSatisfy { $0.kind == .added })
        #expect(try repo.diff(from: nil, to: one).count == 6)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
