import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ validate` on governance records: `replaces` is required, and with
/// `--signers` the output says whether `FILE.next.sig` verifies as well.
@Suite struct ValidateGovernanceRecordTests {
    static let digest = ContentDigest.sha256(of: Array("the new state".utf8))
    static let replaced = ContentDigest.sha256(of: Array("the trusted state".utf8))

    /// A governance record by alice, written at its layout path under `directory`.
    static func writeRecord(in directory: URL) throws -> URL {
        let record = try GovernanceRecord(
            governanceDigest: digest, replaces: replaced, decision: .approve,
            approver: try #require(Principal("alice@example.com")),
            createdAt: Timestamp(secondsSinceEpoch: 1_800_000_000))
        let file = directory.appendingPathComponent(record.path.path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(record.canonicalBytes()).write(to: file)
        return file
    }

    /// Signs `file` with `ssh-keygen -Y sign` (stdin to stdout) into `signature`.
    static func sign(_ file: URL, key: String, as signature: String) throws {
        let output = try GitTestSupport.run(
            "/usr/bin/ssh-keygen", ["-q", "-Y", "sign", "-f", key, "-n", "writ-governance"],
            stdin: try Data(contentsOf: file))
        try #require(output.status == 0, "ssh-keygen -Y sign failed: \(output.stderr)")
        try Data(output.stdout.utf8).write(to: URL(fileURLWithPath: signature))
    }

    @Test func aRecordWithoutReplacesIsApprovalMalformed() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let file = try Self.writeRecord(in: dir)
        #expect(try CLI.run("validate", file.path).status == 0)
        let text = try String(contentsOf: file, encoding: .utf8)
        let withoutReplaces =
            text.split(separator: "\n").filter { !$0.hasPrefix("replaces = ") }.joined(separator: "\n") + "\n"
        #expect(withoutReplaces.utf8.count < text.utf8.count)
        // At its layout path, and outside the layout (told by its contents).
        let loose = dir.appendingPathComponent("record.toml")
        for path in [file, loose] {
            try Data(withoutReplaces.utf8).write(to: path)
            let result = try CLI.run("validate", path.path)
            #expect(result.status == 1, "\(path.path): \(result.stdout)")
            #expect(result.stdout.hasPrefix("approval_malformed"), "\(result.stdout)")
            #expect(result.stdout.contains("replaces"), "\(result.stdout)")
        }
        // Outside the layout, `replaces` alone still marks a governance record,
        // so a missing governance_digest is named rather than an unknown key.
        let withoutDigest =
            text.split(separator: "\n").filter { !$0.hasPrefix("governance_digest = ") }.joined(separator: "\n") + "\n"
        try Data(withoutDigest.utf8).write(to: loose)
        let noDigest = try CLI.run("validate", loose.path)
        #expect(noDigest.status == 1)
        #expect(noDigest.stdout.hasPrefix("approval_malformed"), "\(noDigest.stdout)")
        #expect(noDigest.stdout.contains("governance_digest"), "\(noDigest.stdout)")
    }

    @Test func signersCheckTheSigAndReportTheNextSig() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let oldKey = try CLI.makeKey(in: dir, name: "alice-old")
        let newKey = try CLI.makeKey(in: dir, name: "alice-new")
        let oldSigners = dir.appendingPathComponent("old_signers")
        let newSigners = dir.appendingPathComponent("new_signers")
        try Data("alice@example.com \(try CLI.publicKey(oldKey))\n".utf8).write(to: oldSigners)
        try Data("alice@example.com \(try CLI.publicKey(newKey))\n".utf8).write(to: newSigners)
        let file = try Self.writeRecord(in: dir)
        try Self.sign(file, key: oldKey, as: file.path + ".sig")

        // No .next.sig: nothing said about it.
        let plain = try CLI.run("validate", file.path, "--signers", oldSigners.path, "--json")
        #expect(plain.status == 0, "\(plain.stdout)")
        #expect(try plain.jsonObject()["next_signature"] is NSNull, "\(plain.stdout)")

        try Self.sign(file, key: newKey, as: file.path + ".next.sig")
        // Old signers: .sig verifies, .next.sig (the new key) does not, and the output says so.
        let old = try CLI.run("validate", file.path, "--signers", oldSigners.path)
        #expect(old.status == 0, "\(old.stdout)")
        #expect(old.stdout.contains("signed by alice@example.com"), "\(old.stdout)")
        #expect(old.stdout.contains(".next.sig does not verify (signer_unknown)"), "\(old.stdout)")
        // New signers: .sig decides and fails; the output still says .next.sig verifies.
        let new = try CLI.run("validate", file.path, "--signers", newSigners.path)
        #expect(new.status == 1, "\(new.stdout)")
        #expect(new.stdout.hasPrefix("signer_unknown"), "\(new.stdout)")
        #expect(new.stdout.contains(".next.sig verifies"), "\(new.stdout)")
        let json = try CLI.run("validate", file.path, "--signers", newSigners.path, "--json")
        #expect(try json.jsonObject()["next_signature"] as? String == "verified", "\(json.stdout)")
        // Both keys listed: both verify.
        let bothSigners = dir.appendingPathComponent("both_signers")
        try Data(
            (try String(contentsOf: oldSigners, encoding: .utf8) + (try String(contentsOf: newSigners, encoding: .utf8)))
                .utf8
        )
        .write(to: bothSigners)
        let both = try CLI.run("validate", file.path, "--signers", bothSigners.path)
        #expect(both.status == 0, "\(both.stdout)")
        #expect(both.stdout.hasSuffix(".next.sig verifies\n"), "\(both.stdout)")
    }
}
