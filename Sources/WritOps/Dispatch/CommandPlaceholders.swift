import WritCore

/// The placeholders an executor's `command` (and `workdir`) may use, checked
/// when `dispatcher.toml` is loaded.
///
/// Preflight replaces a placeholder only when it is a whole argv element, and
/// refuses an unknown one per intent (`env_mismatch`). A typo such as
/// `{intent.idd}` would then block every intent of that kind, and
/// `x{intent.id}` or `{clone` would reach the program literally; both are
/// mistakes in the host's config, so they are refused when the config is
/// read, with the list of what is valid.
enum CommandPlaceholders {
    /// What may appear, each as a whole element.
    package static let valid = ["{intent.id}", "{target.repo}", "{target.branch}", "{param.NAME}", "{clone}"]

    /// Why `element` cannot be used, or nil when it is a valid placeholder
    /// or holds nothing that looks like one.
    ///
    /// An element is checked as a placeholder when it is `{`, one or more of
    /// `[A-Za-z0-9._-]`, `}` (preflight's syntax): then it must be one of
    /// `valid`, with `NAME` a valid parameter name. Otherwise it is refused
    /// when it holds `{` followed by the start of a valid placeholder
    /// (`intent.`, `target.`, `param.`, `clone`), or by a letter or `_`, then
    /// name characters, then `}` or the end of the element (`x{intent.id}`,
    /// `{clone`, `{branch}/x`), unless the `{` follows a `$`: `${NAME}` is a shell's, left to the shell a
    /// command may run. A JSON argument (`{"a":1}`) or an awk program
    /// (`{print $1}`) is not taken for a placeholder.
    package static func problem(_ element: String) -> String? {
        let bytes = Array(element.utf8)
        if bytes.count >= 3, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}"),
            bytes.dropFirst().dropLast().allSatisfy(isNameByte)
        {
            let name = String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
            if ["intent.id", "target.repo", "target.branch", "clone"].contains(name) { return nil }
            if name.hasPrefix("param.") {
                let param = String(name.dropFirst("param.".count))
                if RecordName.isValid(param) { return nil }
                return "\(quoted: element) names no valid parameter (NAME must match [A-Za-z0-9][A-Za-z0-9._-]*)"
            }
            return "\(quoted: element) is not a placeholder"
        }
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "{") {
            if index > 0, bytes[index - 1] == UInt8(ascii: "$") { continue }
            let rest = bytes[(index + 1)...]
            if stems.contains(where: { rest.starts(with: $0.utf8) }) {
                return "\(quoted: element) looks like a placeholder, but placeholders are replaced only as whole "
                    + "elements, spelled exactly"
            }
            var end = index + 1
            guard end < bytes.count, isLetter(bytes[end]) || bytes[end] == UInt8(ascii: "_") else { continue }
            while end < bytes.count, isNameByte(bytes[end]) { end += 1 }
            if end == bytes.count || bytes[end] == UInt8(ascii: "}") {
                return "\(quoted: element) looks like a placeholder, but placeholders are replaced only as whole "
                    + "elements, spelled exactly"
            }
        }
        return nil
    }

    /// How the valid placeholders begin: an element holding one of these
    /// after a `{` meant a placeholder, whatever follows.
    private static let stems = ["intent.", "target.", "param.", "clone"]

    /// The refusal's tail: what may be used instead.
    static var validList: String { "valid placeholders, each a whole element: " + valid.joined(separator: ", ") }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
