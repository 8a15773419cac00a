import Crypto
import Foundation
import _CryptoExtras

/// Verification of an SSH signature blob (`string alg, string sig, ...`)
/// over some data with one public key.
enum SSHSignatureAlgorithms {
    /// The flag a FIDO authenticator sets when a user touched it.
    static let userPresenceFlag: UInt8 = 0x01

    package static func verify(signatureBlob: [UInt8], key: SSHPublicKey, data: [UInt8]) throws(SignatureFailure) {
        var reader = SSHWireReader(signatureBlob)
        do {
            let algorithm = try reader.readText()
            switch key.material {
            case .ed25519(let raw):
                let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
                guard algorithm == SSHKeyType.ed25519.rawValue else { throw mismatch(algorithm, key) }
                let signature = try reader.readString()
                try reader.expectEnd()
                guard signature.count == 64 else {
                    throw SignatureFailure.malformedSignature("ed25519 signature is not 64 bytes")
                }
                guard publicKey.isValidSignature(signature, for: data) else { throw SignatureFailure.badSignature }

            case .skEd25519(let raw, let application):
                let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
                guard algorithm == SSHKeyType.skEd25519.rawValue else { throw mismatch(algorithm, key) }
                let signature = try reader.readString()
                let flags = try reader.readByte()
                let counter = try reader.readUInt32()
                try reader.expectEnd()
                guard signature.count == 64 else {
                    throw SignatureFailure.malformedSignature("ed25519 signature is not 64 bytes")
                }
                var signed = SSHWireWriter()
                signed.writeBytes(SHA256.hash(data: Array(application.utf8)))
                signed.writeByte(flags)
                signed.writeUInt32(counter)
                signed.writeBytes(SHA256.hash(data: data))
                guard publicKey.isValidSignature(signature, for: signed.bytes) else {
                    throw SignatureFailure.badSignature
                }
                // Checked after the signature so a forged flag byte reads as
                // a bad signature, and a genuine untouched one as this.
                guard flags & userPresenceFlag != 0 else { throw SignatureFailure.userPresenceMissing }

            case .p256(let point):
                let publicKey = try P256.Signing.PublicKey(x963Representation: point)
                guard algorithm == key.type.rawValue else { throw mismatch(algorithm, key) }
                let raw = try ecdsaRaw(&reader, coordinateSize: 32)
                guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw),
                    publicKey.isValidSignature(signature, for: SHA256.hash(data: data))
                else { throw SignatureFailure.badSignature }

            case .p384(let point):
                let publicKey = try P384.Signing.PublicKey(x963Representation: point)
                guard algorithm == key.type.rawValue else { throw mismatch(algorithm, key) }
                let raw = try ecdsaRaw(&reader, coordinateSize: 48)
                guard let signature = try? P384.Signing.ECDSASignature(rawRepresentation: raw),
                    publicKey.isValidSignature(signature, for: SHA384.hash(data: data))
                else { throw SignatureFailure.badSignature }

            case .p521(let point):
                let publicKey = try P521.Signing.PublicKey(x963Representation: point)
                guard algorithm == key.type.rawValue else { throw mismatch(algorithm, key) }
                let raw = try ecdsaRaw(&reader, coordinateSize: 66)
                guard let signature = try? P521.Signing.ECDSASignature(rawRepresentation: raw),
                    publicKey.isValidSignature(signature, for: SHA512.hash(data: data))
                else { throw SignatureFailure.badSignature }

            case .rsa(let modulus, let exponent):
                // SHA-1 ("ssh-rsa") signatures are never accepted.
                let isSHA512: Bool
                switch algorithm {
                case "rsa-sha2-256": isSHA512 = false
                case "rsa-sha2-512": isSHA512 = true
                default: throw SignatureFailure.unsupportedAlgorithm("RSA signature algorithm \"\(algorithm)\"")
                }
                var signature = try reader.readString()
                try reader.expectEnd()
                let modulusLength = modulus.count
                // Shorter signatures are left-padded, longer ones refused,
                // as the reference implementation does.
                guard signature.count <= modulusLength else {
                    throw SignatureFailure.malformedSignature("RSA signature longer than the modulus")
                }
                signature = [UInt8](repeating: 0, count: modulusLength - signature.count) + signature
                let publicKey: _RSA.Signing.PublicKey
                do {
                    publicKey = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
                } catch {
                    throw SignatureFailure.malformedSignature("RSA key rejected")
                }
                let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
                let valid =
                    isSHA512
                    ? publicKey.isValidSignature(
                        rsaSignature, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
                    : publicKey.isValidSignature(
                        rsaSignature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
                guard valid else { throw SignatureFailure.badSignature }
            }
        } catch let error as SignatureFailure {
            throw error
        } catch {
            throw .malformedSignature("signature blob: \(error)")
        }
    }

    private static func mismatch(_ algorithm: String, _ key: SSHPublicKey) -> SignatureFailure {
        .unsupportedAlgorithm("signature algorithm \"\(algorithm)\" for a \(key.type.rawValue) key")
    }

    /// `string(mpint r ‖ mpint s)` to the fixed-width `r ‖ s` form.
    private static func ecdsaRaw(_ reader: inout SSHWireReader, coordinateSize: Int) throws -> [UInt8] {
        var inner = SSHWireReader(try reader.readString())
        try reader.expectEnd()
        let r = try inner.readPositiveMPInt()
        let s = try inner.readPositiveMPInt()
        try inner.expectEnd()
        guard r.count <= coordinateSize, s.count <= coordinateSize else { throw SignatureFailure.badSignature }
        let pad = { (v: [UInt8]) in [UInt8](repeating: 0, count: coordinateSize - v.count) + v }
        return pad(r) + pad(s)
    }
}
