/// The characters record text may not hold (SPEC §3): C0 controls (NUL,
/// tab and newline included), DEL, C1 controls, and the Unicode bidi
/// controls that make a terminal or a web page show other text than the
/// bytes an approver signs (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
/// U+061C). A record holding one is malformed; what an approver sees is
/// then what they sign, in every view.
package enum RecordText {
    /// The first forbidden character of `text`, nil when there is none.
    package static func forbiddenScalar(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: isForbidden)
    }

    /// Whether `scalar` may not appear in record text.
    package static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F, 0x80...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }

    /// Why `text` may not be record text, for a field's error message; nil
    /// when it may.
    package static func problem(in text: String) -> String? {
        guard let scalar = forbiddenScalar(in: text) else { return nil }
        let code = String(scalar.value, radix: 16, uppercase: true)
        return "holds the control character U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code); "
            + "record text may hold no control or bidi-control character"
    }
}
