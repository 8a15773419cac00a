/// Finds the line of a key in a TOML document, for error messages that
/// name `FILE:LINE`. A best effort over the text: it follows `[table]` and
/// `[[array]]` headers and `a.b = ...` dotted keys, skips comments, and
/// gives up (nil) on what it does not follow, such as keys inside inline
/// tables or multi-line strings; the error then names the file alone.
/// The n-th `[[name]]` header (from 0) is the table `name[n]`, as
/// `TOMLRecordReader.tableArray` names its elements.
enum TOMLKeyLocator {
    /// The 1-based line where `dotted` (`remote.ssh_key`, `executors.dev`,
    /// `freeze[1].end`) is defined: as a key, or as a table header.
    package static func line(of dotted: String, in text: String) -> Int? {
        let target = normalize(dotted)
        var table = ""
        var arrayCounts: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let inner = line.drop { $0 == "[" }
                guard let close = inner.firstIndex(of: "]") else { continue }
                let name = normalize(String(inner[..<close]))
                if line.hasPrefix("[[") {
                    let position = arrayCounts[name, default: 0]
                    arrayCounts[name] = position + 1
                    if name == target { return index + 1 }
                    table = "\(name)[\(position)]"
                } else {
                    table = name
                }
                if table == target { return index + 1 }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = normalize(String(line[..<equals]))
            let full = table.isEmpty ? key : table + "." + key
            if full == target { return index + 1 }
        }
        return nil
    }

    /// A key or header without quotes and without blanks around dots.
    private static func normalize(_ text: String) -> String {
        text.split(separator: ".").map { part in
            var piece = part.trimmingSpaces()
            if piece.count >= 2, let first = piece.first, first == "\"" || first == "'", piece.last == first {
                piece = piece.dropFirst().dropLast()
            }
            return String(piece)
        }.joined(separator: ".")
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (and a carriage return).
    fileprivate func trimmingSpaces() -> SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        let end = lastIndex(where: { !isBlank($0) })!
        return self[start...end]
    }
}
