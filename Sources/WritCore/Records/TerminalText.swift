/// Text from records, events, commit messages and forge replies made safe
/// for a terminal: what writ prints from them never moves the cursor,
/// rewrites a line, or reorders what the reader sees (SPEC §3).
package enum TerminalText {
    /// `text` with every C0 and C1 control character, DEL and Unicode bidi
    /// control written as `\u{XX}`, and a backslash doubled so an escape in
    /// the input cannot pass for one writ wrote.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if isUnsafe(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// C0, DEL, C1 and the bidi controls of SPEC §3.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }
}
