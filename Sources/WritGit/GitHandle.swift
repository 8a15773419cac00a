internal import Clibgit2

/// Sole owner of one libgit2 object (tree, commit, blob, reference, tree
/// builder, odb, odb object): frees it exactly once, in `deinit`.
///
/// It keeps its repository alive, since libgit2 objects must not outlive
/// the repository they came from. Not `Sendable`: libgit2 objects are used
/// from one thread at a time.
package final class GitHandle {
    package let raw: OpaquePointer
    private let release: (OpaquePointer?) -> Void
    private let repository: Repository?

    package init(_ raw: OpaquePointer, repository: Repository?, release: @escaping (OpaquePointer?) -> Void) {
        self.raw = raw
        self.repository = repository
        self.release = release
    }

    deinit {
        release(raw)
    }
}
