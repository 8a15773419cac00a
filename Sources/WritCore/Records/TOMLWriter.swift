/// Writes the canonical TOML of records: fixed key order, basic strings with
/// every control character escaped, one `key = value` per line.
///
/// The output is exactly what the strict reader accepts, so every writer
/// round-trips through its parser.
struct TOMLWriter {
    package private(set) var text = ""

    package mutating func line(_ key: String, _ value: String) {
        text += "\(TOMLWriter.key(key)) = \(TOMLWriter.quote(value))\n"
    }

    package mutating func line(_ key: String, _ value: Int) { text += "\(TOMLWriter.key(key)) = \(value)\n" }

    package mutating func line(_ key: String, _ values: [String]) {
        text += "\(TOMLWriter.key(key)) = [\(values.map(TOMLWriter.quote).joined(separator: ", "))]\n"
    }

    package mutating func line(_ key: String, optional value: String?) {
        if let value { line(key, value) }
    }

    package mutating func header(_ name: String) { text += "\n[\(name)]\n" }

    package mutating func raw(_ fragment: String) { text += fragment }

    package var bytes: [UInt8] { Array(text.utf8) }

    /// A bare key when it is `[A-Za-z0-9_-]+`, a quoted key otherwise.
    package static func key(_ key: String) -> String {
        let bare =
            !key.isEmpty && key.utf8.allSatisfy { $0.isAlnum || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        return bare ? key : quote(key)
    }

    /// A TOML basic string.
    static func quote(_ value: String) -> String {
        "\"" + escape(value, keepNewlines: false) + "\""
    }

    /// A TOML multi-line basic string that reads back as exactly `value`.
    static func multiline(_ value: String) -> String {
        // The newline right after the opening quotes is dropped by TOML, so
        // the value starts on its own line and reads back unchanged.
        "\"\"\"\n" + escape(value, keepNewlines: true) + "\"\"\""
    }

    private static func escape(_ value: String, keepNewlines: Bool) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += keepNewlines ? "\n" : "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
