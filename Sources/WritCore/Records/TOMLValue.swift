/// A TOML value as parsed by `TOMLParser`.
///
/// Dates and times keep their source text exactly as written (writ never
/// computes with them, it only names them in errors); the parser has already
/// checked that they are well-formed and that every field is in range.
package enum TOMLValue: Sendable, Equatable {
    case string(String)
    /// A 64-bit integer: a literal outside `Int64` is a parse error, never a wrapped value.
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// `1979-05-27T07:32:00Z`, `1979-05-27 00:32:00.999-07:00`.
    case offsetDateTime(String)
    /// `1979-05-27T07:32:00`.
    case localDateTime(String)
    /// `1979-05-27`.
    case localDate(String)
    /// `07:32:00.5`.
    case localTime(String)
    /// A static array (`[1, "a"]`) or an array of tables (`[[name]]`), whose elements are `.table`.
    case array([TOMLValue])
    case table(TOMLTable)

    /// The TOML name of the value's type, with its article, for error messages: "an integer", "a local date".
    package var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .offsetDateTime: "an offset date-time"
        case .localDateTime: "a local date-time"
        case .localDate: "a local date"
        case .localTime: "a local time"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A TOML table: its keys in the order the document first defined them, each with its value.
///
/// Keys are compared by their Unicode scalars, as TOML compares them, not by
/// Swift's `String` equality, which would treat canonically equivalent
/// spellings ("é" precomposed and "e" + U+0301) as one key.
package struct TOMLTable: Sendable, Equatable {
    /// One key with its value. The key's fingerprint is kept beside it so
    /// that a look-up compares integers, not strings; one array of entries
    /// costs a table one allocation where parallel arrays would cost three.
    package struct Entry: Sendable {
        package let key: String
        package let fingerprint: UInt64
        package var value: TOMLValue

        package init(key: String, fingerprint: UInt64, value: TOMLValue) {
            self.key = key
            self.fingerprint = fingerprint
            self.value = value
        }

        package init(key: String, value: TOMLValue) {
            self.init(key: key, fingerprint: TOMLExactKey.fingerprint(of: key), value: value)
        }
    }

    private let storage: [Entry]
    /// Only large tables carry a hash index: for the dozen keys of a record a
    /// linear scan is faster than hashing, and building an index costs more
    /// than the few look-ups it would serve.
    private let index: [TOMLExactKey: Int]?

    /// Tables up to this many keys are searched linearly, larger ones through an index.
    static let linearSearchLimit = 16

    package init() {
        self.init(storage: [], index: nil)
    }

    /// A table of `entries` in order; a repeated key keeps its last value at its first position.
    package init(_ entries: [(key: String, value: TOMLValue)]) {
        var storage: [Entry] = []
        var index: [TOMLExactKey: Int] = [:]
        for (key, value) in entries {
            if let existing = index[TOMLExactKey(key)] {
                storage[existing].value = value
            } else {
                index[TOMLExactKey(key)] = storage.count
                storage.append(Entry(key: key, value: value))
            }
        }
        self.init(storage: storage, index: storage.count > Self.linearSearchLimit ? index : nil)
    }

    /// The parser's constructor: `index`, when given, maps every key to its position in `storage`.
    package init(storage: [Entry], index: [TOMLExactKey: Int]?) {
        self.storage = storage
        self.index = index
    }

    /// Every key of the table, in first-definition order.
    package var keys: [String] { storage.map(\.key) }

    package var count: Int { storage.count }

    /// The entries in first-definition order.
    package var entries: [(key: String, value: TOMLValue)] {
        storage.map { (key: $0.key, value: $0.value) }
    }

    package subscript(key: String) -> TOMLValue? {
        if let index {
            return index[TOMLExactKey(key)].map { storage[$0].value }
        }
        let fingerprint = TOMLExactKey.fingerprint(of: key)
        for entry in storage where entry.fingerprint == fingerprint && TOMLExactKey.same(entry.key, key) {
            return entry.value
        }
        return nil
    }

    /// Equal when the keys are the same, in the same order, with equal values.
    package static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.storage.count == rhs.storage.count
            && zip(lhs.storage, rhs.storage).allSatisfy {
                $0.fingerprint == $1.fingerprint && TOMLExactKey.same($0.key, $1.key) && $0.value == $1.value
            }
    }
}

extension TOMLTable: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, TOMLValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}

/// A key that hashes and compares by its UTF-8 bytes, so that two keys are
/// the same exactly when TOML says they are.
package struct TOMLExactKey: Hashable, Sendable {
    package let text: String

    package init(_ text: String) {
        self.text = text
    }

    static func same(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// A 64-bit FNV-1a hash of the key's UTF-8 bytes. Equal keys have equal
    /// fingerprints; unequal fingerprints prove the keys differ without
    /// comparing them.
    package static func fingerprint(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    package static func fingerprint(of text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { fingerprint($0) }
    }

    package static func == (lhs: TOMLExactKey, rhs: TOMLExactKey) -> Bool {
        same(lhs.text, rhs.text)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(Self.fingerprint(of: text))
    }
}
