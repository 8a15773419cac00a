import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Records signed on `approval/<id>` and not merged yet: `status`, `show`
/// and `approve` show them, judged as if merged, and never count them.
struct SignedNotMergedTests {
    static func intentLine(_ run: GitTestSupport.Output, _ id: String) throws -> [String: Any] {
        try #require(try run.jsonLines().first { $0["type"] as? String == "intent" && $0["id"] as? String == id })
    }

    @Test func statusAndShowShowWhatWaitsOnTheBranchAndNeverCountIt() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        let id = try #require(IntentID("release-1"))
        try fixture.sandbox.approve(id, as: "alice@example.com", merge: false)
        try fixture.sandbox.approve(id, as: "carol@example.com", merge: false)
        // An operator may not approve a high intent: shown with its reason.
        try fixture.sandbox.approve(id, as: "bob@example.com", merge: false)
        let repo = fixture.sandbox.ops.repository.gitDirectory
        let trust = fixture.sandbox.trustRoot.hex
        let summary =
            "signed on approval/release-1, not merged yet: alice@example.com ✓ bob@example.com ✗ "
            + "signer_not_authorized carol@example.com ✓ → merging makes it ready"

        let table = try CLI.run("status", "--repo", repo, "--trust", trust)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("release-1: " + summary), "\(table.stdout)")

        let lines = try CLI.run("status", "--repo", repo, "--trust", trust, "--json")
        let line = try Self.intentLine(lines, "release-1")
        #expect(line["approvals"] as? Int == 0 && line["state"] as? String == "blocked")
        #expect(line["reason"] as? String == "not_approved")
        let branch = try #require(line["approval_branch"] as? [String: Any], "\(line)")
        #expect(branch["branch"] as? String == "approval/release-1")
        #expect(branch["approvals_if_merged"] as? Int == 2 && branch["required"] as? Int == 2)
        #expect(branch["ready_if_merged"] as? Bool == true)
        let records = try #require(branch["records"] as? [[String: Any]])
        #expect(
            records.compactMap { $0["principal"] as? String } == [
                "alice@example.com", "bob@example.com", "carol@example.com",
            ])
        #expect(records.map { $0["counts"] as? Bool } == [true, false, true])
        #expect(records[1]["reason"] as? String == "signer_not_authorized")
        #expect(records.allSatisfy { $0["ref"] as? String == "refs/heads/approval/release-1" })

        let show = try CLI.run("show", "release-1", "--repo", repo, "--trust", trust)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("  approvals: 0 of 2"), "\(show.stdout)")
        #expect(show.stdout.contains("    " + summary), "\(show.stdout)")
        #expect(show.stdout.contains("bob@example.com.toml on refs/heads/approval/release-1: signer_not_authorized"))
        #expect(
            show.stdout.contains(
                "  next:     merge approval/release-1: git switch main && git merge --no-ff approval/release-1"),
            "\(show.stdout)")
        let shown = try CLI.run("show", "release-1", "--repo", repo, "--trust", trust, "--json").jsonObject()
        #expect(shown["approvals"] as? Int == 0)
        let shownBranch = try #require(shown["approval_branch"] as? [String: Any])
        #expect(shownBranch["approvals_if_merged"] as? Int == 2)
        #expect(shown["may_approve"] as? [String] == [], "alice and carol have signed: \(shown)")

        // Merged, the records count and the branch has nothing new.
        try GovernanceMerger(ops: fixture.sandbox.ops).merge(
            branch: "approval/release-1", as: try fixture.sandbox.identity("alice@example.com"), now: Date())
        let merged = try Self.intentLine(
            try CLI.run("status", "--repo", repo, "--trust", trust, "--json"), "release-1")
        #expect(merged["state"] as? String == "ready" && merged["approvals"] as? Int == 2, "\(merged)")
        #expect(merged["approval_branch"] is NSNull, "\(merged)")
    }

    /// A deny waiting on the branch is shown as what merging would do; the
    /// intent is not denied until it is merged.
    @Test func aDenyOnTheBranchSaysMergingWouldDenyIt() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        let id = try #require(IntentID("release-1"))
        try fixture.sandbox.approve(id, as: "alice@example.com", merge: false)
        try fixture.sandbox.approve(id, as: "carol@example.com", decision: .deny, merge: false)
        let repo = fixture.sandbox.ops.repository.gitDirectory
        let trust = fixture.sandbox.trustRoot.hex
        let table = try CLI.run("status", "--repo", repo, "--trust", trust)
        #expect(
            table.stdout.contains(
                "release-1: signed on approval/release-1, not merged yet: alice@example.com ✓ "
                    + "carol@example.com ✗ deny → merging it would deny the intent"), "\(table.stdout)")
        let line = try Self.intentLine(try CLI.run("status", "--repo", repo, "--trust", trust, "--json"), "release-1")
        #expect(line["reason"] as? String == "not_approved", "not denied until merged: \(line)")
        let branch = try #require(line["approval_branch"] as? [String: Any])
        #expect(branch["reason_if_merged"] as? String == "denied" && branch["ready_if_merged"] as? Bool == false)
        let records = try #require(branch["records"] as? [[String: Any]])
        #expect(records.map { $0["decision"] as? String } == ["approve", "deny"])
        #expect(records.last?["reason"] as? String == "denied")
    }

    /// A record only on the remote-tracking branch (pushed by another
    /// approver, fetched here) is read too.
    @Test func theRemoteTrackingBranchIsRead() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        try fixture.sandbox.approve(try #require(IntentID("release-1")), as: "carol@example.com", merge: false)
        let repo = fixture.sandbox.ops.repository.gitDirectory
        let git = URL(fileURLWithPath: repo)
        _ = try GitTestSupport.git(git, "remote", "add", "origin", repo)
        _ = try GitTestSupport.git(
            git, "update-ref", "refs/remotes/origin/approval/release-1", "refs/heads/approval/release-1")
        _ = try GitTestSupport.git(git, "update-ref", "-d", "refs/heads/approval/release-1")
        let run = try CLI.run("status", "--repo", repo, "--trust", fixture.sandbox.trustRoot.hex, "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let branch = try #require(try Self.intentLine(run, "release-1")["approval_branch"] as? [String: Any])
        let records = try #require(branch["records"] as? [[String: Any]])
        #expect(records.count == 1)
        #expect(records.first?["ref"] as? String == "refs/remotes/origin/approval/release-1")
        #expect(records.first?["principal"] as? String == "carol@example.com")
        #expect(branch["approvals_if_merged"] as? Int == 1 && branch["ready_if_merged"] as? Bool == false)
    }

    /// `status --fetch` fetches the approval branches of open intents too:
    /// a record pushed by another approver shows without a `git fetch`.
    @Test func statusFetchBringsTheApprovalBranchesOfOpenIntents() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        let origin = fixture.sandbox.ops.repository.gitDirectory
        let clone = fixture.directory.appendingPathComponent("clone.git").path
        _ = try GitTestSupport.run("/usr/bin/git", ["clone", "--quiet", "--bare", origin, clone])
        // Signed in origin after the clone was made.
        try fixture.sandbox.approve(try #require(IntentID("release-1")), as: "carol@example.com", merge: false)
        let trust = fixture.sandbox.trustRoot.hex
        let before = try CLI.run("status", "--repo", clone, "--trust", trust, "--json")
        #expect(before.status == 0, "\(before.stderr)")
        #expect(try Self.intentLine(before, "release-1")["approval_branch"] is NSNull)
        let fetched = try CLI.run("status", "--repo", clone, "--trust", trust, "--fetch", "--json")
        #expect(fetched.status == 0, "\(fetched.stderr)")
        let branch = try #require(try Self.intentLine(fetched, "release-1")["approval_branch"] as? [String: Any])
        let records = try #require(branch["records"] as? [[String: Any]])
        #expect(records.map { $0["principal"] as? String } == ["carol@example.com"])
        #expect(records.first?["ref"] as? String == "refs/remotes/origin/approval/release-1")
    }

    /// `writ approve` ends with how many have signed and the next step.
    @Test func approveSaysHowManyHaveSignedAndWhatIsNext() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        let repo = fixture.sandbox.ops.repository.gitDirectory
        func approve(_ principal: String, _ extra: String...) throws -> GitTestSupport.Output {
            try CLI.runArgs(
                [
                    "approve", "release-1", "--repo", repo, "--as", principal, "--key",
                    fixture.sandbox.keyPath(principal), "--trust", fixture.sandbox.trustRoot.hex,
                ] + extra)
        }
        let first = try approve("alice@example.com")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("1 of 2 signed: waiting for carol@example.com\n"), "\(first.stdout)")
        let second = try approve("carol@example.com", "--json")
        #expect(second.status == 0, "\(second.stderr)")
        let answer = try second.jsonObject()
        #expect(answer["signed"] as? Int == 2 && answer["required"] as? Int == 2, "\(answer)")
        #expect(
            answer["next"] as? String
                == "merge approval/release-1: git switch main && git merge --no-ff approval/release-1")
        // Signing again says the same, as text.
        let again = try approve("carol@example.com")
        #expect(
            again.stdout.contains(
                "2 of 2 signed: merge approval/release-1: git switch main && git merge --no-ff approval/release-1"),
            "\(again.stdout)")
    }
}
