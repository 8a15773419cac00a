import Foundation
import Testing

@testable import WritKit

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
}
