import Foundation
import Testing

@testable import WritKit

/// Every state file is renamed into place and then its directory is
/// flushed, so a power loss cannot lose the rename (docs/dispatch.md); the
/// intent records, many per poll, are flushed together by one `syncfs`
/// before the state file that refers to them. The system calls of a real
/// poll are the witness (strace).
@Suite struct StateDurabilityTests {
    /// With `max_parallel` 4 the outbox files are written by worker
    /// threads; each still flushes its directory after the rename.
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
            if target.hasPrefix(state + "/default/intents/") {
                // A record: a syncfs, then the state file renamed into place.
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
