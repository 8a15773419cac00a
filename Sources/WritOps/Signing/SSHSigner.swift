import Foundation
import WritCore
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A key file writ signs with, and the one way it signs with it, decided
/// when the key is loaded so that nothing falls back to another way later:
///
/// - an unencrypted OpenSSH ed25519 key signs in process;
/// - an unencrypted key of another type (ECDSA, RSA; OpenSSH or PEM) is
///   handed to `ssh-keygen -Y sign`, detached from any terminal and killed
///   after `Subprocess.defaultTimeout`;
/// - a passphrase-protected key, or a public key (`.pub`) naming a private
///   half elsewhere, signs through ssh-agent (`SSH_AUTH_SOCK`) when the agent
///   holds it, in process over the agent protocol;
/// - a passphrase-protected key no agent holds is handed to `ssh-keygen` to
///   prompt for its passphrase only when stdin is a terminal, with no
///   timeout (a person is typing); otherwise loading fails at once with
///   "the key is encrypted: add it to ssh-agent".
///
/// A file that is none of these fails to load, naming its path, before
/// any process runs.
struct SSHSigningKey: Sendable, CustomStringConvertible {
    enum Method: Sendable {
        case inProcess(SSHEd25519PrivateKey)
        case sshKeygen
        case agent(SSHAgentClient)
        case terminalPrompt
    }

    /// The key file as given.
    package let path: String
    /// The public half, when the file says it (every form but PEM).
    package let publicKey: SSHPublicKey?
    let method: Method

    /// Where the OpenSSH key tool lives.
    static let sshKeygenPath = "/usr/bin/ssh-keygen"
    /// Key files are small; a larger one is not a key.
    private static let maximumFileSize = 1024 * 1024

    /// Loads the key at `path` and decides how to sign with it, looking for
    /// an agent in `SSH_AUTH_SOCK` and for a terminal on stdin.
    package static func load(path: String) throws(SSHSignerError) -> SSHSigningKey {
        try load(path: path, agent: SSHAgentClient.fromEnvironment(), terminal: isatty(STDIN_FILENO) == 1)
    }

    /// Loads the key at `path` for a process whose standard input is not a
    /// person (an MCP server's is its protocol): ssh-agent first, so a key
    /// the agent holds signs there even when its file is unencrypted, and
    /// never a passphrase prompt, so an encrypted key no agent holds fails
    /// here at once rather than hanging on a read of standard input.
    package static func loadUnattended(path: String) throws(SSHSignerError) -> SSHSigningKey {
        let agent = SSHAgentClient.fromEnvironment()
        let key: SSHSigningKey
        do throws(SSHSignerError) {
            key = try load(path: path, agent: agent, terminal: false)
        } catch {
            if case .encrypted(let path) = error { throw .encryptedUnattended(path: path) }
            throw error
        }
        if case .agent = key.method { return key }
        if let agent, let publicKey = key.publicKey, agent.holds(publicKey) {
            return SSHSigningKey(path: path, publicKey: publicKey, method: .agent(agent))
        }
        return key
    }

    /// `load(path:)` with the agent and terminal given explicitly.
    package static func load(path: String, agent: SSHAgentClient?, terminal: Bool) throws(SSHSignerError)
        -> SSHSigningKey
    {
        let text = try readKeyFile(path)
        let kind: SSHKeyFile
        do {
            kind = try SSHKeyFile.classify(text)
        } catch {
            switch error {
            case .unsupported(let what): throw .unsupportedKey(path: path, what)
            case .malformed(let why): throw .malformedKey(path: path, why)
            }
        }
        switch kind {
        case .openSSH(let key, encrypted: false) where key.type == .ed25519:
            do {
                return SSHSigningKey(
                    path: path, publicKey: key, method: .inProcess(try SSHEd25519PrivateKey(openSSH: text)))
            } catch {
                throw .malformedKey(path: path, "\(error)")
            }
        case .openSSH(let key, encrypted: false):
            return SSHSigningKey(path: path, publicKey: key, method: .sshKeygen)
        case .pem(encrypted: false):
            return SSHSigningKey(path: path, publicKey: nil, method: .sshKeygen)
        case .publicKey(let key):
            guard let agent, agent.holds(key) else { throw .notInAgent(path: path) }
            return SSHSigningKey(path: path, publicKey: key, method: .agent(agent))
        case .openSSH(let key, encrypted: true):
            if let agent, agent.holds(key) { return SSHSigningKey(path: path, publicKey: key, method: .agent(agent)) }
            guard terminal else { throw .encrypted(path: path) }
            return SSHSigningKey(path: path, publicKey: key, method: .terminalPrompt)
        case .pem(encrypted: true):
            // The public half is not in a PEM file; a `.pub` beside it names
            // the key an agent may hold.
            if let agent, let key = try? SSHPublicKey(line: readKeyFile(path + ".pub")), agent.holds(key) {
                return SSHSigningKey(path: path, publicKey: key, method: .agent(agent))
            }
            guard terminal else { throw .encrypted(path: path) }
            return SSHSigningKey(path: path, publicKey: nil, method: .terminalPrompt)
        }
    }

    /// Signs `message` in `namespace` and returns the armoured SSHSIG, as
    /// `ssh-keygen -Y sign` writes it (hash sha512). Whatever signed, the
    /// result is parsed and verified before it is returned.
    package func sign(message: Data, namespace: String) throws(SSHSignerError) -> String {
        guard !namespace.isEmpty else { throw .emptyNamespace }
        let armored: String
        switch method {
        case .inProcess(let key):
            do {
                armored = try key.sign(message: message, namespace: namespace)
            } catch {
                throw .malformedKey(path: path, "\(error)")
            }
        case .agent(let agent):
            guard let publicKey else { throw .notInAgent(path: path) }
            let hash = SSHSignatureHash.sha512
            let signature: [UInt8]
            do {
                signature = try agent.sign(
                    SSHSignature.signedData(namespace: namespace, hash: hash, message: message), with: publicKey)
            } catch {
                throw .agentFailed(path: path, "\(error)")
            }
            armored = SSHSignature.armor(
                SSHSignature.blob(publicKey: publicKey, namespace: namespace, hash: hash, signature: signature))
        case .sshKeygen:
            armored = try runSSHKeygen(
                message: message, namespace: namespace, session: .detached(timeout: Subprocess.defaultTimeout))
        case .terminalPrompt:
            armored = try runSSHKeygen(message: message, namespace: namespace, session: .terminal)
        }
        do {
            let parsed = try SSHSignature(armored: armored)
            // A self-check of what was just made: nothing is cached.
            try parsed.verifyCryptographically(message: message, namespace: namespace, cache: nil)
            if let publicKey, parsed.publicKey != publicKey {
                throw SignatureFailure.malformedSignature("made with another key")
            }
        } catch {
            throw .badSignature(path: path, "\(error)")
        }
        return armored
    }

    private func runSSHKeygen(message: Data, namespace: String, session: Subprocess.Session) throws(SSHSignerError)
        -> String
    {
        let result: Subprocess.Output
        do {
            result = try Subprocess.run(
                Self.sshKeygenPath, ["-q", "-Y", "sign", "-f", path, "-n", namespace], stdin: message, session: session)
        } catch {
            throw .sshKeygenFailed(path: path, "\(error)")
        }
        guard result.status == 0 else {
            throw .sshKeygenFailed(
                path: path, "exited \(result.status): \(String(decoding: result.stderr, as: UTF8.self))")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    private static func readKeyFile(_ path: String) throws(SSHSignerError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadableKey(
                path: path, FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            throw .unreadableKey(path: path, "\(error.localizedDescription)")
        }
        guard data.count <= maximumFileSize else { throw .malformedKey(path: path, "larger than 1 MiB") }
        guard let text = String(data: data, encoding: .utf8) else { throw .malformedKey(path: path, "not text") }
        return text
    }

    /// How this key signs, in words.
    package var methodDescription: String {
        switch method {
        case .inProcess: "in process"
        case .sshKeygen: "ssh-keygen"
        case .agent: "ssh-agent"
        case .terminalPrompt: "ssh-keygen, passphrase from the terminal"
        }
    }

    package var description: String {
        "SSHSigningKey(\(path), \(publicKey?.fingerprint ?? "PEM"), \(methodDescription))"
    }
}

/// Signs files with OpenSSH keys (`writ sig sign`). Never used for
/// verification, which is always in process.
package enum SSHSigner {
    /// Signs `message` in `namespace` with the key at `keyPath`
    /// (see ``SSHSigningKey`` for how each kind of key is used).
    package static func sign(message: Data, namespace: String, keyPath: String) throws(SSHSignerError) -> String {
        try SSHSigningKey.load(path: keyPath).sign(message: message, namespace: namespace)
    }
}

/// Why a key could not be loaded or used for signing. Each case names the
/// key file, so the message says what to fix.
package enum SSHSignerError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableKey(path: String, String)
    case malformedKey(path: String, String)
    case unsupportedKey(path: String, String)
    /// Passphrase-protected, no agent holds it, and no terminal to ask on.
    case encrypted(path: String)
    /// Passphrase-protected and no agent holds it, where no passphrase may
    /// ever be asked for (standard input is not a person's).
    case encryptedUnattended(path: String)
    /// A public key whose private half no agent holds.
    case notInAgent(path: String)
    case agentFailed(path: String, String)
    case sshKeygenFailed(path: String, String)
    /// What came back is not a valid signature by this key.
    case badSignature(path: String, String)
    case emptyNamespace

    package var description: String {
        switch self {
        case .unreadableKey(let path, let why): "cannot read the key file \(path): \(why)"
        case .malformedKey(let path, let why): "\(path) is not a usable OpenSSH key: \(why)"
        case .unsupportedKey(let path, let what): "\(path): unsupported key type \(what)"
        case .encrypted(let path):
            "\(path): the key is encrypted: add it to ssh-agent (ssh-add \(path)), or run on a terminal to be asked for its passphrase"
        case .encryptedUnattended(let path):
            "\(path): the key is encrypted and no ssh-agent (SSH_AUTH_SOCK) holds it: add it with ssh-add \(path); "
                + "no passphrase is ever asked for here (standard input is the protocol, not a terminal)"
        case .notInAgent(let path): "\(path) is a public key and no ssh-agent (SSH_AUTH_SOCK) holds its private half"
        case .agentFailed(let path, let why): "signing with \(path) through ssh-agent failed: \(why)"
        case .sshKeygenFailed(let path, let why): "ssh-keygen -Y sign with \(path) failed: \(why)"
        case .badSignature(let path, let why): "signing with \(path) gave no valid signature: \(why)"
        case .emptyNamespace: "the signature namespace is empty"
        }
    }

    /// As the error users see. Signing failures are runtime and
    /// configuration problems, not decisions about an intent; until they
    /// have their own kind they carry the closest reason code. This is the
    /// one place that choice is made.
    package var writError: WritError { WritError(.signerUnknown, description) }
}
