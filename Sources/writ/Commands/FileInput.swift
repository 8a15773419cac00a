import Foundation
import WritCore

/// Reads input files for commands, turning a missing, unreadable or huge
/// file into a WritError with the reason code of what the file should hold.
enum FileInput {
    /// Reads at most `limit + 1` bytes, so a hostile multi-gigabyte file costs
    /// nothing: the record parsers then reject anything over the limit with
    /// the right reason code and the real size is never needed.
    static func read(_ path: String, as reason: ReasonCode, limit: Int = RecordBytes.maximumSize) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WritError(reason, "cannot read \(path)")
        }
        defer { try? handle.close() }
        do {
            return try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw WritError(reason, "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Like ``read(_:as:limit:)`` for a file the command line names as its
    /// input: one that is missing or cannot be read is a runtime error
    /// (exit 3, no reason code) naming the path, since nothing was judged;
    /// what it holds is judged by the caller.
    static func readRequired(_ path: String, option: String? = nil, limit: Int = RecordBytes.maximumSize) throws
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
            return try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw RuntimeError("cannot read \(path): \(error.localizedDescription)", fix: named)
        }
    }
}
