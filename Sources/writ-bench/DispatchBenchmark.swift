import Foundation
import WritBulkLoad
import WritGit
import WritOps
import WritTestSupport

/// What a dispatcher costs: a poll with nothing to do on ledgers of settled
/// history (it must not grow with history), and the throughput and memory
/// of dispatching a batch of approved intents through the `writ` binary.
enum DispatchBenchmark {
    struct NoOpCost {
        let settled: Int
        let firstPollSeconds: Double
        let noOpPollMilliseconds: Double
    }

    /// Polls a ledger of `settled` intents once (the dispatcher learns the
    /// history), then measures the median of `polls` further polls.
    static func noOpPoll(settled: Int, polls: Int = 15) throws -> NoOpCost {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "writ-bench-noop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sandbox = try makeSandbox(directory)
        try sandbox.loadSettledIntents(
            count: settled, proposer: "agent-1@example.com", dispatcher: "dispatch-1@example.com")
        let config = try DispatcherConfig.parse(Data(try writeConfig(sandbox, executor: "/bin/true").utf8))
        let dispatcher = Dispatcher(config: config, environment: ["PATH": "/usr/bin:/bin"])

        let first = DispatchTime.now()
        let warm = try dispatcher.poll()
        guard warm.intents.isEmpty else { throw BenchFailure("settled intents were acted on: \(warm.intents.count)") }
        let firstPollSeconds = seconds(since: first)
        var samples: [Double] = []
        for _ in 0..<polls {
            let start = DispatchTime.now()
            let report = try dispatcher.poll()
            samples.append(seconds(since: start) * 1000)
            guard report.intents.isEmpty else {
                throw BenchFailure("a no-op poll acted on \(report.intents.count) intents")
            }
        }
        samples.sort()
        return NoOpCost(
            settled: settled, firstPollSeconds: firstPollSeconds, noOpPollMilliseconds: samples[samples.count / 2])
    }

    struct ThroughputCost {
        let intents: Int
        let seconds: Double
        let peakRSSKilobytes: Int
        var intentsPerSecond: Double { Double(intents) / seconds }
    }

    /// Dispatches `count` approved medium intents (executor `/bin/true`) with
    /// one `writ dispatch --once`, and reads the child's peak RSS.
    static func throughput(count: Int) throws -> ThroughputCost? {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "writ")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "writ-bench-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sandbox = try makeSandbox(directory)
        try sandbox.loadApprovedIntents(count: count, proposer: "agent-1@example.com", approver: "bob@example.com")
        let configPath = directory.appendingPathComponent("dispatcher.toml").path
        try Data(try writeConfig(sandbox, executor: "/bin/true").utf8).write(to: URL(fileURLWithPath: configPath))

        // The child's own peak RSS (wait4), whatever other children ran before.
        let run = try ChildMeasurement.run(
            binary.path, ["dispatch", "--config", configPath, "--once", "--json"],
            environment: ["PATH": "/usr/bin:/bin"])
        guard run.status == 0 else { throw BenchFailure("writ dispatch exited \(run.status)") }
        let status = try StatusEvaluator(ops: sandbox.ops).evaluate(trustRoot: sandbox.trustRoot, now: Date())
        let succeeded = status.intents.filter { $0.state == .succeeded }.count
        guard succeeded == count else { throw BenchFailure("only \(succeeded) of \(count) intents succeeded") }
        return ThroughputCost(intents: count, seconds: run.seconds, peakRSSKilobytes: run.peakRSSKilobytes)
    }

    static func makeSandbox(_ directory: URL) throws -> OpsSandbox {
        let sandbox = try OpsSandbox(
            at: directory, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        // A real (empty) clone: preflight accepts only a work tree root.
        _ = try Repository.create(
            at: directory.appendingPathComponent("clones/github.com/example/app").path, bare: false)
        return sandbox
    }

    static func writeConfig(_ sandbox: OpsSandbox, executor: String) throws -> String {
        let directory = sandbox.directory
        return """
            ops_repo = "\(sandbox.ops.repository.gitDirectory)"
            identity = "dispatch-1@example.com"
            signing_key = "\(sandbox.keyPath("dispatch-1@example.com"))"
            state_dir = "\(directory.appendingPathComponent("state").path)"
            trust_root = "\(sandbox.trustRoot.hex)"
            clone_root = "\(directory.appendingPathComponent("clones").path)"

            [executors.triage]
            command = ["\(executor)"]
            timeout = "1m"

            [executors.dev]
            command = ["\(executor)"]
            timeout = "1m"

            """
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    struct BenchFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
