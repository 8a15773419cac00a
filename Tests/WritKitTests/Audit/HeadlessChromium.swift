import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Headless Chromium as the independent witness of what an auditor's browser
/// does with a report: it loads the page from a file, runs its script under
/// its Content-Security-Policy, and prints the DOM or a screenshot.
///
/// Every run gets a fresh profile directory, no sandbox (tests may run as
/// root), no GPU, console messages on standard error, and a hard time
/// limit after which the whole process group is killed, so a test can never hang.
enum HeadlessChromium {
    static let executable = "/usr/bin/chromium"
    static let timeLimit: TimeInterval = 60

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
        let timedOut: Bool

        /// The page's console messages (Chromium logs each as a `CONSOLE` line,
        /// whatever its level); a clean page writes none.
        var consoleLines: [String] {
            stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        }
    }

    /// Installs Chromium when it is missing (as `scripts/ensure-deps` does).
    static func require() throws {
        try TestPackages.require(executable, package: "chromium")
    }

    /// Runs Chromium on `page` with `arguments` (such as `--dump-dom` or
    /// `--screenshot=PATH`) in a scratch directory.
    static func run(_ arguments: [String], page: URL, scratch: URL) throws -> Run {
        let profile = scratch.appendingPathComponent("profile-\(UUID().uuidString.prefix(8))")
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = scratch.path
        let child = try TestProcess.start(
            executable,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
            ] + arguments + [page.absoluteString], environment: environment)
        defer { child.removeFiles() }
        let timedOut = child.waitUntilExit(timeLimit: timeLimit)
        let output = try child.output()
        return Run(status: output.status, stdout: output.stdout, stderr: output.stderr, timedOut: timedOut)
    }

    /// The CSP hash source of `text` (`sha256-<base64>`), computed with
    /// openssl so that the page's own hashes are checked by another tool.
    static func hashSource(_ text: String) throws -> String {
        let scratch = try GitTestSupport.scratch("csp")
        defer { GitTestSupport.remove(scratch) }
        let file = scratch.appendingPathComponent("text")
        try Data(text.utf8).write(to: file)
        let digest = try GitTestSupport.run(
            "/bin/sh", ["-c", "openssl dgst -sha256 -binary \"$1\" | base64 -w0", "sh", file.path])
        try #require(digest.status == 0, "openssl failed: \(digest.stderr)")
        return "sha256-" + digest.trimmed
    }
}

/// A PNG file's signature and the size in its IHDR chunk.
struct PNGInfo {
    let width: Int
    let height: Int

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        try #require(bytes.count > 24, "too short for a PNG: \(bytes.count) bytes")
        try #require(
            Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "no PNG signature")
        try #require(Array(bytes[12..<16]) == Array("IHDR".utf8), "first chunk is not IHDR")
        func big(_ offset: Int) -> Int {
            bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        width = big(16)
        height = big(20)
    }
}
