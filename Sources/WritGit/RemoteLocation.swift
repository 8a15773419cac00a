import Foundation

/// Where a remote URL leads, decided the way libgit2 picks its transport
/// (on non-Windows systems), so that writ knows which pushes get a
/// server-side compare-and-swap and which must do it themselves.
package enum RemoteLocation: Equatable {
    /// A repository on this machine (a plain path or a `file://` URL):
    /// libgit2 would write its refs directly, with no compare-and-swap.
    case localPath(String)
    /// A smart-protocol server (`git://`, `http(s)://`, `ssh://`, or the
    /// scp-like `host:path`), which checks the old id it advertised.
    case network

    private static let networkPrefixes = ["git://", "http://", "https://", "ssh://", "ssh+git://", "git+ssh://"]

    /// Classifies `url`; nil when libgit2 would find no transport for it or
    /// a `file://` URL is malformed (fail closed rather than guess).
    package static func classify(_ url: String) -> RemoteLocation? {
        let lowered = url.lowercased()
        if networkPrefixes.contains(where: { lowered.hasPrefix($0) }) {
            return .network
        }
        if lowered.hasPrefix("file://") {
            return fileURLPath(String(url.dropFirst("file://".count))).map { .localPath($0) }
        }
        if url.contains("://") {
            return nil
        }
        // libgit2 tries scp-like ssh before the file system.
        if url.contains(":") {
            return .network
        }
        var isDirectory: ObjCBool = false
        guard !url.isEmpty, FileManager.default.fileExists(atPath: url, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            return nil
        }
        return .localPath(url)
    }

    /// The path of `file://` URL text after the scheme: an empty host or
    /// `localhost`, then an absolute percent-encoded path.
    private static func fileURLPath(_ rest: String) -> String? {
        var path = Substring(rest)
        if path.lowercased().hasPrefix("localhost/") {
            path = path.dropFirst("localhost".count)
        }
        guard path.hasPrefix("/"), let decoded = String(path).removingPercentEncoding, !decoded.utf8.contains(0) else {
            return nil
        }
        return decoded
    }
}
