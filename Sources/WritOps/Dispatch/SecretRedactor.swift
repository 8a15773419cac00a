/// Replaces every occurrence of a secret value in a byte stream with
/// `[REDACTED]`, including an occurrence split across chunks.
///
/// Output arrives in pipe reads of arbitrary size, so a secret may straddle
/// two reads. The redactor holds back the last `longest - 1` bytes of each
/// chunk (at most) until it knows no secret starts there; everything before
/// that is final and handed on. At a position where several secrets match,
/// the longest wins. Every non-empty secret is redacted, however short: a
/// one-character secret blanks every occurrence of that character, which is
/// noisy but never leaks. Empty secrets are ignored (preflight treats an empty
/// secret as missing).
///
/// Whole secrets are not enough where text is published: an executor that
/// prints half a secret on stdout and the other half on stderr leaves no
/// whole secret in either stream, yet the two published tails put it back
/// together. `maskingFragments` therefore masks, in a finished tail, every
/// run of bytes made of pieces of at least `fragmentLength` bytes of any
/// secret, wherever a stream was cut and however the halves interleave.
struct SecretRedactor: Sendable {
    /// What a secret is replaced with.
    static let marker: [UInt8] = Array("[REDACTED]".utf8)
    /// The shortest piece of a secret `maskingFragments` masks. Shorter
    /// secrets are masked whole by `feed`; a piece of three bytes or fewer
    /// is left, since masking every such triple would blank ordinary text.
    static let fragmentLength = 4

    /// Distinct non-empty secrets, longest first.
    private let secrets: [[UInt8]]
    private let longest: Int
    /// `startsSecret[b]`: some secret begins with byte `b` (a fast skip).
    private let startsSecret: [Bool]
    private var carry: [UInt8] = []
    /// Every `fragmentLength`-byte window of every secret, packed big-endian.
    private let fragments: Set<UInt32>

    init(secrets: [String]) {
        let distinct = Set(secrets.map { Array($0.utf8) }).filter { !$0.isEmpty }
        self.secrets = distinct.sorted {
            $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1)
        }
        self.longest = self.secrets.first?.count ?? 0
        var starts = [Bool](repeating: false, count: 256)
        for secret in self.secrets { starts[Int(secret[0])] = true }
        self.startsSecret = starts
        var windows = Set<UInt32>()
        for secret in self.secrets where secret.count >= Self.fragmentLength {
            for start in 0...(secret.count - Self.fragmentLength) {
                windows.insert(Self.window(secret, at: start))
            }
        }
        self.fragments = windows
    }

    /// Replaces each maximal run of bytes covered by secret windows of
    /// `fragmentLength` bytes with one `marker`.
    ///
    /// Any piece of a secret at least `fragmentLength` long is a chain of
    /// overlapping windows of that secret, so all of it is covered, whatever
    /// precedes or follows it. Meant for bounded text about to be published
    /// (a tail), not for a stream: it is O(n) with one set lookup per byte.
    func maskingFragments(_ bytes: [UInt8]) -> [UInt8] {
        let width = Self.fragmentLength
        guard !fragments.isEmpty, bytes.count >= width else { return bytes }
        var covered = [Bool](repeating: false, count: bytes.count)
        var found = false
        for start in 0...(bytes.count - width) where fragments.contains(Self.window(bytes, at: start)) {
            for index in start..<(start + width) { covered[index] = true }
            found = true
        }
        guard found else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if covered[index] {
                output.append(contentsOf: Self.marker)
                while index < bytes.count, covered[index] { index += 1 }
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    private static func window(_ bytes: [UInt8], at start: Int) -> UInt32 {
        UInt32(bytes[start]) << 24 | UInt32(bytes[start + 1]) << 16 | UInt32(bytes[start + 2]) << 8
            | UInt32(bytes[start + 3])
    }

    /// The number of bytes held back, at most `longest - 1`.
    var heldBackCount: Int { carry.count }

    /// Feeds `chunk`; returns the redacted bytes that are now final.
    mutating func feed(_ chunk: some Collection<UInt8>) -> [UInt8] {
        guard longest > 0 else { return Array(chunk) }
        var buffer = carry
        buffer.append(contentsOf: chunk)
        let (output, consumed) = redact(buffer, final: false)
        carry = Array(buffer[consumed...])
        return output
    }

    /// Ends the stream; returns the held-back bytes, redacted.
    mutating func finish() -> [UInt8] {
        guard longest > 0 else { return [] }
        let (output, _) = redact(carry, final: true)
        carry = []
        return output
    }

    /// Redacts `buffer` up to the first position where a secret could still
    /// begin but not end inside it (unless `final`); returns the output and
    /// how many bytes of `buffer` it covers.
    private func redact(_ buffer: [UInt8], final: Bool) -> ([UInt8], Int) {
        var output: [UInt8] = []
        output.reserveCapacity(buffer.count)
        let count = buffer.count
        // Below `decided`, every secret fits, so a non-match there is final.
        let decided = final ? count : max(0, count - (longest - 1))
        var index = 0
        buffer.withUnsafeBufferPointer { bytes in
            var runStart = 0
            while index < decided {
                let byte = bytes[index]
                if !startsSecret[Int(byte)] {
                    index += 1
                    continue
                }
                var matched = 0
                for secret in secrets where secret.count <= count - index {
                    if secret.withUnsafeBufferPointer({ candidate in
                        var offset = 0
                        while offset < candidate.count, bytes[index + offset] == candidate[offset] {
                            offset += 1
                        }
                        return offset == candidate.count
                    }) {
                        matched = secret.count
                        break
                    }
                }
                if matched == 0 {
                    index += 1
                    continue
                }
                output.append(contentsOf: bytes[runStart..<index])
                output.append(contentsOf: Self.marker)
                index += matched
                runStart = index
            }
            // A match may have run past `decided`; `index` is where output stops.
            output.append(contentsOf: bytes[runStart..<min(index, count)])
        }
        return (output, min(index, count))
    }
}
