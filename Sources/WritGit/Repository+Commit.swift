internal import Clibgit2
import Foundation
import WritCore

extension Repository {
    /// Writes a commit object without updating any reference.
    ///
    /// The message is stored exactly as given (no clean-up, no added
    /// newline).
    package func createCommit(
        tree: ObjectID, parents: [ObjectID], author: GitIdentity, committer: GitIdentity, message: String
    ) throws -> ObjectID {
        try withCommitInputs(tree: tree, parents: parents, author: author, committer: committer) {
            tree, parents, author, committer in
            var oid = git_oid()
            let result = parents.withUnsafeBufferPointer { buffer in
                var pointers = buffer.map { Optional($0.raw) }
                return pointers.withUnsafeMutableBufferPointer { array in
                    git_commit_create(
                        &oid, raw, nil, author, committer, nil, message, tree.raw, array.count, array.baseAddress)
                }
            }
            try check(result, "git_commit_create")
            return ObjectID(oid)
        }
    }

    /// Writes a commit carrying a `gpgsig` header, without updating any
    /// reference.
    ///
    /// `sign` receives the exact commit bytes to sign and returns an armored
    /// signature (for SSH: what `ssh-keygen -Y sign -n git` writes). Trailing
    /// newlines are removed before embedding, since libgit2 would otherwise
    /// leave an empty continuation line in the header.
    package func createSignedCommit(
        tree: ObjectID, parents: [ObjectID], author: GitIdentity, committer: GitIdentity, message: String,
        sign: (Data) throws -> String
    ) throws -> ObjectID {
        let payload: String = try withCommitInputs(tree: tree, parents: parents, author: author, committer: committer) {
            tree, parents, author, committer in
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            let result = parents.withUnsafeBufferPointer { handles in
                var pointers = handles.map { Optional($0.raw) }
                return pointers.withUnsafeMutableBufferPointer { array in
                    git_commit_create_buffer(
                        &buffer, raw, author, committer, nil, message, tree.raw, array.count, array.baseAddress)
                }
            }
            try check(result, "git_commit_create_buffer")
            guard let bytes = buffer.ptr else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: bytes, count: buffer.size), as: UTF8.self)
        }
        var armored = try sign(Data(payload.utf8))
        while armored.hasSuffix("\n") { armored.removeLast() }
        guard !armored.isEmpty, !armored.utf8.contains(0), !armored.utf8.contains(UInt8(ascii: "\r")),
            !armored.contains("\n\n")
        else {
            throw GitUsageError.invalidSignatureText
        }
        var oid = git_oid()
        try check(
            git_commit_create_with_signature(&oid, raw, payload, armored, "gpgsig"), "git_commit_create_with_signature")
        return ObjectID(oid)
    }

    /// Looks up the tree, parents and signatures a commit needs, keeps
    /// them alive for `body`, and frees them afterwards.
    private func withCommitInputs<T>(
        tree: ObjectID, parents: [ObjectID], author: GitIdentity, committer: GitIdentity,
        _ body: (GitHandle, [GitHandle], UnsafePointer<git_signature>, UnsafePointer<git_signature>) throws -> T
    ) throws -> T {
        let treeHandle = try lookupTree(tree)
        let parentHandles = try parents.map { id throws(GitError) in try lookupCommit(id) }
        let authorSignature = try SignatureHandle(author)
        let committerSignature = try SignatureHandle(committer)
        return try body(treeHandle, parentHandles, authorSignature.pointer, committerSignature.pointer)
    }
}

/// Owns one `git_signature` (name, email, time) built for a commit.
private final class SignatureHandle {
    package let pointer: UnsafePointer<git_signature>
    private let owned: UnsafeMutablePointer<git_signature>

    package init(_ identity: GitIdentity) throws(GitError) {
        var out: UnsafeMutablePointer<git_signature>?
        let seconds = git_time_t(identity.date.timeIntervalSince1970.rounded(.down))
        try check(
            git_signature_new(&out, identity.name, identity.email, seconds, Int32(identity.utcOffsetMinutes)),
            "git_signature_new")
        guard let out else {
            throw GitError(
                code: .generic, errorClass: 0, message: "succeeded without a signature", function: "git_signature_new")
        }
        owned = out
        pointer = UnsafePointer(out)
    }

    deinit {
        git_signature_free(owned)
    }
}
