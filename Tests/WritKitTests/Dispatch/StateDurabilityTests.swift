import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Every state file is renamed into place and then its directory is
/// flushed, so a power loss cannot lose the rename (docs/dispatch.md); the
/// intent records, many per poll, are flushed together by one `syncfs`
/// before the state file that refers to them. The system calls of a real
/// poll are the witness (strace).
@Suite struct StateDurabilityTests {
    /// With `max_parallel` 4 the state files are written from more than
    /// one thread; each rename is still followed by a flush of its directory.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"),
            "needs strace (scripts/ensure-deps installs it)"), arguments: [1, 4])
    func everyRenameIsFollowedByAFlushOfItsDirectory(maxParallel: Int) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let ids = maxParallel == 1 ? ["triage-durable"] : (0..<maxParallel).map { "triage-durable-\($0)" }
        for id in ids { try fixture.proposeLow(id) }
        let trace = fixture.directory.appendingPathComponent("trace.txt")
        _ = try GitTestSupport.run(
            "/usr/bin/strace",
            [
                "-f", "-qq", "-e", "trace=rename,renameat,renameat2,openat,fsync,syncfs", "-o", trace.path, CLI.binary,
                "dispatch", "--config", fixture.configPath, "--once",
            ])
        #expect(fixture.runs().sorted() == ids)
        let lines = Self.joiningInterruptedCalls(
            try String(contentsOf: trace, encoding: .utf8).split(separator: "\n").map(String.init))
        let state = fixture.directory.appendingPathComponent("state").path
        var checked = 0
        for (index, line) in lines.enumerated() where line.contains("rename") && line.contains(state) {
            // The target's directory: the last quoted path, without its last component.
            guard let target = line.split(separator: "\"").dropLast().last.map(String.init) else { continue }
            let directory = (target as NSString).deletingLastPathComponent
            let pid = line.split(separator: " ").first.map(String.init) ?? ""
            let rest = lines[(index + 1)...].filter { $0.hasPrefix(pid + " ") }
            if target.hasPrefix(state + "/default/intents/") || target.hasPrefix(state + "/default/keys/") {
                // A record or an idempotency key binding: a syncfs, then the
                // state file renamed into place.
                guard let flush = rest.firstIndex(where: { $0.contains("syncfs(") }) else {
                    Issue.record("no syncfs after \(line)")
                    continue
                }
                #expect(
                    rest[flush...].contains { $0.contains("rename") && $0.contains("/default/state.json\"") },
                    "no state file written after the flush that covers \(line)")
                checked += 1
                continue
            }
            // Later in the same process: an O_DIRECTORY open of it, then fsync of that descriptor.
            guard let open = rest.first(where: { $0.contains("\"\(directory)\"") && $0.contains("O_DIRECTORY") }),
                let descriptor = open.split(separator: "=").last?.trimmingCharacters(in: .whitespaces)
            else {
                Issue.record("no directory open after \(line)")
                continue
            }
            #expect(rest.contains { $0.contains("fsync(\(descriptor))") }, "no fsync of \(directory) after \(line)")
            checked += 1
        }
        #expect(checked >= 3, "the poll renames state.json, its intent cache and its run report")
    }

    /// The journal's `published` line is flushed with its directory entry
    /// before the executor starts, and the `outcome` line is flushed before
    /// the commit that publishes it moves the ledger: a power loss can
    /// take neither away once it counts. Workers (`max_parallel` 4) write
    /// the outcome lines. The system calls of a real poll are the witness.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"),
            "needs strace (scripts/ensure-deps installs it)"), arguments: [1, 4])
    func journalLinesAreFlushedBeforeTheyAreReliedOn(maxParallel: Int) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let ids = (0..<3).map { "triage-journal-\($0)" }
        for id in ids { try fixture.proposeLow(id) }
        let trace = fixture.directory.appendingPathComponent("trace.txt")
        _ = try GitTestSupport.run(
            "/usr/bin/strace",
            [
                "-f", "-qq", "-s", "12", "-e", "trace=openat,write,fsync,close,rename,execve", "-o", trace.path,
                CLI.binary, "dispatch", "--config", fixture.configPath, "--once",
            ])
        #expect(fixture.runs().sorted() == ids)
        let lines = Self.joiningInterruptedCalls(
            try String(contentsOf: trace, encoding: .utf8).split(separator: "\n").map(String.init))
        let journal = fixture.directory.appendingPathComponent("state/default/journal").path
        let ledgerRef = "refs/heads/writ/ledger\""
        var flushed: [String: Int] = [:]
        for (index, line) in lines.enumerated() {
            guard
                let kind = ["published", "outcome"].first(where: {
                    line.contains("write(") && line.contains("\"\($0) ")
                }),
                let descriptor = line.split(separator: "(").dropFirst().first?.split(separator: ",").first,
                let pid = line.split(separator: " ").first
            else { continue }
            // Only writes to a journal file, opened just before.
            let opened = lines[..<index].last {
                $0.hasPrefix(pid + " ") && $0.contains("openat(") && $0.hasSuffix("= \(descriptor)")
            }
            guard let opened, opened.contains(journal) else { continue }
            let later = lines.indices[(index + 1)...].filter { lines[$0].hasPrefix(pid + " ") }
            guard let flush = later.first(where: { lines[$0].contains("fsync(\(descriptor))") }),
                let closed = later.first(where: { lines[$0].contains("close(\(descriptor))") }), flush < closed
            else {
                Issue.record("a \(kind) line is not flushed before its file is closed: \(line)")
                continue
            }
            if kind == "published" {
                // Then its directory entry, and only then the executor.
                let file = opened.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
                let directory = (file as NSString).deletingLastPathComponent
                let directoryFlushed = later.contains {
                    $0 > closed && lines[$0].contains("\"\(directory)\"") && lines[$0].contains("O_DIRECTORY")
                }
                #expect(directoryFlushed, "no flush of \(directory) after \(line)")
                let started = lines.indices[(index + 1)...].first { lines[$0].contains("execve(") }
                #expect(started.map { flush < $0 } ?? false, "an executor started before \(line) was flushed")
            } else {
                // The ledger moves (the commit that publishes it) after.
                let moved = lines.indices[(index + 1)...].first {
                    lines[$0].contains("rename(") && lines[$0].contains(ledgerRef)
                }
                #expect(moved.map { flush < $0 } ?? false, "no ledger move after \(line) was flushed")
            }
            flushed[kind, default: 0] += 1
        }
        #expect(flushed == ["published": ids.count, "outcome": ids.count], "\(flushed)")
    }

    /// A poll reads a new intent's record at its first sync (proposed) and
    /// at its last (claimed, succeeded) but writes it once, with the state
    /// save that names the tips it reflects (`PendingIntentRecords`): one
    /// file fewer to create per intent. The next poll reads back the last
    /// version.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"),
            "needs strace (scripts/ensure-deps installs it)"), arguments: [1, 4])
    func eachIntentRecordIsWrittenOncePerPoll(maxParallel: Int) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let ids = (0..<3).map { "triage-record-\($0)" }
        for id in ids { try fixture.proposeLow(id) }
        let trace = fixture.directory.appendingPathComponent("trace.txt")
        _ = try GitTestSupport.run(
            "/usr/bin/strace",
            [
                "-f", "-qq", "-e", "trace=rename,renameat,renameat2", "-o", trace.path, CLI.binary, "dispatch",
                "--config", fixture.configPath, "--once",
            ])
        #expect(fixture.runs().sorted() == ids)
        let records = fixture.directory.appendingPathComponent("state/default/intents").path
        var writes: [String: Int] = [:]
        for line in try String(contentsOf: trace, encoding: .utf8).split(separator: "\n") {
            guard let target = line.split(separator: "\"").dropLast().last.map(String.init),
                target.hasPrefix(records + "/")
            else { continue }
            writes[(target as NSString).lastPathComponent, default: 0] += 1
        }
        #expect(writes == Dictionary(uniqueKeysWithValues: ids.map { ("\($0).json", 1) }), "\(writes)")

        let config = try fixture.config()
        let store = StateStore(stateDir: config.stateDir, profile: config.profile)
        for id in ids {
            let kinds = try store.loadIntent(try #require(IntentID(id))).events.compactMap { event -> AuditEventKind? in
                guard case .auditEvent(_, _, let kind)? = LedgerPath(event.path) else { return nil }
                return kind
            }
            #expect(kinds == [.autoApproved, .claimed, .succeeded], "\(id): \(kinds)")
        }
    }

    /// strace -f splits a call that another thread interrupts into
    /// `PID call(args <unfinished ...>` and, later, `PID <... call resumed>rest`;
    /// each such pair becomes the one line it would have been.
    static func joiningInterruptedCalls(_ lines: [String]) -> [String] {
        var joined: [String] = []
        var open: [String: Int] = [:]
        for line in lines {
            let pid = line.split(separator: " ").first.map(String.init) ?? ""
            if line.hasSuffix(" <unfinished ...>") {
                open[pid] = joined.count
                joined.append(String(line.dropLast(" <unfinished ...>".count)))
            } else if let start = open[pid], let resumed = line.range(of: " resumed>") {
                joined[start] += line[resumed.upperBound...]
                open[pid] = nil
            } else {
                joined.append(line)
            }
        }
        return joined
    }
}
