/// A slash-separated path inside a git tree, checked component by component.
///
/// Refused: an empty path, and any component that is empty (leading,
/// trailing or doubled `/`), `.`, `..`, holds NUL, or is `.git` in any case
/// (git refuses such trees, and a checkout of one could write into `.git`).
package struct TreePath: Sendable, Hashable, CustomStringConvertible {
    package let components: [String]

    package init(_ path: String) throws(GitUsageError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            guard Self.isValidComponent(part) else {
                throw .invalidPathComponent(path: path, component: part)
            }
        }
        components = parts
    }

    package var description: String { components.joined(separator: "/") }

    /// True when `name` may be one entry name in a tree.
    static func isValidComponent(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".."
            && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
            && name.lowercased() != ".git"
    }
}
