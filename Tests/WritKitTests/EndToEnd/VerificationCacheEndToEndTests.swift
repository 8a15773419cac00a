import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ status` and `writ verify` with the verification cache: the second
/// run says exactly what the first said, and so does a run after the cache
/// is deleted or filled with garbage; the dispatcher keeps its own in its
/// state dir.
struct VerificationCacheEndToEndTests {
    @Test func aWarmRunSaysWhatAColdRunSays() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("dev", "change-1"), as: "agent-1@example.com")
        try fixture.sandbox.approve(try #require(IntentID("change-1")), as: "bob@example.com")
        try fixture.sandbox.propose(try fixture.request("dev", "change-2"), as: "agent-1@example.com")
        try fixture.proposeLow("triage-1")
        // The dispatcher runs as its own process: the cache is one per
        // process, and tests running alongside in this one would share it
        // (and could save what this poll learnt into their own state dirs).
        let poll = try CLI.runArgs(["dispatch", "--config", fixture.configPath, "--once"])
        #expect(poll.status == 0, "\(poll.stderr)")
        #expect(fixture.runs().sorted() == ["change-1", "triage-1"])
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")

        let gitDirectory = fixture.sandbox.ops.repository.gitDirectory
        let cache = VerificationCache.file(inGitDirectory: gitDirectory)
        let repo = ["--repo", gitDirectory, "--trust", fixture.sandbox.trustRoot.hex]
        func outputs() throws -> [String] {
            let status = try CLI.runArgs(["status", "--json"] + repo)
            let verify = try CLI.runArgs(["verify", "--json"] + repo)
            #expect(status.status == 0 && verify.status == 0, "\(status.stderr) \(verify.stderr)")
            return [status.stdout, verify.stdout]
        }
        #expect(!FileManager.default.fileExists(atPath: cache.path))
        let cold = try outputs()
        // The intents' and approvals' signatures the decisions checked.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: cache.path)[.size] as? Int)
        #expect(size >= VerificationCache.header.count + 3 * 32)
        #expect((try FileManager.default.attributesOfItem(atPath: cache.path)[.posixPermissions] as? Int) == 0o600)
        #expect(try outputs() == cold)

        try FileManager.default.removeItem(at: cache)
        #expect(try outputs() == cold)
        var garbage = VerificationCache.header
        garbage += (0..<(32 * 50)).map { _ in UInt8.random(in: 0...255) }
        try Data(garbage).write(to: cache)
        #expect(try outputs() == cold)

        // The dispatcher's own cache is in its state dir.
        let stateFile = fixture.directory.appendingPathComponent("state/default/verified")
        #expect(FileManager.default.fileExists(atPath: stateFile.path))
    }
}
