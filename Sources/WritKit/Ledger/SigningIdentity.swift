import Foundation

/// A principal together with the private key it signs with.
///
/// An unencrypted ed25519 key is loaded once and signs in process; any
/// other OpenSSH key is handed to `ssh-keygen -Y sign` per signature. The
/// key material never appears in a description, log line or error.
public struct SigningIdentity: Sendable, CustomStringConvertible {
    public let principal: Principal
    private let keyPath: String?
    private let inProcessKey: SSHEd25519PrivateKey?

    /// Loads the key at `keyPath` for `principal`.
    public init(principal: Principal, keyPath: String) throws {
        guard let text = try? String(contentsOfFile: keyPath, encoding: .utf8) else {
            throw WritError(.signerUnknown, "cannot read the private key file \(keyPath)")
        }
        self.principal = principal
        self.keyPath = keyPath
        self.inProcessKey = try? SSHEd25519PrivateKey(openSSH: text)
    }

    /// An identity with an in-memory ed25519 key (demo and benchmarks).
    public init(principal: Principal, key: SSHEd25519PrivateKey) {
        self.principal = principal
        self.keyPath = nil
        self.inProcessKey = key
    }

    /// Signs `message` under `namespace`, returning the armored SSHSIG.
    public func sign(_ message: Data, namespace: String) throws -> String {
        if let inProcessKey {
            return try inProcessKey.sign(message: message, namespace: namespace)
        }
        guard let keyPath else { throw WritError(.signerUnknown, "no key to sign with for \(principal)") }
        return try SSHSigner.signWithSSHKeygen(message: message, namespace: namespace, keyPath: keyPath)
    }

    /// The identity recorded as a commit's author and committer.
    public func gitIdentity(at date: Date) -> GitIdentity {
        GitIdentity(name: principal.description, email: principal.description, date: date)
    }

    public var description: String { "SigningIdentity(\(principal))" }
}
