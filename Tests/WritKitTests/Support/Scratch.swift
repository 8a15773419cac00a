import Foundation

/// The one scratch-directory helper of the tests: a fresh directory under
/// the system temporary directory, named after what made it so a leftover
/// can be traced, and removed by the test that made it.
enum Scratch {
    /// Creates `writ-<name>-<uuid>` (letters and digits of `name` only).
    static func make(_ name: String = #function) throws -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("writ-\(safe)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Removes `url` and everything under it; a directory already gone is fine.
    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }
}
