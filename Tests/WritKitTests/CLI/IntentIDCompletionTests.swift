import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ _ids` and the completion of intent-id arguments list the intents
/// on the ledger of a real clone.
@Suite struct IntentIDCompletionTests {
    @Test func idListerPrintsTheLedgersIntents() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("2026-01-02-second")
        try fixture.proposeLow("2026-01-01-first")
        try fixture.proposeApprovedHigh("2026-01-03-release")
        let repo = fixture.sandbox.ops.repository.gitDirectory

        let listed = try CLI.run("_ids", "--repo", repo)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout == "2026-01-01-first\n2026-01-02-second\n2026-01-03-release\n")

        // Near miss: a ledger with no intents lists nothing, and succeeds.
        let empty = try DispatchFixture("emptyLedger")
        defer { empty.remove() }
        let none = try CLI.run("_ids", "--repo", empty.sandbox.ops.repository.gitDirectory)
        #expect(none.status == 0 && none.stdout.isEmpty, "\(none.stderr)")
    }

    /// In a fresh `git clone` the ledger branch exists only as
    /// `refs/remotes/origin/writ/ledger`; its intents still complete.
    @Test func freshCloneListsTheRemotesLedger() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("2026-02-01-remote-only")
        let clone = fixture.directory.appendingPathComponent("fresh-clone").path
        let cloned = try GitTestSupport.run(
            "/usr/bin/git", ["clone", "--quiet", fixture.sandbox.ops.repository.gitDirectory, clone])
        try #require(cloned.status == 0, "\(cloned.stderr)")
        let local = try GitTestSupport.run(
            "/usr/bin/git", ["-C", clone, "rev-parse", "--verify", "--quiet", "refs/heads/writ/ledger"])
        #expect(local.status != 0, "the clone should have no local ledger branch")

        let listed = try CLI.run("_ids", "--repo", clone)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout == "2026-02-01-remote-only\n")
    }

    /// What the generated shell scripts run on TAB: writ's custom completion
    /// for `show`'s id, honouring `--repo` and the typed prefix.
    @Test func customCompletionOfIntentIDs() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("2026-03-01-alpha")
        try fixture.proposeLow("2026-03-02-beta")
        let repo = fixture.sandbox.ops.repository.gitDirectory

        for command in ["show", "approve", "resolve", "gate"] {
            let all = try CLI.run(
                "---completion", command, "--", "positional@0", "4", "0", "writ", command, "--repo", repo, "")
            #expect(all.status == 0, "\(command): \(all.stderr)")
            #expect(all.stdout.split(separator: "\n") == ["2026-03-01-alpha", "2026-03-02-beta"], "\(command)")
        }
        // The typed prefix, as the last word or before `--repo`.
        let last = try CLI.run(
            "---completion", "show", "--", "positional@0", "4", "12", "writ", "show", "--repo", repo, "2026-03-02-b")
        #expect(last.stdout.split(separator: "\n") == ["2026-03-02-beta"], "\(last.stderr)")
        let before = try CLI.run(
            "---completion", "show", "--", "positional@0", "2", "12", "writ", "show", "2026-03-01", "--repo=\(repo)")
        #expect(before.stdout.split(separator: "\n") == ["2026-03-01-alpha"], "\(before.stderr)")

        // Near miss: outside any repository a completion offers nothing and
        // prints no error into the prompt.
        let outside = try CLI.run(
            "---completion", "show", "--", "positional@0", "4", "0", "writ", "show", "--repo",
            fixture.directory.appendingPathComponent("nowhere").path, "")
        #expect(outside.status == 0)
        #expect(outside.trimmed.isEmpty && outside.stderr.isEmpty)
    }
}
