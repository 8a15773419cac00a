import Foundation
import WritCore

/// Reads input files for commands. A file that is missing or cannot be read
/// was never judged: a runtime error naming it (exit 3), never the reason
/// code of what the file should hold; what it holds the caller judges.
enum FileInput {
    /// Reads a file the command line names as its input: at most
    /// `limit + 1` bytes, so a hostile multi-gigabyte file costs nothing
    /// (the record parsers then reject anything over the limit with the
    /// right reason code, and the real size is never needed), or the whole
    /// file when `limit` is nil. One that is missing or cannot be read is a
    /// runtime error (exit 3, no reason code) naming the path, since nothing
    /// was judged; what it holds is judged by the caller.
    static func readRequired(_ path: String, option: String? = nil, limit: Int? = RecordBytes.maximumSize) throws
        -> Data
    {
        let named = option.map { "\($0) \(path)" } ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuntimeError("no such file: \(path)", fix: named)
        }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw RuntimeError("cannot read \(path)" + (isDirectory.boolValue ? ": it is a directory" : ""), fix: named)
        }
        defer { try? handle.close() }
        do {
            guard let limit else { return try handle.readToEnd() ?? Data() }
            return try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw RuntimeError("cannot read \(path): \(error.localizedDescription)", fix: named)
        }
    }

    /// Reads a file the command implies rather than names (a record's
    /// `FILE.sig`): nil when there is none, which the caller judges (an
    /// unsigned record); one that is there but cannot be read is a runtime
    /// error, as with ``readRequired(_:option:limit:)``, never taken for
    /// one that is absent.
    static func readIfPresent(_ path: String, limit: Int = RecordBytes.maximumSize) throws -> Data? {
        // Not `fileExists`: a dangling symlink is there and cannot be read.
        var status = stat()
        guard lstat(path, &status) == 0 || errno != ENOENT else { return nil }
        return try readRequired(path, limit: limit)
    }
}
