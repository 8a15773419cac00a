/// The byte-level discipline every record goes through before any parser
/// sees it: at most 64 KiB, valid UTF-8, no NUL byte, no byte order mark.
///
/// The TOML parser underneath reads C strings, so a NUL would silently end
/// the document early; the limit keeps a hostile file from costing the
/// dispatcher memory or time.
package enum RecordBytes {
    /// The largest record accepted, in bytes.
    package static let maximumSize = 64 * 1024

    /// Checks `bytes` and returns them as a string, or throws a `WritError`
    /// with `reason` and a detail naming `record`.
    package static func text(_ bytes: some Collection<UInt8>, reason: ReasonCode, record: String) throws -> String {
        guard bytes.count <= maximumSize else {
            throw WritError(reason, "\(record): \(bytes.count) bytes, more than the \(maximumSize)-byte limit")
        }
        guard !bytes.contains(0) else { throw WritError(reason, "\(record): contains a NUL byte") }
        guard let text = String(validating: Array(bytes), as: UTF8.self) else {
            throw WritError(reason, "\(record): not valid UTF-8")
        }
        // A byte order mark is invisible yet changes the digest; one spelling per record.
        guard text.unicodeScalars.first != "\u{FEFF}" else {
            throw WritError(reason, "\(record): starts with a byte order mark")
        }
        return text
    }
}
