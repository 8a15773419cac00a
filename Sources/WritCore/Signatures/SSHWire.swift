/// A strict reader for the SSH wire encoding (RFC 4251 §5): `uint32`,
/// `string`, `mpint`, bytes.
///
/// Every read that runs past the end throws; callers that must consume the
/// whole input finish with `expectEnd()`, because trailing bytes are where
/// ambiguity (and therefore forgery surface) hides.
package struct SSHWireReader: Sendable {
    private let bytes: [UInt8]
    package private(set) var offset: Int

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Bytes not yet consumed.
    package var remaining: Int { bytes.count - offset }

    var isAtEnd: Bool { offset == bytes.count }

    package mutating func readBytes(_ count: Int) throws(SSHWireError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .truncated }
        let slice = Array(bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    package mutating func readByte() throws(SSHWireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    package mutating func readUInt32() throws(SSHWireError) -> UInt32 {
        let b = try readBytes(4)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    /// A length-prefixed byte string.
    package mutating func readString() throws(SSHWireError) -> [UInt8] {
        let length = try readUInt32()
        guard Int(length) <= remaining else { throw .truncated }
        return try readBytes(Int(length))
    }

    /// A length-prefixed string that must be UTF-8 without NUL bytes (the
    /// C side reads these as C strings and rejects an embedded NUL).
    mutating func readText() throws(SSHWireError) -> String {
        let raw = try readString()
        guard !raw.contains(0) else { throw .embeddedNUL }
        guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8 }
        return text
    }

    /// A non-negative `mpint`, returned as its magnitude without leading
    /// zero bytes. A set sign bit is rejected; redundant leading zeros are
    /// tolerated, exactly as the reference implementation does.
    mutating func readPositiveMPInt() throws(SSHWireError) -> [UInt8] {
        let raw = try readString()
        if let first = raw.first, first & 0x80 != 0 { throw .negativeMPInt }
        return Array(raw.drop(while: { $0 == 0 }))
    }

    package func expectEnd() throws(SSHWireError) {
        guard isAtEnd else { throw .trailingBytes(remaining) }
    }
}

/// Why a wire-format read failed.
package enum SSHWireError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated
    case trailingBytes(Int)
    case embeddedNUL
    case invalidUTF8
    case negativeMPInt

    package var description: String {
        switch self {
        case .truncated: "truncated data"
        case .trailingBytes(let n): "\(n) trailing byte(s)"
        case .embeddedNUL: "string holds a NUL byte"
        case .invalidUTF8: "string is not UTF-8"
        case .negativeMPInt: "negative mpint"
        }
    }
}

/// A writer for the SSH wire encoding.
package struct SSHWireWriter: Sendable {
    package private(set) var bytes: [UInt8] = []
    package init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    mutating func writeBytes(_ data: some Sequence<UInt8>) {
        bytes.append(contentsOf: data)
    }

    package mutating func writeByte(_ value: UInt8) {
        bytes.append(value)
    }

    package mutating func writeUInt32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    package mutating func writeString(_ data: some Collection<UInt8>) {
        writeUInt32(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    package mutating func writeString(_ text: String) {
        writeString(Array(text.utf8))
    }

    /// Writes a non-negative integer given as big-endian magnitude bytes,
    /// in minimal `mpint` form (a zero byte added when the top bit is set).
    mutating func writePositiveMPInt(_ magnitude: [UInt8]) {
        let trimmed = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = trimmed.first, first & 0x80 != 0 {
            writeString([0] + trimmed)
        } else {
            writeString(trimmed)
        }
    }
}
