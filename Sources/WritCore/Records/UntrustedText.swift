/// Untrusted text (record fields, event details, forge replies) made safe to
/// print in a view that a forge renders as Markdown with inline HTML: pull
/// request bodies and comments (SPEC §3, §7).
///
/// One routine for every such renderer, so that no view escapes less than
/// another. What it guarantees, whatever the input:
/// - every ASCII punctuation character becomes a numeric character
///   reference, so nothing in the text is Markdown syntax (no emphasis,
///   link, heading, list, table cell break, or code span: a backtick cannot
///   open or close one) and nothing is raw HTML (`<script>` shows as text);
/// - `@` is followed by a zero-width space (`&#8203;`), so `@name` mentions
///   nobody and `@org/team` notifies no team (inside `<code>`, where
///   neither GitHub nor Forgejo looks for mentions, the space is left out,
///   so a principal copied from it is the principal);
/// - line breaks and every other control character (C0, DEL, C1) become the
///   visible `␤` or `\u{…}` (hex), so no value can end a table row or start a
///   block of its own; Unicode bidi controls are shown the same way.
///
/// Letters, digits, spaces and non-ASCII text pass unchanged, so what an
/// approver reads is the characters of the record. The result is meant for
/// text positions (a table cell, a list item, inside `<code>…</code>`), not
/// for a fenced code block, where references are not decoded.
package enum UntrustedText {
    /// `text` escaped for a Markdown-and-HTML view (see the type's doc).
    package static func markdown(_ text: String) -> String {
        escape(text, inCode: false)
    }

    /// `text` escaped by `markdown(_:)` inside `<code>` tags: monospace,
    /// with the same guarantees (tags of the renderer's own, never the text's).
    package static func markdownCode(_ text: String) -> String {
        "<code>" + escape(text, inCode: true) + "</code>"
    }

    /// The one routine behind both.
    private static func escape(_ text: String, inCode: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\r":
                out += "␤"
            case "@":
                out += inCode ? "&#64;" : "&#64;&#8203;"
            case " ":
                out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || isBidiControl(scalar) {
                    // `\u{…}`, its punctuation as references like any other.
                    out += "&#92;u&#123;" + String(scalar.value, radix: 16) + "&#125;"
                } else if scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) {
                    out += "&#\(scalar.value);"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `text` made safe for a terminal line: every control character (C0,
    /// DEL, C1) and bidi control is shown as `\u{…}` (hex), so a file name
    /// or detail from a record can neither move the cursor, recolour the
    /// screen, reorder what follows, nor start a line of its own.
    package static func terminal(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || isBidiControl(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The Unicode bidi controls SPEC §3 forbids in records.
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }
}
