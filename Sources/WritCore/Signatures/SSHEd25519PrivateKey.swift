import Crypto
import Foundation

/// An unencrypted OpenSSH ed25519 private key, able to make SSHSIG
/// signatures in process.
///
/// Its description and mirror show only the public fingerprint, so the
/// secret never reaches a log through string interpolation or `dump`.
package struct SSHEd25519PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    let seed: [UInt8]
    /// The matching public key.
    package let publicKey: SSHPublicKey

    static let armorBegin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let armorEnd = "-----END OPENSSH PRIVATE KEY-----"
    package static let magic = Array("openssh-key-v1".utf8) + [0]

    /// Parses an `openssh-key-v1` file: one key, cipher and kdf `none`,
    /// matching check integers, an ed25519 key whose private half agrees
    /// with its public half, and the standard padding.
    package init(openSSH text: String) throws(SSHPrivateKeyError) {
        let bytes = Array(text.utf8)
        let begin = Array((Self.armorBegin + "\n").utf8)
        guard bytes.starts(with: begin) else { throw .malformed("missing \"\(Self.armorBegin)\" line") }
        let footer = Array(Self.armorEnd.utf8)
        guard let end = Self.find(footer, in: bytes, from: begin.count) else {
            throw .malformed("missing \"\(Self.armorEnd)\" line")
        }
        guard bytes[(end + footer.count)...].allSatisfy(SSHBase64.isSpace) else {
            throw .malformed("data after the end line")
        }
        guard let blob = SSHBase64.decode(bytes[begin.count..<end]) else {
            throw .malformed("body is not valid base64")
        }
        do {
            var reader = SSHWireReader(blob)
            guard try reader.readBytes(Self.magic.count) == Self.magic else {
                throw SSHPrivateKeyError.malformed("not openssh-key-v1")
            }
            let cipher = try reader.readText()
            let kdf = try reader.readText()
            _ = try reader.readString()  // kdf options
            guard cipher == "none", kdf == "none" else { throw SSHPrivateKeyError.encrypted(cipher: cipher) }
            guard try reader.readUInt32() == 1 else {
                throw SSHPrivateKeyError.malformed("file must hold exactly one key")
            }
            let publicBlob = try reader.readString()
            let privateSection = try reader.readString()
            try reader.expectEnd()
            let outerKey: SSHPublicKey
            do {
                outerKey = try SSHPublicKey(blob: publicBlob)
            } catch {
                throw SSHPrivateKeyError.unsupportedKeyType("\(error)")
            }
            guard outerKey.type == .ed25519 else { throw SSHPrivateKeyError.unsupportedKeyType(outerKey.type.rawValue) }
            // Unencrypted sections are padded to the 8-byte cipher block.
            guard privateSection.count % 8 == 0 else {
                throw SSHPrivateKeyError.malformed("private section is not block-aligned")
            }
            var inner = SSHWireReader(privateSection)
            guard try inner.readUInt32() == inner.readUInt32() else {
                throw SSHPrivateKeyError.malformed("check integers differ")
            }
            guard try inner.readText() == SSHKeyType.ed25519.rawValue else {
                throw SSHPrivateKeyError.malformed("private key type mismatch")
            }
            let publicBytes = try inner.readString()
            let secret = try inner.readString()
            _ = try inner.readString()  // comment
            var pad: UInt8 = 1
            while !inner.isAtEnd {
                guard try inner.readByte() == pad else { throw SSHPrivateKeyError.malformed("bad padding") }
                pad &+= 1
            }
            guard secret.count == 64, Array(secret[32...]) == publicBytes else {
                throw SSHPrivateKeyError.malformed("ed25519 secret is not seed ‖ public key")
            }
            let seed = Array(secret[..<32])
            let derived = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            var expected = SSHWireWriter()
            expected.writeString(SSHKeyType.ed25519.rawValue)
            expected.writeString(Array(derived.publicKey.rawRepresentation))
            guard expected.bytes == publicBlob else {
                throw SSHPrivateKeyError.malformed("private key does not match its public key")
            }
            self.seed = seed
            self.publicKey = outerKey
        } catch let error as SSHPrivateKeyError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// A fresh random key (for tests and measurements; real keys come from
    /// files).
    package static func generate() -> SSHEd25519PrivateKey {
        let key = Curve25519.Signing.PrivateKey()
        return SSHEd25519PrivateKey(
            seed: Array(key.rawRepresentation), publicRaw: Array(key.publicKey.rawRepresentation))
    }

    private init(seed: [UInt8], publicRaw: [UInt8]) {
        self.seed = seed
        self.publicKey = SSHPublicKey(ed25519Raw: publicRaw)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count)
        where haystack[index..<(index + needle.count)].elementsEqual(needle) {
            return index
        }
        return nil
    }

    /// Signs `message` in `namespace` and returns the armoured SSHSIG, the
    /// same bytes `ssh-keygen -Y sign` writes (hash sha512; ed25519
    /// signatures are deterministic).
    package func sign(message: some DataProtocol, namespace: String) throws(SSHPrivateKeyError) -> String {
        guard !namespace.isEmpty else { throw .malformed("empty namespace") }
        let hash = SSHSignatureHash.sha512
        let data = SSHSignature.signedData(namespace: namespace, hash: hash, message: message)
        let raw: [UInt8]
        do {
            raw = Array(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: data))
        } catch {
            throw .malformed("signing failed")
        }
        var signatureBlob = SSHWireWriter()
        signatureBlob.writeString(SSHKeyType.ed25519.rawValue)
        signatureBlob.writeString(raw)
        return SSHSignature.armor(
            SSHSignature.blob(publicKey: publicKey, namespace: namespace, hash: hash, signature: signatureBlob.bytes))
    }

    package var description: String { "SSHEd25519PrivateKey(\(publicKey.fingerprint))" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey]) }
}

/// Why a private key file could not be used in process.
package enum SSHPrivateKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key is passphrase-protected.
    case encrypted(cipher: String)
    /// Not an ed25519 key (other types are signed through `ssh-keygen`).
    case unsupportedKeyType(String)
    /// Not a well-formed OpenSSH private key file.
    case malformed(String)

    package var description: String {
        switch self {
        case .encrypted(let cipher): "private key is encrypted (cipher \(cipher))"
        case .unsupportedKeyType(let what): "private key type is not ed25519: \(what)"
        case .malformed(let why): "malformed OpenSSH private key: \(why)"
        }
    }
}
