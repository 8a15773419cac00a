import Foundation
import Testing

/// The fast tier (`./scripts/test --fast`, docs/testing.md) is the list in
/// `Tests/fast-tier.txt`. These checks keep the list honest: every name is a
/// suite that exists, and no file holding a listed suite starts a server,
/// spawns the `writ` binary or sleeps, so what is added to a fast suite
/// stays fast by construction.
@Suite struct FastTierTests {
    static let listFile = RepoRoot.url.appendingPathComponent("Tests/fast-tier.txt")

    /// What a file of the fast tier must not contain.
    static let forbidden = [
        "CLI.run", "CLI.binary", "IsolatedCLI", "TestProcess.start", "Process()", "RemoteServers", "PythonServers",
        "FakeForge", "HeadlessChromium", "sleep(",
    ]

    /// The suite names the list holds, in order.
    static func listed() throws -> [String] {
        try String(contentsOf: listFile, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Every test source file, with its text.
    static func sources() throws -> [(path: String, text: String)] {
        let root = RepoRoot.url.appendingPathComponent("Tests/WritKitTests").path
        let paths = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".swift") }
        return try paths.sorted().map { ($0, try String(contentsOfFile: root + "/" + $0, encoding: .utf8)) }
    }

    /// The files declaring `struct NAME` (a suite type).
    static func files(declaring name: String, in sources: [(path: String, text: String)]) throws -> [String] {
        let pattern = try NSRegularExpression(pattern: "(^|\\s)struct \(name)(\\s|\\{)", options: [.anchorsMatchLines])
        return sources.filter {
            pattern.firstMatch(in: $0.text, range: NSRange($0.text.startIndex..., in: $0.text)) != nil
        }.map(\.path)
    }

    @Test func everyListedSuiteExistsExactlyOnce() throws {
        let names = try Self.listed()
        #expect(names.count >= 50, "the fast tier lists \(names.count) suites")
        #expect(Set(names).count == names.count, "a suite is listed twice")
        let sources = try Self.sources()
        for name in names {
            let files = try Self.files(declaring: name, in: sources)
            #expect(files.count == 1, "\(name) is declared in \(files)")
        }
    }

    @Test func noListedSuiteStartsAServerSpawnsWritOrSleeps() throws {
        let sources = try Self.sources()
        let byPath = Dictionary(uniqueKeysWithValues: sources.map { ($0.path, $0.text) })
        // This file names every forbidden word in order to look for it.
        for name in try Self.listed() where name != "FastTierTests" {
            for path in try Self.files(declaring: name, in: sources) {
                let text = byPath[path] ?? ""
                for word in Self.forbidden where text.contains(word) {
                    Issue.record("\(name) (\(path)) is in the fast tier but uses \(word)")
                }
            }
        }
    }

    /// The check above can fail: a file of the full tier trips it.
    @Test func theCheckSeesAServerOrAWritRun() throws {
        let sources = try Self.sources()
        let slow = try #require(sources.first { $0.path.hasSuffix("HTTPSRemoteTests.swift") })
        #expect(Self.forbidden.contains { slow.text.contains($0) })
        let cli = try #require(sources.first { $0.path.hasSuffix("FirstHourTests.swift") })
        #expect(Self.forbidden.contains { cli.text.contains($0) })
    }
}
