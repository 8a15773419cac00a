import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §3, end to end: a ledger commit that does more than add
/// `intents/` and `audit/` files, made with stock git plumbing or signed
/// through libgit2, stops every intent.
@Suite struct LedgerViolationTests {
    /// Replaces (or, with nil, removes) the file at `path` on the ledger
    /// branch with git plumbing only: hash-object, ls-tree, mktree,
    /// commit-tree, update-ref.
    static func rewriteLedgerFile(_ repo: E2ERepo, _ path: String, with bytes: Data?) throws {
        let git = repo.opsURL
        let blob = try bytes.map { try GitTestSupport.git(git, "hash-object", "-w", "--stdin", stdin: $0) }
        func rebuild(_ tree: String, _ components: ArraySlice<Substring>) throws -> String {
            var lines = try GitTestSupport.git(git, "ls-tree", tree).split(separator: "\n").map(String.init)
            let name = String(try #require(components.first))
            let index = try #require(lines.firstIndex { $0.hasSuffix("\t" + name) }, "no \(name) in \(tree)")
            let fields = lines[index].split(separator: "\t")[0].split(separator: " ")
            if components.count == 1 {
                if let blob { lines[index] = "\(fields[0]) blob \(blob)\t\(name)" } else { lines.remove(at: index) }
            } else {
                let child = try rebuild(String(fields[2]), components.dropFirst())
                lines[index] = "\(fields[0]) tree \(child)\t\(name)"
            }
            return try GitTestSupport.git(git, "mktree", stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        let tree = try rebuild("writ/ledger^{tree}", path.split(separator: "/")[...])
        let commit = try GitTestSupport.git(git, "commit-tree", tree, "-p", "writ/ledger", "-m", "rewrite \(path)")
        try GitTestSupport.git(git, "update-ref", "refs/heads/writ/ledger", commit)
    }

    /// A repo with one ready low intent, one ready approved medium intent and a third to tamper with.
    static func readyRepo(_ name: String = #function) throws -> E2ERepo {
        let repo = try E2ERepo(name)
        try repo.propose("triage", "triage-ready")
        try repo.propose("dev", "dev-ready")
        try repo.approve("dev-ready", as: E2ERepo.bob)
        try repo.propose("triage", "triage-victim")
        let status = try repo.status()
        #expect(status.ledger.ok)
        #expect(status.intents.allSatisfy { $0.state == .ready })
        return repo
    }

    static func expectStopped(_ status: OpsStatus, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!status.ledger.ok, sourceLocation: sourceLocation)
        #expect(status.ledger.reason == .ledgerViolation, sourceLocation: sourceLocation)
        #expect(!status.isHealthy, sourceLocation: sourceLocation)
        #expect(status.intents.count == 3, sourceLocation: sourceLocation)
        #expect(!status.intents.contains { $0.state == .ready }, sourceLocation: sourceLocation)
        for id in ["triage-ready", "dev-ready"] {
            #expect(
                status.intents.first { $0.id.rawValue == id }?.reason == .ledgerViolation,
                sourceLocation: sourceLocation)
        }
    }

    @Test func commitModifyingAnExistingFileWithGitPlumbingIsLedgerViolation() throws {
        let repo = try Self.readyRepo()
        defer { repo.remove() }
        let path = LedgerPath.intent(try E2ERepo.id("triage-victim")).path
        let original = try #require(try repo.sandbox.ops.repository.blob(at: path, in: "refs/heads/writ/ledger"))
        try Self.rewriteLedgerFile(repo, path, with: original + Data("# edited\n".utf8))
        Self.expectStopped(try repo.status())
    }

    @Test func commitRemovingAFileWithGitPlumbingIsLedgerViolation() throws {
        let repo = try Self.readyRepo()
        defer { repo.remove() }
        try Self.rewriteLedgerFile(repo, LedgerPath.intentSignature(try E2ERepo.id("triage-victim")).path, with: nil)
        Self.expectStopped(try repo.status())
    }

    @Test func signedOverwriteThroughLibgit2IsLedgerViolation() throws {
        let repo = try Self.readyRepo()
        defer { repo.remove() }
        // A validly signed commit by the agent that re-signs and replaces the victim's intent.
        let intent = try repo.rawIntent("triage-victim", kind: "triage")
        let bytes = Data(intent.canonicalBytes()) + Data("# replaced\n".utf8)
        let signature = try repo.sandbox.identity(E2ERepo.agent).sign(bytes, namespace: "writ-intent")
        try BranchAppender(repository: repo.sandbox.ops.repository).append(
            [
                LedgerPath.intent(intent.id).path: bytes,
                LedgerPath.intentSignature(intent.id).path: Data(signature.utf8),
            ],
            to: "writ/ledger", message: "replace\n", signer: repo.sandbox.identity(E2ERepo.agent), at: repo.now,
            overwrite: true)
        Self.expectStopped(try repo.status())
    }

    @Test func fileOutsideIntentsAndAuditIsLedgerViolationButAnAppendIsNot() throws {
        let repo = try Self.readyRepo()
        defer { repo.remove() }
        // Near miss: another plain append keeps the ledger ok.
        try repo.propose("triage", "triage-later")
        let fine = try repo.status()
        #expect(fine.ledger.ok)
        #expect(fine.intents.allSatisfy { $0.state == .ready })
        try repo.sandbox.appendToLedger(
            ["notes.txt": Data("hello\n".utf8)], as: E2ERepo.agent, message: "notes\n", at: repo.now)
        let status = try repo.status()
        #expect(status.ledger.reason == .ledgerViolation)
        #expect(!status.intents.contains { $0.state == .ready })
    }
}
