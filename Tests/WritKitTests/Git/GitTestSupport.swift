import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The `git` / `ssh-keygen` command-line tools used as independent
/// witnesses by the Git layer's tests, over `TestProcess` and `Scratch`.
enum GitTestSupport {
    typealias Output = TestProcess.Output

    /// A fresh scratch directory (see `Scratch`).
    static func scratch(_ name: String = #function) throws -> URL {
        try Scratch.make("git-" + name)
    }

    static func remove(_ url: URL) {
        Scratch.remove(url)
    }

    /// Runs a tool to completion (see `TestProcess`).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil) throws
        -> Output
    {
        try TestProcess.run(executable, arguments, in: directory, stdin: stdin)
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
