import Crypto

/// The `<aa>` fan-out directory: the first two hex digits of sha256 of the
/// intent id's UTF-8 bytes (SPEC §3), so that a ledger of a million intents
/// rewrites a few small trees per append, not one huge one.
enum FanOut {
    /// The two lower-case hex digits for `id`.
    package static func prefix(for id: String) -> String {
        var id = id
        let (high, low) = id.withUTF8 { digits(for: $0) }
        return String(decoding: [high, low], as: UTF8.self)
    }

    /// The two lower-case hex digits for the id whose UTF-8 bytes are `id`,
    /// as bytes: a path check compares them without building a string.
    package static func digits(for id: UnsafeBufferPointer<UInt8>) -> (UInt8, UInt8) {
        var hasher = SHA256()
        hasher.update(bufferPointer: UnsafeRawBufferPointer(id))
        let first = hasher.finalize().withUnsafeBytes { $0[0] }
        let hex = Array("0123456789abcdef".utf8)
        return (hex[Int(first >> 4)], hex[Int(first & 0x0F)])
    }
}
