import Crypto
import Foundation
import Synchronization

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
    package struct Key: Hashable, Sendable {
        package let a: UInt64, b: UInt64, c: UInt64, d: UInt64

        package init(_ digest: some Sequence<UInt8>) {
            var words = [UInt64](repeating: 0, count: 4)
            for (index, byte) in digest.enumerated() where index < 32 {
                words[index / 8] |= UInt64(byte) << (8 * UInt64(index % 8))
            }
            (a, b, c, d) = (words[0], words[1], words[2], words[3])
        }

        /// The key stored in the 32 bytes at `offset` of `raw` (the file's order: little-endian words).
        package init(_ raw: UnsafeRawBufferPointer, at offset: Int) {
            func word(_ index: Int) -> UInt64 {
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * index, as: UInt64.self))
            }
            (a, b, c, d) = (word(0), word(1), word(2), word(3))
        }

        /// The digest's bits are uniform already: one word is hash enough.
        package func hash(into hasher: inout Hasher) { hasher.combine(a) }

        package var bytes: [UInt8] {
            [a, b, c, d].flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
        }
    }

    /// The most entries kept in memory (32 MB of keys): past it, new
    /// successes are not remembered, and verification stays correct.
    package static let capacity = 1_000_000

    private struct State {
        package var keys = Set<Key>()
        /// The files already loaded, so a long-running dispatcher reads its
        /// cache once, not on every poll.
        var loaded = Set<String>()
        /// Keys added since the last load or save, in insertion order.
        var unsaved: [Key] = []
        /// Readers of files to run before the first lookup (`loadWhenNeeded`).
        package var pending: [Reader] = []

        /// Runs the pending readers.
        mutating func readPending() {
            guard !pending.isEmpty else { return }
            for reader in pending { absorb(reader()) }
            pending.removeAll()
        }

        /// Adds keys read from storage (known already, so not unsaved).
        mutating func absorb(_ read: [Key]) {
            keys.reserveCapacity(min(keys.count + read.count, VerificationCache.capacity))
            for key in read where keys.count < VerificationCache.capacity { keys.insert(key) }
        }
    }
    private let state = Mutex(State())

    /// An empty cache, in memory only until ``load(from:)`` or ``save(to:)``.
    public init() {}

    /// The key of a signature blob and the signed data it was verified over.
    package static func key(blob: [UInt8], signedData: [UInt8]) -> Key {
        var hasher = SHA256()
        hasher.update(data: Array("writ verified v1\u{0}".utf8))
        var length = UInt32(blob.count).bigEndian
        withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
        hasher.update(data: blob)
        hasher.update(data: signedData)
        return Key(hasher.finalize())
    }

    package func contains(_ key: Key) -> Bool {
        state.withLock { state in
            state.readPending()
            return state.keys.contains(key)
        }
    }

    package func insert(_ key: Key) {
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

    // MARK: Storage seams
    //
    // The cache itself does no I/O: the storage that keeps it between runs
    // (`VerificationCache+File` in WritOps) reads and writes through these.

    /// Reads the keys of a file once.
    package typealias Reader = @Sendable () -> [Key]

    /// Adds what `read` returns unless `name` was loaded before; returns
    /// how many keys were read.
    package func load(named name: String, read: () -> [Key]) -> Int {
        state.withLock { state in
            guard state.loaded.insert(name).inserted else { return 0 }
            let keys = read()
            state.absorb(keys)
            return keys.count
        }
    }

    /// `load(named:read:)`, put off until a key is first looked up.
    package func loadWhenNeeded(named name: String, read: @escaping Reader) {
        state.withLock { state in
            guard state.loaded.insert(name).inserted else { return }
            state.pending.append(read)
        }
    }

    /// The keys learnt since the last load or save, forgotten as unsaved.
    package func takeUnsaved() -> [Key] {
        state.withLock { state -> [Key] in
            defer { state.unsaved.removeAll() }
            return state.unsaved
        }
    }

    /// Every key known.
    package var allKeys: [Key] { state.withLock { Array($0.keys) } }
}
