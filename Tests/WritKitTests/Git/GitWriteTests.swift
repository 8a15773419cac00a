import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct GitWriteTests {
    typealias S = GitTestSupport

    @Test func nestedInsertionOfFannedOutPathsPassesFsck() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let files: [String: Data] = [
            "intents/3f/my-intent.toml": Data("schema = 1\n".utf8),
            "intents/3f/my-intent.toml.sig": Data("sig\n".utf8),
            "intents/a0/other.toml": Data("schema = 1\nid = \"other\"\n".utf8),
            "audit/3f/my-intent/0001-claimed.json": Data("{}\n".utf8),
        ]
        let tree = try repo.insert(files, into: nil)
        let first = try repo.createCommit(
            tree: tree, parents: [], author: S.identity, committer: S.identity, message: "ledger: first\n")
        try repo.updateRef("writ/ledger", to: first, expecting: nil)

        #expect(try S.git(dir, "rev-parse", "refs/heads/writ/ledger") == first.hex)
        #expect(
            try S.git(dir, "ls-tree", "-r", "--name-only", "writ/ledger").split(separator: "\n").map(String.init)
                == files.keys.sorted())
        #expect(try S.git(dir, "show", "writ/ledger:audit/3f/my-intent/0001-claimed.json") == "{}")
        #expect(
            try S.git(dir, "log", "-1", "--format=%an <%ae> %at %s", "writ/ledger")
                == "Writ Test <writ@example.com> 1790000000 ledger: first")
        let fsck = try S.run("/usr/bin/git", ["-C", dir.path, "fsck", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")

        // A second insertion keeps untouched subtrees byte-for-byte.
        let second = try repo.insert(["intents/3f/next.toml": Data("n\n".utf8)], into: tree)
        #expect(try S.git(dir, "rev-parse", "\(second.hex):audit") == S.git(dir, "rev-parse", "\(tree.hex):audit"))
        #expect(
            try S.git(dir, "rev-parse", "\(second.hex):intents/a0") == S.git(dir, "rev-parse", "\(tree.hex):intents/a0")
        )
        #expect(try repo.blob(at: "intents/3f/next.toml", inTree: second) == Data("n\n".utf8))
        #expect(try repo.blob(at: "intents/3f/my-intent.toml", inTree: second) == Data("schema = 1\n".utf8))
        let changes = try repo.diffTrees(tree, second)
        #expect(changes == [TreeChange(path: "intents/3f/next.toml", kind: .added, old: nil, new: changes.first?.new)])
    }

    @Test(arguments: [
        "", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", "..", ".git/x", "a/.GIT/b", "a/.Git", "a\u{0}b",
    ])
    func invalidPathComponentsAreRejected(path: String) throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        #expect(throws: GitUsageError.self) { try repo.insert([path: Data("x".utf8)], into: nil) }
        #expect(throws: GitUsageError.self) { try TreePath(path) }
    }

    @Test func appendOnlyUnlessOverwriteAllowed() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let base = try repo.insert(["intents/aa/x.toml": Data("1".utf8), "file": Data("f".utf8)], into: nil)

        #expect(throws: GitUsageError.pathExists("intents/aa/x.toml")) {
            try repo.insert(["intents/aa/x.toml": Data("2".utf8)], into: base)
        }
        // Same bytes are still an overwrite: the ledger only grows.
        #expect(throws: GitUsageError.pathExists("intents/aa/x.toml")) {
            try repo.insert(["intents/aa/x.toml": Data("1".utf8)], into: base)
        }
        #expect(throws: GitUsageError.pathExists("intents/aa")) {
            try repo.insert(["intents/aa": Data("2".utf8)], into: base)
        }
        #expect(throws: GitUsageError.pathExists("file")) {
            try repo.insert(["file/inner": Data("2".utf8)], into: base)
        }
        #expect(throws: GitUsageError.pathConflict("a/b")) {
            try repo.insert(["a/b": Data("1".utf8), "a/b/c": Data("2".utf8)], into: base)
        }

        let replaced = try repo.insert(["intents/aa/x.toml": Data("2".utf8)], into: base, overwrite: true)
        #expect(try repo.blob(at: "intents/aa/x.toml", inTree: replaced) == Data("2".utf8))
        #expect(try repo.diffTrees(base, replaced).map(\.kind) == [.modified])
    }

    @Test func commitWithoutRefUpdateHasExplicitTimesAndParents() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let tree = try repo.insert(["a": Data("a".utf8)], into: nil)
        let root = try repo.createCommit(
            tree: tree, parents: [], author: S.identity, committer: S.identity, message: "root")
        let author = GitIdentity(
            name: "Other", email: "o@example.com", date: Date(timeIntervalSince1970: 1_700_000_000),
            utcOffsetMinutes: -300)
        let child = try repo.createCommit(
            tree: tree, parents: [root], author: author, committer: S.identity, message: "child\n")
        #expect(try repo.resolve("main") == nil)
        #expect(try S.git(dir, "for-each-ref").isEmpty)
        #expect(try S.git(dir, "cat-file", "-p", child.hex).contains("author Other <o@example.com> 1700000000 -0500"))
        let info = try repo.commit(child)
        #expect(info.parents == [root])
        #expect(info.author == author)
        #expect(info.message == "child\n")
        #expect(try repo.commit(root).message == "root")
    }
}
