/// Validation of the short names records use as keys: kinds, roles, gate
/// names and parameter names, `^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`.
///
/// These names end up in config keys, argv placeholders and reports, so they
/// are kept to a plain, shell- and path-safe alphabet.
package enum RecordName {
    package static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 100, first.isAlnum else { return false }
        return bytes.allSatisfy {
            $0.isAlnum || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    /// Whether `text` is one line of printable text (no control characters).
    static func isSingleLine(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }
}
