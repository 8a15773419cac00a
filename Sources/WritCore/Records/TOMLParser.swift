/// Why a document is not TOML v1.0.0, and where.
///
/// `line` and `column` are 1-based and point at the start of the offending
/// token. Lines are counted by line feeds; the column counts Unicode scalars
/// from the start of the line (a tab is one column), so it matches what an
/// editor shows for the line.
struct TOMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package let line: Int
    package let column: Int
    /// A plain English sentence, such as "duplicate key 'name'".
    package let message: String

    package var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict reader of TOML v1.0.0 documents.
///
/// It reads the UTF-8 bytes of the text directly and keeps no state between
/// calls. Arrays and inline tables may nest at most `maximumNesting` levels, so
/// that a hostile document cannot exhaust a worker thread's stack; table
/// headers and dotted keys may be arbitrarily deep, as they are resolved
/// without recursion.
///
/// Choices where the specification leaves room:
/// - a seconds field of 60 is accepted in any time (RFC 3339's leap second;
///   whether one happened at that instant is not checked), and year 0000 is
///   accepted, as RFC 3339 allows it;
/// - newlines inside multi-line strings are returned as LF, also when the
///   document uses CRLF;
/// - a finite float literal too large for a `Double` (such as `1e400`) is an
///   error rather than silently becoming infinity.
enum TOMLParser {
    /// How deeply arrays and inline tables may nest inside one value.
    static let maximumNesting = 128

    /// Parses a whole document into its root table.
    package static func parse(_ text: String) throws(TOMLParseError) -> TOMLTable {
        var text = text
        let result: Result<TOMLTable, TOMLParseError> = text.withUTF8 { bytes in
            var reader = TOMLReader(bytes)
            return Result { () throws(TOMLParseError) in try reader.readDocument() }
        }
        return try result.get()
    }
}

/// One part of a (possibly dotted) key, with the byte offset where it starts.
private struct KeyPart {
    package let text: String
    package let offset: Int
    package let fingerprint: UInt64
}

/// How a table under construction came to exist, which decides what may still be done to it.
private enum TableOrigin {
    case root
    /// Created as the parent of a header (`a` for `[a.b]`): a later `[a]` may
    /// still define it once, or dotted keys may, which makes it `dotted`.
    case implicit
    /// Defined by its own `[header]`.
    case header
    /// Created by a dotted key (`a` for `a.b = 1`), or implicit and then given
    /// keys by one: more dotted keys may add to it, a header may not define it.
    case dotted
    /// One element of an array of tables, made by `[[header]]`.
    case arrayElement
    /// An inline table being read; once closed it becomes a frozen value.
    case inline
}

/// What a key of a table under construction holds.
private enum Slot {
    /// A finished value: scalars, static arrays and inline tables, none of which may be extended.
    case value(TOMLValue)
    /// A table still open to headers or dotted keys, by index into the reader's arena.
    case table(Int)
    /// An array of tables, by arena index of each element.
    case tableArray([Int])
}

/// A table under construction. Children always have a larger arena index
/// than their parent, which lets `finish` build the immutable tables bottom
/// up in one backwards pass instead of recursing.
///
/// The look-ups are `mutating` although they change nothing: called on an
/// arena element, a mutating method works on the element in place, where a
/// non-mutating one would be handed a copy of the whole builder (six
/// retains and six releases per look-up).
private struct TableBuilder {
    package var origin: TableOrigin
    /// The entries in key order. A key whose table is still under
    /// construction holds a placeholder value here, replaced by `finish`;
    /// keeping finished values in their final array lets a table without
    /// sub-tables be handed over without copying.
    package var entries: [TOMLTable.Entry] = []
    /// Positions holding a table under construction, with its arena index.
    var childTables: [Int: Int] = [:]
    /// Positions holding an array of tables, with the arena index of each element.
    var childArrays: [Int: [Int]] = [:]
    package var index: [TOMLExactKey: Int]?

    package init(_ origin: TableOrigin) {
        self.origin = origin
    }

    package mutating func position(of key: KeyPart) -> Int? {
        if let index {
            return index[TOMLExactKey(key.text)]
        }
        for position in entries.indices
        where entries[position].fingerprint == key.fingerprint && TOMLExactKey.same(entries[position].key, key.text) {
            return position
        }
        return nil
    }

    package mutating func slot(at position: Int) -> Slot {
        if !childTables.isEmpty, let child = childTables[position] {
            return .table(child)
        }
        if !childArrays.isEmpty, let elements = childArrays[position] {
            return .tableArray(elements)
        }
        return .value(entries[position].value)
    }

    package mutating func append(_ key: KeyPart, _ value: consuming TOMLValue) {
        if index != nil {
            index?[TOMLExactKey(key.text)] = entries.count
        } else if entries.count == TOMLTable.linearSearchLimit {
            var built: [TOMLExactKey: Int] = [:]
            built.reserveCapacity(entries.count * 2)
            for (position, existing) in entries.enumerated() {
                built[TOMLExactKey(existing.key)] = position
            }
            built[TOMLExactKey(key.text)] = entries.count
            index = built
        } else if entries.isEmpty {
            // Growing one key at a time from empty would reallocate four times for a typical record.
            entries.reserveCapacity(TOMLTable.linearSearchLimit)
        }
        entries.append(TOMLTable.Entry(key: key.text, fingerprint: key.fingerprint, value: value))
    }

    package mutating func append(_ key: KeyPart, table child: Int) {
        childTables[entries.count] = child
        append(key, .boolean(false))
    }

    package mutating func append(_ key: KeyPart, tableArray elements: [Int]) {
        childArrays[entries.count] = elements
        append(key, .boolean(false))
    }

    /// Adds an element to the array of tables at `position`, in place.
    mutating func appendElement(_ element: Int, toArrayAt position: Int) {
        childArrays[position, default: []].append(element)
    }
}

private enum Byte {
    package static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    package static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    package static let hash = UInt8(ascii: "#")
    static let backslash = UInt8(ascii: "\\")
    package static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    package static let equals = UInt8(ascii: "=")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let underscore = UInt8(ascii: "_")
    static let plus = UInt8(ascii: "+")
    static let minus = UInt8(ascii: "-")
    package static let colon = UInt8(ascii: ":")
    package static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let delete: UInt8 = 0x7F

    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }

    static func isBareKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), zero...nine, underscore,
            minus:
            true
        default:
            false
        }
    }

    /// Control characters that TOML allows in neither comments nor strings (tab is allowed).
    static func isForbiddenControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != tab) || byte == delete
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case zero...nine: UInt32(byte - zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

/// The state of one parse: the input, the read position, and the arena of
/// tables under construction (index 0 is the root).
private struct TOMLReader {
    package let bytes: UnsafeBufferPointer<UInt8>
    package let end: Int
    package var position = 0
    var tables: [TableBuilder]
    /// The table that key/value lines currently go into.
    package var current = 0
    /// The parts of the key just read: the first `keyCount` entries. Reused
    /// by every key so that reading one allocates no array.
    var keyParts: [KeyPart] = []
    var keyCount = 0

    package init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.end = bytes.count
        tables = [TableBuilder(.root)]
        tables.reserveCapacity(4)
        keyParts.reserveCapacity(4)
    }

    /// The byte at `offset`, or 0 past the end. 0 is never valid TOML, so a
    /// look-ahead past the end can never be mistaken for valid input.
    package func byte(at offset: Int) -> UInt8 {
        offset < end ? bytes[offset] : 0
    }

    // MARK: Document structure

    mutating func readDocument() throws(TOMLParseError) -> TOMLTable {
        while true {
            skipWhitespace()
            guard position < end else { break }
            switch bytes[position] {
            case Byte.lineFeed, Byte.carriageReturn:
                try readNewline()
                continue
            case Byte.hash:
                try skipComment()
                continue
            case Byte.openBracket:
                try readHeader()
                try expectLineEnd(after: "a table header")
            default:
                try readKeyValue(into: current, depth: 0)
                try expectLineEnd(after: "a value")
            }
        }
        return try finish(from: 0)
    }

    mutating func skipWhitespace() {
        var cursor = position
        while cursor < end, bytes[cursor] == Byte.space || bytes[cursor] == Byte.tab {
            cursor += 1
        }
        position = cursor
    }

    /// Consumes LF or CRLF at the current position.
    @inline(never)
    mutating func readNewline() throws(TOMLParseError) {
        if bytes[position] == Byte.lineFeed {
            position += 1
        } else if byte(at: position + 1) == Byte.lineFeed {
            position += 2
        } else {
            throw failure(at: position, "a carriage return must be followed by a line feed")
        }
    }

    /// Skips a comment up to, not including, its line ending.
    @inline(never)
    mutating func skipComment() throws(TOMLParseError) {
        position += 1
        while position < end {
            let byte = bytes[position]
            if byte >= 0x20 && byte != Byte.delete {
                position += 1
            } else if byte == Byte.tab {
                position += 1
            } else if byte == Byte.lineFeed
                || (byte == Byte.carriageReturn && self.byte(at: position + 1) == Byte.lineFeed)
            {
                return
            } else if byte == Byte.carriageReturn {
                throw failure(at: position, "a carriage return must be followed by a line feed")
            } else {
                throw failure(at: position, "\(describeByte(at: position)) is not allowed in a comment")
            }
        }
    }

    /// After a header or a key/value pair only whitespace and a comment may follow on the line.
    mutating func expectLineEnd(after what: String) throws(TOMLParseError) {
        skipWhitespace()
        guard position < end else { return }
        if bytes[position] == Byte.hash {
            try skipComment()
            guard position < end else { return }
        }
        if bytes[position] == Byte.lineFeed || bytes[position] == Byte.carriageReturn {
            try readNewline()
            return
        }
        throw failure(at: position, "expected the end of the line after \(what), found \(describeByte(at: position))")
    }

    /// Reads `[a.b]` or `[[a.b]]` and makes its table the current one.
    mutating func readHeader() throws(TOMLParseError) {
        position += 1
        let isArray = byte(at: position) == Byte.openBracket
        if isArray {
            position += 1
        }
        try readKey()
        if byte(at: position) != Byte.closeBracket {
            throw failure(at: position, "expected ']' to close the table header, found \(describeByte(at: position))")
        }
        position += 1
        if isArray {
            if byte(at: position) != Byte.closeBracket {
                throw failure(
                    at: position,
                    "expected ']]' to close the array of tables header, found \(describeByte(at: position))")
            }
            position += 1
        }

        var table = 0
        for partIndex in 0..<(keyCount - 1) {
            let part = keyParts[partIndex]
            guard let slot = tables[table].position(of: part) else {
                table = addTable(named: part, in: table, origin: .implicit)
                continue
            }
            switch tables[table].slot(at: slot) {
            case .table(let child):
                table = child
            case .tableArray(let elements):
                // A header below an array of tables belongs to its latest element.
                guard let last = elements.last else { throw internalFailure(at: part.offset) }
                table = last
            case .value(let value):
                throw failure(
                    at: part.offset,
                    "\(keyName(through: partIndex)) is \(slotName(value)), so a table header cannot extend it")
            }
        }

        let last = keyParts[keyCount - 1]
        let existing = tables[table].position(of: last)
        if isArray {
            guard let existing else {
                let element = newTable(.arrayElement)
                tables[table].append(last, tableArray: [element])
                current = element
                return
            }
            switch tables[table].slot(at: existing) {
            case .tableArray:
                let element = newTable(.arrayElement)
                tables[table].appendElement(element, toArrayAt: existing)
                current = element
            case .table:
                throw failure(
                    at: last.offset,
                    "table \(keyName(through: keyCount - 1)) is already defined as a table, not an array of tables")
            case .value(let value):
                throw failure(
                    at: last.offset, "\(keyName(through: keyCount - 1)) is \(slotName(value)), not an array of tables")
            }
        } else {
            guard let existing else {
                current = addTable(named: last, in: table, origin: .header)
                return
            }
            switch tables[table].slot(at: existing) {
            case .table(let child):
                switch tables[child].origin {
                case .implicit:
                    tables[child].origin = .header
                    current = child
                case .dotted:
                    throw failure(
                        at: last.offset, "table \(keyName(through: keyCount - 1)) is already defined by dotted keys")
                default:
                    throw failure(at: last.offset, "table \(keyName(through: keyCount - 1)) is defined twice")
                }
            case .tableArray:
                throw failure(
                    at: last.offset, "table \(keyName(through: keyCount - 1)) is already defined as an array of tables")
            case .value(let value):
                throw failure(
                    at: last.offset, "\(keyName(through: keyCount - 1)) is already defined as \(slotName(value))")
            }
        }
    }

    mutating func newTable(_ origin: TableOrigin) -> Int {
        tables.append(TableBuilder(origin))
        return tables.count - 1
    }

    mutating func addTable(named name: KeyPart, in parent: Int, origin: TableOrigin) -> Int {
        let child = newTable(origin)
        tables[parent].append(name, table: child)
        return child
    }

    /// Reads `key = value` into `table`, creating the tables of a dotted key.
    mutating func readKeyValue(into table: Int, depth: Int) throws(TOMLParseError) {
        try readKey()
        var target = table
        for partIndex in 0..<(keyCount - 1) {
            let part = keyParts[partIndex]
            guard let slot = tables[target].position(of: part) else {
                target = addTable(named: part, in: target, origin: .dotted)
                continue
            }
            guard case .table(let child) = tables[target].slot(at: slot),
                tables[child].origin == .dotted || tables[child].origin == .implicit
            else {
                throw dottedKeyFailure(through: partIndex, in: target, slot: slot)
            }
            // Keys given to a table this way define it, so no header may define it afterwards.
            tables[child].origin = .dotted
            target = child
        }
        // The key is checked before the value is read: reading the value reuses `keyParts`.
        let last = keyParts[keyCount - 1]
        if tables[target].position(of: last) != nil {
            throw keyFailure(at: last.offset, "duplicate key ", "")
        }
        guard byte(at: position) == Byte.equals else {
            throw keyFailure(at: position, "expected '=' after the key ", ", found \(describeByte(at: position))")
        }
        position += 1
        skipWhitespace()
        let value = try readValue(depth: depth)
        tables[target].append(last, value)
    }

    /// Reads a simple or dotted key into `keyParts`, with the whitespace around it.
    mutating func readKey() throws(TOMLParseError) {
        keyCount = 0
        while true {
            skipWhitespace()
            let start = position
            let text: String
            var fingerprint: UInt64?
            switch byte(at: position) {
            case Byte.quote:
                if byte(at: position + 1) == Byte.quote && byte(at: position + 2) == Byte.quote {
                    throw failure(at: position, "a multi-line string cannot be a key")
                }
                text = try readBasicString()
            case Byte.apostrophe:
                if byte(at: position + 1) == Byte.apostrophe && byte(at: position + 2) == Byte.apostrophe {
                    throw failure(at: position, "a multi-line string cannot be a key")
                }
                text = try readLiteralString()
            case let byte where Byte.isBareKey(byte):
                var cursor = position + 1
                while cursor < end && Byte.isBareKey(bytes[cursor]) {
                    cursor += 1
                }
                position = cursor
                text = string(from: start, to: position)
                fingerprint = TOMLExactKey.fingerprint(UnsafeBufferPointer(rebasing: bytes[start..<position]))
            default:
                throw failure(at: position, "expected a key, found \(describeByte(at: position))")
            }
            let part = KeyPart(
                text: text, offset: start, fingerprint: fingerprint ?? TOMLExactKey.fingerprint(of: text))
            if keyCount < keyParts.count {
                keyParts[keyCount] = part
            } else {
                keyParts.append(part)
            }
            keyCount += 1
            skipWhitespace()
            guard byte(at: position) == Byte.dot else { return }
            position += 1
        }
    }

    // MARK: Values

    mutating func readValue(depth: Int) throws(TOMLParseError) -> TOMLValue {
        let start = position
        switch byte(at: position) {
        case Byte.quote:
            if byte(at: position + 1) == Byte.quote && byte(at: position + 2) == Byte.quote {
                return .string(try readMultilineString(delimiter: Byte.quote))
            }
            return .string(try readBasicString())
        case Byte.apostrophe:
            if byte(at: position + 1) == Byte.apostrophe && byte(at: position + 2) == Byte.apostrophe {
                return .string(try readMultilineString(delimiter: Byte.apostrophe))
            }
            return .string(try readLiteralString())
        case Byte.openBracket:
            return try readArray(depth: depth + 1)
        case Byte.openBrace:
            return try readInlineTable(depth: depth + 1)
        case let byte where Byte.isDigit(byte):
            if Byte.isDigit(self.byte(at: start + 1)) {
                if self.byte(at: start + 2) == Byte.colon {
                    return try readTime(from: start)
                }
                if Byte.isDigit(self.byte(at: start + 2)) && Byte.isDigit(self.byte(at: start + 3))
                    && self.byte(at: start + 4) == Byte.minus
                {
                    return try readDateOrDateTime(from: start)
                }
            }
            return try readWord()
        case let byte where Byte.isBareKey(byte) || byte == Byte.plus || byte == Byte.dot:
            return try readWord()
        default:
            throw expected("a value", at: position)
        }
    }

    /// Reads a boolean, an integer, a float, or a special float: all of them
    /// end at the first byte that cannot be part of one.
    @inline(never)
    mutating func readWord() throws(TOMLParseError) -> TOMLValue {
        let start = position
        while position < end {
            let byte = bytes[position]
            guard Byte.isBareKey(byte) || byte == Byte.plus || byte == Byte.dot else { break }
            position += 1
        }
        let word = UnsafeBufferPointer(rebasing: bytes[start..<position])
        if let value = TOMLNumber.special(word) {
            return value
        }
        switch TOMLNumber.parse(word) {
        case .success(let value):
            return value
        case .failure(let problem):
            let text = quotedSnippet(from: start, to: position)
            switch problem {
            case .overflow:
                throw failure(at: start, "integer \(text.dropFirst().dropLast()) does not fit in 64 bits")
            case .floatOverflow:
                throw failure(at: start, "float \(text.dropFirst().dropLast()) is too large for a 64-bit float")
            case .message(let message):
                throw failure(at: start, "invalid value \(text): \(message)")
            }
        }
    }

    mutating func readArray(depth: Int) throws(TOMLParseError) -> TOMLValue {
        let open = position
        guard depth <= TOMLParser.maximumNesting else {
            throw nestingFailure(at: open)
        }
        position += 1
        var elements: [TOMLValue] = []
        while true {
            try skipArrayFiller()
            guard position < end else { throw failure(at: open, "unterminated array: expected ']'") }
            if bytes[position] == Byte.closeBracket {
                position += 1
                return .array(elements)
            }
            if bytes[position] == Byte.comma {
                throw expected("a value in the array", at: position)
            }
            if elements.isEmpty {
                elements.reserveCapacity(4)
            }
            elements.append(try readValue(depth: depth))
            try skipArrayFiller()
            guard position < end else { throw failure(at: open, "unterminated array: expected ']'") }
            switch bytes[position] {
            case Byte.comma:
                position += 1
            case Byte.closeBracket:
                position += 1
                return .array(elements)
            default:
                throw expected("',' or ']' in the array", at: position)
            }
        }
    }

    /// Skips the whitespace, newlines and comments that arrays allow between their values.
    @inline(never)
    mutating func skipArrayFiller() throws(TOMLParseError) {
        while position < end {
            switch bytes[position] {
            case Byte.space, Byte.tab:
                position += 1
            case Byte.lineFeed, Byte.carriageReturn:
                try readNewline()
            case Byte.hash:
                try skipComment()
            default:
                return
            }
        }
    }

    mutating func readInlineTable(depth: Int) throws(TOMLParseError) -> TOMLValue {
        let open = position
        guard depth <= TOMLParser.maximumNesting else {
            throw nestingFailure(at: open)
        }
        position += 1
        let root = newTable(.inline)
        skipWhitespace()
        if byte(at: position) == Byte.closeBrace {
            position += 1
        } else {
            while true {
                try checkInlineTableContinues(open: open)
                try readKeyValue(into: root, depth: depth)
                skipWhitespace()
                try checkInlineTableContinues(open: open)
                let byte = bytes[position]
                position += 1
                if byte == Byte.closeBrace { break }
                guard byte == Byte.comma else {
                    throw expected("',' or '}' in the inline table", at: position - 1)
                }
                skipWhitespace()
                if self.byte(at: position) == Byte.closeBrace {
                    throw failure(at: position, "an inline table cannot have a trailing comma")
                }
            }
        }
        return .table(try finish(from: root))
    }

    @inline(never)
    func nestingFailure(at offset: Int) -> TOMLParseError {
        failure(at: offset, "nesting deeper than \(TOMLParser.maximumNesting) levels")
    }

    @inline(never)
    package func expected(_ what: StaticString, at offset: Int) -> TOMLParseError {
        failure(at: offset, "expected \(what), found \(describeByte(at: offset))")
    }

    /// A message naming the whole key just read.
    @inline(never)
    func keyFailure(at offset: Int, _ before: String, _ after: String) -> TOMLParseError {
        failure(at: offset, before + keyName(through: keyCount - 1) + after)
    }

    /// Why dotted-key part `partIndex` cannot be a table to add keys to.
    @inline(never)
    mutating func dottedKeyFailure(through partIndex: Int, in table: Int, slot: Int) -> TOMLParseError {
        let name = keyName(through: partIndex)
        let offset = keyParts[partIndex].offset
        switch tables[table].slot(at: slot) {
        case .table:
            return failure(at: offset, "table \(name) is defined by a table header, so dotted keys cannot add to it")
        case .tableArray:
            return failure(at: offset, "\(name) is an array of tables, so dotted keys cannot add to it")
        case .value(let value):
            return failure(at: offset, "\(name) is already defined as \(slotName(value))")
        }
    }

    /// Inline tables must fit on one line and hold no comments.
    func checkInlineTableContinues(open: Int) throws(TOMLParseError) {
        guard position < end else { throw failure(at: open, "unterminated inline table: expected '}'") }
        switch bytes[position] {
        case Byte.lineFeed, Byte.carriageReturn:
            throw failure(at: position, "an inline table must be on one line: found a line break before '}'")
        case Byte.hash:
            throw failure(at: position, "an inline table cannot hold a comment")
        default:
            return
        }
    }

    // MARK: Strings

    /// Reads `"..."` with its escapes.
    @inline(never)
    mutating func readBasicString() throws(TOMLParseError) -> String {
        let open = position
        position += 1
        var segment = position
        var decoded: [UInt8] = []
        var escaped = false
        while true {
            position = plainBasicStringEnd(from: position)
            guard position < end else { throw failure(at: open, "unterminated string: expected '\"'") }
            let byte = bytes[position]
            if byte == Byte.quote {
                break
            } else if byte == Byte.backslash {
                decoded.append(contentsOf: bytes[segment..<position])
                try readEscape(into: &decoded)
                segment = position
                escaped = true
            } else if byte == Byte.lineFeed || byte == Byte.carriageReturn {
                throw failure(at: position, "a single-line string cannot contain a line break")
            } else if Byte.isForbiddenControl(byte) {
                throw failure(
                    at: position, "\(describeByte(at: position)) is not allowed in a string (write it as an escape)")
            } else {
                position += 1
            }
        }
        let text: String
        if escaped {
            decoded.append(contentsOf: bytes[segment..<position])
            text = String(decoding: decoded, as: UTF8.self)
        } else {
            text = string(from: segment, to: position)
        }
        position += 1
        return text
    }

    /// The end of the run of bytes from `start` that a basic string takes
    /// as they are: not a quote, backslash or control character. Eight bytes
    /// are tested at a time, as most strings are long runs of such bytes.
    func plainBasicStringEnd(from start: Int) -> Int {
        var cursor = start
        if let base = bytes.baseAddress {
            while cursor + 8 <= end {
                let word = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt64.self)
                if Self.hasByte(below: 0x20, in: word) || Self.hasByte(Byte.quote, in: word)
                    || Self.hasByte(Byte.backslash, in: word) || Self.hasByte(Byte.delete, in: word)
                {
                    break
                }
                cursor += 8
            }
        }
        while cursor < end {
            let byte = bytes[cursor]
            guard byte >= 0x20 && byte != Byte.quote && byte != Byte.backslash && byte != Byte.delete else { break }
            cursor += 1
        }
        return cursor
    }

    /// Whether any of the eight bytes of `word` is less than `limit` (at most 0x80).
    static func hasByte(below limit: UInt8, in word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        return ((word &- ones &* UInt64(limit)) & ~word & (ones &* 0x80)) != 0
    }

    /// Whether any of the eight bytes of `word` equals `byte`.
    static func hasByte(_ byte: UInt8, in word: UInt64) -> Bool {
        hasByte(below: 1, in: word ^ (0x0101_0101_0101_0101 &* UInt64(byte)))
    }

    /// Reads `'...'`, which has no escapes.
    @inline(never)
    mutating func readLiteralString() throws(TOMLParseError) -> String {
        let open = position
        position += 1
        let start = position
        while true {
            var cursor = position
            while cursor < end {
                let byte = bytes[cursor]
                guard byte >= 0x20 && byte != Byte.apostrophe && byte != Byte.delete else { break }
                cursor += 1
            }
            position = cursor
            guard position < end else { throw failure(at: open, "unterminated string: expected \"'\"") }
            let byte = bytes[position]
            if byte == Byte.apostrophe {
                break
            } else if byte == Byte.lineFeed || byte == Byte.carriageReturn {
                throw failure(at: position, "a single-line string cannot contain a line break")
            } else if Byte.isForbiddenControl(byte) {
                throw failure(at: position, "\(describeByte(at: position)) is not allowed in a string")
            }
            position += 1
        }
        let text = string(from: start, to: position)
        position += 1
        return text
    }

    /// Reads `"""..."""` (with escapes) or `'''...'''` (without).
    @inline(never)
    mutating func readMultilineString(delimiter: UInt8) throws(TOMLParseError) -> String {
        let open = position
        let allowsEscapes = delimiter == Byte.quote
        position += 3
        // A newline right after the opening delimiter is not part of the string.
        if byte(at: position) == Byte.lineFeed {
            position += 1
        } else if byte(at: position) == Byte.carriageReturn && byte(at: position + 1) == Byte.lineFeed {
            position += 2
        }
        var segment = position
        var decoded: [UInt8] = []
        var rewritten = false
        while true {
            guard position < end else { throw failure(at: open, "unterminated multi-line string") }
            let byte = bytes[position]
            if byte == delimiter {
                var run = 1
                while run < 5 && self.byte(at: position + run) == delimiter {
                    run += 1
                }
                guard run >= 3 else {
                    position += run
                    continue
                }
                // Up to two delimiter characters may sit just before the closing three.
                let contentEnd = position + run - 3
                let text: String
                if rewritten {
                    decoded.append(contentsOf: bytes[segment..<contentEnd])
                    text = String(decoding: decoded, as: UTF8.self)
                } else {
                    text = string(from: segment, to: contentEnd)
                }
                position += run
                return text
            } else if byte == Byte.backslash && allowsEscapes {
                decoded.append(contentsOf: bytes[segment..<position])
                rewritten = true
                if try !skipLineEndingBackslash() {
                    try readEscape(into: &decoded)
                }
                segment = position
            } else if byte == Byte.carriageReturn {
                guard self.byte(at: position + 1) == Byte.lineFeed else {
                    throw failure(at: position, "a carriage return must be followed by a line feed")
                }
                decoded.append(contentsOf: bytes[segment..<position])
                decoded.append(Byte.lineFeed)
                rewritten = true
                position += 2
                segment = position
            } else if byte != Byte.lineFeed && Byte.isForbiddenControl(byte) {
                throw failure(at: position, "\(describeByte(at: position)) is not allowed in a string")
            } else {
                position += 1
            }
        }
    }

    /// At a backslash that ends its line (only whitespace after it), skips it
    /// and all whitespace and newlines that follow, and returns true.
    mutating func skipLineEndingBackslash() throws(TOMLParseError) -> Bool {
        var cursor = position + 1
        while byte(at: cursor) == Byte.space || byte(at: cursor) == Byte.tab {
            cursor += 1
        }
        let next = byte(at: cursor)
        guard next == Byte.lineFeed || (next == Byte.carriageReturn && byte(at: cursor + 1) == Byte.lineFeed) else {
            return false
        }
        position = cursor
        while position < end {
            switch bytes[position] {
            case Byte.space, Byte.tab:
                position += 1
            case Byte.lineFeed, Byte.carriageReturn:
                try readNewline()
            default:
                return true
            }
        }
        return true
    }

    /// Decodes the escape at the current backslash into `output`.
    @inline(never)
    mutating func readEscape(into output: inout [UInt8]) throws(TOMLParseError) {
        let start = position
        let letter = byte(at: position + 1)
        position += 2
        switch letter {
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "t"): output.append(Byte.tab)
        case UInt8(ascii: "n"): output.append(Byte.lineFeed)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "r"): output.append(Byte.carriageReturn)
        case Byte.quote: output.append(Byte.quote)
        case Byte.backslash: output.append(Byte.backslash)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let digits = letter == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for offset in 0..<digits {
                guard let digit = Byte.hexValue(byte(at: position + offset)) else {
                    throw failure(
                        at: start,
                        "the escape '\\\(Character(Unicode.Scalar(letter)))' needs exactly \(digits) hex digits")
                }
                value = value << 4 | digit
            }
            position += digits
            guard let scalar = Unicode.Scalar(value) else {
                throw failure(
                    at: start, "the escape \(quotedSnippet(from: start, to: position)) is not a Unicode scalar value")
            }
            UTF8.encode(scalar) { output.append($0) }
        default:
            guard start + 1 < end else { throw failure(at: start, "unterminated string: expected '\"'") }
            if letter == Byte.lineFeed || letter == Byte.carriageReturn {
                throw failure(at: start, "a backslash can end a line only in a multi-line basic string")
            }
            throw failure(at: start, "invalid escape '\\\(describeScalar(at: start + 1))' in a string")
        }
    }

    // MARK: Dates and times

    /// Reads `HH:MM:SS[.fraction]` as a local time.
    @inline(never)
    mutating func readTime(from start: Int) throws(TOMLParseError) -> TOMLValue {
        try readPartialTime(valueStart: start)
        return .localTime(string(from: start, to: position))
    }

    /// Reads a date, and a time and offset if one follows.
    @inline(never)
    mutating func readDateOrDateTime(from start: Int) throws(TOMLParseError) -> TOMLValue {
        guard let year = number(at: start, digits: 4), byte(at: start + 4) == Byte.minus,
            let month = number(at: start + 5, digits: 2), byte(at: start + 7) == Byte.minus,
            let day = number(at: start + 8, digits: 2)
        else {
            position = start + 4
            throw dateFailure(from: start, "a date is written YYYY-MM-DD")
        }
        position = start + 10
        guard (1...12).contains(month) else { throw dateFailure(from: start, "month \(month) does not exist") }
        guard day >= 1 && day <= Self.daysIn(month: month, year: year) else {
            throw dateFailure(from: start, "day \(day) does not exist in month \(month) of \(year)")
        }
        let separator = byte(at: position)
        let hasTime =
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
            || (separator == Byte.space && Byte.isDigit(byte(at: position + 1)))
        guard hasTime else {
            if Byte.isBareKey(separator) || separator == Byte.colon || separator == Byte.dot {
                throw dateFailure(from: start, "unexpected \(describeByte(at: position)) after the date")
            }
            return .localDate(string(from: start, to: position))
        }
        position += 1
        try readPartialTime(valueStart: start)
        switch byte(at: position) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            position += 1
            return .offsetDateTime(string(from: start, to: position))
        case Byte.plus, Byte.minus:
            let offset = position
            guard let hours = number(at: offset + 1, digits: 2), byte(at: offset + 3) == Byte.colon,
                let minutes = number(at: offset + 4, digits: 2)
            else {
                position = offset + 1
                throw dateFailure(from: start, "a time offset is written +HH:MM or -HH:MM")
            }
            position = offset + 6
            guard hours < 24 && minutes < 60 else {
                throw dateFailure(from: start, "the offset \(string(from: offset, to: offset + 6)) is out of range")
            }
            return .offsetDateTime(string(from: start, to: position))
        default:
            return .localDateTime(string(from: start, to: position))
        }
    }

    /// Reads and checks `HH:MM:SS[.fraction]` at the current position.
    mutating func readPartialTime(valueStart: Int) throws(TOMLParseError) {
        let start = position
        guard let hour = number(at: start, digits: 2), byte(at: start + 2) == Byte.colon,
            let minute = number(at: start + 3, digits: 2), byte(at: start + 5) == Byte.colon,
            let second = number(at: start + 6, digits: 2)
        else {
            position = start + 1
            throw dateFailure(from: valueStart, "a time is written HH:MM:SS with optional fractional seconds")
        }
        position = start + 8
        guard hour < 24 else { throw dateFailure(from: valueStart, "hour \(hour) does not exist") }
        guard minute < 60 else { throw dateFailure(from: valueStart, "minute \(minute) does not exist") }
        // 60 is RFC 3339's leap second.
        guard second <= 60 else { throw dateFailure(from: valueStart, "second \(second) does not exist") }
        if byte(at: position) == Byte.dot {
            position += 1
            guard Byte.isDigit(byte(at: position)) else {
                throw dateFailure(from: valueStart, "fractional seconds need at least one digit")
            }
            while Byte.isDigit(byte(at: position)) {
                position += 1
            }
        }
    }

    package func number(at offset: Int, digits: Int) -> Int? {
        var value = 0
        for index in offset..<(offset + digits) {
            let byte = byte(at: index)
            guard Byte.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - Byte.zero)
        }
        return value
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Names the date as far as it was read, plus what directly follows, so the message shows the bad part.
    func dateFailure(from start: Int, _ reason: String) -> TOMLParseError {
        var stop = start
        while stop < end && stop - start < 40 {
            let byte = bytes[stop]
            let partOfValue =
                Byte.isBareKey(byte) || byte == Byte.colon || byte == Byte.dot || byte == Byte.plus
                || (byte == Byte.space && Byte.isDigit(self.byte(at: stop + 1)) && stop - start == 10)
            guard partOfValue else { break }
            stop += 1
        }
        return failure(at: start, "invalid date or time \(quotedSnippet(from: start, to: stop)): \(reason)")
    }

    // MARK: Finishing

    /// Turns the tables from `root` to the end of the arena into immutable
    /// tables, children first, and drops them from the arena.
    package mutating func finish(from root: Int) throws(TOMLParseError) -> TOMLTable {
        var built = [TOMLTable?](repeating: nil, count: tables.count - root)
        var index = tables.count - 1
        while index >= root {
            // Swapped out so that the builder's arrays are uniquely owned and placeholders are replaced in place.
            var builder = TableBuilder(.root)
            swap(&builder, &tables[index])
            for (position, child) in builder.childTables {
                builder.entries[position].value = .table(try take(child, builtAfter: index, root: root, from: &built))
            }
            for (position, elements) in builder.childArrays {
                var array: [TOMLValue] = []
                array.reserveCapacity(elements.count)
                for element in elements {
                    array.append(.table(try take(element, builtAfter: index, root: root, from: &built)))
                }
                builder.entries[position].value = .array(array)
            }
            built[index - root] = TOMLTable(storage: builder.entries, index: builder.index)
            index -= 1
        }
        if root > 0 {
            tables.removeSubrange(root...)
        }
        guard let table = built[0] else { throw internalFailure(at: position) }
        return table
    }

    /// Moves a finished child out of `built`; children are always created after their parent.
    package func take(_ child: Int, builtAfter parent: Int, root: Int, from built: inout [TOMLTable?])
        throws(TOMLParseError)
        -> TOMLTable
    {
        guard child > parent, child - root < built.count, let table = built[child - root] else {
            throw internalFailure(at: position)
        }
        built[child - root] = nil
        return table
    }

    // MARK: Errors

    @inline(never)
    package func failure(at offset: Int, _ message: String) -> TOMLParseError {
        let offset = min(max(offset, 0), end)
        var line = 1
        var lineStart = 0
        for index in 0..<offset where bytes[index] == Byte.lineFeed {
            line += 1
            lineStart = index + 1
        }
        var column = 1
        for index in lineStart..<offset where bytes[index] & 0xC0 != 0x80 {
            column += 1
        }
        return TOMLParseError(line: line, column: column, message: message)
    }

    func internalFailure(at offset: Int) -> TOMLParseError {
        failure(at: offset, "the parser lost track of a table (a bug in the parser, not in the document)")
    }

    package func string(from start: Int, to stop: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
    }

    /// The source text between two offsets, quoted and shortened for a message.
    func quotedSnippet(from start: Int, to stop: Int) -> String {
        let limit = 40
        var text = string(from: start, to: min(stop, end))
        if text.unicodeScalars.count > limit {
            text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) + "..."
        }
        return "'" + Self.printable(text) + "'"
    }

    /// Names the character at `offset` for a message: "'x'", "a line break", "U+0007".
    @inline(never)
    func describeByte(at offset: Int) -> String {
        guard offset < end else { return "the end of the document" }
        switch bytes[offset] {
        case Byte.lineFeed, Byte.carriageReturn:
            return "the end of the line"
        case let byte where byte < 0x20 || byte == Byte.delete:
            return "the control character " + Self.codePoint(UInt32(byte))
        default:
            return "'" + describeScalar(at: offset) + "'"
        }
    }

    /// The character starting at `offset`, made printable.
    func describeScalar(at offset: Int) -> String {
        var stop = offset + 1
        while stop < end && bytes[stop] & 0xC0 == 0x80 {
            stop += 1
        }
        return Self.printable(string(from: offset, to: stop))
    }

    package static func printable(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += codePoint(scalar.value)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The key as written up to and including part `last`, quoted for a message.
    func keyName(through last: Int) -> String {
        var parts: [String] = []
        for part in keyParts[0...min(last, keyCount - 1)] {
            let bare = !part.text.isEmpty && part.text.utf8.allSatisfy(Byte.isBareKey)
            parts.append(bare ? part.text : "\"" + Self.printable(part.text) + "\"")
        }
        return "'" + parts.joined(separator: ".") + "'"
    }

    /// Describes what a finished value in a slot is, for "cannot extend" messages.
    func slotName(_ value: TOMLValue) -> String {
        switch value {
        case .table: "an inline table"
        case .array: "a static array"
        default: value.typeName
        }
    }
}

/// Why a word is not a valid number.
private enum NumberProblem: Error {
    case overflow
    case floatOverflow
    case message(String)
}

/// Reads the words that are booleans, integers and floats. The word has
/// already been cut at the first byte that cannot belong to one.
private enum TOMLNumber {
    static func special(_ word: UnsafeBufferPointer<UInt8>) -> TOMLValue? {
        // Numbers, the common case, start with a digit (or a sign and a digit).
        guard let first = word.first, !Byte.isDigit(first), word.count >= 3, word.count <= 5,
            !Byte.isDigit(word[1])
        else { return nil }
        switch word.count {
        case 3:
            if word.elementsEqual("inf".utf8) { return .float(.infinity) }
            if word.elementsEqual("nan".utf8) { return .float(.nan) }
        case 4:
            if word.elementsEqual("true".utf8) { return .boolean(true) }
            if word.elementsEqual("+inf".utf8) { return .float(.infinity) }
            if word.elementsEqual("-inf".utf8) { return .float(-.infinity) }
            if word.elementsEqual("+nan".utf8) { return .float(.nan) }
            if word.elementsEqual("-nan".utf8) { return .float(-.nan) }
        case 5:
            if word.elementsEqual("false".utf8) { return .boolean(false) }
        default:
            break
        }
        return nil
    }

    package static func parse(_ word: UnsafeBufferPointer<UInt8>) -> Result<TOMLValue, NumberProblem> {
        let count = word.count
        var index = 0
        var negative = false
        var signed = false
        if count > 0 && (word[0] == Byte.plus || word[0] == Byte.minus) {
            signed = true
            negative = word[0] == Byte.minus
            index = 1
        }
        guard index < count, Byte.isDigit(word[index]) else {
            if !signed && count > 0 && !Byte.isDigit(word[0]) && word[0] != Byte.dot && word[0] != Byte.underscore {
                return .failure(.message("not a TOML value (strings must be quoted)"))
            }
            return .failure(
                .message(signed ? "a sign must be followed by a digit" : "a number must start with a digit"))
        }
        if word[index] == Byte.zero && index + 1 < count {
            let next = word[index + 1]
            if let radix = radix(of: next) {
                if signed {
                    return .failure(.message("hexadecimal, octal and binary integers cannot have a sign"))
                }
                return parseRadix(word, radix: radix)
            }
            if Byte.isDigit(next) || next == Byte.underscore {
                return .failure(.message("leading zeros are not allowed"))
            }
        }
        let integerEnd: Int
        switch scanDigits(word, from: index, radix: 10) {
        case .success(let end): integerEnd = end
        case .failure(let problem): return .failure(problem)
        }
        if integerEnd == count {
            return decimalInteger(word, negative: negative)
        }

        var cursor = integerEnd
        if word[cursor] == Byte.dot {
            cursor += 1
            guard cursor < count, Byte.isDigit(word[cursor]) else {
                return .failure(.message("a decimal point must be followed by a digit"))
            }
            switch scanDigits(word, from: cursor, radix: 10) {
            case .success(let end): cursor = end
            case .failure(let problem): return .failure(problem)
            }
        }
        if cursor < count && (word[cursor] == UInt8(ascii: "e") || word[cursor] == UInt8(ascii: "E")) {
            cursor += 1
            if cursor < count && (word[cursor] == Byte.plus || word[cursor] == Byte.minus) {
                cursor += 1
            }
            guard cursor < count, Byte.isDigit(word[cursor]) else {
                return .failure(.message("an exponent must have digits"))
            }
            switch scanDigits(word, from: cursor, radix: 10) {
            case .success(let end): cursor = end
            case .failure(let problem): return .failure(problem)
            }
        }
        guard cursor == count else {
            return .failure(.message("unexpected '\(Character(Unicode.Scalar(word[cursor])))' in a number"))
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(count)
        for byte in word where byte != Byte.underscore {
            digits.append(byte)
        }
        guard let value = Double(String(decoding: digits, as: UTF8.self)) else {
            return .failure(.message("not a valid float"))
        }
        guard value.isFinite else { return .failure(.floatOverflow) }
        return .success(.float(value))
    }

    static func radix(of letter: UInt8) -> Int? {
        switch letter {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    static func digitValue(_ byte: UInt8, radix: Int) -> UInt64? {
        guard let value = Byte.hexValue(byte), Int(value) < radix else { return nil }
        return UInt64(value)
    }

    /// Scans digits from `start` (which must hold one), allowing single underscores between digits.
    static func scanDigits(_ word: UnsafeBufferPointer<UInt8>, from start: Int, radix: Int) -> Result<
        Int, NumberProblem
    > {
        var index = start + 1
        while index < word.count {
            let byte = word[index]
            if digitValue(byte, radix: radix) != nil {
                index += 1
            } else if byte == Byte.underscore {
                guard index + 1 < word.count, digitValue(word[index + 1], radix: radix) != nil else {
                    return .failure(.message("an underscore must sit between two digits"))
                }
                index += 2
            } else {
                break
            }
        }
        return .success(index)
    }

    static func decimalInteger(_ word: UnsafeBufferPointer<UInt8>, negative: Bool) -> Result<TOMLValue, NumberProblem> {
        var magnitude: UInt64 = 0
        for byte in word where Byte.isDigit(byte) {
            let (times10, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times10.addingReportingOverflow(UInt64(byte - Byte.zero))
            guard !overflowA && !overflowB else { return .failure(.overflow) }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .failure(.overflow) }
            return .success(.integer(magnitude == UInt64(Int64.max) + 1 ? Int.min : -Int(magnitude)))
        }
        guard magnitude <= UInt64(Int64.max) else { return .failure(.overflow) }
        return .success(.integer(Int(magnitude)))
    }

    static func parseRadix(_ word: UnsafeBufferPointer<UInt8>, radix: Int) -> Result<TOMLValue, NumberProblem> {
        let name =
            switch radix {
            case 16: "a hexadecimal"
            case 8: "an octal"
            default: "a binary"
            }
        guard word.count > 2, digitValue(word[2], radix: radix) != nil else {
            return .failure(.message("\(name) integer needs a digit after its prefix"))
        }
        let end: Int
        switch scanDigits(word, from: 2, radix: radix) {
        case .success(let stop): end = stop
        case .failure(let problem): return .failure(problem)
        }
        guard end == word.count else {
            return .failure(.message("'\(Character(Unicode.Scalar(word[end])))' is not a digit of \(name) integer"))
        }
        var value: UInt64 = 0
        for byte in word[2...] {
            guard let digit = digitValue(byte, radix: radix) else { continue }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: UInt64(radix))
            let (sum, overflowB) = shifted.addingReportingOverflow(digit)
            guard !overflowA && !overflowB, sum <= UInt64(Int64.max) else { return .failure(.overflow) }
            value = sum
        }
        return .success(.integer(Int(value)))
    }
}
