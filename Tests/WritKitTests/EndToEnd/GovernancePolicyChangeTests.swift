import Foundation
import Testing

@testable import WritCore
@testable import WritTestSupport

/// `writ governance status` says what a pending change does to the policy,
/// in words, through the built binary: a proposal adding a freeze window
/// and a require group shows one sentence for each (and the version step),
/// in the text and as `pending.policy_changes` in `--json`.
@Suite struct GovernancePolicyChangeTests {
    typealias Setup = GovernanceCommandsTests.Setup

    @Test func aPendingChangeShowsItsPolicyDiffInWords() throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let alice = E2ERepo.alice
        let root = try setup.headFiles()
        try #require(String(decoding: root.policy, as: UTF8.self) == PolicyFixture.demo.text)

        var proposed = PolicyFixture.demo
        proposed.tiers[2].require = [.init(1, of: ["operator"])]
        proposed.freezes = [
            .init("year-end", start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z", tiers: ["medium", "high"])
        ]
        let proposal = try setup.propose(
            policy: Data(proposed.text.utf8), signers: root.signers, as: alice, key: setup.repo.sandbox.keyPath(alice))
        let branch = try #require(proposal["branch"] as? String)

        let expected = [
            "tiers.high require group 1 of [operator] added",
            "governance version goes from 1 to 2",
            "freeze \"year-end\" 2026-12-20T00:00:00Z..2027-01-04T00:00:00Z (tiers medium, high) added",
        ]
        let status = try setup.status(branch: branch)
        let pending = try #require(status["pending"] as? [String: Any], "\(status)")
        #expect(pending["policy_changes"] as? [String] == expected)

        let text = try setup.writ([
            "governance", "status", "--repo", setup.ops, "--trust", setup.root, "--branch", branch,
        ])
        #expect(
            text.stdout.contains("  policy changes:\n" + expected.map { "    - \($0)\n" }.joined()), "\(text.stdout)")

        // Nothing pending: no policy diff at all.
        let trusted = try setup.status()
        #expect(trusted["pending"] == nil, "\(trusted)")
    }
}
