/// One entry of a git tree, copied out of libgit2.
package struct TreeEntry: Sendable, Hashable {
    /// What an entry's mode says it is.
    package enum Kind: String, Sendable, Hashable, Codable {
        case blob
        case executable
        case symlink
        case tree
        /// A submodule commit (mode 160000).
        case gitlink
    }

    /// The entry name (one path component). Decoded as UTF-8 with invalid
    /// bytes replaced, so a non-UTF-8 name never matches a valid writ name.
    package let name: String
    package let kind: Kind
    /// The raw git file mode, e.g. `0o100644`.
    package let mode: UInt32
    package let id: ObjectID

    package init(name: String, kind: Kind, mode: UInt32, id: ObjectID) {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.id = id
    }

    /// True for the kinds stored as blob objects (file, executable, symlink).
    package var isBlobLike: Bool { kind == .blob || kind == .executable || kind == .symlink }
}
