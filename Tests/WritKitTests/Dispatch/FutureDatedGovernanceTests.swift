import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// One governance commit dated far ahead (a merge made on a machine whose
/// clock said 2099) must not move the clock writ checks key validity at
/// (SPEC §4.4): the dispatcher's own claims keep counting, an HA partner
/// does not run the intent again, and verify finds nothing.
@Suite struct FutureDatedGovernanceTests {
    @Test func aCommitDatedIn2099DoesNotDisownTheDispatcher() throws {
        let fixture = try DispatchFixture(signerOptions: ["dispatch-1@example.com": "valid-before=\"20400101\""])
        defer { fixture.remove() }
        let repository = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        // A governance commit with the same files, dated 2099.
        let head = try GitTestSupport.git(repository, "rev-parse", "main")
        let tree = try GitTestSupport.git(repository, "rev-parse", "main^{tree}")
        let skewed = try GitTestSupport.run(
            "/usr/bin/env",
            [
                "GIT_COMMITTER_DATE=2099-01-01T00:00:00Z", "GIT_AUTHOR_DATE=2099-01-01T00:00:00Z",
                "GIT_COMMITTER_NAME=skewed", "GIT_COMMITTER_EMAIL=skewed@example.com", "GIT_AUTHOR_NAME=skewed",
                "GIT_AUTHOR_EMAIL=skewed@example.com", "/usr/bin/git", "-C", repository.path, "commit-tree", tree,
                "-p", head, "-m", "merge made on a machine with a skewed clock",
            ])
        try #require(skewed.status == 0, "\(skewed.stderr)")
        try GitTestSupport.git(repository, "update-ref", "refs/heads/main", skewed.trimmed, head)

        try fixture.proposeLow("triage-skewed")
        #expect(try fixture.dispatcher().poll().intents.first?.result == .succeeded)

        let status = try StatusEvaluator(ops: fixture.sandbox.ops).evaluate(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(status.intents.first?.state == .succeeded, "\(status.intents)")
        let verified = try LedgerVerifier(ops: fixture.sandbox.ops).verify(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(verified.findings.isEmpty, "\(verified.findings)")

        // An HA partner with a state dir of its own sees the claim and runs nothing.
        let partner = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "/state\"", with: "/state-partner\"")
        try Data(partner.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-skewed"])
    }

    /// The rule itself: a date within the skew moves the clock, one beyond
    /// it does not.
    @Test func theGovernanceClockIgnoresDatesBeyondTheHostsClock() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let earlier = now.addingTimeInterval(-3_600)
        #expect(GovernanceTimeline.clockTime(earlier, after: nil, now: now) == earlier)
        #expect(GovernanceTimeline.clockTime(now.addingTimeInterval(240), after: earlier, now: now) > now)
        #expect(GovernanceTimeline.clockTime(now.addingTimeInterval(400), after: earlier, now: now) == earlier)
        #expect(GovernanceTimeline.clockTime(now.addingTimeInterval(86_400 * 365 * 70), after: nil, now: now) == now)
    }
}
