import Crypto

/// A SHA-256 digest, written `sha256:<64 lower-case hex digits>` in records.
///
/// Only the lower-case form parses: one digest has exactly one spelling, so
/// comparing the strings compares the digests.
public struct ContentDigest: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The 64 lower-case hex digits.
    public let hex: String

    /// Parses `sha256:<hex>`; nil for any other spelling.
    public init?(parsing text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        self.init(hex: String(text.dropFirst("sha256:".count)))
    }

    /// Wraps 64 lower-case hex digits; nil for anything else.
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 64, bytes.allSatisfy(\.isLowerHex) else { return nil }
        self.hex = hex
    }

    /// The digest of `bytes`.
    public static func sha256(of bytes: some Collection<UInt8>) -> ContentDigest {
        ContentDigest(unchecked: SHA256.hash(data: Array(bytes)).hexString)
    }

    private init(unchecked hex: String) {
        self.hex = hex
    }

    /// `sha256:<hex>`, the form used in every record.
    public var description: String { "sha256:" + hex }

    public static func < (lhs: ContentDigest, rhs: ContentDigest) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = ContentDigest(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "invalid digest \(quoted: text), expected sha256:<64 lower-case hex digits>")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Sequence<UInt8> {
    /// Lower-case hex of the bytes.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
