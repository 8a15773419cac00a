import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A freeze blocks a release and lifts at its end (SPEC §4.6), end to end
/// with the built `writ` binary and stock git. The binary has no clock
/// switch (one would be a way around a freeze), so the window is real and
/// short: it is adopted as the last setup step and ends about 25 s later;
/// the test waits for its end without blocking a thread.
@Suite struct FreezeEndToEndTests {
    typealias Setup = GovernanceCommandsTests.Setup

    @Test func aFreezeBlocksAReleaseAndLiftsAtItsEnd() async throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let (alice, carol) = (E2ERepo.alice, E2ERepo.carol)
        let config = try GovernanceVersionTests.config(setup)
        try setup.repo.propose("release", "release-1")
        try setup.repo.approve("release-1", as: alice)
        try setup.repo.approve("release-1", as: carol)

        // Last: a freeze of tier high, from an hour ago until ~25 s from
        // now, adopted by the governance quorum and merged with stock git.
        let now = Int64(Date().timeIntervalSince1970.rounded(.down))
        let start = Timestamp(secondsSinceEpoch: now - 3_600)
        let end = Timestamp(secondsSinceEpoch: now + 25)
        let t0 = try setup.headFiles()
        let frozen =
            String(decoding: t0.policy, as: UTF8.self)
            + "\n[[freeze]]\nname = \"release-freeze\"\nstart = \"\(start)\"\nend = \"\(end)\"\ntiers = [\"high\"]\n"
        let proposal = try setup.propose(
            policy: Data(frozen.utf8), signers: t0.signers, as: alice, key: setup.repo.sandbox.keyPath(alice))
        let digest = try #require(proposal["digest"] as? String)
        try setup.approve(digest, as: alice, key: setup.repo.sandbox.keyPath(alice))
        try setup.approve(digest, as: carol, key: setup.repo.sandbox.keyPath(carol))
        try setup.stockMerge(try #require(proposal["branch"] as? String))
        #expect(try setup.status()["trusted_digest"] as? String == digest)

        // Inside the window: the dispatcher reports frozen and runs nothing.
        let blocked = try setup.writ(["dispatch", "--once", "--config", config])
        let dispatchedAt = Date()
        try #require(
            dispatchedAt < end.date,
            "the setup took until \(Timestamp(dispatchedAt)), past the freeze's end \(end): the machine was too slow for this window, so the test proves nothing"
        )
        #expect(blocked.stdout.contains("release-1: blocked (frozen)"), "\(blocked.stdout)")
        let status = try setup.writ(["status", "--repo", setup.ops, "--trust", setup.root])
        #expect(
            status.stdout.contains("freeze:     \"release-freeze\" until \(end) (tiers high)"), "\(status.stdout)")
        let lines = try setup.writ(["status", "--repo", setup.ops, "--trust", setup.root, "--json"]).jsonLines()
        let header = try #require(lines.first { $0["type"] as? String == "status" })
        let active = try #require(header["freezes"] as? [[String: Any]])
        #expect(active.count == 1 && active.first?["name"] as? String == "release-freeze", "\(header)")
        #expect(active.first?["end"] as? String == end.rfc3339)
        let shown = try setup.json(["show", "release-1", "--repo", setup.ops, "--trust", setup.root])
        #expect(shown["reason"] as? String == "frozen", "\(shown)")
        #expect((shown["freeze"] as? [String: Any])?["end"] as? String == end.rfc3339)
        let shownText = try setup.writ(["show", "release-1", "--repo", setup.ops, "--trust", setup.root]).stdout
        #expect(shownText.contains("  frozen:   by \"release-freeze\" until \(end) (tiers high)"), "\(shownText)")
        let html = setup.files.appendingPathComponent("report.html").path
        try setup.writ(["report", "--html", html, "--repo", setup.ops, "--trust", setup.root])
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<tr class=\"freeze active\" data-freeze=\"release-freeze\">"))
        #expect(page.contains("<p class=\"verdict frozen\" data-freeze=\"release-freeze\">"))

        // After the end, with no new commit, the next poll runs it, once.
        while Date() < end.date.addingTimeInterval(1) {
            try await Task.sleep(for: .milliseconds(500))
        }
        let lifted = try setup.writ(["dispatch", "--once", "--config", config])
        #expect(lifted.stdout.contains("release-1: succeeded"), "\(lifted.stdout)")
        let again = try setup.writ(["dispatch", "--once", "--config", config])
        #expect(!again.stdout.contains("release-1"), "\(again.stdout)")
        let after = try setup.writ(["status", "--repo", setup.ops, "--trust", setup.root, "--json"]).jsonLines()
        #expect(after.first { $0["type"] as? String == "intent" }?["state"] as? String == "succeeded")
        #expect(after.first?["freezes"] == nil, "no freeze is active any more")
        let verified = try CLI.run("verify", "--repo", setup.ops, "--trust", setup.root, "--json")
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
    }
}
