import Crypto
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The signatures already found cryptographically valid, so that a second
/// `writ status`, `show`, `log`, `verify` or dispatcher poll verifies only
/// what is new.
///
/// An entry is one fact that never changes: *this SSHSIG blob is a valid
/// signature, by the key it embeds, over this signed data* (which holds the
/// namespace and the message's hash). It is keyed by a SHA-256 over both,
/// so it names the exact signature blob and message blob it was computed
/// for. No trust is cached: whether the key is listed for the principal,
/// permitted the namespace and valid at the clock is decided afresh, under
/// the governance of the moment, on every use (`SignatureVerifier`), so an
/// entry is never trusted across a governance change. Only successes are
/// kept; a failure is verified again each time.
///
/// On disk (`.git/writ/verified`, see ``load(from:)``) it is safe to
/// delete and is ignored, never trusted, when it is malformed, not owned by
/// this user, or writable by others. Nothing that `git fetch` writes lands
/// there, so a remote cannot seed it.
///
/// There is no process-wide instance: a cache is a value its owner makes
/// and passes in. The CLI makes one per command and the dispatcher one for
/// its life, each loaded from its own file; every ``OpsRepo`` carries the
/// one of its run, and the verifier consults only the cache it is given
/// (`SignatureVerifier`), so a decision stays a function of its inputs.
public final class VerificationCache: Sendable {
    /// A 32-byte entry key.
    struct Key: Hashable, Sendable {
        let a: UInt64, b: UInt64, c: UInt64, d: UInt64

        init(_ digest: some Sequence<UInt8>) {
            var words = [UInt64](repeating: 0, count: 4)
            for (index, byte) in digest.enumerated() where index < 32 {
                words[index / 8] |= UInt64(byte) << (8 * UInt64(index % 8))
            }
            (a, b, c, d) = (words[0], words[1], words[2], words[3])
        }

        /// The key stored in the 32 bytes at `offset` of `raw` (the file's order: little-endian words).
        init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
            func word(_ index: Int) -> UInt64 {
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * index, as: UInt64.self))
            }
            (a, b, c, d) = (word(0), word(1), word(2), word(3))
        }

        /// The digest's bits are uniform already: one word is hash enough.
        func hash(into hasher: inout Hasher) { hasher.combine(a) }

        var bytes: [UInt8] {
            [a, b, c, d].flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
        }
    }

    /// The most entries kept in memory (32 MB of keys): past it, new
    /// successes are not remembered, and verification stays correct.
    static let capacity = 1_000_000
    static let header = Array("writ-verified 1\n".utf8)

    private struct State {
        var keys = Set<Key>()
        /// The files already loaded, so a long-running dispatcher reads its
        /// cache once, not on every poll.
        var loaded = Set<String>()
        /// Keys added since the last load or save, in insertion order.
        var unsaved: [Key] = []
        /// Files to read before the first lookup (`loadWhenNeeded`).
        var pending: [URL] = []

        /// Reads the pending files.
        mutating func readPending() {
            guard !pending.isEmpty else { return }
            for file in pending { _ = VerificationCache.read(file, into: &self) }
            pending.removeAll()
        }
    }
    private let state = Mutex(State())

    /// An empty cache, in memory only until ``load(from:)`` or ``save(to:)``.
    public init() {}

    /// The key of a signature blob and the signed data it was verified over.
    static func key(blob: [UInt8], signedData: [UInt8]) -> Key {
        var hasher = SHA256()
        hasher.update(data: Array("writ verified v1\u{0}".utf8))
        var length = UInt32(blob.count).bigEndian
        withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
        hasher.update(data: blob)
        hasher.update(data: signedData)
        return Key(hasher.finalize())
    }

    func contains(_ key: Key) -> Bool {
        state.withLock { state in
            state.readPending()
            return state.keys.contains(key)
        }
    }

    func insert(_ key: Key) {
        state.withLock { state in
            state.readPending()
            guard state.keys.count < Self.capacity, state.keys.insert(key).inserted else { return }
            state.unsaved.append(key)
        }
    }

    /// How many successes are remembered.
    public var count: Int {
        state.withLock { state in
            state.readPending()
            return state.keys.count
        }
    }

    /// The cache file of the repository whose git directory is `gitDirectory`.
    public static func file(inGitDirectory gitDirectory: String) -> URL {
        URL(fileURLWithPath: gitDirectory).appendingPathComponent("writ/verified")
    }

    /// Adds the entries of `file`, when it exists and can be trusted as
    /// this user's own and was not loaded before; returns how many were read. A file that is not
    /// this user's, is writable by group or others, or does not start
    /// with the header is ignored (and will be replaced by the next save).
    @discardableResult
    public func load(from file: URL) -> Int {
        state.withLock { state in
            guard state.loaded.insert(file.standardizedFileURL.path).inserted else { return 0 }
            return Self.read(file, into: &state)
        }
    }

    /// `load(from:)`, put off until a signature is first looked up: a
    /// `status` answered from its snapshot verifies nothing, so it does
    /// not read (and hash) a cache of every signature in the history.
    public func loadWhenNeeded(from file: URL) {
        state.withLock { state in
            guard state.loaded.insert(file.standardizedFileURL.path).inserted else { return }
            state.pending.append(file)
        }
    }

    private static func read(_ file: URL, into state: inout State) -> Int {
        guard let data = StateFiles.mapPrivate(file.path), data.count >= header.count,
            Array(data.prefix(header.count)) == header
        else { return 0 }
        // A torn last record (a crash while appending) is dropped.
        let records = min((data.count - header.count) / 32, capacity)
        state.keys.reserveCapacity(min(state.keys.count + records, capacity))
        data.withUnsafeBytes { raw in
            for record in 0..<records where state.keys.count < capacity {
                state.keys.insert(Key(raw, at: header.count + 32 * record))
            }
        }
        return records
    }

    /// Appends the entries learnt since the last load or save to `file`,
    /// creating it (and its directory, mode 0700) when missing, or
    /// rewriting it when it cannot be trusted. Failing to save costs only
    /// speed: it never fails a command.
    public func save(to file: URL) {
        // Every insert reads the pending files first: with files still
        // pending, nothing was learnt and nothing is read or written.
        let fresh = state.withLock { state -> [Key] in
            defer { state.unsaved.removeAll() }
            return state.unsaved
        }
        guard !fresh.isEmpty else { return }
        let directory = file.deletingLastPathComponent()
        try? FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // A folder another user can write is never written into: what this
        // process saves there could be swapped before the next one reads it.
        guard StateFiles.isPrivateDirectory(directory.path) else { return }
        let appendable = Self.isPrivate(file.path) && Self.startsWithHeader(file)
        var bytes = appendable ? [UInt8]() : Self.header
        bytes.reserveCapacity(bytes.count + fresh.count * 32)
        for key in fresh { bytes += key.bytes }
        if appendable {
            guard let handle = try? FileHandle(forWritingTo: file) else { return }
            defer { try? handle.close() }
            // Align to whole records first, so a torn tail cannot shift them.
            guard let end = try? handle.seekToEnd() else { return }
            let aligned = UInt64(Self.header.count) + (end - UInt64(Self.header.count)) / 32 * 32
            try? handle.truncate(atOffset: aligned)
            try? handle.seek(toOffset: aligned)
            try? handle.write(contentsOf: Data(bytes))
        } else {
            // Everything known, written to a new private file, then renamed over.
            let all = state.withLock { Array($0.keys) }
            var whole = Self.header
            whole.reserveCapacity(whole.count + all.count * 32)
            for key in all { whole += key.bytes }
            // Renamed into place and the directory flushed, like every
            // state file (StateFiles), mode 0600.
            try? StateFiles.write(Data(whole), to: file.path)
        }
    }

    /// Whether `path` is a regular file owned by this user that neither
    /// group nor others may write.
    static func isPrivate(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG && info.st_uid == geteuid() && (info.st_mode & 0o022) == 0
    }

    private static func startsWithHeader(_ file: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: header.count)).map { Array($0) == header } ?? false
    }
}

/// One signature to check ahead of the decisions that will ask about it.
struct PendingSignature: Sendable {
    let armored: Data
    let message: Data
    let namespace: String
}

extension PendingSignature {
    /// The signatures one intent's decision checks: the intent's own and
    /// its approval records'.
    static func decision(intent: Data, signature: Data?, approvals: [ApprovalEvidence]) -> [PendingSignature] {
        var pending: [PendingSignature] = []
        if let signature {
            pending.append(PendingSignature(armored: signature, message: intent, namespace: SignatureNamespace.intent))
        }
        for record in approvals {
            guard let signature = record.signature else { continue }
            pending.append(
                PendingSignature(armored: signature, message: record.bytes, namespace: SignatureNamespace.approval))
        }
        return pending
    }
}

extension VerificationCache {
    /// Verifies `signatures` cryptographically on all cores, so that the
    /// sequential decisions that follow find each valid one already
    /// known here. Invalid ones are simply not remembered: the decision that
    /// asks about them verifies again and reports the failure itself.
    func verifyInParallel(_ signatures: [PendingSignature]) {
        let workers = ParallelWork.workers(for: signatures.count, minimumPerWorker: 64)
        // `check` never throws: a failure is simply not remembered.
        _ = try? ParallelWork.map(signatures, workers: workers) { pending, _ in self.check(pending) }
    }

    private func check(_ pending: PendingSignature) {
        guard let signature = try? SSHSignature(armored: pending.armored) else { return }
        try? signature.verifyCryptographically(message: pending.message, namespace: pending.namespace, cache: self)
    }
}
