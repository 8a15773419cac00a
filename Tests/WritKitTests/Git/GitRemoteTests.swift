import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Fetch and compare-and-swap push against a local bare remote (path and
/// `file://`) and against a real smart-protocol server (`git daemon`), with
/// the `git` command-line tool as witness of the remote's refs.
@Suite struct GitRemoteTests {
    typealias S = GitTestSupport

    // MARK: Fixtures

    /// Creates an empty bare repository with `git` itself.
    private static func bareRemote(in dir: URL, _ name: String = "remote.git") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try S.git(dir, "init", "--bare", "--quiet", url.path)
        return url
    }

    /// A bare local repository with remote `origin` at `url`.
    private static func clone(in dir: URL, _ name: String, url: String) throws -> URL {
        let path = dir.appendingPathComponent(name)
        _ = try Repository.create(at: path.path, bare: true)
        try S.git(path, "remote", "add", "origin", url)
        return path
    }

    /// A new commit on `parent` adding one unique file.
    private static func commit(_ repo: Repository, on parent: ObjectID?, _ label: String) throws -> ObjectID {
        let base = try parent.map { try repo.treeID(of: $0.hex) }
        let name = "\(label)-\(UUID().uuidString)"
        let tree = try repo.insert(["entries/\(name)": Data(name.utf8)], into: base)
        return try repo.createCommit(
            tree: tree, parents: parent.map { [$0] } ?? [], author: S.identity, committer: S.identity,
            message: "\(label)\n")
    }

    /// The remote branch as the `git` tool sees it, nil when absent.
    private static func witness(_ remote: URL, _ branch: String = "main") throws -> String? {
        let output = try S.run(
            "/usr/bin/git", ["--git-dir=\(remote.path)", "rev-parse", "--verify", "--quiet", "refs/heads/\(branch)"])
        return output.status == 0 ? output.trimmed : nil
    }

    private static func fsck(_ remote: URL) throws {
        let output = try S.run("/usr/bin/git", ["--git-dir=\(remote.path)", "fsck", "--strict", "--no-dangling"])
        #expect(output.status == 0, "fsck: \(output.stderr)")
    }

    // MARK: Local remotes

    @Test func localRemoteFetchPushAndCompareAndSwap() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let remote = try Self.bareRemote(in: dir)
        let a = try Repository.open(at: Self.clone(in: dir, "a", url: remote.path).path)
        let b = try Repository.open(at: Self.clone(in: dir, "b", url: remote.path).path)
        #expect(try a.remoteURL("origin") == remote.path)
        #expect(try a.remoteURL("absent") == nil)

        // Empty remote: nothing advertised.
        let empty = try a.fetch(remote: "origin", refs: ["main", "writ/ledger"])
        #expect(empty == ["main": ObjectID?.none, "writ/ledger": ObjectID?.none])

        let c0 = try Self.commit(a, on: nil, "c0")
        try a.push(remote: "origin", branch: "main", from: c0, expecting: nil)
        #expect(try Self.witness(remote) == c0.hex)
        #expect(try a.resolve("refs/remotes/origin/main") == c0)

        // Both start from c0; the first push wins, the second is a conflict.
        #expect(try b.fetch(remote: "origin", refs: ["main"]) == ["main": c0])
        #expect(try b.resolve("refs/remotes/origin/main") == c0)
        let a1 = try Self.commit(a, on: c0, "a1")
        let b1 = try Self.commit(b, on: c0, "b1")
        try a.push(remote: "origin", branch: "main", from: a1, expecting: c0)
        #expect(throws: PushError.conflict(current: a1)) {
            try b.push(remote: "origin", branch: "main", from: b1, expecting: c0)
        }
        #expect(try Self.witness(remote) == a1.hex)
        #expect(try b.resolve("refs/remotes/origin/main") == c0, "a lost push leaves the tracking ref alone")

        // The loser fetches, rebuilds on the new tip and wins.
        #expect(try b.fetch(remote: "origin", refs: ["main"]) == ["main": a1])
        let b2 = try Self.commit(b, on: a1, "b2")
        try b.push(remote: "origin", branch: "main", from: b2, expecting: a1)
        #expect(try Self.witness(remote) == b2.hex)

        // A stale expectation is a conflict even when the push would be a
        // fast-forward of the current tip: this is a compare-and-swap, not
        // only a fast-forward rule.
        #expect(try a.fetch(remote: "origin", refs: ["main"]) == ["main": b2])
        let a3 = try Self.commit(a, on: b2, "a3")
        #expect(throws: PushError.conflict(current: b2)) {
            try a.push(remote: "origin", branch: "main", from: a3, expecting: a1)
        }
        #expect(throws: PushError.conflict(current: b2)) {
            try a.push(remote: "origin", branch: "main", from: a3, expecting: nil)
        }
        #expect(try Self.witness(remote) == b2.hex)

        // Not a fast-forward: refused before anything is sent.
        let sideways = try Self.commit(a, on: c0, "sideways")
        #expect(throws: PushError.notFastForward) {
            try a.push(remote: "origin", branch: "main", from: sideways, expecting: b2)
        }
        let stranger = try S.id(String(repeating: "ab", count: 20))
        #expect(throws: PushError.notFastForward) {
            try a.push(remote: "origin", branch: "main", from: a3, expecting: stranger)
        }

        // A stuck lock is reported, not removed, and nothing moves.
        let lock = remote.appendingPathComponent("refs/heads/main.lock")
        try Data().write(to: lock)
        #expect(throws: PushError.locked) {
            try a.push(remote: "origin", branch: "main", from: a3, expecting: b2)
        }
        #expect(FileManager.default.fileExists(atPath: lock.path))
        try FileManager.default.removeItem(at: lock)
        #expect(try Self.witness(remote) == b2.hex)
        try a.push(remote: "origin", branch: "main", from: a3, expecting: b2)
        #expect(try Self.witness(remote) == a3.hex)

        // Pushing the tip the remote already holds succeeds only if it does.
        try a.push(remote: "origin", branch: "main", from: a3, expecting: a3)
        #expect(throws: PushError.conflict(current: a3)) {
            try b.push(remote: "origin", branch: "main", from: b2, expecting: b2)
        }

        // A second branch, created from nothing.
        let ledger = try Self.commit(a, on: nil, "ledger")
        try a.push(remote: "origin", branch: "writ/ledger", from: ledger, expecting: nil)
        #expect(try Self.witness(remote, "writ/ledger") == ledger.hex)
        #expect(try b.fetch(remote: "origin", refs: ["main", "writ/ledger"]) == ["main": a3, "writ/ledger": ledger])
        #expect(try S.git(remote, "rev-list", "--count", "main") == "4")
        try Self.fsck(remote)

        // Bad names are refused before any access.
        #expect(throws: RemoteUsageError.invalidBranchName("refs/heads/main")) {
            try a.push(remote: "origin", branch: "refs/heads/main", from: a3, expecting: a3)
        }
        #expect(throws: RemoteUsageError.invalidBranchName("bad..name")) {
            _ = try a.fetch(remote: "origin", refs: ["bad..name"])
        }
        #expect(throws: RemoteUsageError.invalidRemoteName("no such")) {
            _ = try a.fetch(remote: "no such", refs: ["main"])
        }
        #expect(throws: RemoteUsageError.unknownRemote("nope")) {
            try a.push(remote: "nope", branch: "main", from: a3, expecting: a3)
        }
    }

    /// A fetch downloads into a quarantine of its own and leaves neither it
    /// nor a keep behind; the quarantine and keeps of a writ process that
    /// died are removed by the next fetch, a live process's are not.
    @Test func aFetchLeavesNoQuarantineOrKeepAndClearsDeadOnes() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let remote = try Self.bareRemote(in: dir)
        let writer = try Repository.open(at: Self.clone(in: dir, "writer", url: remote.path).path)
        let tip = try Self.commit(writer, on: nil, "first")
        try writer.push(remote: "origin", branch: "main", from: tip, expecting: nil)
        let readerPath = try Self.clone(in: dir, "reader", url: remote.path)
        let objects = readerPath.appendingPathComponent("objects")
        let dead = try S.run("/bin/sh", ["-c", "echo $$"]).trimmed
        for (name, pid) in [("incoming-writ-dead01", dead), ("incoming-writ-live01", "\(getpid())")] {
            let folder = objects.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent("pack"), withIntermediateDirectories: true)
            try Data("writ: pack in flight, pid \(pid)\n".utf8).write(to: folder.appendingPathComponent("owner"))
        }
        let reader = try Repository.open(at: readerPath.path)
        let tips = try reader.fetch(remote: "origin", refs: ["main"])
        #expect(tips["main"] == .some(tip))
        #expect(try reader.resolve("refs/remotes/origin/main") == tip)
        let left = try FileManager.default.contentsOfDirectory(atPath: objects.path).filter {
            $0.hasPrefix("incoming-")
        }
        #expect(left == ["incoming-writ-live01"], "\(left)")
        let packs = try FileManager.default.contentsOfDirectory(atPath: objects.appendingPathComponent("pack").path)
        #expect(packs.contains { $0.hasSuffix(".pack") } && !packs.contains { $0.hasSuffix(".keep") }, "\(packs)")
        try Self.fsck(readerPath)
    }

    /// `insteadOf` and `pushInsteadOf` rewrites are never applied, and a
    /// push URL other than the URL is refused: fetches and pushes go where
    /// `remote.origin.url` says, and nowhere else.
    @Test func rewritesAreNotAppliedAndADifferentPushURLIsRefused() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let real = try Self.bareRemote(in: dir, "real.git")
        let decoy = try Self.bareRemote(in: dir, "decoy.git")
        let writerPath = try Self.clone(in: dir, "writer", url: real.path)
        let writer = try Repository.open(at: writerPath.path)
        let first = try Self.commit(writer, on: nil, "first")
        try writer.push(remote: "origin", branch: "main", from: first, expecting: nil)

        let path = try Self.clone(in: dir, "rewritten", url: real.path)
        try S.git(path, "config", "url.\(decoy.path).insteadOf", real.path)
        try S.git(path, "config", "url.\(decoy.path).pushInsteadOf", real.path)
        let repo = try Repository.open(at: path.path)
        #expect(try repo.remoteURL("origin") == real.path)
        #expect(try repo.fetch(remote: "origin", refs: ["main"])["main"] == .some(first))
        let second = try Self.commit(repo, on: first, "second")
        try repo.push(remote: "origin", branch: "main", from: second, expecting: first)
        #expect(try Self.witness(real) == second.hex)
        #expect(try Self.witness(decoy) == nil, "the rewrite target received nothing")

        try S.git(path, "config", "remote.origin.pushurl", decoy.path)
        let third = try Self.commit(repo, on: second, "third")
        #expect {
            try repo.push(remote: "origin", branch: "main", from: third, expecting: second)
        } throws: { error in
            guard case RemoteUsageError.unusableURL(_, let problem) = error else { return false }
            return problem.contains("pushurl")
        }
        #expect(try Self.witness(decoy) == nil)
        #expect(try Self.witness(real) == second.hex)
        // The same URL as a push URL changes nothing.
        try S.git(path, "config", "remote.origin.pushurl", real.path)
        try repo.push(remote: "origin", branch: "main", from: third, expecting: second)
        #expect(try Self.witness(real) == third.hex)
    }

    @Test func fileURLAndWorkTreeRemotes() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let remote = try Self.bareRemote(in: dir, "with space.git")
        let url = "file://" + (remote.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "")
        #expect(url.contains("%20"))
        let a = try Repository.open(at: Self.clone(in: dir, "a", url: url).path)
        let c0 = try Self.commit(a, on: nil, "c0")
        try a.push(remote: "origin", branch: "main", from: c0, expecting: nil)
        let c1 = try Self.commit(a, on: c0, "c1")
        #expect(throws: PushError.conflict(current: c0)) {
            try a.push(remote: "origin", branch: "main", from: c1, expecting: nil)
        }
        try a.push(remote: "origin", branch: "main", from: c1, expecting: c0)
        #expect(try Self.witness(remote) == c1.hex)
        #expect(try a.fetch(remote: "origin", refs: ["main"]) == ["main": c1])

        // A remote with a work tree: its checked-out branch is refused.
        let worktree = dir.appendingPathComponent("worktree")
        try S.git(dir, "init", "--quiet", "--initial-branch=trunk", worktree.path)
        let w = try Repository.open(at: Self.clone(in: dir, "w", url: worktree.path).path)
        let w0 = try Self.commit(w, on: nil, "w0")
        #expect(
            throws: PushError.rejected(
                ref: "refs/heads/trunk", status: "branch is checked out in the remote's work tree")
        ) {
            try w.push(remote: "origin", branch: "trunk", from: w0, expecting: nil)
        }
        try w.push(remote: "origin", branch: "side", from: w0, expecting: nil)
        #expect(try S.git(worktree, "rev-parse", "refs/heads/side") == w0.hex)
        #expect(
            try S.run("/usr/bin/git", ["-C", worktree.path, "rev-parse", "--verify", "--quiet", "refs/heads/trunk"])
                .status != 0)
    }

    @Test func concurrentLocalPushesHaveExactlyOneWinnerPerRound() async throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let remote = try Self.bareRemote(in: dir)
        try await Self.race(dir: dir, remote: remote, url: remote.path, rounds: 20)
    }

    // MARK: Smart protocol (git daemon)

    @Test func smartProtocolPushFetchConflictAndRejection() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let remote = try Self.bareRemote(in: dir)
        let daemon = try GitDaemon.start(basePath: dir, log: dir.appendingPathComponent("daemon.log"))
        defer { daemon.stop() }
        let url = daemon.url("remote.git")
        let a = try Repository.open(at: Self.clone(in: dir, "a", url: url).path)
        let b = try Repository.open(at: Self.clone(in: dir, "b", url: url).path)

        #expect(try a.fetch(remote: "origin", refs: ["main"]) == ["main": ObjectID?.none])
        let c0 = try Self.commit(a, on: nil, "c0")
        try a.push(remote: "origin", branch: "main", from: c0, expecting: nil)
        #expect(try Self.witness(remote) == c0.hex)
        #expect(try a.resolve("refs/remotes/origin/main") == c0)

        #expect(try b.fetch(remote: "origin", refs: ["main"]) == ["main": c0])
        let a1 = try Self.commit(a, on: c0, "a1")
        let b1 = try Self.commit(b, on: c0, "b1")
        try a.push(remote: "origin", branch: "main", from: a1, expecting: c0)
        #expect(throws: PushError.conflict(current: a1)) {
            try b.push(remote: "origin", branch: "main", from: b1, expecting: c0)
        }
        #expect(try Self.witness(remote) == a1.hex)
        #expect(try b.fetch(remote: "origin", refs: ["main"]) == ["main": a1])
        let b2 = try Self.commit(b, on: a1, "b2")
        try b.push(remote: "origin", branch: "main", from: b2, expecting: a1)
        #expect(try Self.witness(remote) == b2.hex)

        // Stale expectation on a push the server would accept as a
        // fast-forward: refused as a conflict, nothing sent.
        #expect(try a.fetch(remote: "origin", refs: ["main"]) == ["main": b2])
        let a3 = try Self.commit(a, on: b2, "a3")
        #expect(throws: PushError.conflict(current: b2)) {
            try a.push(remote: "origin", branch: "main", from: a3, expecting: a1)
        }
        #expect(throws: PushError.conflict(current: b2)) {
            try a.push(remote: "origin", branch: "main", from: a3, expecting: nil)
        }
        #expect(try Self.witness(remote) == b2.hex)

        // The server refuses through a hook: libgit2's push call succeeds,
        // only the per-ref status says no, and writ reports it.
        let hook = remote.appendingPathComponent("hooks/pre-receive")
        try S.write("#!/bin/sh\necho refused by policy >&2\nexit 1\n", to: hook)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
        do {
            try a.push(remote: "origin", branch: "main", from: a3, expecting: b2)
            Issue.record("a push refused by the server's hook was reported as a success")
        } catch PushError.rejected(let ref, let status) {
            #expect(ref == "refs/heads/main")
            #expect(status.contains("pre-receive hook declined"), "\(status)")
        }
        #expect(try Self.witness(remote) == b2.hex)
        #expect(try a.resolve("refs/remotes/origin/main") == b2)
        try FileManager.default.removeItem(at: hook)
        try a.push(remote: "origin", branch: "main", from: a3, expecting: b2)
        #expect(try Self.witness(remote) == a3.hex)

        // Same tip as the remote: checked against the advertisement.
        try a.push(remote: "origin", branch: "main", from: a3, expecting: a3)
        #expect(throws: PushError.conflict(current: a3)) {
            try b.push(remote: "origin", branch: "main", from: b2, expecting: b2)
        }

        let sideways = try Self.commit(a, on: c0, "sideways")
        #expect(throws: PushError.notFastForward) {
            try a.push(remote: "origin", branch: "main", from: sideways, expecting: a3)
        }
        #expect(try Self.witness(remote) == a3.hex)
        #expect(try S.git(remote, "rev-list", "--count", "main") == "4")
        try Self.fsck(remote)
    }

    @Test func concurrentSmartProtocolPushesHaveExactlyOneWinnerPerRound() async throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let remote = try Self.bareRemote(in: dir)
        let daemon = try GitDaemon.start(basePath: dir, log: dir.appendingPathComponent("daemon.log"))
        defer { daemon.stop() }
        try await Self.race(dir: dir, remote: remote, url: daemon.url("remote.git"), rounds: 12)
    }

    /// Fetches and pushes (won, lost and refused) over both transports free
    /// every block libgit2 allocated for them, counted on this thread.
    @Test(
        .enabled(
            if: GitMemory.isCounting,
            "libgit2 allocations are counted only with WRIT_GIT_COUNT_ALLOCATIONS=1 (scripts/test sets it)"))
    func remoteOperationsReleaseEveryAllocation() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let local = try Self.bareRemote(in: dir, "local.git")
        _ = try Self.bareRemote(in: dir, "remote.git")
        let daemon = try GitDaemon.start(basePath: dir, log: dir.appendingPathComponent("daemon.log"))
        defer { daemon.stop() }
        let clone = try Self.clone(in: dir, "a", url: local.path)
        try S.git(clone, "remote", "add", "served", daemon.url("remote.git"))

        func workload(_ label: String) throws {
            let repo = try Repository.open(at: clone.path)
            for remote in ["origin", "served"] {
                let tip = try repo.fetch(remote: remote, refs: ["main"])["main"] ?? nil
                let next = try Self.commit(repo, on: tip, label)
                try repo.push(remote: remote, branch: "main", from: next, expecting: tip)
                let stale = try Self.commit(repo, on: next, label + "-stale")
                do {
                    try repo.push(remote: remote, branch: "main", from: stale, expecting: tip)
                    Issue.record("a stale push won")
                } catch PushError.conflict {}
                _ = try repo.remoteURL(remote)
            }
        }
        try workload("warmup")
        let baseline = GitMemory.liveBlocksOnCurrentThread
        for round in 0..<3 {
            try workload("round\(round)")
        }
        let after = GitMemory.liveBlocksOnCurrentThread
        #expect(after == baseline, "live libgit2 blocks on thread: baseline \(baseline), after \(after)")
        #expect(try Self.witness(local) != nil)
    }

    // MARK: Racing pushers

    /// Collects the outcomes of racing threads.
    private final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [(pusher: Int, outcome: String, pushed: ObjectID?)] = []
        func add(_ pusher: Int, _ outcome: String, _ pushed: ObjectID? = nil) {
            lock.withLock { values.append((pusher, outcome, pushed)) }
        }
        var all: [(pusher: Int, outcome: String, pushed: ObjectID?)] { lock.withLock { values } }
    }

    /// Two threads, each with its own clone and repository handle, fetch the
    /// same tip, build different commits on it and push expecting that tip.
    /// Exactly one wins; the loser sees a conflict, fetches the winner's
    /// commit, rebuilds on it and wins in turn.
    private static func race(dir: URL, remote: URL, url: String, rounds: Int) async throws {
        let clones = try (0..<2).map { try clone(in: dir, "racer\($0)", url: url).path }
        let seed = try Repository.open(at: clones[0])
        let root = try commit(seed, on: nil, "root")
        try seed.push(remote: "origin", branch: "main", from: root, expecting: nil)

        for round in 0..<rounds {
            let outcomes = Outcomes()
            let fetched = DispatchSemaphore(value: 0)
            let go = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            for pusher in 0..<2 {
                let path = clones[pusher]
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    var released = false
                    do {
                        let repo = try Repository.open(at: path)
                        let tip = try repo.fetch(remote: "origin", refs: ["main"])["main"] ?? nil
                        let mine = try commit(repo, on: tip, "r\(round)p\(pusher)")
                        fetched.signal()
                        released = true
                        go.wait()
                        do {
                            try repo.push(remote: "origin", branch: "main", from: mine, expecting: tip)
                            outcomes.add(pusher, "won", mine)
                        } catch PushError.conflict(let current) {
                            outcomes.add(pusher, "conflict")
                            // Retry on the winner's commit, which `current` names.
                            let newTip = try repo.fetch(remote: "origin", refs: ["main"])["main"] ?? nil
                            guard newTip == current, let newTip else {
                                outcomes.add(
                                    pusher,
                                    "fetched \(String(describing: newTip)) after conflict on \(String(describing: current))"
                                )
                                return
                            }
                            let rebuilt = try commit(repo, on: newTip, "r\(round)p\(pusher)retry")
                            try repo.push(remote: "origin", branch: "main", from: rebuilt, expecting: newTip)
                            outcomes.add(pusher, "retry won", rebuilt)
                        }
                    } catch {
                        if !released { fetched.signal() }
                        outcomes.add(pusher, "error \(error)")
                    }
                }
            }
            await fetched.waitOffPool()
            await fetched.waitOffPool()
            go.signal()
            go.signal()
            await group.waitOffPool()

            let results = outcomes.all
            let description = results.map { "\($0.pusher): \($0.outcome)" }.joined(separator: ", ")
            let winners = results.filter { $0.outcome == "won" }
            let conflicts = results.filter { $0.outcome == "conflict" }
            let retries = results.filter { $0.outcome == "retry won" }
            try #require(
                winners.count == 1 && conflicts.count == 1 && retries.count == 1, "round \(round): \(description)")
            #expect(results.count == 3, "round \(round): \(description)")
            let winner = try #require(winners[0].pushed)
            let retried = try #require(retries[0].pushed)
            #expect(conflicts[0].pusher != winners[0].pusher)
            // The git tool sees the loser's rebuilt commit on top of the
            // winner's commit.
            #expect(try witness(remote) == retried.hex, "round \(round)")
            #expect(try S.git(remote, "rev-parse", "main^") == winner.hex, "round \(round)")
        }
        #expect(try S.git(remote, "rev-list", "--count", "--first-parent", "main") == "\(1 + 2 * rounds)")
        #expect(try S.git(remote, "rev-list", "--count", "--merges", "main") == "0")
        try fsck(remote)
    }
}

/// A `git daemon` serving a directory over `git://` on 127.0.0.1 with
/// pushes enabled, stopped by `stop()`.
final class GitDaemon {
    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    func url(_ repository: String) -> String {
        "git://127.0.0.1:\(port)/\(repository)"
    }

    /// Kills the daemon with SIGKILL: a child started by `Process` inherits
    /// a signal mask that blocks SIGTERM, so `terminate()` would not end it.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// Starts a daemon on a free port and waits until it answers; retries
    /// with another port if one was taken in between.
    static func start(basePath: URL, log: URL) throws -> GitDaemon {
        var lastError = ""
        for _ in 0..<5 {
            let port = try freePort()
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let output = try FileHandle(forWritingTo: log)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/lib/git-core/git-daemon")
            process.arguments = [
                "--reuseaddr", "--base-path=\(basePath.path)", "--export-all", "--enable=receive-pack",
                "--informative-errors", "--listen=127.0.0.1", "--port=\(port)",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["GIT_CONFIG_NOSYSTEM"] = "1"
            environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = output
            process.standardError = output
            try process.run()
            try output.close()
            let daemon = GitDaemon(port: port, process: process)
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline {
                let probe = try GitTestSupport.run("/usr/bin/git", ["ls-remote", daemon.url("remote.git")])
                if probe.status == 0 { return daemon }
                lastError = probe.stderr
                usleep(50_000)
            }
            daemon.stop()
            lastError += String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        }
        throw DaemonStartFailure(detail: lastError)
    }

    struct DaemonStartFailure: Error, CustomStringConvertible {
        let detail: String
        var description: String { "git daemon did not start: \(detail)" }
    }

    /// A port the kernel just handed out for 127.0.0.1.
    private static func freePort() throws -> Int {
        try BackgroundServer.freePort()
    }
}
