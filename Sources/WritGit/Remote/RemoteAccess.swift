import Foundation
import WritCore

/// Everything writ needs to fetch from and push to a network remote: which
/// host keys and certificates to trust, which credentials to offer, how long
/// to wait, and the helper process that enforces the wait (SPEC §11).
///
/// Built from `[remote]` in `dispatcher.toml` or the operator config
/// (`RemoteSettings.access`), with the secrets already read. The secrets
/// are never part of a description, a log line or an error; they leave the
/// process only on the helper's standard input.
package struct RemoteAccess: Sendable {
    /// The known_hosts file ssh host keys are checked against.
    package var knownHostsPath: String
    /// The private key file offered to ssh servers; nil offers only the
    /// ssh-agent's keys.
    package var sshKeyPath: String?
    /// The key file's passphrase, from a declared secret.
    package var sshKeyPassphrase: String?
    /// Whether an ssh-agent is offered first (`SSH_AUTH_SOCK` is set).
    package var useAgent: Bool
    /// The user for HTTP basic auth (`x-access-token` unless configured).
    package var username: String
    /// The token sent as the basic-auth password over https.
    package var token: String?
    /// A PEM bundle trusted in addition to the system's CAs.
    package var caFile: String?
    /// Connect and transfer, for one fetch or push.
    package var timeout: Duration
    /// The `writ` executable that runs each network operation in a child
    /// process, killed when `timeout` passes. Nil runs it in this process,
    /// with no way to abandon a server that never answers: that is what the
    /// helper itself does, and what a library caller gets unless it names
    /// the binary.
    package var helper: String?
    /// Why these settings cannot reach a network remote (a declared secret
    /// that is missing, an unreadable key file): thrown by the first
    /// network fetch or push, never by a command that stays local.
    package var unavailable: RuntimeError?

    /// The access a repository handle starts with: this process's
    /// environment, no key file, no token, no helper.
    package static let processDefault = RemoteAccess()

    package static let defaultTimeout: Duration = .seconds(60)
    package static let defaultUsername = "x-access-token"

    package init(
        knownHostsPath: String? = nil, sshKeyPath: String? = nil, sshKeyPassphrase: String? = nil,
        useAgent: Bool? = nil, username: String? = nil, token: String? = nil, caFile: String? = nil,
        timeout: Duration = defaultTimeout, helper: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        self.knownHostsPath = knownHostsPath ?? (home as NSString).appendingPathComponent(".ssh/known_hosts")
        self.sshKeyPath = sshKeyPath
        self.sshKeyPassphrase = sshKeyPassphrase
        self.useAgent = useAgent ?? !(environment["SSH_AUTH_SOCK"] ?? "").isEmpty
        self.username = username ?? Self.defaultUsername
        self.token = token
        self.caFile = caFile
        self.timeout = timeout
        self.helper = helper
    }

    /// What the git layer offers the remote and trusts of it.
    package var credentials: RemoteCredentials {
        RemoteCredentials(
            knownHostsPath: knownHostsPath, sshKeyPath: sshKeyPath, sshKeyPassphrase: sshKeyPassphrase,
            useAgent: useAgent, username: username, token: token, caFile: caFile)
    }

    /// Removes every secret from `text` (a server's error message, a
    /// helper's stderr).
    package func redact(_ text: String) -> String { credentials.redact(text) }
}

extension RemoteAccess: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String {
        "RemoteAccess(known_hosts: \(knownHostsPath), ssh_key: \(sshKeyPath ?? "none"), agent: \(useAgent), "
            + "username: \(username), token: \(token == nil ? "none" : "[redacted]"), ca_file: \(caFile ?? "none"), "
            + "timeout: \(timeout))"
    }

    package var debugDescription: String { description }

    /// Reflection (`dump`, the debugger) shows the description only, never
    /// the stored secrets.
    package var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
