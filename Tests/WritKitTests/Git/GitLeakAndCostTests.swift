import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
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

    /// Appends to a 1k-intent ledger each add one intent and nothing
    /// else: the diff of the last append names only it. (What an append
    /// costs is writ-bench's to measure: `writ-bench` ledger append.)
    @Test func appendsToALargeLedgerAddOnlyTheirIntent() throws {
        let size = 1_000
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let repo = try Repository.create(at: dir.path, bare: true)
        let tip = try LedgerWorkload.buildLedger(repo, ref: "writ/ledger", count: size)
        let appends = 20
        var last = tip
        var previous = last
        for index in 0..<appends {
            previous = last
            last = try LedgerWorkload.append(repo, ref: "writ/ledger", intent: "new-\(index)", tip: last)
        }
        let changes = try repo.diff(from: previous, to: last)
        #expect(changes.map(\.path) == [LedgerWorkload.intentPath("new-\(appends - 1)")])
        #expect(changes.map(\.kind) == [.added])
        #expect(
            try S.git(dir, "ls-tree", "-r", "--name-only", "writ/ledger").split(separator: "\n").count == size
                + appends)
    }
}
