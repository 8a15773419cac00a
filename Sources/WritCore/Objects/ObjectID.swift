/// A SHA-1 git object id (20 bytes), printed as 40 lower-case hex digits.
public struct ObjectID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    // Three words instead of a byte array: no allocation, cheap hashing.
    package let head: UInt64
    package let middle: UInt64
    package let tail: UInt32

    /// An id from its three words, as the git layer reads them out of a
    /// libgit2 object id.
    package init(words head: UInt64, _ middle: UInt64, _ tail: UInt32) {
        self.head = head
        self.middle = middle
        self.tail = tail
    }

    /// The raw 20 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: head, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: middle, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: tail, toByteOffset: 16, as: UInt32.self)
        }
        return out
    }

    /// Builds an id from exactly 20 raw bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        guard array.count == 20 else { return nil }
        (head, middle, tail) = array.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
            )
        }
    }

    /// Parses exactly 40 hex digits (either case); nil for anything else,
    /// including abbreviated ids.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 40 else { return nil }
        var raw = [UInt8]()
        raw.reserveCapacity(20)
        var index = 0
        while index < 40 {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            raw.append(high << 4 | low)
            index += 2
        }
        self.init(bytes: raw)
    }

    /// 40 lower-case hex digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(40)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    /// True for the all-zero id git uses to mean "no object".
    public var isZero: Bool { head == 0 && middle == 0 && tail == 0 }

    /// Byte order, as git sorts ids: the words read big-endian compare as
    /// their bytes do, without building the byte arrays.
    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (UInt64(bigEndian: lhs.head), UInt64(bigEndian: lhs.middle), UInt32(bigEndian: lhs.tail))
            < (UInt64(bigEndian: rhs.head), UInt64(bigEndian: rhs.middle), UInt32(bigEndian: rhs.tail))
    }

    /// The first of the 20 bytes (a pack index's fan-out slot).
    package var firstByte: UInt8 { UInt8(truncatingIfNeeded: UInt64(bigEndian: head) >> 56) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ObjectID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a 40-digit hex object id")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
