import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Runs the built `writ` binary, end to end, as a user would.
enum CLI {
    /// The `writ` executable next to the test bundle (`swift test` builds it).
    static let binary: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("writ"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("writ"),
            RepoRoot.url.appendingPathComponent(".build/debug/writ"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
            ?? candidates[2].path
    }()

    @discardableResult
    static func run(_ arguments: String..., in directory: URL? = nil, stdin: Data? = nil) throws
        -> GitTestSupport.Output
    {
        try GitTestSupport.run(binary, arguments, in: directory, stdin: stdin)
    }

    static func runArgs(_ arguments: [String], in directory: URL? = nil) throws -> GitTestSupport.Output {
        try GitTestSupport.run(binary, arguments, in: directory)
    }

    /// Generates an OpenSSH key pair with `ssh-keygen` and returns the private key path.
    static func makeKey(in directory: URL, name: String, type: String = "ed25519") throws -> String {
        let path = directory.appendingPathComponent(name).path
        let output = try GitTestSupport.run(
            "/usr/bin/ssh-keygen", ["-q", "-t", type, "-N", "", "-C", name, "-f", path])
        try #require(output.status == 0, "ssh-keygen failed: \(output.stderr)")
        return path
    }

    /// The `type base64` part of a public key file.
    static func publicKey(_ privateKeyPath: String) throws -> String {
        let line = try String(contentsOfFile: privateKeyPath + ".pub", encoding: .utf8)
        return line.split(separator: " ").prefix(2).joined(separator: " ")
    }
}

extension GitTestSupport.Output {
    /// Standard output as JSON Lines (docs/json.md): one object per line,
    /// each required to carry `"schema": 1`.
    func jsonLines(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                "not a JSON object: \(line)", sourceLocation: sourceLocation)
            #expect(object["schema"] as? Int == 1, "no schema 1 in \(line)", sourceLocation: sourceLocation)
            return object
        }
    }

    /// The one JSON object a single-object `--json` command prints.
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let lines = try jsonLines(sourceLocation: sourceLocation)
        try #require(lines.count == 1, "expected one JSON line, got: \(stdout)", sourceLocation: sourceLocation)
        return lines[0]
    }
}

extension CLI {
    /// `--policy F --signers F` for `writ init`: the demo policy, and
    /// allowed_signers listing both of its admins with keys made in `directory`,
    /// so governance can change.
    static func initFiles(in directory: URL) throws -> [String] {
        let policy = directory.appendingPathComponent("policy.toml")
        let signers = directory.appendingPathComponent("allowed_signers")
        var lines = ""
        for admin in ["alice@example.com", "carol@example.com"] {
            let key = directory.appendingPathComponent("init-" + admin).path
            if !FileManager.default.fileExists(atPath: key) { _ = try makeKey(in: directory, name: "init-" + admin) }
            lines += "\(admin) \(try publicKey(key))\n"
        }
        try GitTestSupport.write(OpsSandbox.demoPolicy, to: policy)
        try GitTestSupport.write(lines, to: signers)
        return ["--policy", policy.path, "--signers", signers.path]
    }
}
