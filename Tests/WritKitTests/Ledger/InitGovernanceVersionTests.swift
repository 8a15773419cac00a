import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ init` starts a repository at `[governance] version` 1 (SPEC §5),
/// so its first change is adopted at 2; a version the policy states is kept.
@Suite struct InitGovernanceVersionTests {
    /// The `policy.toml` the governance branch holds after initialising with `policy`.
    static func initialised(with policy: String?) throws -> Data {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let ops = dir.appendingPathComponent("ops.git")
        var initializer = OpsRepoInitializer()
        if let policy {
            let world = PolicyWorld()
            initializer.policy = Data(policy.utf8)
            initializer.allowedSigners = Data(world.signersText.utf8)
        }
        _ = try initializer.initialize(at: ops.path, bare: true)
        let repository = try Repository.open(at: ops.path)
        return try #require(try repository.blob(at: "policy.toml", in: "refs/heads/" + OpsRepoDefaults.governanceRef))
    }

    @Test func theTemplateStartsAtVersionOne() throws {
        let policy = try Self.initialised(with: nil)
        #expect(try Policy.parse(policy).governanceVersion == 1)
        #expect(policy == Data(PolicyTemplate.text.utf8))
    }

    @Test func aPolicyWithoutAVersionIsWrittenAtVersionOne() throws {
        let given = PolicyWorld.defaultPolicy
        #expect(try Policy.parse(Data(given.utf8)).governanceVersion == 0)
        let policy = try Self.initialised(with: given)
        #expect(try Policy.parse(policy).governanceVersion == 1)
        #expect(String(decoding: policy, as: UTF8.self) == withGovernanceVersion(1, given))
    }

    @Test func aStatedVersionIsKept() throws {
        let given = withGovernanceVersion(5, PolicyWorld.defaultPolicy)
        let policy = try Self.initialised(with: given)
        #expect(policy == Data(given.utf8))
        #expect(try Policy.parse(policy).governanceVersion == 5)
    }
}
