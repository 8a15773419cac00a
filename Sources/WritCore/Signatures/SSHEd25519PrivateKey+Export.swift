import Foundation

extension SSHEd25519PrivateKey {
    /// The key as an unencrypted OpenSSH private key file
    /// (`-----BEGIN OPENSSH PRIVATE KEY-----`), the format `ssh-keygen`
    /// writes and reads, so that keys generated in process (by `writ demo`)
    /// can be used with `ssh-keygen`, `git` and `writ --key` afterwards.
    ///
    /// Callers must write it with owner-only permissions; this returns text
    /// and never logs it.
    package func openSSHPrivateKeyText(comment: String = "") -> String {
        let publicRaw = Array(publicKey.blob.suffix(32))
        let checkInt = UInt32.random(in: .min ... .max)
        var secret = SSHWireWriter()
        secret.writeUInt32(checkInt)
        secret.writeUInt32(checkInt)
        secret.writeString(SSHKeyType.ed25519.rawValue)
        secret.writeString(publicRaw)
        secret.writeString(seed + publicRaw)
        secret.writeString(comment)
        var padding: UInt8 = 1
        while secret.bytes.count % 8 != 0 {
            secret.writeByte(padding)
            padding += 1
        }
        var file = SSHWireWriter()
        file.writeBytes(Array("openssh-key-v1".utf8) + [0])
        file.writeString("none")
        file.writeString("none")
        file.writeString([UInt8]())
        file.writeUInt32(1)
        file.writeString(publicKey.blob)
        file.writeString(secret.bytes)
        let body = Data(file.bytes).base64EncodedString()
        var lines = ["-----BEGIN OPENSSH PRIVATE KEY-----"]
        var index = body.startIndex
        while index < body.endIndex {
            let end = body.index(index, offsetBy: 70, limitedBy: body.endIndex) ?? body.endIndex
            lines.append(String(body[index..<end]))
            index = end
        }
        lines.append("-----END OPENSSH PRIVATE KEY-----")
        return lines.joined(separator: "\n") + "\n"
    }
}
