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
    /// What is offered to the remote and trusted of it: the known_hosts
    /// file, the ssh key and agent, the token for https, the extra CA
    /// bundle. The git layer's in-process fetch and push take exactly this.
    package var credentials: RemoteCredentials
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

    package init(credentials: RemoteCredentials, timeout: Duration = defaultTimeout, helper: String? = nil) {
        self.credentials = credentials
        self.timeout = timeout
        self.helper = helper
    }

    /// Credentials with the defaults filled in from `environment`: the
    /// known_hosts file under `$HOME/.ssh`, the ssh-agent offered when
    /// `SSH_AUTH_SOCK` is set, the user `x-access-token`.
    package init(
        knownHostsPath: String? = nil, sshKeyPath: String? = nil, sshKeyPassphrase: String? = nil,
        useAgent: Bool? = nil, username: String? = nil, token: String? = nil, caFile: String? = nil,
        timeout: Duration = defaultTimeout, helper: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        self.init(
            credentials: RemoteCredentials(
                knownHostsPath: knownHostsPath ?? (home as NSString).appendingPathComponent(".ssh/known_hosts"),
                sshKeyPath: sshKeyPath, sshKeyPassphrase: sshKeyPassphrase,
                useAgent: useAgent ?? !(environment["SSH_AUTH_SOCK"] ?? "").isEmpty,
                username: username ?? Self.defaultUsername, token: token, caFile: caFile),
            timeout: timeout, helper: helper)
    }

    /// Removes every secret from `text` (a server's error message, a
    /// helper's stderr).
    package func redact(_ text: String) -> String { credentials.redact(text) }
}

extension RemoteAccess: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String {
        "RemoteAccess(\(credentials), timeout: \(timeout))"
    }

    package var debugDescription: String { description }

    /// Reflection (`dump`, the debugger) shows the description only, never
    /// the stored secrets.
    package var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
