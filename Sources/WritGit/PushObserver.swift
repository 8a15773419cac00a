internal import Clibgit2
import WritCore

/// What libgit2 tells writ during one network push, gathered by two C
/// callbacks (installed by `RemoteCallbacks`, which owns this observer).
///
/// The negotiation callback runs after libgit2 has read the server's ref
/// advertisement and before any object is sent. Refusing there when the
/// advertised old id differs from the expected one turns the push into a
/// compare-and-swap: the server then checks the same old id again under its
/// own ref lock when it applies the command.
final class PushObserver {
    /// The remote reference being updated (`refs/heads/<branch>`).
    package let reference: String
    /// The value the remote reference must hold; zero means absent.
    package let expected: ObjectID

    /// Set when the advertised value differed from `expected`; the inner
    /// optional is nil when the remote reference was absent.
    private(set) var mismatch: ObjectID??
    /// True once the negotiation callback saw an update for `reference`.
    private(set) var negotiated = false
    /// Each status the server reported, in order; a nil message is success.
    private(set) var statuses: [(reference: String, message: String?)] = []

    package init(reference: String, expected: ObjectID?) {
        self.reference = reference
        self.expected = expected ?? ObjectID(git_oid())
    }

    func negotiate(_ updates: [(destination: String, current: ObjectID)]) -> Int32 {
        for update in updates where update.destination == reference {
            negotiated = true
            if update.current != expected {
                mismatch = .some(update.current.isZero ? nil : update.current)
            }
        }
        // A non-negative value lets the push go on; GIT_EUSER stops it
        // before any object or command is sent.
        return negotiated && mismatch == nil ? 0 : GIT_EUSER.rawValue
    }

    package func record(reference: String, message: String?) {
        statuses.append((reference, message))
    }
}

/// Calls `body` with a `git_strarray` holding copies of `strings`, freed
/// afterwards.
func withStringArray<T>(_ strings: [String], _ body: (UnsafePointer<git_strarray>) throws -> T) rethrows -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for item in pointers { free(item) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
