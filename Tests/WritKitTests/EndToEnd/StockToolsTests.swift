import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// "An approval made with stock `ssh-keygen -Y sign` (not writ) and merged
/// with stock `git` counts exactly like one made by `writ approve`."
@Suite struct StockToolsTests {
    /// Runs a shell pipeline with the same environment as the git witness.
    @discardableResult
    static func shell(_ script: String, in directory: URL) throws -> String {
        let output = try GitTestSupport.run("/bin/sh", ["-c", script], in: directory)
        try #require(output.status == 0, "\(script) failed: \(output.stderr)")
        return output.trimmed
    }

    /// Approves `id` as `principal` the way a person without writ would:
    /// reads the intent with git, hashes it with sha256sum, writes the
    /// record by hand, signs it with ssh-keygen, commits it on a branch and
    /// (with `merge`) merges that into main with `git merge --no-ff` and pushes.
    static func stockApprove(
        _ repo: E2ERepo, work: URL, id: String, tier: String, as principal: String, merge: Bool = true
    ) throws {
        let fanOut = String(try shell("printf %s '\(id)' | sha256sum", in: work).prefix(2))
        let intentPath = "intents/\(fanOut)/\(id).toml"
        try GitTestSupport.git(work, "fetch", "-q", "origin")
        let digest = String(
            try shell("git cat-file blob origin/writ/ledger:\(intentPath) | sha256sum", in: work).prefix(64))
        let folder = "approvals/\(fanOut)/\(id)"
        let file = "\(folder)/\(principal).toml"
        try GitTestSupport.write(
            """
            schema = 1
            intent = "\(id)"
            intent_digest = "sha256:\(digest)"
            tier = "\(tier)"
            decision = "approve"
            approver = "\(principal)"
            created_at = "2026-01-15T09:30:00Z"

            """, to: work.appendingPathComponent(file))
        let key = repo.directory.appendingPathComponent("stock-key-\(principal)")
        if !FileManager.default.fileExists(atPath: key.path) {
            try FileManager.default.copyItem(atPath: repo.sandbox.keyPath(principal), toPath: key.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        }
        let signed = try GitTestSupport.run(
            "/usr/bin/ssh-keygen", ["-Y", "sign", "-f", key.path, "-n", "writ-approval", file], in: work)
        try #require(signed.status == 0, "ssh-keygen -Y sign failed: \(signed.stderr)")
        let branch = "approval/\(id)-\(principal)"
        try GitTestSupport.git(work, "checkout", "-q", "-b", branch)
        try GitTestSupport.git(work, "add", file, file + ".sig")
        try GitTestSupport.git(work, "commit", "-q", "-m", "approve \(id) as \(principal)")
        try GitTestSupport.git(work, "push", "-q", "origin", branch)
        try GitTestSupport.git(work, "checkout", "-q", "main")
        if merge {
            try GitTestSupport.git(work, "pull", "-q", "--no-rebase", "origin", "main")
            try GitTestSupport.git(work, "merge", "-q", "--no-ff", "-m", "Merge \(branch)", branch)
            try GitTestSupport.git(work, "push", "-q", "origin", "main")
        }
    }

    @Test func stockSignedAndMergedApprovalCountsLikeWritApprove() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-stock")
        try repo.propose("dev", "dev-twin")
        try repo.approve("dev-twin", as: E2ERepo.bob)
        try repo.propose("release", "release-stock")
        try repo.propose("release", "release-twin")
        try repo.approve("release-twin", as: E2ERepo.alice)
        try repo.approve("release-twin", as: E2ERepo.carol)

        let work = repo.directory.appendingPathComponent("work")
        try GitTestSupport.git(repo.directory, "clone", "-q", "-b", "main", repo.opsURL.path, work.path)

        // Near miss: signed and pushed, but only on its approval branch.
        try Self.stockApprove(repo, work: work, id: "dev-stock", tier: "medium", as: E2ERepo.bob, merge: false)
        let unmerged = try repo.verdict("dev-stock")
        #expect(unmerged.reason == .notApproved)
        #expect(unmerged.approvals == 0)

        try GitTestSupport.git(
            work, "merge", "-q", "--no-ff", "-m", "Merge bob's approval", "approval/dev-stock-\(E2ERepo.bob)")
        try GitTestSupport.git(work, "push", "-q", "origin", "main")
        try Self.stockApprove(repo, work: work, id: "release-stock", tier: "high", as: E2ERepo.alice)
        #expect(try repo.verdict("release-stock").reason == .notApproved)
        try Self.stockApprove(repo, work: work, id: "release-stock", tier: "high", as: E2ERepo.carol)

        let status = try repo.status()
        #expect(status.governance.trusted && status.ledger.ok)
        for (stock, twin) in [("dev-stock", "dev-twin"), ("release-stock", "release-twin")] {
            let a = try #require(status.intents.first { $0.id.rawValue == stock })
            let b = try #require(status.intents.first { $0.id.rawValue == twin })
            #expect(a.state == .ready, "\(stock): \(a.detail)")
            #expect(a.reason == nil)
            #expect(
                (a.state, a.reason, a.tier, a.approvals, a.required) == (
                    b.state, b.reason, b.tier, b.approvals, b.required
                ))
            let countedA = try #require(status.verdicts[a.id]).counted.map(\.approver).sorted()
            let countedB = try #require(status.verdicts[b.id]).counted.map(\.approver).sorted()
            #expect(countedA == countedB)
            #expect(try #require(status.verdicts[a.id]).discarded.isEmpty)
        }
        #expect(status.intents.first { $0.id.rawValue == "release-stock" }?.approvals == 2)
        #expect(status.intents.first { $0.id.rawValue == "dev-stock" }?.approvals == 1)
    }
}
