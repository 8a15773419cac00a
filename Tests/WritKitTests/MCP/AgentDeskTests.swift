import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritMCP
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The MCP server's decisions in process: which keys may serve agents,
/// which blast radius is refused, and that a cancelled wait stops.
struct AgentDeskTests {
    static func policy() throws -> Policy {
        try Policy.parse(Data(OpsSandbox.demoPolicy.utf8))
    }

    @Test func onlyRolesThatDecideAreDecidingRoles() throws {
        let policy = try Self.policy()
        func roles(_ name: String) throws -> [String] {
            policy.decidingRoles(of: try #require(Principal(name)))
        }
        #expect(try roles("agent-1@example.com") == [])
        #expect(try roles("alice@example.com") == ["admin"])
        #expect(try roles("bob@example.com") == ["operator"])
        // A [gates] role attests gates: it decides too.
        #expect(try roles("dispatch-1@example.com") == ["dispatcher"])
        #expect(try roles("nobody@example.com") == [])
        #expect(policy.mayPropose(try #require(Principal("agent-1@example.com"))))
    }

    @Test(arguments: [
        ("release", Tier?.some(.low), true), ("release", .some(.medium), true), ("release", .some(.high), false),
        ("dev", .some(.low), true), ("dev", .some(.high), false), ("triage", .some(.low), false),
        ("triage", nil, false), ("unlisted", .some(.medium), true), ("unlisted", nil, false),
    ])
    func aBlastRadiusBelowTheKindsTierIsRefused(kind: String, blastRadius: Tier?, refused: Bool) throws {
        let finding = WriteCheck.blastRadiusLowers(kind: kind, blastRadius: blastRadius, policy: try Self.policy())
        #expect((finding != nil) == refused)
        if let finding { #expect(finding.reason == .tierMismatch) }
    }

    static func desk(_ fixture: DispatchFixture, as principal: String, key: String? = nil) throws -> AgentDesk {
        let identity =
            if let key {
                try SigningIdentity(
                    principal: try #require(Principal(principal)), keyPath: fixture.sandbox.keyPath(key))
            } else {
                try fixture.sandbox.identity(principal)
            }
        return AgentDesk(ops: fixture.sandbox.ops, identity: identity, trustRoot: fixture.sandbox.trustRoot)
    }

    @Test func aKeyThatMayDecideIsRefusedAndAnAgentsIsNot() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try Self.desk(fixture, as: "agent-1@example.com").checkAtStart()
        #expect(throws: AgentKeyRefused.self) { try Self.desk(fixture, as: "bob@example.com").checkAtStart() }
        // The agent's principal with an admin's key: the key decides.
        do {
            try Self.desk(fixture, as: "agent-1@example.com", key: "carol@example.com").checkAtStart()
            Issue.record("an agent principal with an admin's key started")
        } catch let refused as AgentKeyRefused {
            #expect(refused.detail.contains("carol@example.com (allowed_signers lists the same key"), "\(refused)")
        }
    }

    /// A wait told to stop stops at its next sleep, long before its timeout.
    @Test func aCancelledWaitStops() async throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("dev", "dev-1"), as: "agent-1@example.com")
        let desk = try Self.desk(fixture, as: "agent-1@example.com")
        let (first, signal) = AsyncStream.makeStream(of: String.self)
        let arguments = ToolArguments(values: ["id": "dev-1", "timeout_seconds": 3600, "interval_seconds": 0.2])
        let waiting = Task {
            try await AgentServer.wait(arguments, desk: desk) { _, message in signal.yield(message) }
        }
        var messages = first.makeAsyncIterator()
        let message = await messages.next()
        #expect(message?.contains("dev-1: blocked (not_approved)") == true, "\(message ?? "")")
        waiting.cancel()
        let outcome = await waiting.result
        #expect(throws: CancellationError.self) { try outcome.get() }
    }

    /// The wait's answer once the intent settles: a low intent run by a
    /// dispatcher poll, told as it changed.
    @Test func aWaitEndsWhenTheIntentSettles() async throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-1")
        let desk = try Self.desk(fixture, as: "agent-1@example.com")
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-1"])
        let arguments = ToolArguments(values: ["id": "triage-1", "timeout_seconds": 0, "interval_seconds": 1])
        let answer = try await AgentServer.wait(arguments, desk: desk) { _, _ in }
        guard case .object(let fields) = answer.structured else {
            Issue.record("no object: \(answer.structured)")
            return
        }
        #expect(fields["state"] == "succeeded" && fields["timed_out"] == false && fields["settled"] == true)
        #expect(answer.isError == false)
    }
}
