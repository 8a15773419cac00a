import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct GitSignatureTests {
    typealias S = GitTestSupport

    /// An ed25519 key, an allowed_signers file for it, and a signing closure
    /// that runs `ssh-keygen -Y sign -n git`.
    struct Signer {
        let key: URL
        let allowedSigners: URL
        let principal = "signer@example.com"

        init(_ dir: URL) throws {
            key = dir.appendingPathComponent("id_ed25519")
            allowedSigners = dir.appendingPathComponent("allowed_signers")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let made = try S.run(
                "/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", key.path])
            try #require(made.status == 0, "\(made.stderr)")
            let publicKey = try String(decoding: Data(contentsOf: key.appendingPathExtension("pub")), as: UTF8.self)
            try S.write("\(principal) namespaces=\"git\" \(publicKey)", to: allowedSigners)
        }

        func sign(_ payload: Data) throws -> String {
            let box = try S.scratch("sign")
            defer { S.remove(box) }
            let file = box.appendingPathComponent("payload")
            try payload.write(to: file)
            let signed = try S.run("/usr/bin/ssh-keygen", ["-Y", "sign", "-n", "git", "-f", key.path, file.path])
            guard signed.status == 0 else { throw CocoaError(.fileWriteUnknown) }
            return String(decoding: try Data(contentsOf: file.appendingPathExtension("sig")), as: UTF8.self)
        }

        func verify(payload: Data, armored: String) throws -> GitTestSupport.Output {
            let box = try S.scratch("verify")
            defer { S.remove(box) }
            let sig = box.appendingPathComponent("sig")
            try Data(armored.utf8).write(to: sig)
            return try S.run(
                "/usr/bin/ssh-keygen",
                ["-Y", "verify", "-n", "git", "-f", allowedSigners.path, "-I", principal, "-s", sig.path],
                stdin: payload)
        }
    }

    private func signedCommit(_ dir: URL, _ signer: Signer) throws -> (Repository, ObjectID, Data) {
        let repo = try Repository.create(at: dir.path, bare: true)
        let tree = try repo.insert(["intents/aa/x.toml": Data("x\n".utf8)], into: nil)
        var signedPayload = Data()
        let id = try repo.createSignedCommit(
            tree: tree, parents: [], author: S.identity, committer: S.identity, message: "ledger: claim\n"
        ) { payload in
            signedPayload = payload
            return try signer.sign(payload)
        }
        return (repo, id, signedPayload)
    }

    @Test func signedCommitVerifiesWithGitAndStrictReader() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let signer = try Signer(dir.appendingPathComponent("keys"))
        let (repo, id, signedPayload) = try signedCommit(dir.appendingPathComponent("repo.git"), signer)
        let repoDir = dir.appendingPathComponent("repo.git")

        let verified = try S.run(
            "/usr/bin/git",
            [
                "-C", repoDir.path, "-c", "gpg.format=ssh", "-c",
                "gpg.ssh.allowedSignersFile=\(signer.allowedSigners.path)",
                "verify-commit", id.hex,
            ])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stderr.contains("Good \"git\" signature for \(signer.principal)"))

        // No stray empty continuation line after the signature.
        let raw = try S.git(repoDir, "cat-file", "commit", id.hex)
        #expect(raw.contains("-----END SSH SIGNATURE-----\n\nledger: claim"))
        let fsck = try S.run("/usr/bin/git", ["-C", repoDir.path, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.stderr)")

        guard case .signed(let armored, let payload) = try repo.commitSignature(id) else {
            Issue.record("signed commit read as unsigned")
            return
        }
        #expect(payload == signedPayload)
        #expect(armored.hasPrefix("-----BEGIN SSH SIGNATURE-----\n"))
        #expect(armored.hasSuffix("-----END SSH SIGNATURE-----\n"))
        let check = try signer.verify(payload: payload, armored: armored)
        #expect(check.status == 0, "\(check.stderr)")
        // The witness can fail: a changed payload does not verify.
        var tampered = payload
        tampered.append(contentsOf: Array("x".utf8))
        #expect(try signer.verify(payload: tampered, armored: armored).status != 0)
    }

    /// Writes `raw` as a commit object without git's checks.
    private func writeLiteral(_ dir: URL, _ raw: String) throws -> ObjectID {
        try S.id(S.git(dir, "hash-object", "-t", "commit", "-w", "--literally", "--stdin", stdin: Data(raw.utf8)))
    }

    @Test func duplicateOrOtherSignatureHeadersAndMessageSignaturesAreUnsigned() throws {
        let dir = try S.scratch()
        defer { S.remove(dir) }
        let signer = try Signer(dir.appendingPathComponent("keys"))
        let repoDir = dir.appendingPathComponent("repo.git")
        let (repo, id, _) = try signedCommit(repoDir, signer)
        let raw = String(decoding: try repo.rawObject(id).data, as: UTF8.self)
        let parts = raw.components(separatedBy: "\n\n")
        let headers = parts[0]
        let body = parts.dropFirst().joined(separator: "\n\n")
        let sigHeader = String(headers[headers.range(of: "gpgsig ")!.lowerBound...])
        let plainHeaders = String(headers[..<headers.range(of: "gpgsig ")!.lowerBound])

        let twice = try writeLiteral(repoDir, headers + "\n" + sigHeader + "\n\n" + body)
        #expect(try repo.commitSignature(twice) == .unsigned(.multipleSignatureHeaders))

        let sha256 = "gpgsig-sha256" + sigHeader.dropFirst("gpgsig".count)
        let withOther = try writeLiteral(repoDir, headers + "\n" + sha256 + "\n\n" + body)
        #expect(try repo.commitSignature(withOther) == .unsigned(.otherSignatureHeader))

        let armored = sigHeader.dropFirst("gpgsig ".count).replacingOccurrences(of: "\n ", with: "\n")
        let inMessage = try writeLiteral(repoDir, plainHeaders + "\n" + body + armored + "\n")
        #expect(try repo.commitSignature(inMessage) == .unsigned(.signatureInMessage))
        // git agrees that a message-body signature is no signature.
        let verified = try S.run(
            "/usr/bin/git",
            [
                "-C", repoDir.path, "-c", "gpg.format=ssh", "-c",
                "gpg.ssh.allowedSignersFile=\(signer.allowedSigners.path)",
                "verify-commit", inMessage.hex,
            ])
        #expect(verified.status != 0)

        let plain = try writeLiteral(repoDir, plainHeaders + "\n" + body)
        #expect(try repo.commitSignature(plain) == .unsigned(.noSignatureHeader))
        let tree = try repo.commit(id).tree
        #expect(throws: GitUsageError.wrongObjectKind(id: tree, expected: "commit")) { try repo.commitSignature(tree) }
    }

    @Test func parserDropsEveryGpgsigHeaderFromPayload() {
        let raw =
            "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n"
            + "gpgsig -----BEGIN SSH SIGNATURE-----\n AAAA\n -----END SSH SIGNATURE-----\n\nmsg\n"
        guard case .signed(let armored, let payload) = CommitSignature.parse(rawCommit: Data(raw.utf8)) else {
            Issue.record("expected signed")
            return
        }
        #expect(armored == "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n")
        #expect(
            String(decoding: payload, as: UTF8.self)
                == "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nmsg\n"
        )
        #expect(CommitSignature.parse(rawCommit: Data("tree x\nno blank line".utf8)) == .unsigned(.malformedObject))
        #expect(
            CommitSignature.parse(rawCommit: Data(" continuation first\n\nmsg".utf8)) == .unsigned(.malformedObject))
    }
}
