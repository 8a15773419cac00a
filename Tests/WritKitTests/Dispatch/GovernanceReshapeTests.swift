import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The dispatcher's view after a merge took the governance tip it processed
/// off the first-parent chain (SPEC §5, "Non-linear updates"): where the
/// chains meet, and which commit each approval record is attributed to.
@Suite struct GovernanceReshapeTests {
    /// Commits `files` straight onto `branch`, signed by an admin.
    @discardableResult
    private func commit(_ fixture: DispatchFixture, _ files: [String: String], to branch: String = "main") throws
        -> ObjectID
    {
        try BranchAppender(repository: fixture.sandbox.ops.repository).append(
            files.mapValues { Data($0.utf8) }, to: branch, message: "governance\n",
            signer: try fixture.sandbox.identity("alice@example.com"), at: Date(), overwrite: true)
    }

    @Test func firstParentJunctionFindsWhereTwoChainsMeet() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let repository = fixture.sandbox.ops.repository
        let repo = URL(fileURLWithPath: repository.gitDirectory)
        let base = try commit(fixture, ["notes/a.txt": "a"])
        let winner = try commit(fixture, ["notes/b.txt": "b"])
        let local = try GitTestSupport.id(
            try GitTestSupport.git(repo, "commit-tree", "\(base.hex)^{tree}", "-p", base.hex, "-m", "local"))
        let merge = try GitTestSupport.id(
            try GitTestSupport.git(
                repo, "commit-tree", "\(winner.hex)^{tree}", "-p", local.hex, "-p", winner.hex, "-m", "pull"))

        let meeting = try #require(try repository.firstParentJunction(winner, merge))
        #expect(meeting.junction == base)
        #expect(meeting.oldOnly == [winner])
        #expect(meeting.newOnly == [merge, local])
        // A linear update: the old tip is the meeting point.
        let linear = try #require(try repository.firstParentJunction(base, winner))
        #expect(linear.junction == base && linear.oldOnly.isEmpty && linear.newOnly == [winner])
        let orphan = try GitTestSupport.id(
            try GitTestSupport.git(repo, "commit-tree", "\(base.hex)^{tree}", "-m", "orphan"))
        #expect(try repository.firstParentJunction(winner, orphan) == nil)
    }

    /// A record that arrived through the merge's second parent belongs to
    /// the merge commit; a record version only the commit now off the
    /// chain brought in (the merge kept the older one) goes back to the
    /// commit that brought the version the head holds.
    @Test func approvalRecordsAreAttributedAgainAlongTheNewChain() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let repository = fixture.sandbox.ops.repository
        let repo = URL(fileURLWithPath: repository.gitDirectory)
        let ghost = try #require(IntentID("ghost-1"))
        let folder = "approvals/\(ghost.fanOut)/ghost-1"
        let kept = "\(folder)/bob@example.com.toml"
        let merged = "\(folder)/carol@example.com.toml"

        let base = try commit(fixture, [kept: "v0"])
        _ = try fixture.dispatcher().poll()
        let winner = try commit(fixture, [kept: "v1", merged: "c"])
        // A low intent the dispatcher runs under the winner's merge: its
        // ledger position is that merge.
        try fixture.proposeLow("triage-x")
        let first = try fixture.dispatcher().poll()
        #expect(first.governanceOffChain.isEmpty)
        #expect(fixture.runs() == ["triage-x"])
        let store = StateStore(stateDir: try fixture.config().stateDir, profile: "default")
        #expect(try store.loadIntent(ghost).approvals[kept] == winner)
        let cursorBefore = try #require(try store.loadState()?.ledgerCursor)
        #expect(cursorBefore.position == winner)

        // The loser's commit, and a `git pull` merge whose tree keeps the
        // loser's version of one record and takes the other from the winner.
        let local = try GitTestSupport.id(
            try GitTestSupport.git(repo, "commit-tree", "\(base.hex)^{tree}", "-p", base.hex, "-m", "local"))
        try GitTestSupport.git(repo, "update-ref", "refs/heads/resolved", winner.hex)
        let resolved = try commit(fixture, [kept: "v0"], to: "resolved")
        let merge = try GitTestSupport.id(
            try GitTestSupport.git(
                repo, "commit-tree", "\(resolved.hex)^{tree}", "-p", local.hex, "-p", winner.hex, "-m", "pull"))
        try GitTestSupport.git(repo, "update-ref", "refs/heads/main", merge.hex)

        let second = try fixture.dispatcher().poll()
        #expect(second.governanceOffChain == [.init(commit: winner, head: merge, junction: base)])
        let record = try store.loadIntent(ghost)
        #expect(record.approvals[merged] == merge, "came in through the second parent")
        #expect(record.approvals[kept] == base, "the version the head holds came in at the junction")
        let state = try #require(try store.loadState())
        #expect(state.governanceTip == merge)
        // The ledger position fell off the chain: it resumes where its
        // chain meets the new one, and the ledger clock does not go back.
        let cursorAfter = try #require(state.ledgerCursor)
        #expect(cursorAfter.position == base)
        #expect(cursorAfter.clock == cursorBefore.clock)
        #expect(fixture.runs() == ["triage-x"])

        let third = try fixture.dispatcher().poll()
        #expect(third.governanceOffChain.isEmpty, "said once")

        // A ledger commit anchored at the tip that fell off takes the
        // position where its chain meets the new one; an anchor naming no
        // commit is no anchor: the commit is judged under the newest trusted
        // state (the head), and the position stays where it was.
        let offChain = "audit/\(ghost.fanOut)/ghost-1/0001-blocked.json"
        let nowhere = "audit/\(ghost.fanOut)/ghost-1/0002-blocked.json"
        try fixture.sandbox.appendToLedger(
            [offChain: Data("{}".utf8)], as: "dispatch-1@example.com",
            message: GovernanceAnchor.message("anchored off the chain\n", anchoredAt: winner))
        try fixture.sandbox.appendToLedger(
            [nowhere: Data("{}".utf8)], as: "dispatch-1@example.com",
            message: GovernanceAnchor.message(
                "anchored nowhere\n", anchoredAt: try GitTestSupport.id(String(repeating: "ab", count: 20))))
        let audit = try LedgerAudit(ops: fixture.sandbox.ops, trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(audit.events.first { $0.path == offChain }?.governance == base)
        #expect(audit.events.first { $0.path == nowhere }?.governance == merge)
        let fourth = try fixture.dispatcher().poll()
        #expect(fourth.governanceOffChain.isEmpty)
        #expect(try store.loadState()?.ledgerCursor?.position == base)
    }
}
