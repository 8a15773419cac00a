import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A `DispatchFixture`'s ops repo published as a bare remote, and
/// dispatcher lanes: each a bare clone of it whose `origin` is a network
/// URL, with a `dispatcher.toml` of its own (state dir, `[remote]`).
struct RemoteLanes {
    let fixture: DispatchFixture
    /// The bare repository the servers serve.
    let remote: URL

    var base: URL { fixture.directory }

    init(_ fixture: DispatchFixture, name: String = "ops.git") throws {
        self.fixture = fixture
        remote = fixture.directory.appendingPathComponent("served").appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: remote.deletingLastPathComponent(), withIntermediateDirectories: true)
        let cloned = try GitTestSupport.run(
            "/usr/bin/git", ["clone", "-q", "--bare", fixture.sandbox.ops.repository.gitDirectory, remote.path])
        try #require(cloned.status == 0, "\(cloned.stderr)")
    }

    /// A lane reaching the remote at `url`; `remoteTable` is the body of
    /// its `[remote]` table, `topLevel` more top-level settings. Returns
    /// the config path.
    func lane(_ index: Int, url: String, remoteTable: String, topLevel: String = "") throws -> String {
        let clone = base.appendingPathComponent("lane-\(index).git")
        if !FileManager.default.fileExists(atPath: clone.path) {
            let cloned = try GitTestSupport.run("/usr/bin/git", ["clone", "-q", "--bare", remote.path, clone.path])
            try #require(cloned.status == 0, "\(cloned.stderr)")
        }
        try GitTestSupport.git(clone, "remote", "set-url", "origin", url)
        let original = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        let body =
            original
            .replacingOccurrences(
                of: "ops_repo = \"\(fixture.sandbox.ops.repository.gitDirectory)\"",
                with: "ops_repo = \"\(clone.path)\""
            )
            .replacingOccurrences(of: "/state\"", with: "/state-\(index)\"")
        let config = topLevel + (topLevel.isEmpty ? "" : "\n") + body + "\n[remote]\n" + remoteTable + "\n"
        let path = base.appendingPathComponent("lane-\(index).toml").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The remote's ledger tip, read with stock git.
    func remoteLedger() throws -> String { try GitTestSupport.git(remote, "rev-parse", "writ/ledger") }

    /// The ids whose claims are on the remote ledger.
    func claimsOnRemote() throws -> [String] {
        try GitTestSupport.git(remote, "ls-tree", "-r", "--name-only", "writ/ledger", "audit/")
            .split(separator: "\n").filter { $0.hasSuffix("-claimed.json") }.map(String.init)
    }
}

/// Runs the `writ` binary with exactly the environment given (plus PATH
/// and HOME), so that an ssh-agent or token of the machine running the
/// tests never leaks into what a test proves.
enum IsolatedCLI {
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws
        -> GitTestSupport.Output
    {
        var assignments = [
            "PATH=/usr/bin:/bin", "HOME=\(ProcessInfo.processInfo.environment["HOME"] ?? "/root")",
            "WRIT_GIT_COUNT_ALLOCATIONS=0",
        ]
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) { assignments.append("\(name)=\(value)") }
        return try GitTestSupport.run("/usr/bin/env", ["-i"] + assignments + [CLI.binary] + arguments, in: directory)
    }
}
