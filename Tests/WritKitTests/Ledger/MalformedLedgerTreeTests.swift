import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A ledger commit whose tree git itself would refuse (duplicate entries:
/// libgit2 finds the second twin, stock git the first) is a
/// `ledger_violation` for every reader, and nothing runs.
@Suite struct MalformedLedgerTreeTests {
    @Test func duplicateRootEntryStopsStatusAndDispatch() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-twin")
        let repo = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let tip = try fixture.sandbox.ops.ledgerHead()
        // The root tree as it is, plus a second `intents` entry after the first.
        var entries: [TreeIntegrityTests.RawEntry] = []
        for line in try GitTestSupport.git(repo, "ls-tree", tip.hex).split(separator: "\n") {
            let fields = line.split(separator: "\t")
            let meta = fields[0].split(separator: " ")
            let mode = meta[0] == "040000" ? "40000" : String(meta[0])
            entries.append(.init(mode, String(fields[1]), try GitTestSupport.id(String(meta[2]))))
        }
        let intents = try #require(entries.firstIndex { $0.name == Array("intents".utf8) })
        let decoy = try GitTestSupport.id(try GitTestSupport.git(repo, "mktree", stdin: Data()))
        entries.insert(.init("40000", "intents", decoy), at: intents + 1)
        let tree = try TreeIntegrityTests.writeRawTree(repo, entries)
        let commit = try GitTestSupport.id(
            try GitTestSupport.git(repo, "commit-tree", tree.hex, "-p", tip.hex, "-m", "twin"))
        try GitTestSupport.git(repo, "update-ref", "refs/heads/writ/ledger", commit.hex, tip.hex)

        let status = try CLI.run("status", "--config", fixture.configPath, "--json")
        #expect(status.stdout.contains("\"ledger_violation\""), "\(status.stdout) \(status.stderr)")
        let dispatch = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(dispatch.status == 3, "\(dispatch.stderr)")
        #expect(dispatch.stderr.contains("ledger_violation"), "\(dispatch.stderr)")
        #expect(fixture.runs().isEmpty)
    }
}
