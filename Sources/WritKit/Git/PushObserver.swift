internal import Clibgit2

/// What libgit2 tells writ during one network push, gathered by two C
/// callbacks that reach this object through the callbacks' payload pointer.
///
/// The negotiation callback runs after libgit2 has read the server's ref
/// advertisement and before any object is sent. Refusing there when the
/// advertised old id differs from the expected one turns the push into a
/// compare-and-swap: the server then checks the same old id again under its
/// own ref lock when it applies the command.
final class PushObserver {
    /// The remote reference being updated (`refs/heads/<branch>`).
    let reference: String
    /// The value the remote reference must hold; zero means absent.
    let expected: ObjectID

    /// Set when the advertised value differed from `expected`; the inner
    /// optional is nil when the remote reference was absent.
    private(set) var mismatch: ObjectID??
    /// True once the negotiation callback saw an update for `reference`.
    private(set) var negotiated = false
    /// Each status the server reported, in order; a nil message is success.
    private(set) var statuses: [(reference: String, message: String?)] = []

    init(reference: String, expected: ObjectID?) {
        self.reference = reference
        self.expected = expected ?? ObjectID(git_oid())
    }

    /// Installs the callbacks and payload into `callbacks`. The payload is
    /// unretained: the caller keeps `self` alive across the libgit2 call.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.push_negotiation = pushNegotiation
        callbacks.push_update_reference = pushUpdateReference
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
    }

    fileprivate func negotiate(_ updates: [(destination: String, current: ObjectID)]) -> Int32 {
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

    fileprivate func record(reference: String, message: String?) {
        statuses.append((reference, message))
    }
}

private let pushNegotiation: git_push_negotiation = { updates, count, payload in
    guard let payload else { return GIT_EUSER.rawValue }
    let observer = Unmanaged<PushObserver>.fromOpaque(payload).takeUnretainedValue()
    var seen: [(destination: String, current: ObjectID)] = []
    if let updates {
        for index in 0..<count {
            guard let update = updates[index], let destination = update.pointee.dst_refname else { continue }
            seen.append((String(cString: destination), ObjectID(update.pointee.src)))
        }
    }
    return observer.negotiate(seen)
}

private let pushUpdateReference: git_push_update_reference_cb = { reference, status, payload in
    guard let payload else { return GIT_EUSER.rawValue }
    let observer = Unmanaged<PushObserver>.fromOpaque(payload).takeUnretainedValue()
    // A NULL status is success; any text is the server's reason for
    // refusing (libgit2 still returns 0 from git_remote_push then).
    observer.record(reference: reference.map { String(cString: $0) } ?? "", message: status.map { String(cString: $0) })
    return 0
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
