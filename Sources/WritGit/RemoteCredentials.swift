import Foundation

/// What the git layer offers a network remote and which of its host keys
/// and certificates it trusts, for one in-process fetch or push: the ssh
/// key file and agent, the token for https, the known_hosts file, an extra
/// CA bundle. The secrets are never part of a description.
public struct RemoteCredentials: Sendable {
    /// The known_hosts file ssh host keys are checked against.
    public var knownHostsPath: String
    /// The private key file offered to ssh servers; nil offers only the
    /// ssh-agent's keys.
    public var sshKeyPath: String?
    /// The key file's passphrase.
    var sshKeyPassphrase: String?
    /// Whether an ssh-agent is offered first.
    public var useAgent: Bool
    /// The user for HTTP basic auth.
    public var username: String
    /// The token sent as the basic-auth password over https (or over http
    /// to this machine only).
    var token: String?
    /// A PEM bundle trusted in addition to the system's CAs.
    public var caFile: String?

    init(
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
    var secrets: [String] { [token, sshKeyPassphrase].compactMap { $0 }.filter { !$0.isEmpty } }

    /// Removes every secret from `text`.
    func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }
}

extension RemoteCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "RemoteCredentials(known_hosts: \(knownHostsPath), ssh_key: \(sshKeyPath ?? "none"), agent: \(useAgent), "
            + "username: \(username), token: \(token == nil ? "none" : "[redacted]"), ca_file: \(caFile ?? "none"))"
    }

    public var debugDescription: String { description }

    /// Reflection shows the description only, never the stored secrets.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
