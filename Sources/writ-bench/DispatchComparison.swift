import Foundation
import WritBulkLoad
import WritOps

#if canImport(Glibc)
    import Glibc
#endif

/// writ's dispatcher side by side with the shell+git baseline
/// (`scripts/bench/shell-dispatch`): the same backlog of new low intents in
/// two identical copies of one ops repo, the same shell-script executor,
/// one poll each, measured in the same run.
enum DispatchComparison {
    struct Result {
        let intents: Int
        let writSeconds: Double
        let writPeakRSSMegabytes: Double
        let shellSeconds: Double
        /// What creating one empty file cost next to the repos, just before
        /// writ's run: the disk's state both sides ran in.
        let fileCreationMicroseconds: Double
        var speedup: Double { shellSeconds / writSeconds }
    }

    static func run(count: Int, writ: String) throws -> Result {
        guard let baseline = baselineScript() else {
            throw BenchError("scripts/bench/shell-dispatch not found above \(CommandLine.arguments[0])")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "writ-bench-versus-\(UUID().uuidString)")
        // WRIT_BENCH_KEEP=1 keeps both copies, to look at or time by hand.
        let keep = ProcessInfo.processInfo.environment["WRIT_BENCH_KEEP"] == "1"
        defer { if !keep { try? FileManager.default.removeItem(at: root) } }
        if keep { print("repos kept at \(root.path)") }
        let writSide = root.appendingPathComponent("writ")
        let sandbox = try DispatchBenchmark.makeSandbox(writSide)
        try sandbox.loadProposedIntents(count: count, proposer: "agent-1@example.com")
        let executor = root.appendingPathComponent("executor.sh")
        try Data("#!/bin/sh\necho \"ran $WRIT_INTENT_ID\"\n".utf8).write(to: executor)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: executor.path)
        let config = writSide.appendingPathComponent("dispatcher.toml")
        try Data(try DispatchBenchmark.writeConfig(sandbox, executor: executor.path).utf8).write(to: config)

        // The baseline's copy is byte for byte the same repo and keys.
        let shellSide = root.appendingPathComponent("shell")
        try FileManager.default.copyItem(at: writSide, to: shellSide)
        let shellKey = shellSide.appendingPathComponent("keys/dispatch-1@example.com").path
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: shellKey)

        let environment = ["PATH": "/usr/bin:/bin", "HOME": root.path]
        // Each side starts with nothing of the set-up still being written
        // back: neither pays for the other's files.
        sync()
        let creation = try fileCreationMicroseconds(in: root.appendingPathComponent("probe"))
        let writRun = try ChildMeasurement.run(
            writ, ["dispatch", "--config", config.path, "--once", "--json"], environment: environment)
        guard writRun.status == 0 else { throw BenchError("writ dispatch exited \(writRun.status)") }
        sync()
        let shellRun = try ChildMeasurement.run(
            "/bin/bash",
            [
                baseline, shellSide.appendingPathComponent("ops.git").path,
                shellSide.appendingPathComponent("allowed_signers").path, shellKey, "dispatch-1@example.com",
                executor.path,
            ], environment: environment)
        guard shellRun.status == 0 else { throw BenchError("the shell baseline exited \(shellRun.status)") }

        // Both must have done the whole job, and the baseline's events must
        // count under writ's own rules: it did the same work, not less.
        for (side, label) in [(writSide, "writ"), (shellSide, "the shell baseline")] {
            let ops = try OpsRepo(path: side.appendingPathComponent("ops.git").path)
            let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: sandbox.trustRoot, now: Date())
            let succeeded = try status.allIntents().filter { $0.state == .succeeded }.count
            guard succeeded == count else {
                throw BenchError("\(label) settled \(succeeded) of \(count) intents as succeeded")
            }
        }
        return Result(
            intents: count, writSeconds: writRun.seconds, writPeakRSSMegabytes: writRun.peakRSSMegabytes,
            shellSeconds: shellRun.seconds, fileCreationMicroseconds: creation)
    }

    /// The mean time to create one empty file in a new `directory`, over
    /// 256 files that are left in place (a deletion here would slow both
    /// runs that follow). Most of a dispatch's time on disk is creating
    /// files (loose objects, ref locks), and on ext4 that cost grows with
    /// the inodes freed nearby in the last minutes, which the allocator
    /// steps over one by one: this says which kind of disk the run saw.
    static func fileCreationMicroseconds(in directory: URL) throws -> Double {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let count = 256
        let started = ContinuousClock.now
        for index in 0..<count {
            let descriptor = open(
                directory.appendingPathComponent("f\(index)").path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
            guard descriptor >= 0 else { throw BenchError("cannot create a file in \(directory.path)") }
            close(descriptor)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds * 1e6 / Double(count)
    }

    /// `scripts/bench/shell-dispatch` in the first directory above this
    /// binary (or the working directory) that has one.
    static func baselineScript() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        while directory.path != "/" {
            candidates.append(directory.path)
            directory.deleteLastPathComponent()
        }
        return candidates.map { $0 + "/scripts/bench/shell-dispatch" }.first {
            FileManager.default.isReadableFile(atPath: $0)
        }
    }
}
