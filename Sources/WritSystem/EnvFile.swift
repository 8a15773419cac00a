import Foundation

/// The host's `env_file` (SPEC §6): where an executor's declared secrets may
/// come from when they are not in the dispatcher's environment.
///
/// The format is deliberately small, so that what an operator writes is what
/// the executor gets: one `NAME=VALUE` per line; blank lines and lines whose
/// first non-blank character is `#` are skipped; spaces and tabs around the
/// line are ignored; `NAME` is `[A-Za-z_][A-Za-z0-9_]*`; `VALUE` is every byte
/// after the first `=`, taken literally (no escapes, no expansion, no inline
/// comments), except that one pair of surrounding double quotes is removed.
/// A line outside this format, a repeated name, or a NUL anywhere is an error
/// naming the line number and never the line's text, since the text may be a
/// secret.
package enum EnvFile {
    /// Parses env-file text into name → value.
    package static func parse(_ text: String) throws(EnvFileError) -> [String: String] {
        var values: [String: String] = [:]
        var lineNumber = 0
        // Unicode scalars, not characters: "\r\n" is one Character, and a
        // combining mark after `=` or `"` must not hide it.
        for rawLine in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
            if line.isEmpty || line.first == "#" { continue }
            guard !line.contains("\0") else {
                throw EnvFileError(line: lineNumber, problem: "contains a NUL character")
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw EnvFileError(line: lineNumber, problem: "is not NAME=VALUE")
            }
            let name = String(String.UnicodeScalarView(line[line.startIndex..<equals]))
            guard isValidName(name) else {
                throw EnvFileError(line: lineNumber, problem: "has an invalid variable name")
            }
            var value = line[line.index(after: equals)...]
            if value.first == "\"" || value.last == "\"" {
                guard value.count >= 2, value.first == "\"", value.last == "\"" else {
                    throw EnvFileError(line: lineNumber, problem: "has an unbalanced double quote")
                }
                value = value.dropFirst().dropLast()
            }
            guard values[name] == nil else {
                throw EnvFileError(line: lineNumber, problem: "repeats variable \(name)")
            }
            values[name] = String(String.UnicodeScalarView(value))
        }
        return values
    }

    /// Reads and parses the env file at `path`. The failure names the file
    /// and, for a bad line, its number, never its text.
    package static func load(_ path: String) throws(EnvFileLoadError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8(path: path) }
        do {
            return try parse(text)
        } catch {
            throw .malformed(path: path, error)
        }
    }

    /// Whether `name` is a portable environment variable name.
    package static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
        return isLetter(first)
            && bytes.allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

/// A malformed env-file line. It carries the line number only: the line's
/// text may hold a secret, so it is never repeated.
package struct EnvFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number.
    package let line: Int
    /// What is wrong, without the line's content.
    package let problem: String

    package var description: String { "line \(line) \(problem)" }
}

/// Why an env file could not be used; says nothing of its contents.
package enum EnvFileLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case notUTF8(path: String)
    case malformed(path: String, EnvFileError)

    package var description: String {
        switch self {
        case .unreadable(let path): "env_file \(path) cannot be read"
        case .notUTF8(let path): "env_file \(path) is not UTF-8"
        case .malformed(let path, let error): "env_file \(path): \(error.description)"
        }
    }
}
