import Foundation
import Testing
import WritBulkLoad

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ status` over a ledger built in bulk (the same builder writ-bench
/// uses at ten thousand intents), at a size the test suite can afford.
@Suite struct StatusScaleTests {
    @Test func fiveHundredBulkIntentsAllCountTheirApproval() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let load = try repo.sandbox.loadApprovedIntents(
            count: 500, proposer: E2ERepo.agent, approver: E2ERepo.bob, batchSize: 200, at: repo.now)
        #expect(load.ids.count == 500)
        #expect(load.ledgerCommits == 3 && load.governanceCommits == 3)
        // One more, proposed and left unapproved, must stand out.
        try repo.propose("dev", "zz-unapproved")

        let status = try repo.status()
        #expect(status.governance.trusted && status.ledger.ok)
        #expect(status.intents.count == 501)
        let loaded = status.intents.filter { $0.id.rawValue.hasPrefix("load-") }
        #expect(loaded.count == 500)
        #expect(loaded.allSatisfy { $0.state == .ready && $0.reason == nil && $0.approvals == 1 && $0.required == 1 })
        #expect(status.intents.last?.reason == .notApproved)

        // The same answer from the binary, and git agrees on what was written.
        let output = try CLI.run("status", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex, "--json")
        #expect(output.status == 0)
        let intents = try #require(try StatusCommandTests.json(output)["intents"] as? [[String: Any]])
        #expect(intents.filter { $0["state"] as? String == "ready" }.count == 500)
        let files = try GitTestSupport.git(repo.opsURL, "ls-tree", "-r", "--name-only", "main", "approvals/")
        #expect(files.split(separator: "\n").filter { $0.hasSuffix("@example.com.toml.sig") }.count == 500)
    }

    /// A warm status prints its stored lines straight from the snapshot, up
    /// to 1,024 at a time in one vectored write: across several such
    /// batches, with intents decided now falling between stored ones, and
    /// through a pipe, it prints exactly what a cold status prints.
    @Test func aWarmStatusOverManyStoredRowsPrintsWhatAColdOnePrints() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        _ = try repo.sandbox.loadSettledIntents(
            count: 2_500, proposer: E2ERepo.agent, dispatcher: E2ERepo.dispatcher, batchSize: 1_000, at: repo.now)
        let arguments = ["status", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex, "--json"]
        let snapshot = StatusEvaluator.snapshotFile(of: repo.sandbox.ops)
        func run() throws -> String {
            let output = try CLI.runArgs(arguments)
            #expect(output.status == 0, "\(output.stderr)")
            return output.stdout
        }
        func cold() throws -> String {
            try? FileManager.default.removeItem(at: snapshot)
            return try run()
        }

        let first = try cold()
        #expect(first.split(separator: "\n").count == 2_501)
        #expect(try run() == first)
        // Open intents sort between stored rows, and after the last one.
        for id in ["done-1500-open", "done-0-open", "zz-open"] { try repo.propose("dev", id) }
        let warm = try run()
        #expect(warm.split(separator: "\n").count == 2_504)
        #expect(warm == (try cold()))
        #expect(warm.contains(#""id":"done-1500-open""#))
    }
}
