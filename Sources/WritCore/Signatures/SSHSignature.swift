import Crypto
import Foundation

/// The hash an SSHSIG signature applies to the message before signing.
package enum SSHSignatureHash: String, Sendable, Hashable {
    case sha256
    case sha512

    package func digest(_ message: some DataProtocol) -> [UInt8] {
        switch self {
        case .sha256: Array(SHA256.hash(data: message))
        case .sha512: Array(SHA512.hash(data: message))
        }
    }
}

/// A parsed SSHSIG signature (the `ssh-keygen -Y sign` format).
///
/// Parsing is strict: magic, version exactly 1, a non-empty namespace, a
/// hash of sha256 or sha512, and nothing after the signature field.
package struct SSHSignature: Sendable, Hashable {
    static let armorBegin = "-----BEGIN SSH SIGNATURE-----"
    static let armorEnd = "-----END SSH SIGNATURE-----"
    package static let magic = Array("SSHSIG".utf8)

    /// The signer's public key, as embedded in the signature.
    package let publicKey: SSHPublicKey
    /// The namespace the signer claims; verification compares it with the
    /// namespace the verifier expects.
    package let namespace: String
    /// The message hash algorithm.
    package let hash: SSHSignatureHash
    /// The inner signature blob (algorithm name, signature bytes, and for sk
    /// keys the flags and counter).
    let signatureBlob: [UInt8]
    /// The whole decoded SSHSIG blob.
    package let blob: [UInt8]

    /// Parses the armoured text form.
    package init(armored text: some Collection<UInt8>) throws(SignatureFailure) {
        try self.init(blob: Self.dearmor(text))
    }

    /// Parses the armoured text form.
    package init(armored text: String) throws(SignatureFailure) {
        try self.init(armored: Array(text.utf8))
    }

    /// Parses a decoded SSHSIG blob.
    package init(blob: [UInt8]) throws(SignatureFailure) {
        var reader = SSHWireReader(blob)
        do {
            guard try reader.readBytes(Self.magic.count) == Self.magic else {
                throw SignatureFailure.malformedSignature("missing SSHSIG magic")
            }
            let version = try reader.readUInt32()
            // The reference verifier also takes version 0; writ accepts only
            // the one version that has ever been written.
            guard version == 1 else { throw SignatureFailure.malformedSignature("version \(version) is not 1") }
            let keyBlob = try reader.readString()
            let namespace = try reader.readText()
            _ = try reader.readString()  // reserved; ignored by the format, not signed
            let hashName = try reader.readText()
            let signatureBlob = try reader.readString()
            try reader.expectEnd()
            guard !namespace.isEmpty else { throw SignatureFailure.malformedSignature("empty namespace") }
            guard let hash = SSHSignatureHash(rawValue: hashName) else {
                throw SignatureFailure.unsupportedAlgorithm("hash \"\(hashName)\"")
            }
            let key: SSHPublicKey
            do {
                key = try SSHPublicKey(blob: keyBlob)
            } catch {
                switch error {
                case .unsupportedKeyType(let name): throw SignatureFailure.unsupportedAlgorithm("key type \"\(name)\"")
                case .malformed(let why): throw SignatureFailure.malformedSignature(why)
                }
            }
            self.publicKey = key
            self.namespace = namespace
            self.hash = hash
            self.signatureBlob = signatureBlob
            self.blob = blob
        } catch let error as SignatureFailure {
            throw error
        } catch {
            throw .malformedSignature("\(error)")
        }
    }

    /// Extracts the blob from the armour, accepting exactly what the
    /// reference verifier accepts, except that only whitespace may follow
    /// the end line.
    ///
    /// The text must start with the begin line and a newline; the body runs
    /// to the first `\n-----END SSH SIGNATURE-----` and is base64 with
    /// whitespace allowed anywhere (so re-wrapped armour is the same
    /// signature); padding is required.
    static func dearmor(_ text: some Collection<UInt8>) throws(SignatureFailure) -> [UInt8] {
        let bytes = Array(text)
        let begin = Array((armorBegin + "\n").utf8)
        guard bytes.starts(with: begin) else { throw .malformedArmor("missing \"\(armorBegin)\" line") }
        let body = bytes[begin.count...]
        let footer = Array(("\n" + armorEnd).utf8)
        guard let footerStart = Self.firstRange(of: footer, in: body) else {
            throw .malformedArmor("missing \"\(armorEnd)\" line")
        }
        let after = bytes[(footerStart + footer.count)...]
        guard after.allSatisfy(SSHBase64.isSpace) else { throw .malformedArmor("data after the end line") }
        guard let blob = SSHBase64.decode(bytes[begin.count..<footerStart]), !blob.isEmpty else {
            throw .malformedArmor("body is not valid base64")
        }
        return blob
    }

    private static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// The armoured form OpenSSH writes: base64 wrapped at 70 columns.
    package var armored: String {
        Self.armor(blob)
    }

    package static func armor(_ blob: [UInt8]) -> String {
        armorBegin + "\n" + SSHBase64.encodeWrapped(blob, width: 70) + armorEnd + "\n"
    }

    /// The bytes the signer signed, rebuilt from the namespace the verifier
    /// expects (never from the one inside the signature).
    package static func signedData(namespace: String, hash: SSHSignatureHash, message: some DataProtocol) -> [UInt8] {
        var writer = SSHWireWriter()
        writer.writeBytes(magic)
        writer.writeString(namespace)
        writer.writeString([UInt8]())  // reserved
        writer.writeString(hash.rawValue)
        writer.writeString(hash.digest(message))
        return writer.bytes
    }

    /// Checks the namespace and the cryptographic signature over `message`.
    ///
    /// This says nothing about whether the key is trusted; see
    /// ``SignatureVerifier``. A success is looked up in and recorded to
    /// `cache` when there is one; nil computes it every time.
    package func verifyCryptographically(
        message: some DataProtocol, namespace expected: String, cache: VerificationCache?
    ) throws(SignatureFailure) {
        guard !expected.isEmpty else { throw .malformedSignature("empty expected namespace") }
        guard namespace == expected else { throw .wrongNamespace(expected: expected, found: namespace) }
        let data = Self.signedData(namespace: expected, hash: hash, message: message)
        // The cryptographic fact is the same every time it is asked: a
        // success already found is not computed again (VerificationCache).
        guard let cache else {
            return try SSHSignatureAlgorithms.verify(signatureBlob: signatureBlob, key: publicKey, data: data)
        }
        let key = VerificationCache.key(blob: blob, signedData: data)
        if cache.contains(key) { return }
        try SSHSignatureAlgorithms.verify(signatureBlob: signatureBlob, key: publicKey, data: data)
        cache.insert(key)
    }
}

extension SSHSignature {
    /// The SSHSIG blob (PROTOCOL.sshsig) around `signature`, the key's own
    /// signature encoding: version 1, the public key, the namespace, an
    /// empty reserved field and the hash name. Every signature writ makes
    /// (in process or through the agent) is wrapped here.
    package static func blob(publicKey: SSHPublicKey, namespace: String, hash: SSHSignatureHash, signature: [UInt8])
        -> [UInt8]
    {
        var blob = SSHWireWriter()
        blob.writeBytes(magic)
        blob.writeUInt32(1)
        blob.writeString(publicKey.blob)
        blob.writeString(namespace)
        blob.writeString([UInt8]())
        blob.writeString(hash.rawValue)
        blob.writeString(signature)
        return blob.bytes
    }
}
