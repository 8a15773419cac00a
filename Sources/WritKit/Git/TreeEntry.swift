internal import Clibgit2

/// One entry of a git tree, copied out of libgit2.
public struct TreeEntry: Sendable, Hashable {
    /// What an entry's mode says it is.
    public enum Kind: String, Sendable, Hashable, Codable {
        case blob
        case executable
        case symlink
        case tree
        /// A submodule commit (mode 160000).
        case gitlink
    }

    /// The entry name (one path component). Decoded as UTF-8 with invalid
    /// bytes replaced, so a non-UTF-8 name never matches a valid writ name.
    public let name: String
    public let kind: Kind
    /// The raw git file mode, e.g. `0o100644`.
    public let mode: UInt32
    public let id: ObjectID

    init(name: String, kind: Kind, mode: UInt32, id: ObjectID) {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.id = id
    }

    /// True for the kinds stored as blob objects (file, executable, symlink).
    var isBlobLike: Bool { kind == .blob || kind == .executable || kind == .symlink }

    init?(_ entry: OpaquePointer) {
        guard let name = git_tree_entry_name(entry), let id = git_tree_entry_id(entry) else { return nil }
        let mode = git_tree_entry_filemode(entry).rawValue
        guard let kind = Self.kind(forMode: mode) else { return nil }
        self.init(name: String(cString: name), kind: kind, mode: mode, id: ObjectID(id))
    }

    static func kind(forMode mode: UInt32) -> Kind? {
        switch mode {
        case GIT_FILEMODE_BLOB.rawValue: .blob
        case GIT_FILEMODE_BLOB_EXECUTABLE.rawValue: .executable
        case GIT_FILEMODE_LINK.rawValue: .symlink
        case GIT_FILEMODE_TREE.rawValue: .tree
        case GIT_FILEMODE_COMMIT.rawValue: .gitlink
        default: nil
        }
    }
}
