import Foundation
import Testing

/// The layers of docs/architecture.md, checked against the sources: every
/// `import` of a writ module names a layer below the importing target, and
/// the rules each layer keeps (no libgit2 outside the git layer, no I/O in
/// the core) hold file by file.
///
/// SwiftPM already refuses a cycle between targets; this catches an import
/// that compiles only because a module happened to be built earlier, and a
/// rule a dependency list cannot express.
@Suite struct ArchitectureTests {
    /// What each target may import, as docs/architecture.md draws it.
    static let allowedImports: [String: Set<String>] = [
        "WritCore": [],
        "WritSystem": ["WritCore"],
        "CWritGit": [],
        "WritGit": ["WritCore", "WritSystem", "Clibgit2", "CWritGit"],
        "WritOps": ["WritCore", "WritSystem", "WritGit"],
        "WritMCP": ["WritCore", "WritSystem", "WritGit", "WritOps"],
        "WritTestSupport": ["WritCore", "WritSystem", "WritGit", "WritOps"],
        "WritBulkLoad": ["WritCore", "WritSystem", "WritGit", "WritOps", "WritTestSupport"],
        "writ": ["WritCore", "WritSystem", "WritGit", "WritOps", "WritMCP", "WritTestSupport"],
        "writ-bench": ["WritCore", "WritSystem", "WritGit", "WritOps", "WritTestSupport", "WritBulkLoad"],
    ]

    static let writModules: Set<String> = [
        "WritCore", "WritSystem", "WritGit", "WritOps", "WritMCP", "WritTestSupport", "WritBulkLoad", "Clibgit2",
        "CWritGit",
    ]

    /// The Swift files of `target`, with their text.
    static func sources(of target: String) throws -> [(path: String, text: String)] {
        let root = RepoRoot.url.appendingPathComponent("Sources/\(target)")
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            files.append((url.path, try String(contentsOf: url, encoding: .utf8)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// The modules a file imports (any `import` form: access level, scoped kind, `@testable`).
    static func imports(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard let at = words.firstIndex(of: "import"), at + 1 < words.count else { return nil }
            let before = words[..<at]
            let modifiers: Set<String> = [
                "@testable", "@_implementationOnly", "@preconcurrency", "internal", "public", "package", "private",
                "fileprivate",
            ]
            guard before.allSatisfy(modifiers.contains) else { return nil }
            var name = words[at + 1]
            let kinds: Set<String> = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
            if kinds.contains(name), at + 2 < words.count { name = words[at + 2] }
            return String(name.split(separator: ".").first ?? "")
        }
    }

    @Test(arguments: allowedImports.keys.sorted())
    func everyImportPointsDown(target: String) throws {
        let allowed = Self.allowedImports[target] ?? []
        for (path, text) in try Self.sources(of: target) {
            for module in Self.imports(in: text) where Self.writModules.contains(module) {
                #expect(allowed.contains(module), "\(path) imports \(module), which \(target) may not see")
            }
        }
    }

    @Test func theSourcesHoldNoOtherTarget() throws {
        let listed = try FileManager.default.contentsOfDirectory(
            atPath: RepoRoot.url.appendingPathComponent("Sources").path)
        let known = Set(Self.allowedImports.keys).union(["Clibgit2"])
        #expect(Set(listed).subtracting(known).isEmpty, "a target docs/architecture.md does not place")
    }

    @Test func onlyTheGitLayerCallsLibgit2() throws {
        for target in Self.allowedImports.keys where target != "WritGit" {
            for (path, text) in try Self.sources(of: target) {
                #expect(!text.contains("git_"), "\(path) reaches into libgit2")
            }
        }
    }

    @Test func theGitLayerThrowsNoReasonCodes() throws {
        // Reason codes are decisions about intents and repos; the git layer
        // reports what happened, and the code above it decides what it means.
        for (path, text) in try Self.sources(of: "WritGit") {
            for name in ["ReasonCode", "WritError"] {
                #expect(!text.contains(name), "\(path) uses \(name)")
            }
        }
    }

    @Test func theCoreDoesNoIO() throws {
        // The names through which Swift code reaches files, processes and
        // the network; the core takes bytes and time as arguments instead.
        let io = [
            "FileManager", "FileHandle", "contentsOf: URL", "posix_spawn", "Process(", "open(", "fopen", "URLSession",
            "Date()", "Date.now", "socket(",
        ]
        for (path, text) in try Self.sources(of: "WritCore") {
            for name in io {
                #expect(!text.contains(name), "\(path) uses \(name)")
            }
        }
    }
}
