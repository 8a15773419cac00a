/// A principal: an identity string in `allowed_signers`, e.g.
/// `alice@example.com`; characters `[A-Za-z0-9._@+-]`, 1...100 of them (SPEC §1).
///
/// A principal names a file (`approvals/<aa>/<id>/<principal>.toml`), and the
/// character set has no `/`, so it can never leave its directory.
public struct Principal: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The principal exactly as written.
    public let rawValue: String

    /// Validates `text`; returns nil when it is empty, longer than 100
    /// characters, or holds a character outside `[A-Za-z0-9._@+-]`.
    public init?(_ text: String) {
        guard Principal.isValid(text) else { return nil }
        rawValue = text
    }

    /// Whether `text` is a valid principal.
    package static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...100).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            byte.isAlnum || Array(".-_@+".utf8).contains(byte)
        }
    }

    public static func < (lhs: Principal, rhs: Principal) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let principal = Principal(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid principal \(quoted: text)")
        }
        self = principal
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
