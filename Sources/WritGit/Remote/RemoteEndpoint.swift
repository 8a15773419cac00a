import Foundation

/// The parts of a network remote URL that decide how writ authenticates and
/// which host key or certificate it expects (SPEC §11).
///
/// Parsed the way libgit2 picks its transport: `ssh://`, `ssh+git://` and
/// `git+ssh://` URLs and the scp-like `[user@]host:path` are ssh; `https://`
/// and `http://` are HTTP; `git://` is the unauthenticated git protocol.
package struct RemoteEndpoint: Sendable, Hashable {
    package enum Scheme: String, Sendable, Hashable {
        case ssh, https, http, git
    }

    package let scheme: Scheme
    /// The user named in the URL (`git` in `git@github.com:org/ops.git`).
    package let user: String?
    /// The host, lowercased, without IPv6 brackets.
    package let host: String
    /// The port, or nil for the scheme's default (22, 443, 80, 9418).
    package let port: Int?

    /// The port actually connected to.
    package var effectivePort: Int {
        if let port { return port }
        switch scheme {
        case .ssh: return 22
        case .https: return 443
        case .http: return 80
        case .git: return 9418
        }
    }

    /// How OpenSSH names this host in known_hosts: `host` on port 22,
    /// `[host]:port` on any other.
    package var knownHostsName: String {
        effectivePort == 22 ? host : "[\(host)]:\(effectivePort)"
    }

    /// Why a URL cannot be used as a network remote.
    package enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// Not a URL of a network transport writ speaks.
        case notNetwork
        /// A scheme URL whose host or port does not parse.
        case malformed
        /// The URL carries a password or token: a secret in `.git/config`,
        /// in every error message and in the process list.
        case embeddedPassword

        package var description: String {
            switch self {
            case .notNetwork: "is not an ssh, https, http or git:// URL"
            case .malformed: "does not parse as a URL with a host"
            case .embeddedPassword:
                "carries a password or token; remove it from the URL and give it as token_secret in [remote]"
            }
        }
    }

    /// `url` with the user info of a scheme URL (`user:token@`) removed, for
    /// messages: a URL that carries a secret is never repeated whole.
    package static func redactingUserInfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "[redacted]@" + String(rest[rest.index(after: at)...])
    }

    /// Parses `url`; throws for a URL that is not a usable network remote.
    package static func parse(_ url: String) throws(Problem) -> RemoteEndpoint {
        let lowered = url.lowercased()
        for (prefix, scheme) in [
            ("ssh://", Scheme.ssh), ("ssh+git://", .ssh), ("git+ssh://", .ssh), ("https://", .https),
            ("http://", .http), ("git://", .git),
        ] where lowered.hasPrefix(prefix) {
            return try parseAuthority(String(url.dropFirst(prefix.count)), scheme: scheme)
        }
        guard !url.contains("://") else { throw .notNetwork }
        return try parseSCPLike(url)
    }

    /// `[user[:password]@]host[:port]/path` after the scheme.
    /// Whether an https user name is a token rather than a login: the
    /// prefixes GitHub and GitLab give their tokens, or a long unbroken run
    /// of token characters (a 40-hex classic token, a JWT-like string).
    static func looksLikeToken(_ user: String) -> Bool {
        let prefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-"]
        if prefixes.contains(where: user.hasPrefix) { return true }
        let tokenCharacters = user.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" || $0 == "."
        }
        return tokenCharacters && user.count >= 32
    }

    /// Whether `host` is this machine (the one place plain http may carry a token).
    package var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) }

    private static func parseAuthority(_ rest: String, scheme: Scheme) throws(Problem) -> RemoteEndpoint {
        let authority = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        var hostPort = Substring(authority)
        var user: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if userInfo.contains(":") { throw .embeddedPassword }
            user = userInfo.removingPercentEncoding ?? String(userInfo)
            // `https://TOKEN@host`: a token given as the user name is a
            // secret in the URL all the same.
            if scheme == .https || scheme == .http, let user, Self.looksLikeToken(user) { throw .embeddedPassword }
            hostPort = authority[authority.index(after: at)...]
        }
        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .malformed }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .malformed }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty, isPlausibleHost(host) else { throw .malformed }
        var port: Int?
        if let portText, !portText.isEmpty {
            guard let value = Int(portText), (1...65_535).contains(value) else { throw .malformed }
            port = value
        }
        return RemoteEndpoint(scheme: scheme, user: user, host: host.lowercased(), port: port)
    }

    /// The scp-like `[user@]host:path`, always ssh on port 22 (the form has
    /// no place for a port). A colon after the first slash makes it a path.
    private static func parseSCPLike(_ url: String) throws(Problem) -> RemoteEndpoint {
        var rest = Substring(url)
        var user: String?
        if rest.hasPrefix("[") {
            // [host]:path or [user@host]:path, as git writes IPv6 hosts.
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw .notNetwork
            }
            var inside = rest[rest.index(after: rest.startIndex)..<close]
            if let at = inside.lastIndex(of: "@") {
                user = String(inside[..<at])
                inside = inside[inside.index(after: at)...]
            }
            guard !inside.isEmpty, isPlausibleHost(inside) else { throw .malformed }
            return RemoteEndpoint(scheme: .ssh, user: user, host: inside.lowercased(), port: nil)
        }
        guard let colon = rest.firstIndex(of: ":") else { throw .notNetwork }
        if let slash = rest.firstIndex(of: "/"), slash < colon { throw .notNetwork }
        var host = rest[..<colon]
        if let at = host.lastIndex(of: "@") {
            user = String(host[..<at])
            host = host[host.index(after: at)...]
        }
        rest = host
        guard !rest.isEmpty, isPlausibleHost(rest) else { throw .malformed }
        return RemoteEndpoint(scheme: .ssh, user: user, host: rest.lowercased(), port: nil)
    }

    /// A host name or address: no spaces, controls or characters that
    /// would confuse a known_hosts lookup.
    private static func isPlausibleHost(_ host: Substring) -> Bool {
        host.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && scalar.value > 0x20 && !"/\\@[]?#*!,\"'".unicodeScalars.contains(scalar)
        }
    }
}
