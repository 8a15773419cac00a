import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The README a new team starts from: the quick start as it is, a "Set up a
/// team" path whose `writ init` line works as written, every docs page in the
/// docs table, and no link to a file that is not there.
@Suite struct ReadmeTests {
    static let readme: String =
        (try? String(contentsOf: RepoRoot.url.appendingPathComponent("README.md"), encoding: .utf8))
        ?? ""

    /// The text of the `## title` section, up to the next `## `.
    static func section(_ title: String) -> String {
        guard let start = readme.range(of: "\n## \(title)\n") else { return "" }
        let rest = readme[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
    }

    @Test func theQuickStartIsTheTwoScripts() {
        #expect(
            Self.section("Quick start").contains(
                """
                ```sh
                ./scripts/demo    # installs libgit2-dev if missing, builds writ, runs `writ demo`
                ./scripts/test    # installs what the tests need if missing, runs the whole test suite (swift test, then the setup-writ action)
                ```
                """))
    }

    @Test func setUpATeamLinksEveryPageTheTeamNeeds() {
        let team = Self.section("Set up a team")
        #expect(!team.isEmpty, "README has no Set up a team section")
        for page in [
            "docs/operators.md", "docs/remotes.md", "docs/governance.md", "docs/forge-setup.md", "docs/deploy/",
        ] {
            #expect(team.contains("](\(page))"), "Set up a team does not link \(page)")
        }
        #expect(team.contains("--policy") && team.contains("--signers"))
    }

    @Test func theDocsTableListsEveryPage() throws {
        let table = Self.section("Docs")
        let pages = try FileManager.default.contentsOfDirectory(
            atPath: RepoRoot.url.appendingPathComponent("docs").path
        )
        .filter { $0.hasSuffix(".md") }
        #expect(pages.contains("governance.md") && pages.contains("status.md"))
        for page in pages {
            #expect(table.contains("](docs/\(page))"), "docs/\(page) is not in README's docs table")
        }
    }

    @Test func everyRelativeLinkResolves() throws {
        let pattern = try NSRegularExpression(pattern: #"\]\(([^)#:]+)(#[^)]*)?\)"#)
        let range = NSRange(Self.readme.startIndex..., in: Self.readme)
        let links = pattern.matches(in: Self.readme, range: range).compactMap {
            Range($0.range(at: 1), in: Self.readme).map { String(Self.readme[$0]) }
        }
        #expect(links.count > 20)
        for link in links {
            #expect(
                FileManager.default.fileExists(atPath: RepoRoot.url.appendingPathComponent(link).path),
                "README links \(link), which does not exist")
        }
    }

    /// The `writ init` line of Set up a team, run as written, in a directory
    /// holding the two files it names.
    @Test func theSetUpATeamInitLineWorksAsWritten() throws {
        let team = Self.section("Set up a team").replacingOccurrences(of: "\n   ", with: " ")
        let start = try #require(team.range(of: "`writ init "), "no writ init line")
        let end = try #require(team[start.upperBound...].firstIndex(of: "`"))
        let words = team[team.index(after: start.lowerBound)..<end].split(separator: " ").map(String.init)
        #expect(words.contains("--policy") && words.contains("--signers"), "\(words)")
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let keys = dir.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        let files = try CLI.initFiles(in: keys)
        for (option, file) in [("--policy", files[1]), ("--signers", files[3])] {
            let name = try #require(words.firstIndex(of: option).map { words[$0 + 1] })
            try FileManager.default.copyItem(atPath: file, toPath: dir.appendingPathComponent(name).path)
        }
        let arguments = Array(words.dropFirst())
        let initialised = try CLI.runArgs(arguments, in: dir)
        #expect(initialised.status == 0, "\(arguments): \(initialised.stderr)")
        #expect(initialised.stdout.contains("trust_root = "))
    }
}
