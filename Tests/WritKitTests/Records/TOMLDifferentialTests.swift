import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// writ's TOML parser against Python's `tomllib` on every TOML document the
/// repository holds: the record examples, the fuzz corpora (fuzz/corpus/toml
/// and fuzz/corpus/records) and the parser tests' own valid and invalid
/// documents. Both must accept the same documents with the same values, and
/// refuse the same documents, except where docs/fuzzing.md names a choice
/// writ makes on purpose.
@Suite struct TOMLDifferentialTests {
    /// A value as both sides describe it: a type with its text, an array, or
    /// a table. Strings and keys are kept as UTF-8 bytes, so canonically
    /// equivalent spellings stay different, as TOML keeps them.
    indirect enum Tagged: Equatable, CustomStringConvertible {
        case leaf(String, [UInt8])
        case array([Tagged])
        case table([[UInt8]: Tagged])

        var description: String {
            switch self {
            case .leaf(let type, let text): "\(type) \(String(decoding: text, as: UTF8.self).debugDescription)"
            case .array(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
            case .table(let entries):
                "{"
                    + entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
                        String(decoding: $0.key, as: UTF8.self).debugDescription + ": " + $0.value.description
                    }.joined(separator: ", ") + "}"
            }
        }
    }

    /// Reads JSON documents (base64) on standard input and prints, for
    /// each, `tomllib`'s value in the tagged form or its error.
    static let pythonScript = #"""
        import base64, datetime, json, math, struct, sys, tomllib

        def tag(v):
            if isinstance(v, bool):
                return ["boolean", "true" if v else "false"]
            if isinstance(v, int):
                return ["integer", str(v)]
            if isinstance(v, float):
                return ["float", "nan" if math.isnan(v) else struct.pack(">d", v).hex()]
            if isinstance(v, str):
                return ["string", v]
            if isinstance(v, datetime.datetime):
                text = "%04d-%02d-%02dT%02d:%02d:%02d.%06d" % (
                    v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
                if v.tzinfo is None:
                    return ["local-datetime", text]
                return ["offset-datetime", text + "%+d" % int(v.utcoffset().total_seconds() // 60)]
            if isinstance(v, datetime.date):
                return ["local-date", "%04d-%02d-%02d" % (v.year, v.month, v.day)]
            if isinstance(v, datetime.time):
                return ["local-time", "%02d:%02d:%02d.%06d" % (v.hour, v.minute, v.second, v.microsecond)]
            if isinstance(v, list):
                return ["array", [tag(x) for x in v]]
            if isinstance(v, dict):
                return ["table", [[k, tag(x)] for k, x in v.items()]]
            raise TypeError(type(v).__name__)

        out = []
        for document in json.load(sys.stdin):
            try:
                text = base64.b64decode(document).decode("utf-8")
                out.append({"value": tag(tomllib.loads(text))})
            except Exception as error:
                out.append({"error": "%s: %s" % (type(error).__name__, error)})
        json.dump(out, sys.stdout)
        """#

    /// A Python 3.11 or later, which has `tomllib`; nil skips the test.
    static let python: String? = {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            let probe = try? RecordFixtures.run(candidate, ["-c", "import tomllib; print('ok')"])
            if probe?.hasPrefix("ok") == true { return candidate }
        }
        return nil
    }()

    /// Every TOML document of the repository, by name.
    static func corpus() throws -> [(name: String, bytes: [UInt8])] {
        let root = RecordFixtures.repoRoot
        var documents: [(name: String, bytes: [UInt8])] = []
        for folder in ["approvals", "audit"] {
            for file in try RecordFixtures.files(under: root.appendingPathComponent(folder))
            where file.hasSuffix(".toml") {
                let url = root.appendingPathComponent(folder).appendingPathComponent(file)
                documents.append(("\(folder)/\(file)", Array(try Data(contentsOf: url))))
            }
        }
        for folder in ["fuzz/corpus/toml", "fuzz/corpus/records"] {
            for file in try RecordFixtures.files(under: root.appendingPathComponent(folder)) {
                let url = root.appendingPathComponent(folder).appendingPathComponent(file)
                documents.append(("\(folder)/\(file)", Array(try Data(contentsOf: url))))
            }
        }
        let valid =
            TOMLParserTests.structure + TOMLParserTests.keys + TOMLParserTests.strings + TOMLParserTests.numbers
            + TOMLParserTests.datesAndTimes + TOMLParserTests.arrays + TOMLParserTests.inlineTables
            + TOMLParserTests.tables
        documents += valid.map { ("TOMLParserTests: \($0.name)", Array($0.text.utf8)) }
        let invalid =
            TOMLParserTests.invalidStructure + TOMLParserTests.invalidDefinitions + TOMLParserTests.invalidHeaders
            + TOMLParserTests.invalidStrings + TOMLParserTests.invalidNumbers + TOMLParserTests.invalidDates
            + TOMLParserTests.invalidCompound
        documents += invalid.map { ("TOMLParserTests (invalid): \($0.name)", Array($0.text.utf8)) }
        return documents
    }

    // MARK: writ's side

    static func tagged(_ table: TOMLTable) -> Tagged {
        var entries: [[UInt8]: Tagged] = [:]
        for (key, value) in table.entries { entries[Array(key.utf8)] = tagged(value) }
        return .table(entries)
    }

    static func tagged(_ value: TOMLValue) -> Tagged {
        switch value {
        case .string(let text): return .leaf("string", Array(text.utf8))
        case .integer(let number): return .leaf("integer", Array(String(number).utf8))
        case .float(let number):
            if number.isNaN { return .leaf("float", Array("nan".utf8)) }
            let hex = String(number.bitPattern, radix: 16)
            return .leaf("float", Array((String(repeating: "0", count: 16 - hex.count) + hex).utf8))
        case .boolean(let flag): return .leaf("boolean", Array((flag ? "true" : "false").utf8))
        case .localDate(let text): return .leaf("local-date", Array(text.utf8))
        case .localTime(let text): return .leaf("local-time", Array(normalTime(Substring(text)).utf8))
        case .localDateTime(let text):
            return .leaf("local-datetime", Array((text.prefix(10) + "T" + normalTime(text.dropFirst(11))).utf8))
        case .offsetDateTime(let text):
            // The time runs to `Z`, `z`, `+` or `-` after the date.
            let time = text.dropFirst(11)
            let offsetStart = time.firstIndex { "Zz+-".contains($0) } ?? time.endIndex
            var minutes = 0
            let offset = time[offsetStart...]
            if offset.count == 6, let hours = Int(offset.dropFirst().prefix(2)), let rest = Int(offset.suffix(2)) {
                minutes = (hours * 60 + rest) * (offset.first == "-" ? -1 : 1)
            }
            let normal =
                text.prefix(10) + "T" + normalTime(time[..<offsetStart]) + (minutes < 0 ? "" : "+")
                + String(minutes)
            return .leaf("offset-datetime", Array(normal.utf8))
        case .array(let elements): return .array(elements.map(tagged))
        case .table(let table): return tagged(table)
        }
    }

    /// `HH:MM:SS.ffffff`: the fraction cut or padded to microseconds, as
    /// `tomllib` keeps it.
    static func normalTime(_ text: Substring) -> String {
        let whole = text.prefix(8)
        let fraction = text.dropFirst(9).prefix(6)
        return whole + "." + fraction + String(repeating: "0", count: 6 - fraction.count)
    }

    // MARK: Python's side

    static func tagged(json: Any) -> Tagged? {
        guard let pair = json as? [Any], pair.count == 2, let type = pair[0] as? String else { return nil }
        switch type {
        case "array":
            guard let elements = pair[1] as? [Any] else { return nil }
            let converted = elements.compactMap(tagged(json:))
            return converted.count == elements.count ? .array(converted) : nil
        case "table":
            // Pairs, not a JSON object: a Swift dictionary keyed by String
            // would merge canonically equivalent keys.
            guard let entries = pair[1] as? [Any] else { return nil }
            var table: [[UInt8]: Tagged] = [:]
            for entry in entries {
                guard let keyAndValue = entry as? [Any], keyAndValue.count == 2, let key = keyAndValue[0] as? String,
                    let converted = tagged(json: keyAndValue[1])
                else { return nil }
                table[Array(key.utf8)] = converted
            }
            return .table(table)
        default:
            guard let text = pair[1] as? String else { return nil }
            return .leaf(type, Array(text.utf8))
        }
    }

    // MARK: Choices made on purpose

    /// Whether `value` holds a date-time that Python's `datetime` cannot
    /// hold but RFC 3339 allows: a leap second (seconds field 60) or the
    /// year 0000. (An integer outside 64 bits, which TOML requires a parser
    /// to refuse and `tomllib` reads as a big integer, is the other way
    /// round.)
    static func holdsLeapSecondOrYearZero(_ value: TOMLValue) -> Bool {
        switch value {
        case .offsetDateTime(let text), .localDateTime(let text):
            return text.hasPrefix("0000-") || text.dropFirst(17).hasPrefix("60")
        case .localDate(let text): return text.hasPrefix("0000-")
        case .localTime(let text): return text.dropFirst(6).hasPrefix("60")
        case .array(let elements): return elements.contains(where: holdsLeapSecondOrYearZero)
        case .table(let table): return table.entries.contains { holdsLeapSecondOrYearZero($0.value) }
        default: return false
        }
    }

    @Test(.enabled(if: python != nil, "needs Python 3.11 or later (tomllib)"))
    func agreesWithTomllibOnTheRepositoryCorpus() throws {
        let documents = try Self.corpus()
        #expect(documents.count > 100)
        #expect(documents.contains { $0.name.hasPrefix("fuzz/corpus/toml/") })
        let request = try JSONSerialization.data(withJSONObject: documents.map { Data($0.bytes).base64EncodedString() })
        let output = try RecordFixtures.run(
            try #require(Self.python), ["-c", Self.pythonScript], stdin: Array(request))
        let results = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        try #require(results.count == documents.count, "Python answered \(results.count) of \(documents.count)")

        for (document, python) in zip(documents, results) {
            let text = String(validating: document.bytes, as: UTF8.self)
            var writ: Result<TOMLTable, TOMLParseError>?
            if let text { writ = Result { () throws(TOMLParseError) in try TOMLParser.parse(text) } }
            switch (writ, python["value"], python["error"] as? String) {
            case (.success(let table), let value?, _):
                let expected = Self.tagged(json: value)
                #expect(
                    Self.tagged(table) == expected,
                    "\(document.name): writ reads \(Self.tagged(table)), tomllib \(expected.map(\.description) ?? "?")")
            case (.success(let table), nil, let error?):
                let onPurpose = Self.holdsLeapSecondOrYearZero(.table(table))
                #expect(onPurpose, "\(document.name): writ accepts it, tomllib refuses: \(error)")
            case (.failure(let error), _?, _):
                let onPurpose =
                    error.message.contains("is too large for a 64-bit float")
                    || error.message.contains("does not fit in 64 bits")
                #expect(onPurpose, "\(document.name): tomllib accepts it, writ refuses: \(error)")
            case (nil, _?, _):
                Issue.record("\(document.name): tomllib accepts a document that is not UTF-8")
            default:
                break  // refused by both
            }
        }
    }

    @Test func tagsNormaliseDateTimesAsTomllibDoes() {
        #expect(
            Self.tagged(.offsetDateTime("1979-05-27 07:32:00.1234567-07:30"))
                == .leaf("offset-datetime", Array("1979-05-27T07:32:00.123456-450".utf8)))
        #expect(
            Self.tagged(.offsetDateTime("1979-05-27t07:32:00z"))
                == .leaf("offset-datetime", Array("1979-05-27T07:32:00.000000+0".utf8)))
        #expect(Self.tagged(.localTime("07:32:00.5")) == .leaf("local-time", Array("07:32:00.500000".utf8)))
        #expect(Self.holdsLeapSecondOrYearZero(.localTime("23:59:60")))
        #expect(!Self.holdsLeapSecondOrYearZero(.localTime("23:59:59")))
    }
}
