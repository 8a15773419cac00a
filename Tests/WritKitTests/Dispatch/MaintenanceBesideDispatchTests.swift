import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Stock git maintenance on the dispatcher's own clone while it claims and
/// publishes (SPEC §6, docs/dispatch.md "Beside stock git maintenance"):
/// `git repack -a -d`, `git gc --prune=now`, `git prune --expire=now` and
/// `git repack -d --write-midx --write-bitmap-index` in a loop beside
/// `writ dispatch --interval` with `max_parallel` 4, against a git daemon
/// remote, with new intents arriving as it runs. Afterwards the clone is
/// whole (`git fsck --full`), clonable over the wire protocol
/// (`git clone --no-local`), `writ verify` is clean, and each intent ran
/// exactly once. And the system calls of a poll show every pack, index,
/// keep and folder flushed before the rename or ref move that relies on it.
@Suite(.serialized) struct MaintenanceBesideDispatchTests {
    static let batches = 6
    static let perBatch = 8

    @Test func gitMaintenanceBesideTheDispatcherLosesNothing() async throws {
        let fixture = try DispatchFixture(maxParallel: 4)
        defer { fixture.remove() }
        let base = fixture.directory
        // The sandbox's own repo is the remote: intents proposed in it are
        // on the remote at once, beside the dispatcher's pushes.
        let served = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory).standardizedFileURL
        let remote = served
        let relative = String(served.path.dropFirst(base.standardizedFileURL.path.count + 1))
        // The daemon probes `remote.git` to know it is up.
        try GitTestSupport.git(base, "init", "-q", "--bare", "remote.git")
        let daemon = try GitDaemon.start(basePath: base, log: base.appendingPathComponent("daemon.log"))
        defer { daemon.stop() }
        let clone = base.appendingPathComponent("dispatcher.git")
        try GitTestSupport.git(base, "clone", "-q", "--bare", daemon.url(relative), clone.path)
        let config =
            "remote = \"origin\"\n"
            + (try String(contentsOfFile: fixture.configPath, encoding: .utf8))
            .replacingOccurrences(
                of: "ops_repo = \"\(fixture.sandbox.ops.repository.gitDirectory)\"",
                with: "ops_repo = \"\(clone.path)\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        try fixture.thenRun("sleep 0.05")

        // The maintenance loop, until told to stop; git may fail a round
        // while writ holds the multi-pack-index lock, and tries again.
        let stop = base.appendingPathComponent("stop-maintenance")
        let maintenance = Process()
        maintenance.executableURL = URL(fileURLWithPath: "/bin/sh")
        maintenance.arguments = [
            "-c",
            """
            while [ ! -e "$1" ]; do
              git -C "$0" repack -a -d -q
              git -C "$0" gc -q --prune=now
              git -C "$0" repack -d -q --write-midx --write-bitmap-index
              git -C "$0" prune --expire=now
            done >/dev/null 2>&1
            """,
            clone.path, stop.path,
        ]
        maintenance.standardInput = FileHandle.nullDevice
        maintenance.standardOutput = FileHandle.nullDevice
        maintenance.standardError = FileHandle.nullDevice
        try maintenance.run()
        defer {
            FileManager.default.createFile(atPath: stop.path, contents: nil)
            if maintenance.isRunning { kill(maintenance.processIdentifier, SIGKILL) }
        }

        let dispatcher = Process()
        dispatcher.executableURL = URL(fileURLWithPath: CLI.binary)
        dispatcher.arguments = ["dispatch", "--config", fixture.configPath, "--interval", "1s"]
        dispatcher.environment = ["PATH": "/usr/bin:/bin"]
        dispatcher.standardInput = FileHandle.nullDevice
        dispatcher.standardOutput = FileHandle.nullDevice
        dispatcher.standardError = try FileHandle(
            forWritingTo: {
                let log = base.appendingPathComponent("dispatch.log")
                FileManager.default.createFile(atPath: log.path, contents: nil)
                return log
            }())
        try dispatcher.run()
        defer { if dispatcher.isRunning { kill(dispatcher.processIdentifier, SIGKILL) } }

        // Intents arrive in batches while both run.
        var expected: [String] = []
        for batch in 0..<Self.batches {
            for index in 0..<Self.perBatch {
                let id = "triage-gc-\(batch)-\(index)"
                try fixture.proposeLow(id)
                expected.append(id)
            }
            try await Task.sleep(for: .milliseconds(700))
        }
        let deadline = Date().addingTimeInterval(300)
        while fixture.runs().count < expected.count, Date() < deadline, dispatcher.isRunning {
            try await Task.sleep(for: .milliseconds(200))
        }
        FileManager.default.createFile(atPath: stop.path, contents: nil)
        while maintenance.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if dispatcher.isRunning { kill(dispatcher.processIdentifier, SIGKILL) }
        dispatcher.waitUntilExit()
        let log = (try? String(contentsOf: base.appendingPathComponent("dispatch.log"), encoding: .utf8)) ?? ""

        // A last poll after the storm: the clone still works.
        let last = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(last.status == 0, "\(last.stdout) \(last.stderr)\n\(log.suffix(2_000))")
        let counts = Dictionary(fixture.runs().map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.filter { $0.value > 1 }.isEmpty, "ran twice: \(counts.filter { $0.value > 1 })")
        #expect(Set(counts.keys) == Set(expected), "ran \(counts.count) of \(expected.count)\n\(log.suffix(2_000))")

        for repository in [clone, remote] {
            let fsck = try GitTestSupport.run("/usr/bin/git", ["-C", repository.path, "fsck", "--full", "--strict"])
            #expect(fsck.status == 0, "\(repository.lastPathComponent): \(fsck.stderr)")
        }
        let copy = base.appendingPathComponent("copy.git")
        let cloned = try GitTestSupport.run(
            "/usr/bin/git", ["clone", "-q", "--no-local", "--bare", clone.path, copy.path])
        #expect(cloned.status == 0, "\(cloned.stderr)")
        let verified = try CLI.run("verify", "--config", fixture.configPath)
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        // No keep outlives the poll that wrote it.
        let packs = try FileManager.default.contentsOfDirectory(atPath: clone.path + "/objects/pack")
        #expect(!packs.contains { $0.hasSuffix(".keep") }, "\(packs)")
    }

    /// Every pack, index and keep file the dispatcher writes is flushed
    /// before it is renamed into place, the pack folder is flushed after
    /// the renames and before the ledger's ref moves, and the ref file
    /// itself is flushed before its rename. strace is the witness.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"),
            "needs strace (scripts/ensure-deps installs it)"), arguments: [1, 4])
    func everyPackIsFlushedBeforeTheRefThatNamesItMoves(maxParallel: Int) throws {
        let fixture = try DispatchFixture(maxParallel: maxParallel == 1 ? nil : maxParallel)
        defer { fixture.remove() }
        let ids = (0..<3).map { "triage-flushed-\($0)" }
        for id in ids { try fixture.proposeLow(id) }
        let trace = fixture.directory.appendingPathComponent("trace.txt")
        _ = try GitTestSupport.run(
            "/usr/bin/strace",
            [
                "-f", "-qq", "-e", "trace=openat,rename,renameat,renameat2,fsync,close", "-o", trace.path,
                CLI.binary, "dispatch", "--config", fixture.configPath, "--once",
            ])
        #expect(fixture.runs().sorted() == ids)
        let lines = StateDurabilityTests.joiningInterruptedCalls(
            try String(contentsOf: trace, encoding: .utf8).split(separator: "\n").map(String.init))
        let packDirectory =
            fixture.sandbox.ops.repository.gitDirectory
            .appending(fixture.sandbox.ops.repository.gitDirectory.hasSuffix("/") ? "" : "/") + "objects/pack"
        let ledgerRef = "refs/heads/writ/ledger\""
        var packRenames = 0
        var refMoves = 0
        for (index, line) in lines.enumerated() where line.contains("rename") {
            let quoted = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map {
                String($0.element)
            }
            guard quoted.count >= 2 else { continue }
            let (source, target) = (quoted[0], quoted[quoted.count - 1])
            let pid = line.split(separator: " ").first.map(String.init) ?? ""
            let before = lines[..<index].filter { $0.hasPrefix(pid + " ") }
            // The renamed file was opened, and flushed through that descriptor before the rename.
            func flushedBeforeRename() -> Bool {
                guard let opened = before.last(where: { $0.contains("openat(") && $0.contains("\"\(source)\"") }),
                    let descriptor = opened.split(separator: "=").last?.trimmingCharacters(in: .whitespaces),
                    let openedAt = before.lastIndex(of: opened)
                else { return false }
                return before[openedAt...].contains { $0.contains("fsync(\(descriptor))") }
            }
            if target.hasPrefix(packDirectory + "/pack-") {
                #expect(flushedBeforeRename(), "\(target) was renamed into place unflushed")
                packRenames += 1
                // The folder is flushed after this rename, before the ledger moves.
                let after = lines[(index + 1)...].filter { $0.hasPrefix(pid + " ") }
                let folderOpen = after.firstIndex {
                    $0.contains("\"\(packDirectory)\"") && $0.contains("O_DIRECTORY")
                }
                let folderFlushed = folderOpen.flatMap { open -> Int? in
                    let descriptor = after[open].split(separator: "=").last?.trimmingCharacters(in: .whitespaces) ?? ""
                    return after[open...].firstIndex { $0.contains("fsync(\(descriptor))") }
                }
                let refMove = after.firstIndex { $0.contains("rename(") && $0.contains(ledgerRef) }
                #expect(
                    folderFlushed != nil && (refMove == nil || folderFlushed! < refMove!),
                    "the pack folder is not flushed after \(target) before the ledger moves")
            } else if target.hasSuffix(ledgerRef.dropLast()) {
                #expect(flushedBeforeRename(), "the ledger ref was moved from an unflushed \(source)")
                refMoves += 1
            }
        }
        // Per intent a claim and an outcome commit: a pack, an index and a keep each.
        #expect(packRenames >= 3 * ids.count, "\(packRenames) pack files renamed")
        #expect(refMoves >= ids.count, "\(refMoves) ledger moves")
    }
}
