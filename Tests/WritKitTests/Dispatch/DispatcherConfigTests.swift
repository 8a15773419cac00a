import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct DispatcherConfigTests {
    /// The sample in docs/deploy parses, so the documentation cannot drift.
    @Test func documentedSampleParses() throws {
        let sample = RepoRoot.url.appendingPathComponent("docs/deploy/dispatcher.toml")
        let config = try DispatcherConfig.parse(try Data(contentsOf: sample))
        #expect(config.identity.rawValue == "dispatch-1@example.com")
        #expect(config.lockTTLSeconds == 35 * 60)
        #expect(config.claimLeaseSeconds == 30 * 60)
        #expect(config.maxParallel == 4)
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

    /// `base` and `extra` parsed, relative paths taken from `directory`.
    static func parse(_ extra: String, directory: String = "/") throws -> DispatcherConfig {
        try DispatcherConfig.parse(Data((base + extra).utf8), directory: directory)
    }

    /// A malformed host config is a runtime error naming the file (exit 3),
    /// not a reason code: reason codes are for decisions about intents.
    @Test(arguments: [
        ("unknown = 1\n", "unknown key 'unknown'"),
        ("lock_ttl = \"soon\"\n", "lock_ttl"),
        ("claim_lease = \"0s\"\n", "claim_lease"),
        ("[executors.x]\ncommand = []\n", "executors.x.command"),
        ("[executors.x]\ncommand = [\"/bin/true\"]\nshell = true\n", "executors.x.shell"),
        ("[executors.x]\ncommand = [\"/bin/true\"]\nsecrets = [\"NOT VALID\"]\n", "executors.x.secrets"),
        ("[executors.x]\ncommand = [\"/bin/true\"]\nidempotent = \"yes\"\n", "executors.x.idempotent"),
        ("[transport]\nmode = \"live\"\n", "transport.token_secret"),
        ("[transport]\nmode = \"loud\"\n", "transport.mode"),
    ])
    func malformedConfigsAreRefused(extra: String, setting: String) throws {
        let error = try #require(throws: RuntimeError.self) {
            try DispatcherConfig.parse(Data((Self.base + extra).utf8))
        }
        #expect(error.detail.contains(setting))
        #expect(error.fix.contains("dispatcher.toml"))
    }

    /// The profile lock must outlive the longest executor run (plus a
    /// margin), or a second dispatcher could take it from a live holder.
    @Test func lockTTLShorterThanAnExecutorTimeoutIsRefused() throws {
        let executor = "[executors.x]\ncommand = [\"/bin/true\"]\ntimeout = \"30m\"\n"
        let error = try #require(throws: RuntimeError.self) {
            try DispatcherConfig.parse(Data((Self.base + "lock_ttl = \"15m\"\n" + executor).utf8))
        }
        #expect(error.fix == "lock_ttl in dispatcher.toml")
        #expect(error.detail.contains("1860s"))
        // Near misses: exactly timeout + margin is enough, and an unset
        // lock_ttl grows to fit the executors.
        let enough = try DispatcherConfig.parse(Data((Self.base + "lock_ttl = \"31m\"\n" + executor).utf8))
        #expect(enough.lockTTLSeconds == 31 * 60)
        let unset = try DispatcherConfig.parse(Data((Self.base + executor).utf8))
        #expect(unset.lockTTLSeconds == 31 * 60)
        let small = try DispatcherConfig.parse(
            Data((Self.base + "[executors.x]\ncommand = [\"/bin/true\"]\ntimeout = \"1m\"\n").utf8))
        #expect(small.lockTTLSeconds == 15 * 60)
    }

    /// `max_parallel` is an integer from 1 to 64; anything else is refused
    /// naming the setting, like every other setting.
    @Test(arguments: [
        "max_parallel = 0\n", "max_parallel = -1\n", "max_parallel = 65\n", "max_parallel = \"8\"\n",
        "max_parallel = 8.0\n", "max_parallel = true\n",
    ])
    func maxParallelOutsideOneToSixtyFourIsRefused(line: String) throws {
        let error = try #require(throws: RuntimeError.self) {
            try DispatcherConfig.parse(Data((line + Self.base).utf8))
        }
        #expect(error.detail.contains("max_parallel"), "\(error.detail)")
        #expect(error.fix.contains("dispatcher.toml"))
    }

    /// Absent, one executor runs at a time; 1 and 64 are the bounds.
    @Test func maxParallelDefaultsToOneAndTakesTheBounds() throws {
        #expect(try DispatcherConfig.parse(Data(Self.base.utf8)).maxParallel == 1)
        for value in [1, 8, 64] {
            #expect(
                try DispatcherConfig.parse(Data(("max_parallel = \(value)\n" + Self.base).utf8)).maxParallel == value)
        }
    }

    @Test func missingTrustRootIsTrustRootMissing() throws {
        let without = Self.base.replacingOccurrences(
            of: "trust_root = \"0123456789abcdef0123456789abcdef01234567\"\n", with: "")
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
