import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Shared fixtures for the record tests.
enum RecordFixtures {
    /// The repository root, found from this file's path so the examples are
    /// read from the checkout under test.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every regular file under `folder`, as paths relative to it, sorted.
    static func files(under folder: URL) throws -> [String] {
        let base = folder.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                out.append(relative)
            }
        }
        return out.sorted()
    }

    /// Runs a program with an absolute path and returns its standard output.
    static func run(_ program: String, _ arguments: [String], stdin: [UInt8] = []) throws -> String {
        try TestProcess.run(program, arguments, stdin: Data(stdin)).stdout
    }

    /// The record tests' policy: one admin who alone meets the high tier, a low
    /// tier with no deciding roles, and a blocked forge login.
    static let policy = PolicyFixture(
        kinds: [.init("triage", "low"), .init("dev", "medium"), .init("release", "high")],
        tiers: [
            .init("low", approvals: 0, roles: nil), .init("medium", approvals: 1, roles: ["operator", "admin"]),
            .init("high", approvals: 1, roles: ["admin"]),
        ],
        roles: [
            .init("admin", ["alice@example.com"]), .init("operator", ["bob@example.com"]),
            .init("agent", ["agent-1@example.com"]), .init("dispatcher", ["dispatch-1@example.com"]),
        ],
        governanceVersion: nil,
        members: [.init("alice", "alice@example.com"), .init("mallory", "blocked")]
    ).text

    static let intentID = "rotate-db-password-7f3a"
    static let intentPath = "intents/eb/rotate-db-password-7f3a.toml"

    static let intent = """
        schema = 1
        id = "rotate-db-password-7f3a"
        kind = "release"
        proposer = "agent-1@example.com"
        created_at = "2026-11-22T00:50:00Z"
        summary = "one line for humans"
        expires_at = "2026-11-23T00:00:00Z"
        blast_radius = "high"
        idempotency_key = "rotate-1"
        requires = ["verification"]

        [target]
        repo = "github.com/org/app"
        branch = "main"

        [params]
        version = "1.2.3"

        """

    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    static let approval = """
        schema = 1
        intent = "rotate-db-password-7f3a"
        intent_digest = "\(digest)"
        tier = "high"
        decision = "approve"
        approver = "alice@example.com"
        created_at = "2026-11-22T01:00:00Z"
        expires_at = "2026-11-29T01:00:00Z"
        note = "text"

        """

    static let approvalPath = "approvals/eb/rotate-db-password-7f3a/alice@example.com.toml"

    static let governance = """
        schema = 1
        governance_digest = "\(digest)"
        replaces = "sha256:\(String(repeating: "ef", count: 32))"
        decision = "approve"
        approver = "alice@example.com"
        created_at = "2026-11-22T01:00:00Z"
        note = "text"

        """

    static let governancePath = "approvals/_governance/\(String(repeating: "ab", count: 32))/alice@example.com.toml"

    static let event = """
        {"actor":"dispatch-1@example.com","at":"2026-11-22T01:02:00Z","event":"gate","intent":"rotate-db-password-7f3a","intent_digest":"\(digest)","name":"verification","schema":1,"status":"PASS"}

        """

    static let eventPath = "audit/eb/rotate-db-password-7f3a/0002-gate.json"
}
