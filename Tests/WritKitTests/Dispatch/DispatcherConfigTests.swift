import Foundation
import Testing
@testable import WritKit

@Suite struct DispatcherConfigTests {
    /// The sample in docs/deploy parses, so the documentation cannot drift.
    @Test func documentedSampleParses() throws {
        let sample = RepoRoot.url.appendingPathComponent("docs/deploy/dispatcher.toml")
        let config = try DispatcherConfig.parse(try Data(contentsOf: sample))
        #expect(config.identity.rawValue == "dispatch-1@example.com")
        #expect(config.lockTTLSeconds == 15 * 60)
        #expect(config.claimLeaseSeconds == 30 * 60)
        #expect(config.executors["triage"]?.command == ["/usr/local/bin/triage", "{target.repo}", "{param.issue}"])
        #expect(config.executors["triage"]?.secrets == ["GH_TOKEN"])
        #expect(config.executors["triage"]?.timeoutSeconds == 300)
    }

    static let base = """
        ops_repo = "/srv/ops"
        identity = "dispatch-1@example.com"
        signing_key = "/k"
        state_dir = "/s"
        trust_root = "0123456789abcdef0123456789abcdef01234567"
        clone_root = "/c"

        """

    @Test(arguments: [
        ("unknown = 1\n", ReasonCode.policyMalformed),
        ("lock_ttl = \"soon\"\n", .policyMalformed),
        ("claim_lease = \"0s\"\n", .policyMalformed),
        ("[executors.x]\ncommand = []\n", .policyMalformed),
        ("[executors.x]\ncommand = [\"/bin/true\"]\nshell = true\n", .policyMalformed),
        ("[executors.x]\ncommand = [\"/bin/true\"]\nsecrets = [\"NOT VALID\"]\n", .policyMalformed),
        ("[executors.x]\ncommand = [\"/bin/true\"]\nidempotent = \"yes\"\n", .policyMalformed),
        ("[transport]\nmode = \"live\"\n", .policyMalformed),
    ])
    func malformedConfigsAreRefused(extra: String, reason: ReasonCode) throws {
        #expect(throws: WritError.self) { try DispatcherConfig.parse(Data((Self.base + extra).utf8)) }
        do {
            _ = try DispatcherConfig.parse(Data((Self.base + extra).utf8))
        } catch let error as WritError {
            #expect(error.reason == reason)
        }
    }

    @Test func missingTrustRootIsTrustRootMissing() throws {
        let without = Self.base.replacingOccurrences(of: "trust_root = \"0123456789abcdef0123456789abcdef01234567\"\n", with: "")
        do {
            _ = try DispatcherConfig.parse(Data(without.utf8))
            Issue.record("a config without trust_root must be refused")
        } catch let error as WritError {
            #expect(error.reason == .trustRootMissing)
        }
        // Near miss: the base parses.
        #expect(try DispatcherConfig.parse(Data(Self.base.utf8)).profile == "default")
    }
}
