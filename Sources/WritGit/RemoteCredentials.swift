import Foundation

/// What the git layer offers a network remote and which of its host keys
/// and certificates it trusts, for one in-process fetch or push: the ssh
/// key file and agent, the token for https, the known_hosts file, an extra
/// CA bundle. The secrets are never part of a description.
package struct RemoteCredentials: Sendable {
    /// The known_hosts file ssh host keys are checked against.
    package var knownHostsPath: String
    /// The private key file offered to ssh servers; nil offers only the
    /// ssh-agent's keys.
    package var sshKeyPath: String?
    /// The key file's passphrase.
    package var sshKeyPassphrase: String?
    /// Whether an ssh-agent is offered first.
    package var useAgent: Bool
    /// The user for HTTP basic auth.
    package var username: String
    /// The token sent as the basic-auth password over https (or over http
    /// to this machine only).
    package var token: String?
    /// A PEM bundle trusted in addition to the system's CAs.
    package var caFile: String?

    package init(
        knownHostsPath: String, sshKeyPath: String?, sshKeyPassphrase: String?, useAgent: Bool, username: String,
        token: String?, caFile: String?
    ) {
        self.knownHostsPath = knownHostsPath
        self.sshKeyPath = sshKeyPath
        self.sshKeyPassphrase = sshKeyPassphrase
        self.useAgent = useAgent
        self.username = username
        self.token = token
        self.caFile = caFile
    }

    /// The secrets held, for masking any text that might echo them.
    package var secrets: [String] { [token, sshKeyPassphrase].compactMap { $0 }.filter { !$0.isEmpty } }

    /// Removes every secret from `text`.
    package func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}

extension RemoteCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String {
        "RemoteCredentials(known_hosts: \(knownHostsPath), ssh_key: \(sshKeyPath ?? "none"), agent: \(useAgent), "
            + "username: \(username), token: \(token == nil ? "none" : "[redacted]"), ca_file: \(caFile ?? "none"))"
    }

    package var debugDescription: String { description }

    /// Reflection shows the description only, never the stored secrets.
    package var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
