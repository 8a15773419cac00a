/// A strict syntax check of a JSON document, run before decoding audit events.
///
/// The decoder underneath takes one of two duplicate keys silently and reads
/// `1.0` as the integer 1; other readers of the same file (an auditor's `jq`)
/// may take the other duplicate. So writ refuses, at every level: duplicate
/// keys (compared after unescaping), invalid escapes and lone surrogates,
/// nesting deeper than 64, and anything after the value but whitespace.
/// It reports which top-level values are integer literals, so integer fields
/// can refuse `1.0` and `1e0`.
enum StrictJSON {
    package struct Problem: Error { let message: String }

    /// Checks `bytes`; returns, for each top-level key, whether its value is an integer literal.
    package static func check(_ bytes: [UInt8]) throws(Problem) -> [String: Bool] {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else { throw Problem(message: "not a JSON object") }
        let top = try scanner.object(depth: 1)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw Problem(message: "text after the JSON object") }
        return top
    }

    private struct Scanner {
        package let bytes: [UInt8]
        package var index = 0

        package init(bytes: [UInt8]) { self.bytes = bytes }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func expect(_ char: UInt8) throws(Problem) {
            guard peek == char else { throw Problem(message: "invalid JSON at byte \(index)") }
            index += 1
        }

        /// Returns whether the value was an integer literal.
        @discardableResult
        package mutating func value(depth: Int) throws(Problem) -> Bool {
            guard depth <= 64 else { throw Problem(message: "JSON nested deeper than 64 levels") }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: "{"): _ = try object(depth: depth + 1)
            case UInt8(ascii: "["):
                index += 1
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    index += 1
                    return false
                }
                while true {
                    try value(depth: depth + 1)
                    skipWhitespace()
                    if peek == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "]"))
                    break
                }
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: return try number()
            }
            return false
        }

        package mutating func object(depth: Int) throws(Problem) -> [String: Bool] {
            guard depth <= 64 else { throw Problem(message: "JSON nested deeper than 64 levels") }
            try expect(UInt8(ascii: "{"))
            var keys: [String: Bool] = [:]
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                index += 1
                return keys
            }
            while true {
                skipWhitespace()
                let key = try string()
                guard keys[key] == nil else { throw Problem(message: "duplicate key \(quoted: key)") }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                keys[key] = try value(depth: depth)
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return keys
            }
        }

        mutating func literal(_ word: String) throws(Problem) {
            for byte in word.utf8 { try expect(byte) }
        }

        package mutating func number() throws(Problem) -> Bool {
            let start = index
            if peek == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
            let integerDigits = index - digitsStart
            guard integerDigits > 0, !(integerDigits > 1 && bytes[digitsStart] == UInt8(ascii: "0")) else {
                throw Problem(message: "invalid JSON at byte \(start)")
            }
            var integral = true
            if peek == UInt8(ascii: ".") {
                integral = false
                index += 1
                let fractionStart = index
                while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
                guard index > fractionStart else { throw Problem(message: "invalid JSON number at byte \(start)") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                integral = false
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                let exponentStart = index
                while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
                guard index > exponentStart else { throw Problem(message: "invalid JSON number at byte \(start)") }
            }
            return integral
        }

        mutating func hex4() throws(Problem) -> UInt32 {
            guard index + 4 <= bytes.count else { throw Problem(message: "truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw Problem(message: "invalid \\u escape")
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }

        /// Reads a string and returns it unescaped.
        package mutating func string() throws(Problem) -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
            while true {
                guard let byte = peek else { throw Problem(message: "unterminated JSON string") }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    guard let escape = peek else { throw Problem(message: "unterminated JSON string") }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count,
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { throw Problem(message: "lone surrogate in a JSON string") }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else {
                                throw Problem(message: "lone surrogate in a JSON string")
                            }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code), code != 0 else {
                            throw Problem(message: "invalid or NUL \\u escape in a JSON string")
                        }
                        scalars.append(scalar)
                    default: throw Problem(message: "invalid escape in a JSON string")
                    }
                default:
                    guard byte >= 0x20 else { throw Problem(message: "control character inside a JSON string") }
                    raw.append(byte)
                }
            }
        }
    }
}
