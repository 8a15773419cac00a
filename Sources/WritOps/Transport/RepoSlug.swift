import WritGit

/// A forge repository as SPEC §7 names it: `HOST[:PORT]/OWNER/NAME`
/// (`github.com/acme/app`), lower-cased host, no `.git` suffix.
package struct RepoSlug: Sendable, Hashable, CustomStringConvertible {
    /// The host, with `:port` when one was given.
    package let host: String
    package let owner: String
    package let name: String

    /// `OWNER/NAME`, the repository's path in the forge's API.
    package var apiPath: String { "\(owner)/\(name)" }

    package var description: String { "\(host)/\(owner)/\(name)" }

    /// Parses `HOST/OWNER/NAME`; nil for anything else (fewer or more
    /// parts, empty parts, characters a forge does not allow).
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, Self.isHost(parts[0]), Self.isName(parts[1]), Self.isName(parts[2]),
            !parts[2].lowercased().hasSuffix(".git")
        else { return nil }
        host = parts[0].lowercased()
        owner = parts[1]
        name = parts[2]
    }

    /// The slug a clone's remote URL names, normalised as SPEC §7 says:
    /// https, ssh (`ssh://`) or scp-like (`git@host:owner/name`) forms;
    /// credentials and a `.git` suffix dropped; the port kept when it is
    /// not the scheme's default for https. `insteadOf` rewrites are never
    /// applied: the configured URL is what is bound.
    package init?(remoteURL url: String) {
        guard let endpoint = try? RemoteEndpoint.parse(url), endpoint.scheme == .https || endpoint.scheme == .ssh
        else { return nil }
        var path: Substring
        if let scheme = url.range(of: "://") {
            let rest = url[scheme.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            path = rest[rest.index(after: slash)...]
        } else {
            // scp-like: after the first colon that ends the host.
            let afterHost = url.hasPrefix("[") ? url.firstIndex(of: "]").map { url.index(after: $0) } : url.startIndex
            guard let afterHost, let colon = url[afterHost...].firstIndex(of: ":") else { return nil }
            path = url[url.index(after: colon)...]
        }
        if path.hasSuffix("/") { path = path.dropLast() }
        if path.lowercased().hasSuffix(".git") { path = path.dropLast(4) }
        let host =
            endpoint.scheme == .https && endpoint.port != nil && endpoint.port != 443
            ? "\(endpoint.host):\(endpoint.effectivePort)" : endpoint.host
        self.init("\(host)/\(path)")
    }

    private static func isHost(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789.-:".unicodeScalars.contains($0))
            }
    }

    /// GitHub's and Forgejo's owner and repository names: letters, digits,
    /// `-`, `_` and `.`, not `.` or `..`.
    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".." && text.count <= 100
            && text.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_.".unicodeScalars.contains($0))
            }
    }
}
