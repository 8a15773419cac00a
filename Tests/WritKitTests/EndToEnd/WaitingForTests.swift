import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ status --waiting-for PRINCIPAL`: what that principal could approve now.
struct WaitingForTests {
    @Test func listsWhatAPrincipalCouldApproveNow() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("dev", "change-1"), as: "agent-1@example.com")
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        try fixture.sandbox.approve(try #require(IntentID("release-1")), as: "alice@example.com")
        try fixture.proposeLow("triage-1")

        func waiting(_ principal: String) throws -> [String] {
            let run = try CLI.run(
                "status", "--repo", fixture.sandbox.ops.repository.gitDirectory, "--trust",
                fixture.sandbox.trustRoot.hex, "--waiting-for", principal, "--json")
            #expect(run.status == 0, "\(run.stderr)")
            return try run.jsonLines().filter { $0["type"] as? String == "intent" }.compactMap { $0["id"] as? String }
        }
        // An operator: medium only. An admin who approved release-1: the
        // rest. Another admin: both. The proposer: nothing.
        #expect(try waiting("bob@example.com") == ["change-1"])
        #expect(try waiting("alice@example.com") == ["change-1"])
        #expect(try waiting("carol@example.com") == ["change-1", "release-1"])
        #expect(try waiting("agent-1@example.com") == [])
        let invalid = try CLI.run(
            "status", "--repo", fixture.sandbox.ops.repository.gitDirectory, "--waiting-for", "not a principal")
        #expect(invalid.status == 2)
    }

    /// A `require` group (SPEC §4.6): once the tier's own count is met,
    /// only a holder of the unmet group's role is waited for.
    @Test func waitsForWhoCouldFillAnUnmetGroup() throws {
        let repo = try E2ERepo(policy: ShowGoldenTests.groupPolicy)
        defer { repo.remove() }
        try repo.propose("release", "release-1")
        func waiting(_ principal: String) throws -> [String] {
            let run = try CLI.run(
                "status", "--repo", repo.gitDir, "--trust", repo.sandbox.trustRoot.hex, "--waiting-for", principal,
                "--json")
            #expect(run.status == 0, "\(run.stderr)")
            return try run.jsonLines().filter { $0["type"] as? String == "intent" }.compactMap { $0["id"] as? String }
        }
        // Nothing counted yet: the admins for the tier, bob for the group.
        #expect(try waiting(E2ERepo.carol) == ["release-1"])
        #expect(try waiting(E2ERepo.bob) == ["release-1"])
        try repo.approve("release-1", as: E2ERepo.alice)
        // The tier's count is met: carol is no longer waited for, bob still is.
        #expect(try waiting(E2ERepo.carol) == [])
        #expect(try waiting(E2ERepo.bob) == ["release-1"])
        #expect(try waiting(E2ERepo.alice) == [])
    }

    /// A `[members]` login stands for its principal; with no value the
    /// operator config's principal is meant; a record signed on the approval
    /// branch leaves the intent out; an unknown name is a usage error with
    /// the nearest name.
    @Test func takesALoginNoValueAndRefusesAnUnknownName() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("dev", "change-1"), as: "agent-1@example.com")
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        // carol signs release-1 on its branch only: not counted, but signed.
        try fixture.sandbox.approve(try #require(IntentID("release-1")), as: "carol@example.com", merge: false)
        let repo = fixture.sandbox.ops.repository.gitDirectory
        let config = fixture.directory.appendingPathComponent("operator.writ.toml")
        try Data("principal = \"alice@example.com\"\n".utf8).write(to: config)

        func waiting(_ arguments: String...) throws -> [String] {
            let run = try CLI.runArgs(
                ["status", "--repo", repo, "--trust", fixture.sandbox.trustRoot.hex, "--config", config.path]
                    + arguments)
            #expect(run.status == 0, "\(arguments): \(run.stderr)")
            return try run.jsonLines().filter { $0["type"] as? String == "intent" }.compactMap { $0["id"] as? String }
        }
        #expect(try waiting("--waiting-for", "alice", "--json") == ["change-1", "release-1"])
        #expect(try waiting("--json", "--waiting-for", "carol") == ["change-1"])
        #expect(try waiting("--waiting-for", "carol@example.com", "--json") == ["change-1"])
        #expect(try waiting("--waiting-for", "bob", "--json") == ["change-1"])
        // No value: alice, from the config; last, or before another option.
        #expect(try waiting("--json", "--waiting-for") == ["change-1", "release-1"])
        #expect(try waiting("--waiting-for", "--json") == ["change-1", "release-1"])

        for (name, suggestion) in [("carl@example.com", "carol@example.com"), ("bobb", "bob")] {
            let unknown = try CLI.run(
                "status", "--repo", repo, "--trust", fixture.sandbox.trustRoot.hex, "--waiting-for", name)
            #expect(unknown.status == 2, "\(unknown.stdout) \(unknown.stderr)")
            #expect(unknown.stderr.contains("did you mean \"\(suggestion)\"?"), "\(unknown.stderr)")
            #expect(unknown.stdout.isEmpty)
        }
        // No value and no principal in the config: a usage error too.
        let bare = try CLI.run(
            "status", "--repo", repo, "--trust", fixture.sandbox.trustRoot.hex, "--waiting-for")
        #expect(bare.status == 2, "\(bare.stderr)")
        #expect(bare.stderr.contains("operator config (<git dir>/writ.toml)"), "\(bare.stderr)")
    }
}
