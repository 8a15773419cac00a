import Crypto

/// The `<aa>` fan-out directory: the first two hex digits of sha256 of the
/// intent id's UTF-8 bytes (SPEC §3), so that a ledger of a million intents
/// rewrites a few small trees per append, not one huge one.
enum FanOut {
    /// The two lower-case hex digits for `id`.
    static func prefix(for id: String) -> String {
        let digest = SHA256.hash(data: Array(id.utf8))
        return String(Array(digest).prefix(1).hexString)
    }
}
