import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// An operator command that loses its ledger push to a writer with a newer
/// governance view rebuilds its commit on the winner's, and anchors it
/// where the ledger already stands: an anchor that moved back would be a
/// `ledger_violation` finding in `writ verify` on an honest commit.
@Suite struct AnchorOnRebuildTests {
    @Test func aCommitRebuiltAfterALostRaceTakesTheWinnersNewerAnchor() throws {
        let team = try TeamFlowTests.Team()
        defer { team.remove() }
        let agent = try team.clone("agent", as: TeamFlowTests.agent)
        let carol = try team.clone("carol", as: TeamFlowTests.carol)
        let alice = try team.clone("alice", as: TeamFlowTests.alice)
        let first = try CLI.run(
            "propose", "--kind", "triage", "--target", "example/app", "--id", "triage-1", "--push", in: agent)
        try #require(first.status == 0, "propose: \(first.stderr)")

        // Alice's command decided under the governance it read: the trust root.
        let ops = try OpsRepo(path: alice.path, remote: "origin")
        _ = try ops.repository.fetch(remote: "origin", refs: [ops.governanceRef, ops.ledgerRef])
        _ = try ops.catchUp(ops.ledgerRef)
        let decided = try ops.governanceHead()
        let signer = try SigningIdentity(
            principal: try #require(Principal(TeamFlowTests.alice)),
            keyPath: try #require(team.keys[TeamFlowTests.alice]))

        // While her commit is built, governance moves on (a commit that
        // changes no trust) and the agent proposes under it and wins the push.
        var newer: String?
        var builds = 0
        let message = { (parent: ObjectID) in
            GovernanceAnchor.message("writ: test append\n", decidedAt: decided, onTopOf: parent, ops: ops)
        }
        let commit = try BranchAppender(repository: ops.repository).append(
            to: ops.ledgerRef, pushingTo: "origin", alsoFetching: [ops.governanceRef], messageOn: message,
            signer: signer, at: Date()
        ) { _ in
            builds += 1
            if builds == 1 {
                try GitTestSupport.write("notes\n", to: carol.appendingPathComponent("NOTES.md"))
                try GitTestSupport.git(carol, "add", "NOTES.md")
                try GitTestSupport.git(carol, "commit", "-q", "-m", "notes")
                try GitTestSupport.git(carol, "push", "-q", "origin", "main")
                newer = try GitTestSupport.git(carol, "rev-parse", "HEAD")
                let second = try CLI.run(
                    "propose", "--kind", "triage", "--target", "example/app", "--id", "triage-2", "--push", in: agent)
                try #require(second.status == 0, "propose: \(second.stderr)")
            }
            return ["notes/alice-\(builds)": Data("x\n".utf8)]
        }

        #expect(builds == 2, "the first push should have been lost to the agent's")
        let written = try ops.repository.commit(commit)
        let winner = try #require(written.parents.first)
        #expect(GovernanceAnchor.parse(try ops.repository.commit(winner).message)?.hex == newer)
        #expect(GovernanceAnchor.parse(written.message)?.hex == newer, "\(written.message)")
        #expect(GovernanceAnchor.parse(written.message) != decided)
    }
}
