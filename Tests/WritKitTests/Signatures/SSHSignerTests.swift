import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct SSHSignerTests {
    @Test func inProcessEd25519SignatureIsByteIdenticalAndVerifies() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = try SigTest.makeKey(dir, name: "alice", type: "ed25519")
        let key = try SSHEd25519PrivateKey(openSSH: String(contentsOfFile: keyPath, encoding: .utf8))
        #expect(key.publicKey.openSSHLine == (try SigTest.publicLine(keyPath)))

        let fp = try SigTest.keygen(["-l", "-E", "sha256", "-f", keyPath + ".pub"])
        #expect(String(decoding: fp.stdout, as: UTF8.self).contains(key.publicKey.fingerprint))

        let signers = "alice@example.com \(key.publicLine)\n"
        for message in [Data(), Data("hello\n".utf8), Data(repeating: 7, count: 10_000)] {
            let mine = try key.sign(message: message, namespace: "writ-approval")
            let theirs = try SigTest.refSign(key: keyPath, namespace: "writ-approval", message: message)
            #expect(
                Array(mine.utf8) == theirs, "ed25519 signatures are deterministic: the armour must match byte for byte")
            #expect(
                try SigTest.refVerify(
                    dir: dir, signature: Array(mine.utf8), message: message, principal: "alice@example.com",
                    namespace: "writ-approval", signers: signers, verifyTime: "20300101Z"))
            // And through the public entry point, which picks the in-process path.
            let viaFile = try SSHSigner.sign(message: message, namespace: "writ-approval", keyPath: keyPath)
            #expect(viaFile == mine)
        }
    }

    @Test func otherKeyTypesAndEncryptedKeysSignThroughSSHKeygen() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = Data("payload".utf8)
        for (type, bits) in [("ecdsa", 256), ("rsa", 2048)] {
            let keyPath = try SigTest.makeKey(dir, name: type, type: type, bits: bits)
            #expect(throws: SSHPrivateKeyError.self) {
                try SSHEd25519PrivateKey(openSSH: String(contentsOfFile: keyPath, encoding: .utf8))
            }
            let armored = try SSHSigner.sign(message: message, namespace: "writ-intent", keyPath: keyPath)
            let signers = try AllowedSigners(parsing: "p@example.com \(try SigTest.publicLine(keyPath))\n")
            let verified = try SignatureVerifier.verify(
                armored: Array(armored.utf8), message: message, principal: "p@example.com", namespace: "writ-intent",
                allowedSigners: signers, at: Date())
            #expect(verified.entry.line == 1)
        }
        let encrypted = try SigTest.makeKey(dir, name: "enc", type: "ed25519", passphrase: "correct horse")
        #expect(throws: SSHPrivateKeyError.encrypted(cipher: "aes256-ctr")) {
            try SSHEd25519PrivateKey(openSSH: String(contentsOfFile: encrypted, encoding: .utf8))
        }
    }

    @Test func garbledPrivateKeysAreRejectedClearly() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = try SigTest.makeKey(dir, name: "k", type: "ed25519")
        let text = try String(contentsOfFile: keyPath, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let body = lines.dropFirst().dropLast().joined()
        var blob = try #require(SSHBase64.decode(Array(body.utf8)))
        func rearmor(_ bytes: [UInt8]) -> String {
            "-----BEGIN OPENSSH PRIVATE KEY-----\n" + SSHBase64.encodeWrapped(bytes)
                + "-----END OPENSSH PRIVATE KEY-----\n"
        }
        #expect(throws: Never.self) { try SSHEd25519PrivateKey(openSSH: rearmor(blob)) }
        let cases: [(String, String)] = [
            ("no armour", body),
            ("truncated", String(text.prefix(text.count / 2))),
            ("garbage after", text + "junk"),
            ("bad base64", text.replacingOccurrences(of: lines[2], with: "!" + lines[2].dropFirst())),
        ]
        for (name, input) in cases {
            #expect(throws: SSHPrivateKeyError.self, "\(name)") { try SSHEd25519PrivateKey(openSSH: input) }
        }
        // A check integer changed: the two no longer match.
        var reader = SSHWireReader(blob)
        _ = try reader.readBytes(15)
        _ = try reader.readString()
        _ = try reader.readString()
        _ = try reader.readString()
        _ = try reader.readUInt32()
        _ = try reader.readString()
        let privateStart = reader.offset + 4
        blob[privateStart] ^= 0xFF
        #expect(throws: SSHPrivateKeyError.malformed("check integers differ")) {
            try SSHEd25519PrivateKey(openSSH: rearmor(blob))
        }
        blob[privateStart] ^= 0xFF
        // The secret half no longer matches the public key.
        blob[privateStart + 8 + 4 + 11 + 4 + 32 + 4 + 1] ^= 0x01
        #expect(throws: SSHPrivateKeyError.self) { try SSHEd25519PrivateKey(openSSH: rearmor(blob)) }
    }

    @Test func privateKeyNeverPrintsItsSecret() throws {
        let key = SSHEd25519PrivateKey.generate()
        let secretless = [String(describing: key), String(reflecting: key), "\(key)"]
        var dumped = ""
        dump(key, to: &dumped)
        for text in secretless + [dumped] {
            #expect(text.contains(key.publicKey.fingerprint) || text.contains("publicKey"))
            #expect(!text.contains("seed"))
        }
    }

    /// The signature writ-bench times (verifications per second): it
    /// verifies, for the principal and namespace it was made for.
    @Test func ed25519SignatureVerifies() throws {
        let key = SSHEd25519PrivateKey.generate()
        let message = Data(repeating: 0x61, count: 512)
        let armored = Array(try key.sign(message: message, namespace: "writ-approval").utf8)
        let signers = try AllowedSigners(parsing: "bench@example.com " + key.publicKey.openSSHLine + "\n")
        let verified = try SignatureVerifier.verify(
            armored: armored, message: message, principal: "bench@example.com", namespace: "writ-approval",
            allowedSigners: signers, at: Date())
        #expect(verified.key.openSSHLine == key.publicKey.openSSHLine)
    }
}

extension SSHEd25519PrivateKey {
    var publicLine: String { publicKey.openSSHLine }
}

@Suite struct Ed25519MalleabilityTests {
    /// S + L is the same signature to a verifier that does not reduce S;
    /// the reference accepts it, writ's verifier must not.
    @Test func nonCanonicalScalarIsRejected() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let message = Data("m".utf8)
        // Try keys until S + L still fits the 253 bits the reference checks.
        for _ in 0..<64 {
            let key = SSHEd25519PrivateKey.generate()
            let armored = Array(try key.sign(message: message, namespace: "ns").utf8)
            var fields = try SigTest.Fields(blob: SigTest.blob(ofArmored: armored))
            let order: [UInt8] = [
                0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
            ]
            let sStart = fields.signature.count - 32
            var carry = 0
            var sum = [UInt8](repeating: 0, count: 32)
            for i in 0..<32 {
                let v = Int(fields.signature[sStart + i]) + Int(order[i]) + carry
                sum[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            guard carry == 0, sum[31] & 0xE0 == 0 else { continue }
            fields.signature.replaceSubrange(sStart..., with: sum)
            let malleated = SigTest.armor(fields.blob)
            let signers = "a@x \(key.publicLine)\n"
            #expect(
                try SigTest.refVerify(
                    dir: dir, signature: malleated, message: message, principal: "a@x", namespace: "ns",
                    signers: signers, verifyTime: "20300101Z"))
            #expect(throws: SignatureFailure.self) {
                try SignatureVerifier.verify(
                    armored: malleated, message: message, principal: "a@x", namespace: "ns",
                    allowedSigners: AllowedSigners(parsing: signers), at: Date())
            }
            return
        }
        Issue.record("no key gave a malleable signature in 64 tries")
    }
}
