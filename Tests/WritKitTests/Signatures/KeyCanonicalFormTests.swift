import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Keys are compared in canonical form, as OpenSSH compares them: one RSA
/// key written with a redundant leading zero byte in `e` is the same key.
@Suite struct KeyCanonicalFormTests {
    /// The blob of an RSA public key with `e` re-encoded as `00 ‖ e`.
    static func zeroPadExponent(_ blob: [UInt8]) throws -> [UInt8] {
        var reader = SSHWireReader(blob)
        let type = try reader.readString()
        let exponent = try reader.readString()
        let modulus = try reader.readString()
        var writer = SSHWireWriter()
        writer.writeString(type)
        writer.writeString([0] + exponent)
        writer.writeString(modulus)
        return writer.bytes
    }

    @Test func rsaKeyListedTwiceWithALeadingZeroCountsOnce() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = try SigTest.makeKey(dir, name: "rsa", type: "rsa", bits: 2048)
        let line = try SigTest.publicLine(keyPath)
        let canonical = try #require(SSHBase64.decode(Array(line.split(separator: " ")[1].utf8)))
        let padded = try Self.zeroPadExponent(canonical)
        #expect(padded != canonical)
        let paddedLine = "ssh-rsa " + SSHBase64.encode(padded)

        // One key, one fingerprint, one canonical encoding, as ssh-keygen says.
        let key = try SSHPublicKey(blob: canonical)
        let paddedKey = try SSHPublicKey(blob: padded)
        #expect(key == paddedKey)
        #expect(paddedKey.blob == canonical)
        try Data((paddedLine + "\n").utf8).write(to: dir.appendingPathComponent("padded.pub"))
        let fingerprint = try SigTest.keygen([
            "-l", "-E", "sha256", "-f", dir.appendingPathComponent("padded.pub").path,
        ])
        #expect(String(decoding: fingerprint.stdout, as: UTF8.self).contains(paddedKey.fingerprint))

        // alice is listed with the canonical encoding, bob with the padded one.
        let signers = "alice@example.com \(line)\nbob@example.com \(paddedLine)\n"
        let message = Data("schema = 1\n".utf8)
        let signature = try SigTest.refSign(key: keyPath, namespace: "writ-approval", message: message)
        // The key inside an SSHSIG is not covered by the signature: anyone can
        // re-encode it to match the padded line byte for byte.
        var fields = try SigTest.Fields(blob: SigTest.blob(ofArmored: signature))
        fields.key = padded
        let paddedSignature = SigTest.armor(fields.blob)

        // ssh-keygen reads both encodings as one key, in the signers file and
        // in the signature: it accepts every combination.
        for (sig, principal) in [
            (signature, "bob@example.com"), (paddedSignature, "alice@example.com"),
            (paddedSignature, "bob@example.com"),
        ] {
            #expect(
                try SigTest.refVerify(
                    dir: dir, signature: sig, message: message, principal: principal, namespace: "writ-approval",
                    signers: signers, verifyTime: "20300101Z"))
        }

        let allowed = try AllowedSigners(parsing: signers)
        let asAlice = try SignatureVerifier.verify(
            armored: signature, message: message, principal: "alice@example.com", namespace: "writ-approval",
            allowedSigners: allowed, at: Date())
        let asBob = try SignatureVerifier.verify(
            armored: paddedSignature, message: message, principal: "bob@example.com", namespace: "writ-approval",
            allowedSigners: allowed, at: Date())
        #expect(asAlice.key == asBob.key)
        #expect(asAlice.key.blob == asBob.key.blob)

        // Two principals, one key: the quorum counts it once.
        let chosen = DistinctSignerMatching.match([
            .init(principal: try #require(Principal("alice@example.com")), key: asAlice.key.blob),
            .init(principal: try #require(Principal("bob@example.com")), key: asBob.key.blob),
        ])
        #expect(chosen.count == 1)
    }

    @Test func ed25519AndECDSAKeysHaveOneEncoding() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (type, bits) in [("ed25519", nil), ("ecdsa", 256)] as [(String, Int?)] {
            let keyPath = try SigTest.makeKey(dir, name: type, type: type, bits: bits)
            let line = try SigTest.publicLine(keyPath)
            let blob = try #require(SSHBase64.decode(Array(line.split(separator: " ")[1].utf8)))
            let key = try SSHPublicKey(blob: blob)
            #expect(key.blob == blob)
            #expect(key.openSSHLine == line)
        }
    }
}
