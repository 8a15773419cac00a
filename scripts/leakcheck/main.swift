// The leak-check workload as a plain program: valgrind cannot run the test
// runner (it crashes inside the concurrency runtime), but it runs this.
// Each iteration appends one ledger-shaped commit (one new file at
// intents/<aa>/<id>.toml on the previous tree, sharded by the id, parent =
// previous commit, ref moved by compare-and-swap), then diffs it and reads
// its signature state, exercising the read paths too.
import Foundation
import WritCore
import WritGit

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 300
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("writ-leakcheck-\(UUID().uuidString)").path
let identity = GitIdentity(name: "dispatch-1", email: "dispatch-1@example.com", date: Date(timeIntervalSince1970: 1_790_000_000))

func shard(_ id: String) -> String {
    // Any stable two-hex-digit fan-out gives the same tree shape.
    String(format: "%02x", id.utf8.reduce(UInt8(0)) { $0 &+ $1 })
}

do {
    let repo = try Repository.create(at: directory, bare: true)
    var tip: ObjectID?
    for index in 0..<count {
        let id = "intent-\(index)"
        let base = try tip.map { try repo.commit($0).tree }
        let tree = try repo.insert(["intents/\(shard(id))/\(id).toml": Data("schema = 1\nid = \"\(id)\"\n".utf8)], into: base)
        let commit = try repo.createCommit(tree: tree, parents: tip.map { [$0] } ?? [], author: identity, committer: identity, message: "ledger: \(id)\n")
        try repo.updateRef("writ/ledger", to: commit, expecting: tip)
        _ = try repo.diff(from: tip, to: commit)
        _ = try repo.commitSignature(commit)
        tip = commit
    }
    print("leakcheck: \(count) commits written; live libgit2 blocks with the repository open: \(GitMemory.liveBlocks)")
} catch {
    print("leakcheck: workload failed: \(error)")
    exit(1)
}
try? FileManager.default.removeItem(atPath: directory)
print("leakcheck: live libgit2 blocks after release: \(GitMemory.liveBlocks)")
