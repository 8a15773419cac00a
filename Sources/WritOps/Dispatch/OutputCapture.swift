import Crypto
import WritCore

/// One output stream of an executor, kept in bounded memory: the bytes pass
/// through a `SecretRedactor`, then into a streaming SHA-256 and a tail of at
/// most `tailLimit` bytes. Nothing else is kept, and nothing reaches disk.
///
/// The finished tail is also cleared of every piece of a secret of
/// `SecretRedactor.fragmentLength` bytes or more: the tail is published
/// next to the other stream's, and a secret split between the two streams
/// (or cut by the tail's start) is whole in neither.
struct OutputCapture {
    /// How much of the end of each stream a result keeps.
    static let tailLimit = 4096

    private var redactor: SecretRedactor
    private var hasher = SHA256()
    /// Grows to at most twice the limit before being trimmed, so trimming
    /// costs amortised O(1) per byte.
    private var tail: [UInt8] = []
    private(set) var totalBytes = 0

    init(secrets: [String]) {
        redactor = SecretRedactor(secrets: secrets)
    }

    /// Bytes held right now (tail and redactor carry); bounded whatever the output size.
    var retainedByteCount: Int { tail.count + redactor.heldBackCount }

    package mutating func append(_ chunk: some Collection<UInt8>) {
        accept(redactor.feed(chunk))
    }

    /// Flushes the redactor; returns the stream's digest and tail.
    mutating func finish() -> (digest: ContentDigest, tail: String) {
        accept(redactor.finish())
        let hex = hasher.finalize().hexString
        guard let digest = ContentDigest(hex: hex) else {
            preconditionFailure("SHA-256 hex is always 64 lower-case digits")
        }
        // Masking may lengthen the text (a marker for a 4-byte piece); cutting
        // it back to the limit only drops bytes, so it cannot form a new piece.
        let masked = redactor.maskingFragments(Array(tail.suffix(Self.tailLimit)))
        var kept = masked.suffix(Self.tailLimit)
        // A cut through a multi-byte character would decode to a replacement
        // character; drop the orphaned continuation bytes instead.
        var dropped = tail.count > Self.tailLimit || masked.count > Self.tailLimit ? 0 : 3
        while dropped < 3, let first = kept.first, first & 0xC0 == 0x80 {
            kept = kept.dropFirst()
            dropped += 1
        }
        return (digest, String(decoding: kept, as: UTF8.self))
    }

    private mutating func accept(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        totalBytes += bytes.count
        hasher.update(data: bytes)
        tail.append(contentsOf: bytes.suffix(Self.tailLimit))
        if tail.count > 2 * Self.tailLimit {
            tail.removeFirst(tail.count - Self.tailLimit)
        }
    }
}
