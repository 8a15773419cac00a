import Foundation

/// What a `--key` / `signing_key` file holds, read without decrypting
/// anything: enough to decide how to sign with it before any process runs.
package enum SSHKeyFile: Sendable {
    /// An `openssh-key-v1` private key; its public half is stored in clear.
    case openSSH(publicKey: SSHPublicKey, encrypted: Bool)
    /// A PEM (PKCS#1, SEC1 or PKCS#8) private key, which only `ssh-keygen`
    /// reads; its public half is not in the file.
    case pem(encrypted: Bool)
    /// A public key line (`type base64 [comment]`): the private half must be
    /// in an agent.
    case publicKey(SSHPublicKey)

    private static let openSSHBegin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    private static let openSSHEnd = "-----END OPENSSH PRIVATE KEY-----"
    private static let pemKinds = ["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]

    /// Classifies the file text; anything else is malformed, named by why.
    package static func classify(_ text: String) throws(SSHKeyFileError) -> SSHKeyFile {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        if trimmed.hasPrefix(openSSHBegin) { return try openSSH(Substring(trimmed)) }
        for kind in pemKinds where trimmed.hasPrefix("-----BEGIN \(kind)-----") {
            guard trimmed.contains("-----END \(kind)-----") else { throw .malformed("PEM key without its end line") }
            return .pem(encrypted: kind.hasPrefix("ENCRYPTED") || trimmed.contains("Proc-Type: 4,ENCRYPTED"))
        }
        if trimmed.hasPrefix("-----BEGIN ") {
            throw .unsupported("\(trimmed.prefix(while: { $0 != "\n" }))")
        }
        let firstLine = trimmed.prefix(while: { $0 != "\n" && $0 != "\r" })
        do {
            return .publicKey(try SSHPublicKey(line: String(firstLine)))
        } catch .unsupportedKeyType(let name) {
            throw .unsupported(name)
        } catch {
            throw .malformed("neither an OpenSSH private key nor a public key line")
        }
    }

    /// The clear header of an `openssh-key-v1` file: cipher, kdf, one key.
    private static func openSSH(_ text: Substring) throws(SSHKeyFileError) -> SSHKeyFile {
        guard let endRange = text.range(of: openSSHEnd) else { throw .malformed("missing \"\(openSSHEnd)\" line") }
        let body = text[text.index(text.startIndex, offsetBy: openSSHBegin.count)..<endRange.lowerBound]
        guard let blob = SSHBase64.decode(Array(body.utf8)) else { throw .malformed("body is not valid base64") }
        var reader = SSHWireReader(blob)
        do {
            guard try reader.readBytes(SSHEd25519PrivateKey.magic.count) == SSHEd25519PrivateKey.magic else {
                throw SSHKeyFileError.malformed("not openssh-key-v1")
            }
            let cipher = try reader.readText()
            _ = try reader.readText()  // kdf
            _ = try reader.readString()  // kdf options
            guard try reader.readUInt32() == 1 else {
                throw SSHKeyFileError.malformed("file must hold exactly one key")
            }
            let publicBlob = try reader.readString()
            _ = try reader.readString()  // the private section, possibly encrypted
            try reader.expectEnd()
            do {
                return .openSSH(publicKey: try SSHPublicKey(blob: publicBlob), encrypted: cipher != "none")
            } catch .unsupportedKeyType(let name) {
                throw SSHKeyFileError.unsupported(name)
            } catch {
                throw SSHKeyFileError.malformed("\(error)")
            }
        } catch let error as SSHKeyFileError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }
}

/// Why a key file cannot be signed with.
package enum SSHKeyFileError: Error, Sendable, Equatable {
    case malformed(String)
    case unsupported(String)
}
