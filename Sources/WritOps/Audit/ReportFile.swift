import Foundation
import WritCore
import WritSystem

/// Where `writ report --html` puts the page: written whole or not at all.
package enum ReportFile {
    /// Writes `html` to `path` through a temporary file in the same
    /// directory, flushed and renamed over `path` (the state dir's durable
    /// write), so a reader or a crash never sees half a report. The file is
    /// created with mode 0600: it names principals and commits, and sharing
    /// it is the auditor's decision. A failure is a `RuntimeError` naming
    /// `--html`.
    package static func write(_ html: String, to path: String) throws {
        // Absolute, so that a bare file name still has a directory to sync.
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        do {
            try StateFiles.write(Data(html.utf8), to: absolute)
        } catch let error as RuntimeError {
            // The state dir's writer names the state dir; here the file is the report.
            let detail = error.detail.hasPrefix("state dir: ") ? String(error.detail.dropFirst(11)) : error.detail
            throw RuntimeError(detail, fix: "--html")
        }
    }
}
