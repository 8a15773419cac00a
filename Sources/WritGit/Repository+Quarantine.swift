internal import Clibgit2
import Foundation

extension Repository {
    /// The object directories git names in a hook's environment, in the
    /// order they are searched: `GIT_QUARANTINE_PATH`, `GIT_OBJECT_DIRECTORY`,
    /// then each entry of `GIT_ALTERNATE_OBJECT_DIRECTORIES` (separated by
    /// `:`, an entry holding one written in C quotes, as git writes it).
    /// Relative paths are resolved against `directory`; duplicates are
    /// listed once.
    ///
    /// During `pre-receive` git keeps the pushed objects in a quarantine
    /// directory and names it only there: a reader that ignores these
    /// variables cannot see the commits it is asked to judge.
    package static func hookObjectDirectories(environment: [String: String], relativeTo directory: String) -> [String] {
        var paths: [String] = []
        for name in ["GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY"] {
            if let value = environment[name], !value.isEmpty { paths.append(value) }
        }
        if let list = environment["GIT_ALTERNATE_OBJECT_DIRECTORIES"] {
            paths += alternateList(list)
        }
        var seen = Set<String>()
        return paths.compactMap { path in
            let absolute =
                path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).path
            return seen.insert(absolute).inserted ? absolute : nil
        }
    }

    /// Adds the object directories git names in `environment` (see
    /// ``hookObjectDirectories(environment:relativeTo:)``) to this handle's
    /// object database as alternates, so objects that exist only in a
    /// push's quarantine can be read; returns what was added. libgit2 reads
    /// none of these variables by itself. A directory that does not exist
    /// is skipped, and one already in the database (the repository's own
    /// objects) is not added twice.
    @discardableResult
    package func addHookObjectDirectories(environment: [String: String]) throws(GitError) -> [String] {
        let directories = Self.hookObjectDirectories(
            environment: environment, relativeTo: FileManager.default.currentDirectoryPath)
        guard !directories.isEmpty else { return [] }
        let database = try odb()
        for directory in directories {
            try check(git_odb_add_disk_alternate(database.raw, directory), "git_odb_add_disk_alternate")
        }
        return directories
    }

    /// The entries of a `GIT_ALTERNATE_OBJECT_DIRECTORIES` value: separated
    /// by `:`; an entry that starts with `"` is C-quoted (git quotes a path
    /// holding `:` or `"` that way) and ends at its closing quote.
    static func alternateList(_ value: String) -> [String] {
        var entries: [String] = []
        var bytes = Array(value.utf8)[...]
        while !bytes.isEmpty {
            if bytes.first == UInt8(ascii: "\""), let (entry, rest) = unquoteC(bytes) {
                if !entry.isEmpty { entries.append(String(decoding: entry, as: UTF8.self)) }
                bytes = rest.first == UInt8(ascii: ":") ? rest.dropFirst() : rest
                continue
            }
            let end = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex
            if end > bytes.startIndex { entries.append(String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)) }
            bytes = end == bytes.endIndex ? bytes[end...] : bytes[(end + 1)...]
        }
        return entries
    }

    /// A C-quoted string at the start of `bytes` (opening quote included):
    /// its value and what follows the closing quote; nil when it does not
    /// close.
    private static func unquoteC(_ bytes: ArraySlice<UInt8>) -> ([UInt8], ArraySlice<UInt8>)? {
        var out: [UInt8] = []
        var index = bytes.index(after: bytes.startIndex)
        let escapes: [UInt8: UInt8] = [
            UInt8(ascii: "a"): 7, UInt8(ascii: "b"): 8, UInt8(ascii: "f"): 12, UInt8(ascii: "n"): 10,
            UInt8(ascii: "r"): 13, UInt8(ascii: "t"): 9, UInt8(ascii: "v"): 11, UInt8(ascii: "\\"): 92,
            UInt8(ascii: "\""): 34,
        ]
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return (out, bytes[(index + 1)...]) }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.endIndex else { return nil }
            let next = bytes[index]
            if let plain = escapes[next] {
                out.append(plain)
                index += 1
            } else if (UInt8(ascii: "0")...UInt8(ascii: "3")).contains(next), index + 2 < bytes.endIndex {
                let digits = bytes[index...(index + 2)]
                guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) else { return nil }
                out.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                index += 3
            } else {
                return nil
            }
        }
        return nil
    }
}
