import Foundation
import Testing
@testable import WritCore
@testable import WritSystem
@testable import WritGit
@testable import WritOps
@testable import WritTestSupport

@Suite struct GitLeakAndCostTests {
    typealias S = GitTestSupport

    static var commitCount: Int {
        ProcessInfo.processInfo.environment["WRIT_LEAKCHECK_COMMITS"].flatMap(Int.init) ?? 10_000
    }

    /// 10,000 ledger-shaped commits leave no libgit2 block behind.
    ///
    /// Synchronous on purpose: the whole workload runs on one thread, so the
    /// per-thread count of live libgit2 blocks is unaffected by other tests
    /// using libgit2 concurrently. Counting is opt-in
    /// (`WRIT_GIT_COUNT_ALLOCATIONS=1`, which `scripts/test` sets): a plain
    /// `swift test` reports this test as skipped, never as passed.
    @Test(
        .enabled(
            if: GitMemory.isCounting,
            "libgit2 allocations are counted only with WRIT_GIT_COUNT_ALLOCATIONS=1 (scripts/test sets it)"))
    func ledgerCommitsFreeEveryLibgit2Block() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        // Warm-up: one-time per-thread and per-process allocations (error
        // state, settings) happen here, before the baseline.
        do {
            let repo = try Repository.create(at: dir.path, bare: true)
            _ = try LedgerWorkload.append(repo, ref: "warmup", intent: "warmup", tip: nil)
            _ = try? repo.blob(at: "nothing", in: "warmup")
        }
        let baseline = GitMemory.liveBlocksOnCurrentThread
        let count = Self.commitCount
        var peak = 0
        var tip: ObjectID?
        let seconds = try LedgerWorkload.time {
            let repo = try Repository.open(at: dir.path)
            for index in 0..<count {
                tip = try LedgerWorkload.append(repo, ref: "writ/ledger", intent: "intent-\(index)", tip: tip)
                if index % 1000 == 0 { peak = max(peak, GitMemory.liveBlocksOnCurrentThread - baseline) }
            }
            // Read paths allocate too: include them in the check.
            _ = try repo.diff(from: repo.commit(try #require(tip)).parents.first, to: try #require(tip))
            _ = try repo.firstParentHistory(from: try #require(tip), to: nil)
            _ = try repo.commitSignature(try #require(tip))
        }
        let after = GitMemory.liveBlocksOnCurrentThread

        // The check can fail: a handle still held shows up in the count.
        let held = try Repository.open(at: dir.path)
        _ = try held.commit(try #require(tip))
        #expect(GitMemory.liveBlocksOnCurrentThread > baseline)
        _ = held
        print(
            "[git-leak] \(count) ledger commits in \(String(format: "%.2f", seconds)) s; live libgit2 blocks on thread: baseline \(baseline), peak +\(peak), after \(after)"
        )
        #expect(peak > 0, "the counter must see libgit2's allocations")
        #expect(after == baseline)
        #expect(GitMemory.liveBlocks > 0)

        let tipID = try #require(tip)
        #expect(try S.git(dir, "rev-parse", "writ/ledger") == tipID.hex)
        #expect(try S.git(dir, "rev-list", "--count", "writ/ledger") == String(count))
        #expect(try S.git(dir, "ls-tree", "-r", "--name-only", "writ/ledger").split(separator: "\n").count == count)
    }

    /// Time for one append to a 1k-intent ledger (and to 100k with
    /// WRIT_GIT_BENCH=1), and the cost of diffing that append.
    @Test func appendCostOnLargeLedger() throws {
        var sizes = [1_000]
        if ProcessInfo.processInfo.environment["WRIT_GIT_BENCH"] == "1" { sizes.append(100_000) }
        for size in sizes {
            let dir = try S.scratch()
            defer { S.remove(dir) }
            let repo = try Repository.create(at: dir.path, bare: true)
            var tip: ObjectID?
            let build = try LedgerWorkload.time {
                tip = try LedgerWorkload.buildLedger(repo, ref: "writ/ledger", count: size)
            }
            let appends = 20
            var last = try #require(tip)
            var previous = last
            let appendTime = try LedgerWorkload.time {
                for index in 0..<appends {
                    previous = last
                    last = try LedgerWorkload.append(repo, ref: "writ/ledger", intent: "new-\(index)", tip: last)
                }
            }
            var changes: [TreeChange] = []
            let diffTime = try LedgerWorkload.time {
                for _ in 0..<appends { changes = try repo.diff(from: previous, to: last) }
            }
            print(
                "[git-bench] ledger \(size): build \(String(format: "%.2f", build)) s; append \(String(format: "%.2f", appendTime / Double(appends) * 1000)) ms/commit; diff of one append \(String(format: "%.3f", diffTime / Double(appends) * 1000)) ms"
            )
            #expect(changes.map(\.path) == [LedgerWorkload.intentPath("new-\(appends - 1)")])
            #expect(changes.map(\.kind) == [.added])
            #expect(
                try S.git(dir, "ls-tree", "-r", "--name-only", "writ/ledger").split(separator: "\n").count == size
                    + appends)
        }
    }
}
