/// One path that differs between two trees.
package struct TreeChange: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable, Codable {
        case added
        case modified
        case removed
    }

    /// Full slash-separated path of a file, symlink or gitlink.
    package let path: String
    package let kind: Kind
    /// The entry before the change; nil when added.
    package let old: TreeEntry?
    /// The entry after the change; nil when removed.
    package let new: TreeEntry?

    package init(path: String, kind: Kind, old: TreeEntry?, new: TreeEntry?) {
        self.path = path
        self.kind = kind
        self.old = old
        self.new = new
    }
}
