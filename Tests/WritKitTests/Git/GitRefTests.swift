import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct GitRefTests {
    typealias S = GitTestSupport

    private func commits(_ repo: Repository, count: Int) throws -> [ObjectID] {
        let tree = try repo.insert([:], into: nil)
        return try (0..<count).map { index in
            try repo.createCommit(
                tree: tree, parents: [], author: S.identity, committer: S.identity, message: "c\(index)\n")
        }
    }

    @Test func compareAndSwapRules() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let ids = try commits(repo, count: 3)

        try repo.updateRef("writ/ledger", to: ids[0], expecting: nil)
        #expect(try S.git(dir, "rev-parse", "refs/heads/writ/ledger") == ids[0].hex)

        // nil expected: the ref must not exist.
        #expect(throws: RefUpdateError.conflict(current: ids[0])) {
            try repo.updateRef("writ/ledger", to: ids[1], expecting: nil)
        }
        // Wrong old value.
        #expect(throws: RefUpdateError.conflict(current: ids[0])) {
            try repo.updateRef("refs/heads/writ/ledger", to: ids[1], expecting: ids[2])
        }
        #expect(try S.git(dir, "rev-parse", "refs/heads/writ/ledger") == ids[0].hex)
        // Right old value, full or short name.
        try repo.updateRef("refs/heads/writ/ledger", to: ids[1], expecting: ids[0])
        try repo.updateRef("writ/ledger", to: ids[2], expecting: ids[1])
        #expect(try S.git(dir, "rev-parse", "writ/ledger") == ids[2].hex)
        // An expected value for a ref that does not exist.
        #expect(throws: RefUpdateError.conflict(current: nil)) {
            try repo.updateRef("other", to: ids[1], expecting: ids[0])
        }
        #expect(throws: GitUsageError.self) { try repo.updateRef("bad..name", to: ids[1], expecting: nil) }

        // A held lock (or one a crash left behind) is reported, not removed.
        let lock = dir.appendingPathComponent("refs/heads/writ/ledger.lock")
        try Data().write(to: lock)
        #expect(throws: RefUpdateError.locked) { try repo.updateRef("writ/ledger", to: ids[0], expecting: ids[2]) }
        #expect(FileManager.default.fileExists(atPath: lock.path))
    }

    /// Collects the outcomes of racing threads.
    private final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String] = []
        func add(_ value: String) { lock.withLock { values.append(value) } }
        var all: [String] { lock.withLock { values } }
    }

    @Test func concurrentUpdatesFromSameOldValueHaveExactlyOneWinner() async throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let ids = try commits(repo, count: 101)
        try repo.updateRef("writ/ledger", to: ids[0], expecting: nil)
        let path = dir.path

        var old = ids[0]
        for round in 0..<50 {
            let candidates = [ids[1 + 2 * round], ids[2 + 2 * round]]
            let outcomes = Outcomes()
            let start = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            for candidate in candidates {
                let expected = old
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    do {
                        // Each thread has its own handle, as libgit2 requires.
                        let own = try Repository.open(at: path)
                        start.wait()
                        try own.updateRef("writ/ledger", to: candidate, expecting: expected)
                        outcomes.add("won \(candidate.hex)")
                    } catch RefUpdateError.conflict {
                        outcomes.add("conflict")
                    } catch RefUpdateError.locked {
                        outcomes.add("locked")
                    } catch {
                        outcomes.add("error \(error)")
                    }
                }
            }
            start.signal()
            start.signal()
            await group.waitOffPool()
            let results = outcomes.all
            let winners = results.filter { $0.hasPrefix("won ") }
            try #require(winners.count == 1, "round \(round): \(results)")
            #expect(results.allSatisfy { $0.hasPrefix("won ") || $0 == "conflict" || $0 == "locked" }, "\(results)")
            let current = try #require(try repo.resolve("writ/ledger"))
            #expect("won \(current.hex)" == winners[0])
            old = current
        }
    }
}
