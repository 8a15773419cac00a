import Crypto
import Foundation

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Ledger-shaped writes (SPEC §3) built from the Git layer's public API,
/// shared by the leak check and the timing runs.
enum LedgerWorkload {
    /// `<aa>`: the first two hex digits of sha256(intent id).
    static func shard(_ id: String) -> String {
        let digest = SHA256.hash(data: Data(id.utf8))
        return String(digest.map { String(format: "%02x", $0) }.joined().prefix(2))
    }

    static func intentPath(_ id: String) -> String {
        "intents/\(shard(id))/\(id).toml"
    }

    static func intentBytes(_ id: String) -> Data {
        Data("schema = 1\nid = \"\(id)\"\nkind = \"triage\"\nproposer = \"agent-1@example.com\"\n".utf8)
    }

    static let identity = GitIdentity(
        name: "dispatch-1", email: "dispatch-1@example.com", date: Date(timeIntervalSince1970: 1_790_000_000))

    /// Appends one intent as one commit on `ref`: insert on the tip's tree,
    /// commit with the tip as parent, compare-and-swap the ref.
    @discardableResult
    static func append(_ repo: Repository, ref: String, intent: String, tip: ObjectID?) throws -> ObjectID {
        let base = try tip.map { try repo.commit($0).tree }
        let tree = try repo.insert([intentPath(intent): intentBytes(intent)], into: base)
        let commit = try repo.createCommit(
            tree: tree, parents: tip.map { [$0] } ?? [], author: identity, committer: identity,
            message: "ledger: \(intent)\n")
        try repo.updateRef(ref, to: commit, expecting: tip)
        return commit
    }

    /// Builds a ledger of `count` intents as ONE commit on `ref`, inserting
    /// in batches so no single call holds every blob.
    static func buildLedger(_ repo: Repository, ref: String, count: Int, batch: Int = 10_000) throws -> ObjectID {
        var tree: ObjectID?
        var start = 0
        while start < count {
            let end = min(count, start + batch)
            var files: [String: Data] = [:]
            for index in start..<end {
                let id = "intent-\(index)"
                files[intentPath(id)] = intentBytes(id)
            }
            tree = try repo.insert(files, into: tree)
            start = end
        }
        let root = try repo.insert([:], into: tree)
        let commit = try repo.createCommit(
            tree: root, parents: [], author: identity, committer: identity, message: "ledger: \(count) intents\n")
        try repo.updateRef(ref, to: commit, expecting: nil)
        return commit
    }

    /// Seconds taken by `body`.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
