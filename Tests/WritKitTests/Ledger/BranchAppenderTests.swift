import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Signed ledger commits made in process must verify with stock git.
@Suite struct BranchAppenderTests {
    @Test func signedCommitsVerifyWithGitVerifyCommit() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let ops = dir.appendingPathComponent("ops.git")
        _ = try OpsRepoInitializer().initialize(at: ops.path, bare: true)
        let key = try CLI.makeKey(in: dir, name: "dispatch")
        let signersFile = dir.appendingPathComponent("allowed_signers")
        try Data("dispatch-1@example.com \(try CLI.publicKey(key))\n".utf8).write(to: signersFile)

        let identity = try SigningIdentity(principal: try #require(Principal("dispatch-1@example.com")), keyPath: key)
        let appender = BranchAppender(repository: try Repository.open(at: ops.path))
        let id = try #require(IntentID("sign-me"))
        let first = try appender.append(
            [LedgerPath.intent(id).path: Data("x\n".utf8)], to: "writ/ledger", message: "writ: propose sign-me\n",
            signer: identity, at: Date())
        let second = try appender.append(
            [LedgerPath.intentSignature(id).path: Data("y\n".utf8)], to: "writ/ledger", message: "writ: sign\n",
            signer: identity, at: Date())

        for commit in [first, second] {
            let verify = try GitTestSupport.run(
                "/usr/bin/git",
                [
                    "--git-dir", ops.path, "-c", "gpg.format=ssh", "-c",
                    "gpg.ssh.allowedSignersFile=\(signersFile.path)",
                    "verify-commit", commit.hex,
                ])
            #expect(verify.status == 0, "git verify-commit: \(verify.stderr)")
            #expect(verify.stderr.contains("Good \"git\" signature for dispatch-1@example.com"))
        }
        #expect(try GitTestSupport.git(ops, "rev-parse", "writ/ledger") == second.hex)
        #expect(try GitTestSupport.git(ops, "fsck", "--strict").isEmpty)

        // Append-only: the same path again is a ledger violation, and the branch does not move.
        #expect(throws: WritError.self) {
            try appender.append(
                [LedgerPath.intent(id).path: Data("z\n".utf8)], to: "writ/ledger", message: "again\n",
                signer: identity, at: Date())
        }
        #expect(try GitTestSupport.git(ops, "rev-parse", "writ/ledger") == second.hex)
    }

    @Test func concurrentAppendersBothLandWithoutLosingEitherFile() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let ops = dir.appendingPathComponent("ops.git")
        _ = try OpsRepoInitializer().initialize(at: ops.path, bare: true)
        let key = try CLI.makeKey(in: dir, name: "agent")
        let identity = try SigningIdentity(principal: try #require(Principal("agent@example.com")), keyPath: key)
        let path = ops.path
        let lanes = 4
        let perLane = 10
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            guard let repository = try? Repository.open(at: path) else { return }
            let appender = BranchAppender(repository: repository)
            for index in 0..<perLane {
                guard let id = IntentID("lane-\(lane)-\(index)") else { continue }
                _ = try? appender.append(
                    [LedgerPath.intent(id).path: Data("\(lane) \(index)\n".utf8)], to: "writ/ledger",
                    message: "writ: propose \(id)\n", signer: identity, at: Date())
            }
        }
        let files = try GitTestSupport.git(ops, "ls-tree", "-r", "--name-only", "writ/ledger")
            .split(separator: "\n")
        #expect(files.count == lanes * perLane)
    }

    /// Another writer's ref lock is never taken by an operator command,
    /// however old: the append waits, fails naming the lock file, and
    /// leaves both the lock and the branch alone.
    @Test func operatorAppendWaitsForAnOldRefLockAndNeverRemovesIt() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let ops = dir.appendingPathComponent("ops.git")
        _ = try OpsRepoInitializer().initialize(at: ops.path, bare: true)
        let key = try CLI.makeKey(in: dir, name: "agent")
        let identity = try SigningIdentity(principal: try #require(Principal("agent@example.com")), keyPath: key)
        let before = try GitTestSupport.git(ops, "rev-parse", "writ/ledger")
        let lock = ops.appendingPathComponent("refs/heads/writ/ledger.lock").path
        try FileManager.default.createDirectory(
            atPath: (lock as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: lock))
        // A lock that has stood for a minute: a slow writer's, as far as anyone can tell.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: lock)

        var appender = BranchAppender(repository: try Repository.open(at: ops.path))
        appender.lockWaitSeconds = 1
        let id = try #require(IntentID("locked-out"))
        let began = Date()
        do {
            try appender.append(
                [LedgerPath.intent(id).path: Data("x\n".utf8)], to: "writ/ledger", message: "writ: propose\n",
                signer: identity, at: Date())
            Issue.record("the append went through another writer's lock")
        } catch let error as BranchAppender.LockHeld {
            #expect(error.lockFile.hasSuffix("refs/heads/writ/ledger.lock"))
            #expect("\(error)".contains(error.lockFile) && "\(error)".contains("remove"), "\(error)")
        }
        #expect(Date().timeIntervalSince(began) >= 1)
        #expect(FileManager.default.fileExists(atPath: lock))
        #expect(try GitTestSupport.git(ops, "rev-parse", "writ/ledger") == before)

        // Near miss: the branch's exclusive owner opts in and clears the stale lock.
        appender.clearsStaleLocks = true
        let landed = try appender.append(
            [LedgerPath.intent(id).path: Data("x\n".utf8)], to: "writ/ledger", message: "writ: propose\n",
            signer: identity, at: Date())
        #expect(!FileManager.default.fileExists(atPath: lock))
        #expect(try GitTestSupport.git(ops, "rev-parse", "writ/ledger") == landed.hex)
    }
}

/// Keys generated in process can be written out and used by stock tools.
@Suite struct PrivateKeyExportTests {
    @Test func exportedKeyIsReadByOpenSSHAndByWrit() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let key = SSHEd25519PrivateKey.generate()
        let path = dir.appendingPathComponent("key").path
        try Data(key.openSSHPrivateKeyText(comment: "demo").utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        // ssh-keygen derives the same public key from the file.
        let derived = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-y", "-f", path])
        #expect(derived.status == 0, "\(derived.stderr)")
        #expect(derived.trimmed.hasPrefix(key.publicKey.openSSHLine))
        // And writ reads it back to the same key.
        let reread = try SSHEd25519PrivateKey(openSSH: try String(contentsOfFile: path, encoding: .utf8))
        #expect(reread.publicKey == key.publicKey)
    }
}
