import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A sandbox ops repo plus a dispatcher host config pointing at it, with
/// executors that append the intent id to a file (so every run is counted)
/// and a clone directory for the demo target.
struct DispatchFixture {
    let sandbox: OpsSandbox
    let directory: URL
    let runsFile: URL
    let configPath: String

    static let target = "github.com/example/app"

    /// `maxParallel`: written as `max_parallel` when given; nil leaves the
    /// key out (the default, one executor at a time).
    init(
        _ name: String = #function, executors extra: String = "", claimLease: String = "30m", remote: String? = nil,
        maxParallel: Int? = nil, signerOptions: [String: String] = [:], policy: String = OpsSandbox.demoPolicy
    ) throws {
        directory = try GitTestSupport.scratch(name)
        sandbox = try OpsSandbox(
            at: directory, policy: policy, principals: OpsSandbox.demoPrincipals,
            unlisted: ["mallory@example.com"], signerOptions: signerOptions)
        runsFile = directory.appendingPathComponent("runs.txt")
        // A real (empty) clone: preflight accepts only a work tree root.
        _ = try Repository.create(at: directory.appendingPathComponent("clones/\(Self.target)").path, bare: false)
        let append = "[\"/bin/sh\", \"-c\", \"echo \\\"$WRIT_INTENT_ID\\\" >> \(runsFile.path)\"]"
        var config = """
            ops_repo = "\(sandbox.ops.repository.gitDirectory)"
            identity = "dispatch-1@example.com"
            signing_key = "\(sandbox.keyPath("dispatch-1@example.com"))"
            state_dir = "\(directory.appendingPathComponent("state").path)"
            trust_root = "\(sandbox.trustRoot.hex)"
            clone_root = "\(directory.appendingPathComponent("clones").path)"
            claim_lease = "\(claimLease)"

            [executors.triage]
            command = \(append)
            timeout = "1m"
            env_allowlist = ["PATH"]

            [executors.dev]
            command = \(append)
            timeout = "1m"
            env_allowlist = ["PATH"]

            [executors.release]
            command = \(append)
            timeout = "1m"
            workdir = "{clone}"
            env_allowlist = ["PATH"]

            """
        if let remote { config = "remote = \"\(remote)\"\n" + config }
        if let maxParallel { config = "max_parallel = \(maxParallel)\n" + config }
        config += extra
        configPath = directory.appendingPathComponent("dispatcher.toml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    func config() throws -> DispatcherConfig {
        try DispatcherConfig.parse(try Data(contentsOf: URL(fileURLWithPath: configPath)))
    }

    func dispatcher(
        environment: [String: String] = ["PATH": "/usr/bin:/bin"], clock: @escaping @Sendable () -> Date = { Date() }
    )
        throws -> Dispatcher
    {
        Dispatcher(config: try config(), environment: environment, clock: clock)
    }

    /// Makes every executor run `shell` after recording its run (e.g.
    /// `sleep 0.05`, `exit 3`).
    func thenRun(_ shell: String) throws {
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
            .replacingOccurrences(of: ">> \(runsFile.path)", with: ">> \(runsFile.path); \(shell)")
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    /// The ids the executors ran, in order.
    func runs() -> [String] {
        guard let text = try? String(contentsOf: runsFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    func request(_ kind: String, _ id: String, requires: [String] = []) throws -> Proposer.Request {
        var request = Proposer.Request(kind: kind, target: Intent.Target(repo: Self.target, branch: "main"))
        request.id = try #require(IntentID(id))
        request.summary = "test \(id)"
        request.requires = requires
        return request
    }

    /// A low intent (runs without a human).
    @discardableResult
    func proposeLow(_ id: String) throws -> Proposer.Proposal {
        try sandbox.propose(request("triage", id), as: "agent-1@example.com")
    }

    /// A high intent approved by both admins.
    func proposeApprovedHigh(_ id: String) throws {
        try sandbox.propose(request("release", id), as: "agent-1@example.com")
        let intentID = try #require(IntentID(id))
        try sandbox.approve(intentID, as: "alice@example.com")
        try sandbox.approve(intentID, as: "carol@example.com")
    }

    func remove() { GitTestSupport.remove(directory) }
}
