/// Base64 exactly as OpenSSH decodes it for signatures and key lines.
///
/// The rules are those of the BSD `b64_pton`: ASCII whitespace is skipped
/// anywhere, padding is mandatory, only whitespace may follow the padding,
/// and the unused low bits before the padding must be zero (otherwise they
/// would be a channel that changes the text but not the bytes).
package enum SSHBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(index) }
        return table
    }()

    /// The C `isspace` set in the POSIX locale.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Decodes, or returns nil for anything `b64_pton` would refuse.
    package static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var state = 0  // number of 6-bit groups in the current quantum
        var iterator = text.makeIterator()
        var sawPad = false
        while let byte = iterator.next() {
            if isSpace(byte) { continue }
            if byte == UInt8(ascii: "=") {
                sawPad = true
                break
            }
            let value = decodeTable[Int(byte)]
            guard value >= 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            state += 1
            if state == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                state = 0
            }
        }
        guard sawPad else {
            return state == 0 ? output : nil
        }
        switch state {
        case 2:
            // One data byte; a second '=' must follow (whitespace allowed).
            var next: UInt8?
            repeat { next = iterator.next() } while next.map(isSpace) == true
            guard next == UInt8(ascii: "=") else { return nil }
            guard accumulator & 0x0F == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            guard accumulator & 0x03 == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            return nil
        }
        while let rest = iterator.next() {
            guard isSpace(rest) else { return nil }
        }
        return output
    }

    /// Standard padded base64 of `bytes`.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(n >> 18 & 0x3F)])
            out.append(alphabet[Int(n >> 12 & 0x3F)])
            out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 0x3F)])
            out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(n & 0x3F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 wrapped at `width` columns, each line (the last too) ending
    /// in a newline, as OpenSSH armours signatures and private keys.
    static func encodeWrapped(_ bytes: some Collection<UInt8>, width: Int = 70) -> String {
        let flat = Array(encode(bytes).utf8)
        var out: [UInt8] = []
        var index = 0
        while index < flat.count {
            let end = min(index + width, flat.count)
            out.append(contentsOf: flat[index..<end])
            out.append(UInt8(ascii: "\n"))
            index = end
        }
        return String(decoding: out, as: UTF8.self)
    }
}
