/// A strict reader over one TOML table, used by every TOML record.
///
/// Every key must be claimed (unknown keys are errors at every table level),
/// every value must have the declared type (timestamps are quoted strings,
/// never TOML dates), and every error is a `WritError` with the record's
/// reason code and a detail naming the field.
package struct TOMLRecordReader {
    package let table: TOMLTable
    /// Dotted path of this table from the document root; empty for the root.
    let tablePath: String
    package let reason: ReasonCode
    package let record: String
    /// The document's text, kept for a config file so its errors can name
    /// the line (`FILE:LINE: ...`); nil for records, whose errors name the
    /// record and field only.
    package var source: String?
    /// Whether its strings are record text, which may hold no control or
    /// bidi-control character (SPEC §3); false for a host's own config.
    var untrustedText = true

    /// Parses `bytes` after the byte-level checks of `RecordBytes`. With
    /// `locating`, errors about a field name its line in the file; a
    /// `hostConfig` (the operator config, dispatcher.toml) is not record text.
    package static func parse(
        _ bytes: some Collection<UInt8>, reason: ReasonCode, record: String, locating: Bool = false,
        hostConfig: Bool = false
    ) throws -> TOMLRecordReader {
        let text = try RecordBytes.text(bytes, reason: reason, record: record)
        // A NUL inside a value or key would be cut short by every C string
        // reader downstream (an executor's argv, the environment), so the
        // escape is refused outright (even inside a literal string, where
        // it is harmless text).
        if contains(text, "\\u0000") || contains(text, "\\U00000000") {
            throw WritError(reason, "\(record): contains the escape for a NUL character")
        }
        do {
            return TOMLRecordReader(
                table: try TOMLParser.parse(text), tablePath: "", reason: reason, record: record,
                source: locating ? text : nil, untrustedText: !hostConfig)
        } catch {
            if locating {
                throw WritError(reason, "\(record):\(error.line):\(error.column): TOML parse error: \(error.message)")
            }
            throw WritError(
                reason, "\(record): TOML parse error at line \(error.line), column \(error.column): \(error.message)")
        }
    }

    /// Whether `text` holds `needle`, byte for byte.
    private static func contains(_ text: String, _ needle: StaticString) -> Bool {
        let bytes = text.utf8
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = pattern.first else { return true }
        var index = bytes.startIndex
        while let found = bytes[index...].firstIndex(of: first) {
            if bytes[found...].starts(with: pattern) { return true }
            index = bytes.index(after: found)
        }
        return false
    }

    func fieldName(_ key: String) -> String { tablePath.isEmpty ? key : tablePath + "." + key }

    package func fail(_ message: String) -> WritError { WritError(reason, "\(record): \(message)") }

    package func fail(_ key: String, _ message: String) -> WritError {
        WritError(reason, "\(located(key)): field '\(fieldName(key))' \(message)")
    }

    /// `record`, or `record:LINE` when the source is kept and `key`'s line
    /// is found. A key that is not there (a missing field), or that the
    /// locator cannot follow (inside an inline `[{ ... }]`), names the line
    /// of the nearest enclosing table or array it finds, the one to fix.
    package func located(_ key: String) -> String {
        guard let source else { return record }
        var field = fieldName(key)
        while true {
            if let line = TOMLKeyLocator.line(of: field, in: source) { return "\(record):\(line)" }
            guard let cut = field.lastIndex(where: { $0 == "." || $0 == "[" }) else { return record }
            field = String(field[..<cut])
        }
    }

    /// Keys present in this table, in sorted order.
    package var keys: [String] { table.keys.sorted() }

    /// Throws for the first key outside `allowed`.
    package func rejectUnknownKeys(allowing allowed: Set<String>) throws {
        for key in keys where !allowed.contains(key) {
            throw WritError(
                reason,
                "\(located(key)): unknown key '\(fieldName(key))'"
                    + DidYouMean.hint(for: key, among: allowed.sorted()))
        }
    }

    private func value(_ key: String) -> TOMLValue? { table[key] }

    private func typeName(_ value: TOMLValue) -> String {
        switch value {
        case .offsetDateTime, .localDateTime, .localDate, .localTime:
            "an unquoted TOML date (write it as a quoted string)"
        default: value.typeName
        }
    }

    package func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            throw fail(key, "must be a string, found \(typeName(value))")
        }
        try checkText(text, key)
        return text
    }

    /// Record text holds no control or bidi-control character (SPEC §3);
    /// a host config read with this reader is not record text.
    private func checkText(_ text: String, _ key: String) throws {
        guard untrustedText, let problem = RecordText.problem(in: text) else { return }
        throw fail(key, problem)
    }

    /// A string field that holds a whole TOML file's text (`intent_toml`):
    /// TOML's own whitespace and line breaks (tab, CR, LF) separate its
    /// lines and tokens, and nothing else record text may not hold is
    /// allowed.
    func requiredRecordText(_ key: String) throws -> String {
        guard let value = value(key) else { throw fail(key, "is missing") }
        guard case .string(let text) = value else {
            throw fail(key, "must be a string, found \(typeName(value))")
        }
        let layout: Set<Unicode.Scalar> = ["\t", "\r", "\n"]
        try checkText(String(String.UnicodeScalarView(text.unicodeScalars.filter { !layout.contains($0) })), key)
        return text
    }

    package func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else { throw fail(key, "is missing") }
        return text
    }

    package func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let number) = value else {
            throw fail(key, "must be an integer, found \(typeName(value))")
        }
        return number
    }

    package func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .boolean(let flag) = value else {
            throw fail(key, "must be true or false, found \(typeName(value))")
        }
        return flag
    }

    func requiredInt(_ key: String) throws -> Int {
        guard let number = try int(key) else { throw fail(key, "is missing") }
        return number
    }

    package func stringArray(_ key: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let array) = value else {
            throw fail(key, "must be an array of strings, found \(typeName(value))")
        }
        var out: [String] = []
        for (index, element) in array.enumerated() {
            guard case .string(let text) = element else {
                throw fail("\(key)[\(index)]", "must be a string, found \(typeName(element))")
            }
            try checkText(text, "\(key)[\(index)]")
            out.append(text)
        }
        return out
    }

    package func table(_ key: String) throws -> TOMLRecordReader? {
        guard let value = value(key) else { return nil }
        guard case .table(let table) = value else {
            throw fail(key, "must be a table, found \(typeName(value))")
        }
        return TOMLRecordReader(
            table: table, tablePath: fieldName(key), reason: reason, record: record, source: source,
            untrustedText: untrustedText)
    }

    /// An array of tables, `[[key]]` or `key = [{ ... }, ...]`, each read by
    /// a reader of its own whose errors name `key[INDEX].field`.
    package func tableArray(_ key: String) throws -> [TOMLRecordReader]? {
        guard let value = value(key) else { return nil }
        guard case .array(let array) = value else {
            throw fail(key, "must be an array of tables, found \(typeName(value))")
        }
        return try array.enumerated().map { index, element in
            guard case .table(let table) = element else {
                throw fail("\(key)[\(index)]", "must be a table, found \(typeName(element))")
            }
            return TOMLRecordReader(
                table: table, tablePath: fieldName("\(key)[\(index)]"), reason: reason, record: record, source: source,
                untrustedText: untrustedText)
        }
    }

    /// A duration as `DurationText` reads it (`30m`, `72h`, `1h30m`), in seconds, at least one second.
    package func positiveDuration(_ key: String) throws -> Int64? {
        guard let text = try string(key) else { return nil }
        guard let seconds = DurationText.seconds(text), seconds > 0 else {
            throw fail(key, "must be a positive duration such as \"30m\", \"72h\" or \"1h30m\", found \(quoted: text)")
        }
        return seconds
    }

    /// Whether `key` holds a table (for a setting with a short and a long form).
    package func holdsTable(_ key: String) -> Bool {
        if case .table? = value(key) { return true }
        return false
    }

    package func requiredTable(_ key: String) throws -> TOMLRecordReader {
        guard let table = try table(key) else { throw fail(key, "is missing") }
        return table
    }

    /// Checks `schema = 1`.
    func requireSchemaOne() throws {
        let schema = try requiredInt("schema")
        guard schema == 1 else { throw fail("schema", "must be 1, found \(schema)") }
    }

    // Typed fields shared by the records.

    func timestamp(_ key: String) throws -> Timestamp? {
        guard let text = try string(key) else { return nil }
        guard let value = Timestamp(rfc3339: text) else {
            throw fail(key, "is not an RFC 3339 timestamp: \(quoted: text)")
        }
        return value
    }

    func requiredTimestamp(_ key: String) throws -> Timestamp {
        guard let value = try timestamp(key) else { throw fail(key, "is missing") }
        return value
    }

    package func tier(_ key: String) throws -> Tier? {
        guard let text = try string(key) else { return nil }
        guard let tier = Tier(parsing: text) else {
            throw fail(key, "must be low, medium or high, found \(quoted: text)")
        }
        return tier
    }

    func requiredTier(_ key: String) throws -> Tier {
        guard let value = try tier(key) else { throw fail(key, "is missing") }
        return value
    }

    func requiredPrincipal(_ key: String) throws -> Principal {
        let text = try requiredString(key)
        guard let principal = Principal(text) else { throw fail(key, "is not a valid principal: \(quoted: text)") }
        return principal
    }

    func requiredIntentID(_ key: String) throws -> IntentID {
        let text = try requiredString(key)
        guard let id = IntentID(text) else { throw fail(key, "is not a valid intent id: \(quoted: text)") }
        return id
    }

    func requiredDigest(_ key: String) throws -> ContentDigest {
        let text = try requiredString(key)
        guard let digest = ContentDigest(parsing: text) else {
            throw fail(key, "must be sha256:<64 lower-case hex digits>, found \(quoted: text)")
        }
        return digest
    }

    /// A decision among `allowed` (all of them by default); the error lists them.
    func requiredDecision(_ key: String, allowing allowed: [Decision] = Decision.allCases) throws -> Decision {
        let text = try requiredString(key)
        guard let decision = Decision(rawValue: text), allowed.contains(decision) else {
            let names = allowed.map(\.rawValue)
            let list = names.dropLast().joined(separator: ", ") + (names.count > 1 ? " or " : "") + (names.last ?? "")
            throw fail(key, "must be \(list), found \(quoted: text)")
        }
        return decision
    }
}
