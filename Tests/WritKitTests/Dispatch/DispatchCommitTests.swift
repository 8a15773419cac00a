import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// What a batch costs on the ledger: with executors run one at a time, each
/// claim's commit also carries the outcome of the run before it, so a batch
/// of N intents is N + 1 commits, and nothing is lost or moved in the
/// trail of any intent.
@Suite struct DispatchCommitTests {
    @Test func eachClaimCarriesTheOutcomeBeforeIt() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let ids = (0..<3).map { "triage-batch-\($0)" }
        for id in ids { try fixture.proposeLow(id) }
        let gitDirectory = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let before = try fixture.sandbox.ops.ledgerHead()

        let report = try fixture.dispatcher().poll()
        #expect(report.intents.map(\.id.rawValue) == ids)
        #expect(report.intents.allSatisfy { $0.result == .succeeded })
        #expect(fixture.runs() == ids)

        let commits = try GitTestSupport.git(
            gitDirectory, "rev-list", "--reverse", "\(before.hex)..writ/ledger"
        ).split(separator: "\n").map(String.init)
        #expect(commits.count == ids.count + 1, "\(commits)")
        func added(_ commit: String) throws -> [String] {
            try GitTestSupport.git(
                gitDirectory, "diff-tree", "--no-commit-id", "--name-only", "-r", "--root", commit
            ).split(separator: "\n").map { String($0.split(separator: "/").suffix(2).joined(separator: "/")) }.sorted()
        }
        #expect(
            try added(commits[1]) == [
                "triage-batch-0/0003-succeeded.json", "triage-batch-1/0001-auto_approved.json",
                "triage-batch-1/0002-claimed.json",
            ])
        #expect(try added(commits[3]) == ["triage-batch-2/0003-succeeded.json"])

        // Nothing waits in the outbox, and every reader agrees.
        let outbox = fixture.directory.appendingPathComponent("state/default/outbox").path
        let waiting = (try? FileManager.default.subpathsOfDirectory(atPath: outbox)) ?? []
        #expect(waiting.filter { $0.hasSuffix(".json") }.isEmpty, "\(waiting)")
        #expect(try fixture.sandbox.status().intents.allSatisfy { $0.state == .succeeded })
        let verified = try LedgerVerifier(ops: fixture.sandbox.ops).verify(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(verified.findings.isEmpty, "\(verified.findings)")
        #expect(verified.claims == ids.count)
    }

    /// The dispatcher's commits reach the disk as packs, merged at the end
    /// of the poll, and never as loose objects (docs/dispatch.md, "Packs");
    /// git finds every object the ledger names.
    @Test func aPollWritesPacksNotLooseObjects() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let ids = (0..<5).map { "triage-packed-\($0)" }
        for id in ids { try fixture.proposeLow(id) }
        let gitDirectory = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        func count(_ field: String) throws -> Int {
            let lines = try GitTestSupport.git(gitDirectory, "count-objects", "-v").split(separator: "\n")
            return Int(lines.first { $0.hasPrefix(field + ": ") }?.dropFirst(field.count + 2) ?? "") ?? -1
        }
        let loose = try count("count")
        let packs = try count("packs")

        #expect(try fixture.dispatcher().poll().intents.allSatisfy { $0.result == .succeeded })
        #expect(try count("count") == loose)
        // Six commits (five claims, the last outcome), six packs, merged into one.
        #expect(try count("packs") == packs + 1)
        let fsck = try GitTestSupport.run(
            "/usr/bin/git", ["-C", gitDirectory.path, "fsck", "--strict", "--full", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
        #expect(try fixture.sandbox.status().intents.allSatisfy { $0.state == .succeeded })
    }

    /// The last run's outcome, with no claim after it to carry it, is
    /// published before the poll's blocked events, and the next poll finds
    /// nothing to do.
    @Test func theLastOutcomeIsPublishedOnItsOwn() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-alone")
        try fixture.sandbox.propose(try fixture.request("release", "release-waiting"), as: "agent-1@example.com")

        let report = try fixture.dispatcher().poll()
        let results = Dictionary(uniqueKeysWithValues: report.intents.map { ($0.id.rawValue, $0.result) })
        #expect(results == ["release-waiting": .blocked, "triage-alone": .succeeded])
        let messages = try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "log", "--format=%s", "-3",
            "writ/ledger"
        ).split(separator: "\n").map(String.init)
        #expect(messages.count == 3)
        #expect(messages[0].hasPrefix("writ: blocked 1 intent(s)"), "\(messages)")
        #expect(messages[1].hasPrefix("writ: succeeded triage-alone"), "\(messages)")
        #expect(messages[2].hasPrefix("writ: claim triage-alone (low,"), "\(messages)")
        #expect(try fixture.dispatcher().poll().intents.isEmpty)
        #expect(fixture.runs() == ["triage-alone"])
    }
}
