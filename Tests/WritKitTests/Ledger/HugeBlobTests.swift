import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Anyone who can push to the ledger could push a huge file; readers must
/// refuse it by its size, from its header, without loading it.
@Suite struct HugeBlobTests {
    @Test func hugeIntentIsMalformedAndNeverLoaded() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let sandbox = try OpsSandbox(at: dir, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        let repository = sandbox.ops.repository
        let gitDir = URL(fileURLWithPath: repository.gitDirectory)

        // 64 MiB of TOML comment, written with stock git so writ never holds it.
        let big = dir.appendingPathComponent("big.toml")
        _ = FileManager.default.createFile(atPath: big.path, contents: nil)
        let handle = try FileHandle(forWritingTo: big)
        let chunk = Data(repeating: UInt8(ascii: "#"), count: 1 << 20)
        for _ in 0..<64 { handle.write(chunk) }
        try handle.close()
        let blob = try GitTestSupport.id(try GitTestSupport.git(gitDir, "hash-object", "-w", big.path))
        #expect(try repository.objectSize(blob) == 64 << 20)
        #expect(try repository.blob(blob, limit: RecordBytes.maximumSize).count == RecordBytes.maximumSize + 1)

        // Add it to the ledger as an intent, with stock git plumbing.
        let id = try #require(IntentID("huge-intent"))
        let index = dir.appendingPathComponent("index").path
        func git(_ arguments: [String]) throws -> String {
            let output = try GitTestSupport.run(
                "/usr/bin/env", ["GIT_INDEX_FILE=\(index)", "/usr/bin/git", "--git-dir", gitDir.path] + arguments)
            try #require(output.status == 0, "git \(arguments): \(output.stderr)")
            return output.trimmed
        }
        _ = try git(["read-tree", "writ/ledger"])
        _ = try git(["update-index", "--add", "--cacheinfo", "100644,\(blob.hex),\(LedgerPath.intent(id).path)"])
        let tree = try git(["write-tree"])
        let commit = try git(["commit-tree", tree, "-p", "writ/ledger", "-m", "a huge intent"])
        _ = try git(["update-ref", "refs/heads/writ/ledger", commit])

        let status = try sandbox.status()
        #expect(status.ledger.ok)
        let huge = try #require(status.intents.first { $0.id == id })
        #expect(huge.state == .blocked)
        #expect(huge.reason == .intentMalformed)
        #expect(huge.detail.contains("65536-byte limit"), "\(huge.detail)")

        // The dispatcher refuses it the same way, and runs nothing.
        let config = """
            ops_repo = "\(gitDir.path)"
            identity = "dispatch-1@example.com"
            signing_key = "\(sandbox.keyPath("dispatch-1@example.com"))"
            state_dir = "\(dir.appendingPathComponent("state").path)"
            trust_root = "\(sandbox.trustRoot.hex)"
            clone_root = "\(dir.path)"
            """
        let report = try Dispatcher(config: try DispatcherConfig.parse(Data(config.utf8))).poll()
        #expect(report.intents.map(\.reason) == [.intentMalformed])
    }
}
