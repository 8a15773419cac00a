import Foundation

/// `~` in a path from a config file: `~` and `~/…` are `$HOME` (the
/// environment's, as a shell expands them; the password database only when
/// `HOME` is unset or empty). Other paths are returned unchanged; `~user`
/// is not expanded. Relative paths are then taken from the config file's
/// directory by the caller.
package enum HomePath {
    /// `path` with a leading `~` or `~/` replaced by the home directory.
    package static func expand(
        _ path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        var home = environment["HOME"] ?? ""
        if home.isEmpty {
            home = getpwuid(getuid()).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } } ?? "/"
        }
        return path == "~" ? home : (home as NSString).appendingPathComponent(String(path.dropFirst(2)))
    }

    /// `path` expanded, and taken from `directory` when it is relative.
    package static func resolve(_ path: String, from directory: String) -> String {
        let expanded = expand(path)
        return expanded.hasPrefix("/") ? expanded : (directory as NSString).appendingPathComponent(expanded)
    }
}
