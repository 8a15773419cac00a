import Foundation
import WritKit

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
}
