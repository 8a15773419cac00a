/// An intent id: `^[a-z0-9][a-z0-9._-]{0,99}$` and never containing `..` (SPEC §1).
///
/// The id is also a path component (`intents/<aa>/<id>.toml`,
/// `audit/<aa>/<id>/`), so the rules are chosen to make traversal impossible:
/// there is no `/`, the first character is never `.`, so the id is never a
/// `.` or `..` segment, and `..` is refused anywhere in it.
public struct IntentID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The id exactly as written.
    public let rawValue: String

    /// Validates `text`; returns nil when it breaks any rule above.
    public init?(_ text: String) {
        guard IntentID.isValid(text) else { return nil }
        rawValue = text
    }

    /// Whether `text` is a valid intent id.
    package static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValid(bytes: $0) }
    }

    /// Whether `bytes` spell a valid intent id: one pass, no allocation
    /// (every ledger path read checks one).
    package static func isValid(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, bytes.count <= 100, first.isLowerAlnum else { return false }
        var previous = first
        for byte in bytes.dropFirst() {
            if byte == UInt8(ascii: ".") {
                if previous == UInt8(ascii: ".") { return false }
            } else if !(byte.isLowerAlnum || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")) {
                return false
            }
            previous = byte
        }
        return true
    }

    /// An id whose bytes `isValid(bytes:)` already accepted.
    package init(validated text: String) {
        rawValue = text
    }

    public static func < (lhs: IntentID, rhs: IntentID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    /// The two-hex-digit fan-out directory for this id (SPEC §3).
    public var fanOut: String { FanOut.prefix(for: rawValue) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = IntentID(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid intent id \(quoted: text)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension UInt8 {
    var isLowerAlnum: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }

    var isAlnum: Bool {
        isLowerAlnum || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }

    var isLowerHex: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}

extension DefaultStringInterpolation {
    /// Interpolates a user-supplied string in quotes with control characters
    /// escaped, so error details stay on one line and show what was read.
    package mutating func appendInterpolation(quoted text: String) {
        var out = "\""
        for scalar in text.unicodeScalars.prefix(120) {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        if text.unicodeScalars.count > 120 { out += "…" }
        out += "\""
        appendLiteral(out)
    }
}
