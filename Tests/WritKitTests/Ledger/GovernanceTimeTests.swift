import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritTestSupport

/// The governance clock of a wait or a break-glass review (SPEC §4.6–4.7,
/// docs/policy.md): a governance commit's committer date, never earlier
/// than its first parent's; and every approval folder read carries it.
@Suite struct GovernanceTimeTests {
    /// A commit on top of `parent` with `tree`, dated `date` by its committer.
    static func commit(_ repository: URL, tree: String, parent: String?, date: String) throws -> String {
        let made = try GitTestSupport.run(
            "/usr/bin/env",
            [
                "GIT_COMMITTER_DATE=\(date)", "GIT_AUTHOR_DATE=\(date)", "GIT_COMMITTER_NAME=merger",
                "GIT_COMMITTER_EMAIL=merger@example.com", "GIT_AUTHOR_NAME=merger",
                "GIT_AUTHOR_EMAIL=merger@example.com", "/usr/bin/git", "-C", repository.path, "commit-tree", tree,
            ] + (parent.map { ["-p", $0] } ?? []) + ["-m", "dated \(date)"])
        try #require(made.status == 0, "\(made.stderr)")
        return made.trimmed
    }

    @Test func aCommitDatedBeforeItsFirstParentTakesTheParentsTime() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let repository = fixture.sandbox.ops.repository
        let url = URL(fileURLWithPath: repository.gitDirectory)
        let tree = try GitTestSupport.git(url, "rev-parse", "main^{tree}")
        let root = try Self.commit(url, tree: tree, parent: nil, date: "2026-11-01T00:00:00Z")
        let parent = try Self.commit(url, tree: tree, parent: root, date: "2026-12-01T12:00:00Z")
        let backdated = try Self.commit(url, tree: tree, parent: parent, date: "2026-01-01T00:00:00Z")
        let later = try Self.commit(url, tree: tree, parent: parent, date: "2026-12-02T08:30:00Z")
        let noon = try #require(Timestamp(rfc3339: "2026-12-01T12:00:00Z")).date
        #expect(
            try repository.governanceTime(of: try #require(ObjectID(hex: root)))
                == Timestamp(rfc3339: "2026-11-01T00:00:00Z")?.date)
        #expect(try repository.governanceTime(of: try #require(ObjectID(hex: parent))) == noon)
        #expect(try repository.governanceTime(of: try #require(ObjectID(hex: backdated))) == noon)
        #expect(
            try repository.governanceTime(of: try #require(ObjectID(hex: later)))
                == Timestamp(rfc3339: "2026-12-02T08:30:00Z")?.date)
    }

    @Test func everyApprovalFolderReadCarriesTheTimeOfTheCommitThatBroughtTheRecordIn() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeApprovedHigh("release-1")
        let repository = fixture.sandbox.ops.repository
        let head = try fixture.sandbox.ops.governanceHead()
        let index = try ApprovalIndex(repository: repository, head: head)
        let approvals = try index.approvals(for: try #require(IntentID("release-1")))
        #expect(!approvals.isEmpty)
        for approval in approvals {
            #expect(approval.committedAt == (try repository.governanceTime(of: approval.commit)))
        }
    }
}
