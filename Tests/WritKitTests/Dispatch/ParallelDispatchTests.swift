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

/// `max_parallel = N`: up to N executors at once, while claims stay at
/// most once and durable before each executor starts, outcomes go through
/// the journal, each run's output stays its own and the report stays in id
/// order (docs/dispatch.md, "Executors side by side").
@Suite(.serialized) struct ParallelDispatchTests {
    /// The files of the fixture's ledger under `audit/`, by intent id.
    static func auditFiles(_ fixture: DispatchFixture) throws -> [String: [String]] {
        let names = try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "ls-tree", "-r", "--name-only",
            "writ/ledger", "audit/"
        ).split(separator: "\n").map(String.init)
        var byIntent: [String: [String]] = [:]
        for name in names {
            let parts = name.split(separator: "/")
            guard parts.count == 4 else { continue }
            byIntent[String(parts[2]), default: []].append(name)
        }
        return byIntent
    }

    /// The most intervals open at one instant: `(start, end)` pairs in any unit.
    static func maximumOverlap(_ intervals: [(start: Int64, end: Int64)]) -> Int {
        // At equal times an end comes before a start: touching is not overlapping.
        let edges = intervals.flatMap { [($0.start, 1), ($0.end, -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var open = 0
        var most = 0
        for edge in edges {
            open += edge.1
            most = max(most, open)
        }
        return most
    }

    /// 100 intents whose executor sleeps 1 s, eight at once: one poll
    /// runs them all, each claimed once and settled once, with several
    /// executors overlapping and never more than eight. (How long the poll
    /// takes is writ-bench's to measure, not a test's.)
    @Test func hundredOneSecondExecutorsRunEightAtOnce() throws {
        let fixture = try DispatchFixture(maxParallel: 8)
        defer { fixture.remove() }
        let times = fixture.directory.appendingPathComponent("times.txt").path
        try fixture.thenRun(
            "echo \\\"$WRIT_INTENT_ID start $(date +%s%N)\\\" >> \(times); sleep 1; "
                + "echo \\\"$WRIT_INTENT_ID end $(date +%s%N)\\\" >> \(times)")
        let ids = (0..<100).map { String(format: "triage-par-%03d", $0) }
        for id in ids { try fixture.proposeLow(id) }

        let report = try fixture.dispatcher().poll()

        #expect(report.intents.map(\.id.rawValue) == ids, "the report lists the intents in id order")
        #expect(report.intents.allSatisfy { $0.result == .succeeded })
        let counts = Dictionary(fixture.runs().map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }), "each intent ran exactly once")

        // On the ledger: one claim and one outcome per intent, nothing else.
        let files = try Self.auditFiles(fixture)
        #expect(files.count == 100)
        for id in ids {
            let names = files[id] ?? []
            #expect(names.filter { $0.hasSuffix("-claimed.json") }.count == 1, "\(id): \(names)")
            #expect(names.filter { $0.hasSuffix("-succeeded.json") }.count == 1, "\(id): \(names)")
            #expect(!names.contains { $0.hasSuffix("-failed.json") || $0.hasSuffix("-in_doubt.json") })
        }
        #expect(try fixture.sandbox.status().intents.allSatisfy { $0.state == .succeeded })
        let audit = try LedgerVerifier(ops: fixture.sandbox.ops, idempotentKinds: [])
            .verify(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(audit.findings.isEmpty, "\(audit.findings.prefix(5))")

        // The executors really overlapped, and never more than eight at once.
        var intervals: [String: (start: Int64?, end: Int64?)] = [:]
        for line in try String(contentsOfFile: times, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ")
            try #require(fields.count == 3, "\(line)")
            let time = try #require(Int64(fields[2]))
            if fields[1] == "start" {
                intervals[String(fields[0]), default: (nil, nil)].start = time
            } else {
                intervals[String(fields[0]), default: (nil, nil)].end = time
            }
        }
        let closed = intervals.values.compactMap { pair -> (start: Int64, end: Int64)? in
            guard let start = pair.start, let end = pair.end else { return nil }
            return (start, end)
        }
        #expect(closed.count == 100)
        let overlap = Self.maximumOverlap(closed)
        print("[parallel] at most \(overlap) executors at once")
        #expect(overlap >= 2, "the executors never overlapped")
        #expect(overlap <= 8, "\(overlap) executors ran at once with max_parallel = 8")
    }

    /// Two executors running at the same moment, each printing a large
    /// output of its own on both streams (and the secret): each outcome
    /// holds exactly its own redacted output, digest and tail, nothing of
    /// the other's.
    @Test func executorsRunningAtOnceKeepTheirOutputApart() throws {
        let secret = "s3cr3t-parallel-value"
        let barrier = try GitTestSupport.scratch("parallel-barrier")
        defer { GitTestSupport.remove(barrier) }
        let lines = 4000
        let script = barrier.appendingPathComponent("speak.sh").path
        try Data(
            """
            set -u
            touch "\(barrier.path)/$WRIT_INTENT_ID.started"
            i=0
            while [ "$(ls "\(barrier.path)" | grep -c '[.]started$')" -lt 2 ] && [ $i -lt 400 ]; do
              sleep 0.05; i=$((i+1))
            done
            [ $i -lt 400 ] && touch "\(barrier.path)/$WRIT_INTENT_ID.overlapped"
            n=0
            while [ $n -lt \(lines) ]; do
              echo "out-$WRIT_INTENT_ID-$n $WRIT_TEST_SECRET"
              echo "err-$WRIT_INTENT_ID-$n" >&2
              n=$((n+1))
            done

            """.utf8
        ).write(to: URL(fileURLWithPath: script))
        let fixture = try DispatchFixture(
            executors: """
                [executors.groom-backlog]
                command = ["/bin/sh", "\(script)"]
                timeout = "1m"
                env_allowlist = ["PATH"]
                secrets = ["WRIT_TEST_SECRET"]

                """, maxParallel: 2)
        defer { fixture.remove() }
        let ids = ["groom-a", "groom-b"]
        for id in ids {
            try fixture.sandbox.propose(try fixture.request("groom-backlog", id), as: "agent-1@example.com")
        }

        let report = try fixture.dispatcher(environment: ["PATH": "/usr/bin:/bin", "WRIT_TEST_SECRET": secret])
            .poll()
        #expect(report.intents.map(\.id.rawValue) == ids)
        #expect(report.intents.allSatisfy { $0.result == .succeeded }, "\(report.intents)")
        for id in ids {
            #expect(
                FileManager.default.fileExists(atPath: barrier.appendingPathComponent("\(id).overlapped").path),
                "\(id) never ran at the same time as the other")
        }

        let files = try Self.auditFiles(fixture)
        for id in ids {
            let path = try #require(files[id]?.first { $0.hasSuffix("-succeeded.json") }, "\(id): no outcome")
            let bytes = try #require(try fixture.sandbox.ops.repository.blob(at: path, in: "writ/ledger"))
            let event = try AuditEvent.parse(bytes)
            guard case .succeeded(let outcome) = event.payload else {
                Issue.record("\(id): \(event.payload)")
                continue
            }
            let stdout = (0..<lines).map { "out-\(id)-\($0) [REDACTED]\n" }.joined()
            let stderr = (0..<lines).map { "err-\(id)-\($0)\n" }.joined()
            #expect(outcome.stdoutSHA256 == ContentDigest.sha256(of: Array(stdout.utf8)), "\(id): stdout digest")
            #expect(outcome.stderrSHA256 == ContentDigest.sha256(of: Array(stderr.utf8)), "\(id): stderr digest")
            #expect(outcome.stdoutTail == String(decoding: stdout.utf8.suffix(OutputCapture.tailLimit), as: UTF8.self))
            #expect(outcome.stderrTail == String(decoding: stderr.utf8.suffix(OutputCapture.tailLimit), as: UTF8.self))
            let other = id == "groom-a" ? "groom-b" : "groom-a"
            #expect(!outcome.stdoutTail.contains(other) && !outcome.stderrTail.contains(other))
            #expect(!String(decoding: bytes, as: UTF8.self).contains(secret))
        }
    }

    /// kill -9 while four executors run: every claim was durable before its
    /// executor started, nothing is lost and nothing runs twice. The four
    /// claims without an outcome go in doubt after the lease and are never
    /// run again, the intents that were never claimed run on the next
    /// poll, and `writ resolve --retry` lets exactly one more run happen.
    @Test func killNineWithFourExecutorsRunningLeavesEachClaimInDoubtAndRunsNothingTwice() throws {
        let fixture = try DispatchFixture(claimLease: "1s", maxParallel: 4)
        defer { fixture.remove() }
        let marks = fixture.directory.appendingPathComponent("started")
        try FileManager.default.createDirectory(at: marks, withIntermediateDirectories: true)
        try fixture.thenRun("touch \(marks.path)/$WRIT_INTENT_ID; sleep 3")
        let ids = (0..<6).map { String(format: "triage-kill-%02d", $0) }
        for id in ids { try fixture.proposeLow(id) }

        let process = try DispatchCrashTests.startDispatch(fixture)
        let deadline = Date().addingTimeInterval(60)
        var running: [String] = []
        while Date() < deadline, process.isRunning {
            running = (try? FileManager.default.contentsOfDirectory(atPath: marks.path)) ?? []
            if running.count >= 4 { break }
            usleep(20_000)
        }
        try #require(running.count == 4, "four executors should be running, found \(running)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(
            atPath: fixture.sandbox.ops.repository.gitDirectory + "/refs/heads/writ/ledger.lock")
        // Each of the four had its claim durable on the ledger before it started.
        let claimed = Set(
            try Self.auditFiles(fixture).filter { $0.value.contains { $0.hasSuffix("-claimed.json") } }.keys)
        #expect(claimed == Set(running), "claimed \(claimed.sorted()), running \(running.sorted())")

        // The orphaned executors finish, the lease passes; then settle.
        sleep(4)
        let settle = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(settle.status == 1, "claims went in doubt: \(settle.stderr)")
        let again = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(again.status == 0, "\(again.stderr)")

        var counts = Dictionary(fixture.runs().map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }), "each intent ran exactly once")
        var states = Dictionary(
            uniqueKeysWithValues: try fixture.sandbox.status().intents.map { ($0.id.rawValue, $0.state) })
        for id in ids {
            #expect(
                states[id] == (running.contains(id) ? .inDoubt : .succeeded), "\(id): \(String(describing: states[id]))"
            )
        }

        // An operator retries one: it runs once more, the others stay in doubt.
        let retried = try #require(running.sorted().first)
        try OperatorEvents(ops: fixture.sandbox.ops).resolve(
            try #require(IntentID(retried)), resolution: .retry, note: "killed by the test",
            as: try fixture.sandbox.identity("bob@example.com"), now: Date())
        let rerun = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(rerun.status == 0, "\(rerun.stderr)")
        counts = Dictionary(fixture.runs().map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts[retried] == 2)
        #expect(counts.filter { $0.key != retried }.values.allSatisfy { $0 == 1 })
        states = Dictionary(
            uniqueKeysWithValues: try fixture.sandbox.status().intents.map { ($0.id.rawValue, $0.state) })
        #expect(states[retried] == .succeeded)
        let report = try LedgerVerifier(ops: fixture.sandbox.ops, idempotentKinds: [])
            .verify(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(report.findings.isEmpty, "\(report.findings)")
    }

    /// The profile lock taken over (another host replaced it) while two
    /// executors run: the renewal after the first outcome stops the poll
    /// before anything more is claimed, the poll waits for the executor
    /// still running instead of leaving it behind, that one's outcome stays
    /// in its journal, and the next poll publishes it and runs the rest:
    /// every intent ran once.
    @Test func lockTakenOverWhileExecutorsRunStopsClaimingAndKeepsEveryOutcome() throws {
        let fixture = try DispatchFixture(maxParallel: 2)
        defer { fixture.remove() }
        let marks = fixture.directory.appendingPathComponent("marks")
        try FileManager.default.createDirectory(at: marks, withIntermediateDirectories: true)
        try fixture.thenRun(
            "touch \(marks.path)/$WRIT_INTENT_ID.started; case $WRIT_INTENT_ID in *-0) sleep 1;; *) sleep 2;; esac; "
                + "touch \(marks.path)/$WRIT_INTENT_ID.ended")
        let ids = (0..<3).map { "triage-takeover-\($0)" }
        for id in ids { try fixture.proposeLow(id) }

        let lockPath = fixture.directory.appendingPathComponent("state/writ.default.lock").path
        let marksPath = marks.path
        let takeover = Thread {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: marksPath)) ?? []
                if names.filter({ $0.hasSuffix(".started") }).count >= 2 { break }
                usleep(10_000)
            }
            let other = #"{"host":"another-host","pid":1,"started_at":"2026-01-01T00:00:00Z","ttl_seconds":3600}"#
            try? Data(other.utf8).write(to: URL(fileURLWithPath: lockPath), options: .atomic)
        }
        takeover.start()
        let error = try #require(throws: RuntimeError.self) { try fixture.dispatcher().poll() }
        #expect(error.fix.contains("lock_ttl"), "\(error)")
        // The poll returned only once both executors had ended.
        for id in ids.prefix(2) {
            #expect(FileManager.default.fileExists(atPath: marks.appendingPathComponent("\(id).ended").path), "\(id)")
        }
        #expect(fixture.runs().sorted() == Array(ids.prefix(2)), "nothing more is claimed once the lock is lost")
        // The second outcome waits in its intent's journal; the ledger
        // holds that intent's claim only.
        let claimedOnly = try fixture.sandbox.status().intents.filter { $0.state == .claimed }.map(\.id.rawValue)
        #expect(claimedOnly == [ids[1]])
        let store = StateStore(stateDir: fixture.directory.appendingPathComponent("state").path, profile: "default")
        #expect(try store.journal(try #require(IntentID(ids[1]))).contains { $0.kind == .outcome })

        try FileManager.default.removeItem(atPath: lockPath)
        let report = try fixture.dispatcher().poll()
        #expect(report.intents.map(\.id.rawValue) == [ids[2]])
        #expect(fixture.runs().sorted() == ids, "each intent ran exactly once")
        #expect(try fixture.sandbox.status().intents.allSatisfy { $0.state == .succeeded })
        let files = try Self.auditFiles(fixture)
        for id in ids {
            #expect(files[id]?.filter { $0.hasSuffix("-claimed.json") }.count == 1, "\(id)")
            #expect(files[id]?.filter { $0.hasSuffix("-succeeded.json") }.count == 1, "\(id)")
        }
    }

    /// With `max_parallel` above 1, `--dry-run` still runs and claims
    /// nothing: every ready intent is reported `ready`, in id order.
    @Test func dryRunWithParallelExecutorsRunsNothing() throws {
        let fixture = try DispatchFixture(maxParallel: 4)
        defer { fixture.remove() }
        let ids = (0..<5).map { String(format: "triage-dry-%02d", $0) }
        for id in ids { try fixture.proposeLow(id) }
        var dispatcher = try fixture.dispatcher()
        dispatcher.dryRun = true
        let report = try dispatcher.poll()
        #expect(report.intents.map(\.id.rawValue) == ids)
        #expect(report.intents.allSatisfy { $0.result == .ready })
        #expect(fixture.runs().isEmpty)
        #expect(try Self.auditFiles(fixture).isEmpty)
    }
}
