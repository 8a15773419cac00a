internal import Clibgit2
import Foundation
import WritCore

/// The callbacks of one network operation (connect, fetch or push): which
/// credential to offer next, whether the server's host key or certificate
/// is trusted, and, for a push, what the push observer sees. They reach
/// this object through the callbacks' payload pointer.
///
/// libgit2 reports a refusal made here only as a failed call; the refusal
/// itself, typed, is kept in `refusal` and wins over whatever libgit2 says
/// (`failure(for:)`).
final class RemoteCallbacks {
    package let access: RemoteCredentials
    package let endpoint: RemoteEndpoint
    /// The push observer, for a push; nil for a connect or fetch.
    package var push: PushObserver?

    /// Why a callback stopped the operation.
    package private(set) var refusal: RemoteRefusal?

    private var offeredAgent = false
    private var offeredKey = false
    private var offeredToken = false

    package init(access: RemoteCredentials, endpoint: RemoteEndpoint) {
        self.access = access
        self.endpoint = endpoint
    }

    /// Installs the callbacks and payload into `callbacks`. The payload is
    /// unretained: the caller keeps `self` alive across the libgit2 call.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.credentials = acquireCredential
        callbacks.certificate_check = checkCertificate
        if push != nil {
            callbacks.push_negotiation = pushNegotiation
            callbacks.push_update_reference = pushUpdateReference
        }
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
    }

    // MARK: Credentials

    /// Called again after every refused credential: each kind is offered
    /// once, in the order of SPEC §11 (ssh-agent, then the key file; the
    /// token over https), and then the operation stops as refused.
    fileprivate func credential(
        _ out: UnsafeMutablePointer<OpaquePointer?>, userFromURL: String?, allowed: UInt32
    ) -> Int32 {
        func allows(_ type: git_credential_t) -> Bool { allowed & type.rawValue != 0 }

        switch endpoint.scheme {
        case .ssh:
            guard let user = userFromURL ?? endpoint.user, !user.isEmpty else {
                return refuse(
                    RemoteRefusal.credentialsRefused,
                    "the ssh URL names no user (write it as user@host, e.g. git@\(endpoint.host):org/ops.git)")
            }
            if allows(GIT_CREDENTIAL_USERNAME), !allows(GIT_CREDENTIAL_SSH_KEY) {
                return git_credential_username_new(out, user)
            }
            guard allows(GIT_CREDENTIAL_SSH_KEY) else {
                return refuse(
                    RemoteRefusal.credentialsRefused,
                    "the ssh server at \(endpoint.knownHostsName) accepts no public key")
            }
            if access.useAgent, !offeredAgent {
                offeredAgent = true
                return git_credential_ssh_key_from_agent(out, user)
            }
            if let key = access.sshKeyPath, !offeredKey {
                offeredKey = true
                return git_credential_ssh_key_new(out, user, nil, key, access.sshKeyPassphrase)
            }
            var offered: [String] = []
            if offeredAgent { offered.append("the ssh-agent's keys") }
            if offeredKey { offered.append("ssh_key \(access.sshKeyPath ?? "")") }
            return refuse(
                RemoteRefusal.credentialsRefused,
                offered.isEmpty
                    ? "no ssh credential to offer \(endpoint.knownHostsName): set ssh_key in [remote] or start an "
                        + "ssh-agent (SSH_AUTH_SOCK)"
                    : "the ssh server at \(endpoint.knownHostsName) refused \(offered.joined(separator: " and ")) "
                        + "for user \(user)")
        case .https, .http:
            guard allows(GIT_CREDENTIAL_USERPASS_PLAINTEXT) else {
                return refuse(
                    RemoteRefusal.credentialsRefused,
                    "the server at \(endpoint.host) asks for an unsupported authentication")
            }
            guard let token = access.token else {
                return refuse(
                    RemoteRefusal.credentialsRefused,
                    "the server at \(endpoint.host) asks for a login: set token_secret in [remote]")
            }
            // A token crosses plain http only to this machine (as the
            // forge client's api_url rule says): anywhere else, anyone on
            // the path reads it.
            guard endpoint.scheme == .https || endpoint.isLoopback else {
                return refuse(
                    RemoteRefusal.credentialsRefused,
                    "the server at \(endpoint.host) asks for the token over plain http; writ sends a token over "
                        + "http only to 127.0.0.1, ::1 or localhost: use an https URL")
            }
            guard !offeredToken else {
                return refuse(
                    RemoteRefusal.credentialsRefused,
                    "the server at \(endpoint.host) refused the token for user \(access.username)")
            }
            offeredToken = true
            return git_credential_userpass_plaintext_new(out, access.username, token)
        case .git:
            return refuse(
                RemoteRefusal.credentialsRefused, "the git:// server at \(endpoint.host) asks for credentials")
        }
    }

    // MARK: Host keys and certificates

    fileprivate func certificate(_ cert: UnsafeMutablePointer<git_cert>, valid: Bool) -> Int32 {
        switch cert.pointee.cert_type {
        case GIT_CERT_HOSTKEY_LIBSSH2:
            // `valid` reflects only ~/.ssh/known_hosts: writ decides from the
            // configured file, whatever libgit2 thought.
            let hostKey = UnsafeMutableRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
            guard hostKey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostKey.hostkey,
                hostKey.hostkey_len > 0
            else {
                return refuse(
                    RemoteRefusal.hostKeyMismatch, "the ssh server at \(endpoint.knownHostsName) offered no host key")
            }
            let blob = [UInt8](UnsafeRawBufferPointer(start: raw, count: hostKey.hostkey_len))
            let knownHosts: KnownHosts
            do {
                knownHosts = try KnownHosts.load(access.knownHostsPath)
            } catch {
                return refuse(RemoteRefusal.hostKeyMismatch, "\(error)")
            }
            let name = endpoint.knownHostsName
            let verdict = knownHosts.check(name: name, key: blob)
            if let message = verdict.message(for: name) {
                if case .refused(_, .unknownHost) = verdict { return refuse(RemoteRefusal.hostKeyUnknown, message) }
                return refuse(RemoteRefusal.hostKeyMismatch, message)
            }
            return 0
        case GIT_CERT_X509:
            guard valid else {
                let trust = access.caFile.map { "the system CAs and ca_file \($0)" } ?? "the system CAs"
                return refuse(
                    RemoteRefusal.certificateUntrusted,
                    "the TLS certificate of \(endpoint.host):\(endpoint.effectivePort) does not verify against "
                        + "\(trust) for that name; writ never skips verification (add the server's CA with ca_file)")
            }
            return 0
        default:
            return refuse(
                RemoteRefusal.certificateUntrusted,
                "the server at \(endpoint.host) offered no certificate writ can check")
        }
    }

    /// Keeps the first refusal and returns the libgit2 code that stops
    /// the operation.
    private func refuse(_ kind: (String) -> RemoteRefusal, _ detail: String) -> Int32 {
        let why = kind(detail)
        if refusal == nil { refusal = why }
        if case .credentialsRefused = why { return GIT_EAUTH.rawValue }
        return GIT_ECERTIFICATE.rawValue
    }

    // MARK: Classifying failures

    /// The typed refusal for a libgit2 error of this operation: the
    /// callbacks' own refusal when there was one, else what libgit2's code,
    /// class and message say (SPEC §11). Secrets are masked.
    package func failure(for error: GitError) -> RemoteRefusal {
        if let refusal { return refusal.redacted(by: access) }
        let message = access.redact(error.message)
        let place = "\(endpoint.scheme.rawValue) remote \(endpoint.host):\(endpoint.effectivePort)"
        let lowered = message.lowercased()
        if error.code.rawValue == GIT_EAUTH.rawValue {
            return .credentialsRefused("\(place) refused the credentials: \(message)")
        }
        if error.code.rawValue == GIT_ECERTIFICATE.rawValue || error.errorClass == Int32(GIT_ERROR_SSL.rawValue) {
            return .certificateUntrusted("TLS with \(place) failed: \(message)")
        }
        if error.errorClass == Int32(GIT_ERROR_HTTP.rawValue),
            lowered.contains("401") || lowered.contains("403")
        {
            return .credentialsRefused(
                "\(place) refused the request (\(message)); the token needs write access to the repository")
        }
        if error.errorClass == Int32(GIT_ERROR_SSH.rawValue),
            ["authentication", "public key", "publickey", "passphrase", "private key"].contains(where: {
                lowered.contains($0)
            })
        {
            return .credentialsRefused("\(place) refused the credentials: \(message)")
        }
        return .transport("\(place) failed: \(message)")
    }
}

extension RemoteRefusal {
    /// The same refusal with every secret of `credentials` masked.
    package func redacted(by credentials: RemoteCredentials) -> RemoteRefusal {
        let masked = credentials.redact(detail)
        switch self {
        case .credentialsRefused: return .credentialsRefused(masked)
        case .hostKeyUnknown: return .hostKeyUnknown(masked)
        case .hostKeyMismatch: return .hostKeyMismatch(masked)
        case .certificateUntrusted: return .certificateUntrusted(masked)
        case .timedOut: return .timedOut(masked)
        case .transport: return .transport(masked)
        }
    }
}

private func callbacks(_ payload: UnsafeMutableRawPointer?) -> RemoteCallbacks? {
    payload.map { Unmanaged<RemoteCallbacks>.fromOpaque($0).takeUnretainedValue() }
}

private let acquireCredential: git_credential_acquire_cb = { out, _, userFromURL, allowed, payload in
    guard let out, let owner = callbacks(payload) else { return GIT_EAUTH.rawValue }
    return owner.credential(out, userFromURL: userFromURL.map { String(cString: $0) }, allowed: allowed)
}

private let checkCertificate: git_transport_certificate_check_cb = { cert, valid, _, payload in
    guard let cert, let owner = callbacks(payload) else { return GIT_ECERTIFICATE.rawValue }
    return owner.certificate(cert, valid: valid != 0)
}

private let pushNegotiation: git_push_negotiation = { updates, count, payload in
    guard let observer = callbacks(payload)?.push else { return GIT_EUSER.rawValue }
    var seen: [(destination: String, current: ObjectID)] = []
    if let updates {
        for index in 0..<count {
            guard let update = updates[index], let destination = update.pointee.dst_refname else { continue }
            seen.append((String(cString: destination), ObjectID(update.pointee.src)))
        }
    }
    return observer.negotiate(seen)
}

private let pushUpdateReference: git_push_update_reference_cb = { reference, status, payload in
    guard let observer = callbacks(payload)?.push else { return GIT_EUSER.rawValue }
    // A NULL status is success; any text is the server's reason for
    // refusing (libgit2 still returns 0 from git_remote_push then).
    observer.record(reference: reference.map { String(cString: $0) } ?? "", message: status.map { String(cString: $0) })
    return 0
}
