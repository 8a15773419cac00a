import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Shared helpers: a scratch directory and the reference tool as witness.
enum SigTest {
    static let sshKeygen = "/usr/bin/ssh-keygen"

    static func scratch() throws -> URL {
        try Scratch.make("sig")
    }

    @discardableResult
    static func keygen(_ args: [String], stdin: Data = Data()) throws -> Subprocess.Output {
        try Subprocess.run(sshKeygen, args, stdin: stdin)
    }

    /// Makes a key pair with the reference tool; returns the private key path.
    static func makeKey(_ dir: URL, name: String, type: String, bits: Int? = nil, passphrase: String = "") throws
        -> String
    {
        let path = dir.appendingPathComponent(name).path
        var args = ["-q", "-t", type, "-N", passphrase, "-C", name, "-f", path]
        if let bits { args += ["-b", String(bits)] }
        let out = try keygen(args)
        #expect(out.status == 0, "keygen \(type): \(String(decoding: out.stderr, as: UTF8.self))")
        return path
    }

    static func publicLine(_ keyPath: String) throws -> String {
        let text = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8)
        return text.split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// Signs with the reference tool (stdin → stdout).
    static func refSign(key: String, namespace: String, message: Data, hash: String? = nil) throws -> [UInt8] {
        var args = ["-q", "-Y", "sign", "-f", key, "-n", namespace]
        if let hash { args += ["-O", "hashalg=\(hash)"] }
        let out = try keygen(args, stdin: message)
        #expect(out.status == 0, "sign: \(String(decoding: out.stderr, as: UTF8.self))")
        return Array(out.stdout)
    }

    /// The reference verdict.
    static func refVerify(
        dir: URL, signature: [UInt8], message: Data, principal: String, namespace: String,
        signers: String, verifyTime: String
    ) throws -> Bool {
        let sig = dir.appendingPathComponent("sig")
        let allowed = dir.appendingPathComponent("signers")
        try Data(signature).write(to: sig)
        try Data(signers.utf8).write(to: allowed)
        let out = try keygen(
            [
                "-Y", "verify", "-f", allowed.path, "-I", principal, "-n", namespace, "-s", sig.path,
                "-O", "verify-time=\(verifyTime)",
            ], stdin: message)
        return out.status == 0
    }

    /// Splits an SSHSIG blob into its fields.
    struct Fields {
        var magic = Array("SSHSIG".utf8)
        var version: UInt32 = 1
        var key: [UInt8]
        var namespace: [UInt8]
        var reserved: [UInt8] = []
        var hash: [UInt8]
        var signature: [UInt8]
        var trailing: [UInt8] = []

        init(blob: [UInt8]) throws {
            var r = SSHWireReader(blob)
            _ = try r.readBytes(6)
            version = try r.readUInt32()
            key = try r.readString()
            namespace = try r.readString()
            reserved = try r.readString()
            hash = try r.readString()
            signature = try r.readString()
        }

        init(key: [UInt8], namespace: String, hash: String, signature: [UInt8]) {
            self.key = key
            self.namespace = Array(namespace.utf8)
            self.hash = Array(hash.utf8)
            self.signature = signature
        }

        var blob: [UInt8] {
            var w = SSHWireWriter()
            w.writeBytes(magic)
            w.writeUInt32(version)
            w.writeString(key)
            w.writeString(namespace)
            w.writeString(reserved)
            w.writeString(hash)
            w.writeString(signature)
            w.writeBytes(trailing)
            return w.bytes
        }
    }

    static func blob(ofArmored text: [UInt8]) throws -> [UInt8] {
        try SSHSignature.dearmor(text)
    }

    static func armor(_ blob: [UInt8], width: Int = 70) -> [UInt8] {
        Array(
            (SSHSignature.armorBegin + "\n" + SSHBase64.encodeWrapped(blob, width: width) + SSHSignature.armorEnd + "\n")
                .utf8)
    }
}
