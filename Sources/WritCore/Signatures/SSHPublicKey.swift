import Crypto
import Foundation

/// The public key algorithms writ verifies.
package enum SSHKeyType: String, Sendable, CaseIterable, Hashable {
    case ed25519 = "ssh-ed25519"
    case ecdsaP256 = "ecdsa-sha2-nistp256"
    case ecdsaP384 = "ecdsa-sha2-nistp384"
    case ecdsaP521 = "ecdsa-sha2-nistp521"
    case rsa = "ssh-rsa"
    case skEd25519 = "sk-ssh-ed25519@openssh.com"

    /// The curve identifier an ECDSA key blob must carry.
    var curveName: String? {
        switch self {
        case .ecdsaP256: "nistp256"
        case .ecdsaP384: "nistp384"
        case .ecdsaP521: "nistp521"
        default: nil
        }
    }
}

/// An SSH public key, parsed from its wire blob and kept in canonical form.
///
/// Equality and hashing use the canonical blob, as OpenSSH compares keys by
/// value: an RSA key whose `e` or `n` carries a redundant leading zero byte
/// is the same key as its minimal encoding (OpenSSH reads both and writes
/// only the minimal one), so it can neither count twice towards a quorum
/// nor fail to match its own allowed_signers line. The other types have one
/// encoding per key: a 32-byte ed25519 string, an uncompressed EC point of
/// fixed length (the only form OpenSSH reads), an sk key's application text.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The key algorithm.
    package let type: SSHKeyType
    /// The canonical wire encoding: what OpenSSH writes for this key (RSA
    /// integers as minimal mpints), whatever redundant form it was read from.
    package let blob: [UInt8]
    let material: Material

    /// Validated key material as plain bytes (the crypto library's key
    /// types are not `Sendable`); verification rebuilds them, which cannot
    /// fail because they were validated here.
    enum Material: Sendable {
        case ed25519([UInt8])
        case p256([UInt8])
        case p384([UInt8])
        case p521([UInt8])
        case rsa(modulus: [UInt8], exponent: [UInt8])
        case skEd25519([UInt8], application: String)
    }

    /// OpenSSH refuses RSA moduli below 1024 bits and above 16384 bits.
    static let rsaMinimumBits = 1024
    static let rsaMaximumBits = 16384

    /// Parses a public key blob; the whole blob must be consumed.
    package init(blob: [UInt8]) throws(SSHKeyError) {
        var reader = SSHWireReader(blob)
        do {
            let name = try reader.readText()
            guard let type = SSHKeyType(rawValue: name) else { throw SSHKeyError.unsupportedKeyType(name) }
            self.type = type
            switch type {
            case .ed25519:
                let pk = try reader.readString()
                guard pk.count == 32 else { throw SSHKeyError.malformed("ed25519 key is not 32 bytes") }
                _ = try Self.ed25519Key(pk)
                material = .ed25519(pk)
            case .skEd25519:
                let pk = try reader.readString()
                guard pk.count == 32 else { throw SSHKeyError.malformed("ed25519 key is not 32 bytes") }
                let application = try reader.readText()
                _ = try Self.ed25519Key(pk)
                material = .skEd25519(pk, application: application)
            case .ecdsaP256, .ecdsaP384, .ecdsaP521:
                let curve = try reader.readText()
                guard curve == type.curveName else {
                    throw SSHKeyError.malformed("curve \(curve) does not match \(name)")
                }
                let point = try reader.readString()
                // Only uncompressed points (0x04 ‖ X ‖ Y) are valid in SSH.
                guard point.first == 0x04 else { throw SSHKeyError.malformed("EC point is not uncompressed") }
                do {
                    switch type {
                    case .ecdsaP256:
                        _ = try P256.Signing.PublicKey(x963Representation: point)
                        material = .p256(point)
                    case .ecdsaP384:
                        _ = try P384.Signing.PublicKey(x963Representation: point)
                        material = .p384(point)
                    default:
                        _ = try P521.Signing.PublicKey(x963Representation: point)
                        material = .p521(point)
                    }
                } catch {
                    throw SSHKeyError.malformed("EC point is not on the curve")
                }
            case .rsa:
                let exponent = try reader.readPositiveMPInt()
                let modulus = try reader.readPositiveMPInt()
                let bits = Self.bitCount(modulus)
                guard bits >= Self.rsaMinimumBits, bits <= Self.rsaMaximumBits else {
                    throw SSHKeyError.malformed("RSA modulus of \(bits) bits is outside 1024...16384")
                }
                guard let last = exponent.last, last & 1 == 1, exponent != [1] else {
                    throw SSHKeyError.malformed("RSA public exponent is invalid")
                }
                material = .rsa(modulus: modulus, exponent: exponent)
            }
            try reader.expectEnd()
        } catch let error as SSHWireError {
            throw .malformed("key blob: \(error)")
        } catch let error as SSHKeyError {
            throw error
        } catch {
            throw .malformed("key blob: \(error)")
        }
        self.blob = Self.canonicalBlob(type: self.type, material: self.material, parsed: blob)
    }

    /// The blob OpenSSH would write for the parsed key. Only RSA has a
    /// choice of encodings (leading zero bytes on an mpint), so the others
    /// keep the bytes they were read from, which are already canonical.
    private static func canonicalBlob(type: SSHKeyType, material: Material, parsed: [UInt8]) -> [UInt8] {
        guard case .rsa(let modulus, let exponent) = material else { return parsed }
        var writer = SSHWireWriter()
        writer.writeString(type.rawValue)
        writer.writePositiveMPInt(exponent)
        writer.writePositiveMPInt(modulus)
        return writer.bytes
    }

    /// Wraps a 32-byte ed25519 key the crypto library produced.
    package init(ed25519Raw raw: [UInt8]) {
        var writer = SSHWireWriter()
        writer.writeString(SSHKeyType.ed25519.rawValue)
        writer.writeString(raw)
        self.type = .ed25519
        self.blob = writer.bytes
        self.material = .ed25519(raw)
    }

    /// Parses an authorized_keys-style line `type base64 [comment]`.
    ///
    /// The type on the line must name the same algorithm as the blob.
    package init(line: String) throws(SSHKeyError) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count >= 2 else { throw .malformed("expected \"type base64 [comment]\"") }
        try self.init(typeName: fields[0], base64: fields[1])
    }

    package init(typeName: String, base64: String) throws(SSHKeyError) {
        guard SSHKeyType(rawValue: typeName) != nil else { throw .unsupportedKeyType(typeName) }
        guard let blob = SSHBase64.decode(Array(base64.utf8)) else { throw .malformed("key is not valid base64") }
        try self.init(blob: blob)
        guard self.type.rawValue == typeName else {
            throw .malformed("line says \(typeName) but the key is \(self.type.rawValue)")
        }
    }

    private static func ed25519Key(_ bytes: [UInt8]) throws(SSHKeyError) -> Curve25519.Signing.PublicKey {
        do {
            return try Curve25519.Signing.PublicKey(rawRepresentation: bytes)
        } catch {
            throw .malformed("ed25519 key rejected")
        }
    }

    static func bitCount(_ magnitude: [UInt8]) -> Int {
        guard let first = magnitude.first(where: { $0 != 0 }),
            let index = magnitude.firstIndex(where: { $0 != 0 })
        else { return 0 }
        return (magnitude.count - index - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    /// `SHA256:` and the unpadded base64 of the blob's SHA-256, as OpenSSH
    /// prints fingerprints.
    public var fingerprint: String {
        let digest = Array(SHA256.hash(data: blob))
        var text = SSHBase64.encode(digest)
        while text.hasSuffix("=") { text.removeLast() }
        return "SHA256:" + text
    }

    /// The key as `type base64`, the form allowed_signers and .pub files use.
    public var openSSHLine: String {
        type.rawValue + " " + SSHBase64.encode(blob)
    }

    /// For sk keys, the FIDO application string; nil otherwise.
    var application: String? {
        if case .skEd25519(_, let application) = material { return application }
        return nil
    }

    public var description: String { "\(type.rawValue) \(fingerprint)" }

    public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool { lhs.blob == rhs.blob }
    public func hash(into hasher: inout Hasher) { hasher.combine(blob) }
}

/// Why a public key could not be used.
package enum SSHKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedKeyType(String)
    case malformed(String)

    package var description: String {
        switch self {
        case .unsupportedKeyType(let name): "unsupported key type \"\(name)\""
        case .malformed(let why): "malformed public key: \(why)"
        }
    }
}
