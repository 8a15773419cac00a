import Foundation
import WritCore
import WritGit
import WritOps

/// Measures what one poll's write costs: appending one intent file to a
/// ledger that already holds `ledgerSize` intents, as a signed commit with
/// a compare-and-swap ref update, and the diff a reader makes of it.
enum LedgerAppendBenchmark {
    struct Cost {
        let appendMilliseconds: Double
        let diffMilliseconds: Double
        let buildSeconds: Double
    }

    static func run(ledgerSize: Int, appends: Int) throws -> Cost {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("writ-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ops.git").path
        _ = try OpsRepoInitializer().initialize(at: path, bare: true)
        let repository = try Repository.open(at: path)
        let author = GitIdentity(name: "bench", email: "bench@example.com", date: Date())

        // The existing ledger is built in batches as one commit: the cost
        // under test is the next append, not how the history got there.
        let buildStart = DispatchTime.now()
        var tree = try repository.commitTree(try repository.resolve("writ/ledger")!)
        let batch = 10_000
        var index = 0
        while index < ledgerSize {
            var files: [String: Data] = [:]
            for n in index..<min(index + batch, ledgerSize) {
                let id = IntentID("intent-\(n)")!
                files[LedgerPath.intent(id).path] = Data("schema = 1\nid = \"\(id)\"\n".utf8)
            }
            tree = try repository.insert(files, into: tree)
            index += batch
        }
        let tip = try repository.resolve("writ/ledger")!
        let base = try repository.createCommit(
            tree: tree, parents: [tip], author: author, committer: author, message: "bulk\n")
        try repository.updateRef("writ/ledger", to: base, expecting: tip)
        let buildSeconds = seconds(since: buildStart)

        let identity = SigningIdentity(principal: Principal("bench@example.com")!, key: .generate())
        let appender = BranchAppender(repository: repository)
        var commits: [ObjectID] = []
        let appendStart = DispatchTime.now()
        for n in 0..<appends {
            let id = IntentID("new-\(n)")!
            commits.append(
                try appender.append(
                    [LedgerPath.intent(id).path: Data("schema = 1\nid = \"\(id)\"\n".utf8)], to: "writ/ledger",
                    message: "writ: propose \(id)\n", signer: identity, at: Date()))
        }
        let appendMilliseconds = seconds(since: appendStart) * 1000 / Double(appends)

        var parent = base
        let diffStart = DispatchTime.now()
        for commit in commits {
            _ = try repository.diff(from: parent, to: commit)
            parent = commit
        }
        let diffMilliseconds = seconds(since: diffStart) * 1000 / Double(appends)
        return Cost(
            appendMilliseconds: appendMilliseconds, diffMilliseconds: diffMilliseconds, buildSeconds: buildSeconds)
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
