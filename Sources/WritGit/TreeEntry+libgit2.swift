internal import Clibgit2
import WritCore

/// Reading tree entries out of libgit2.
extension TreeEntry {
    package init?(_ entry: OpaquePointer) {
        guard let name = git_tree_entry_name(entry), let id = git_tree_entry_id(entry) else { return nil }
        let mode = git_tree_entry_filemode(entry).rawValue
        guard let kind = Self.kind(forMode: mode) else { return nil }
        self.init(name: String(cString: name), kind: kind, mode: mode, id: ObjectID(id))
    }

    package static func kind(forMode mode: UInt32) -> Kind? {
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
