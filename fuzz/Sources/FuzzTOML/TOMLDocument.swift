@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

/// A writer of any `TOMLTable` (the record writer `TOMLWriter` only writes
/// records' flat shapes) and a comparison that ignores key order, as TOML's
/// data model does.
enum TOMLDocument {
    static func write(_ table: TOMLTable) -> String {
        var out = ""
        emit(table, path: [], into: &out)
        return out
    }

    /// The tables of a non-empty array of tables, written as `[[path]]` sections.
    private static func tableArray(_ value: TOMLValue) -> [TOMLTable]? {
        guard case .array(let elements) = value, !elements.isEmpty else { return nil }
        var tables: [TOMLTable] = []
        for element in elements {
            guard case .table(let table) = element else { return nil }
            tables.append(table)
        }
        return tables
    }

    private static func emit(_ table: TOMLTable, path: [String], into out: inout String) {
        for (key, value) in table.entries {
            if case .table = value { continue }
            if tableArray(value) != nil { continue }
            out += TOMLWriter.key(key) + " = " + inline(value) + "\n"
        }
        for (key, value) in table.entries {
            let childPath = path + [key]
            let header = childPath.map(TOMLWriter.key).joined(separator: ".")
            if case .table(let child) = value {
                out += "[" + header + "]\n"
                emit(child, path: childPath, into: &out)
            } else if let tables = tableArray(value) {
                for child in tables {
                    out += "[[" + header + "]]\n"
                    emit(child, path: childPath, into: &out)
                }
            }
        }
    }

    private static func inline(_ value: TOMLValue) -> String {
        switch value {
        case .string(let text): return TOMLWriter.quote(text)
        case .integer(let number): return String(number)
        case .float(let number):
            if number.isNaN { return "nan" }
            if number.isInfinite { return number < 0 ? "-inf" : "inf" }
            return "\(number)"
        case .boolean(let flag): return flag ? "true" : "false"
        case .offsetDateTime(let text), .localDateTime(let text), .localDate(let text), .localTime(let text):
            return text
        case .array(let elements): return "[" + elements.map(inline).joined(separator: ", ") + "]"
        case .table(let table):
            if table.count == 0 { return "{}" }
            return "{ "
                + table.entries.map { TOMLWriter.key($0.key) + " = " + inline($0.value) }
                .joined(separator: ", ") + " }"
        }
    }

    /// Equal as TOML values: the same keys (in any order), floats equal bit
    /// for bit or both NaN.
    static func same(_ lhs: TOMLTable, _ rhs: TOMLTable) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.entries {
            guard let other = rhs[key], same(value, other) else { return false }
        }
        return true
    }

    static func same(_ lhs: TOMLValue, _ rhs: TOMLValue) -> Bool {
        switch (lhs, rhs) {
        case (.float(let a), .float(let b)): return (a.isNaN && b.isNaN) || a.bitPattern == b.bitPattern
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (.table(let a), .table(let b)): return same(a, b)
        default: return lhs == rhs
        }
    }
}
