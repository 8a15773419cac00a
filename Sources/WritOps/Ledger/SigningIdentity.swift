import Foundation
import WritCore
import WritGit

/// A principal together with the private key it signs with.
///
/// How the key signs (in process, through ssh-agent, or through
/// `ssh-keygen`) is decided once, when the identity is made
/// (``SSHSigningKey``): a key that cannot sign fails here, naming its
/// file, not halfway through a dispatch. The key material never appears in
/// a description, log line or error.
public struct SigningIdentity: Sendable, CustomStringConvertible {
    public let principal: Principal
    private let key: Key

    private enum Key: Sendable {
        case file(SSHSigningKey)
        case inMemory(SSHEd25519PrivateKey)
    }

    /// Loads the key at `keyPath` for `principal`.
    public init(principal: Principal, keyPath: String) throws {
        self.principal = principal
        do {
            self.key = .file(try SSHSigningKey.load(path: keyPath))
        } catch {
            throw error.writError
        }
    }

    /// Loads the key at `keyPath` for `principal` in a process with no
    /// person at its standard input (``SSHSigningKey/loadUnattended(path:)``):
    /// ssh-agent first, never a passphrase prompt.
    package init(principal: Principal, unattendedKeyPath keyPath: String) throws {
        self.principal = principal
        do {
            self.key = .file(try SSHSigningKey.loadUnattended(path: keyPath))
        } catch {
            throw error.writError
        }
    }

    /// How the key signs, in words (in process, ssh-agent, ssh-keygen),
    /// for a start-up line; never the key material.
    package var signingMethod: String {
        switch key {
        case .inMemory: "in process"
        case .file(let key): key.methodDescription
        }
    }

    /// The public key this identity signs with, read from a signature it
    /// makes over a fixed probe: whatever signs (a file, an agent), the
    /// key is the one its signatures carry.
    package func publicKey() throws -> SSHPublicKey {
        let armored = try sign(WriteCheck.probe, namespace: SignatureNamespace.commit)
        do {
            return try SSHSignature(armored: armored).publicKey
        } catch {
            throw WritError(.signerUnknown, "the key of \(principal) gave an unreadable signature: \(error)")
        }
    }

    /// An identity with an in-memory ed25519 key (demo and benchmarks).
    package init(principal: Principal, key: SSHEd25519PrivateKey) {
        self.principal = principal
        self.key = .inMemory(key)
    }

    /// Signs `message` under `namespace`, returning the armored SSHSIG.
    public func sign(_ message: Data, namespace: String) throws -> String {
        switch key {
        case .inMemory(let key):
            return try key.sign(message: message, namespace: namespace)
        case .file(let key):
            do {
                return try key.sign(message: message, namespace: namespace)
            } catch {
                throw error.writError
            }
        }
    }

    /// The identity recorded as a commit's author and committer.
    package func gitIdentity(at date: Date) -> GitIdentity {
        GitIdentity(name: principal.description, email: principal.description, date: date)
    }

    public var description: String { "SigningIdentity(\(principal))" }
}
