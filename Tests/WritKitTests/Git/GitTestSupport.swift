import Foundation
import Testing
@testable import WritCore
@testable import WritSystem
@testable import WritGit
@testable import WritOps
@testable import WritTestSupport

/// Scratch directories and the `git` / `ssh-keygen` command-line tools used
/// as independent witnesses by the Git layer's tests.
enum GitTestSupport {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
        var trimmed: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// A fresh directory under the system temporary directory.
    static func scratch(_ name: String = #function) throws -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("writ-git-\(safe)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// Runs a tool with its output captured in files (no pipe can fill up
    /// and block the child).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil) throws
        -> Output
    {
        let box = try scratch("io")
        defer { remove(box) }
        let outURL = box.appendingPathComponent("out")
        let errURL = box.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_AUTHOR_NAME"] = "Test Author"
        environment["GIT_AUTHOR_EMAIL"] = "author@example.com"
        environment["GIT_COMMITTER_NAME"] = "Test Committer"
        environment["GIT_COMMITTER_EMAIL"] = "committer@example.com"
        process.environment = environment
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let inURL = box.appendingPathComponent("in")
            try stdin.write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs `git -C directory ...` and requires success.
    @discardableResult
    static func git(_ directory: URL, _ arguments: String..., stdin: Data? = nil) throws -> String {
        try gitArgs(directory, arguments, stdin: stdin)
    }

    @discardableResult
    static func gitArgs(_ directory: URL, _ arguments: [String], stdin: Data? = nil) throws -> String {
        let output = try run("/usr/bin/git", ["-C", directory.path] + arguments, stdin: stdin)
        try #require(output.status == 0, "git \(arguments.joined(separator: " ")) failed: \(output.stderr)")
        return output.trimmed
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    static func id(_ hex: String) throws -> ObjectID {
        try #require(ObjectID(hex: hex), "not an object id: \(hex)")
    }

    static let identity = GitIdentity(
        name: "Writ Test", email: "writ@example.com", date: Date(timeIntervalSince1970: 1_790_000_000),
        utcOffsetMinutes: 60)
}
