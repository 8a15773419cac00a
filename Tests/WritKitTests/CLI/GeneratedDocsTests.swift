import Foundation
import Testing

@testable import WritGit

/// `docs/writ.1` and `docs/completions/*` are generated from the argument
/// parser; these tests regenerate them from the built binary and compare
/// them byte for byte with the committed files, so a changed command, option
/// or help text fails here until the files are regenerated.
///
/// `scripts/regenerate-docs` runs these tests with `WRIT_REGENERATE_DOCS=1`,
/// which writes the files instead of comparing them.
@Suite struct GeneratedDocsTests {
    static let regenerate = ProcessInfo.processInfo.environment["WRIT_REGENERATE_DOCS"] == "1"

    /// The committed file at `path` (relative to the repository root) must
    /// equal `generated`; with `WRIT_REGENERATE_DOCS=1` it is rewritten.
    static func check(_ generated: String, against path: String) throws {
        let url = RepoRoot.url.appendingPathComponent(path)
        if regenerate {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(generated.utf8).write(to: url)
            return
        }
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == generated, "\(path) is out of date: run scripts/regenerate-docs")
    }

    @Test func manPageIsCurrent() throws {
        let dump = try CLI.run("--experimental-dump-help")
        try #require(dump.status == 0, "\(dump.stderr)")
        let page = try ManPageRenderer.render(dumpHelp: Data(dump.stdout.utf8))
        // The page documents the commands people use, not the hidden id
        // lister that completion scripts call.
        #expect(page.contains(".SS \"writ approve\""))
        #expect(page.contains("\\fB\\-\\-repo\\fR"))
        #expect(!page.contains("_ids"))
        try Self.check(page, against: "docs/writ.1")
    }

    @Test(arguments: [
        ("bash", "docs/completions/writ.bash"), ("zsh", "docs/completions/_writ"),
        ("fish", "docs/completions/writ.fish"),
    ])
    func completionScriptIsCurrent(shell: String, path: String) throws {
        let script = try CLI.run("--generate-completion-script", shell)
        try #require(script.status == 0, "\(script.stderr)")
        // Intent ids complete through writ itself (the custom completion of
        // the id arguments), not as files.
        #expect(script.stdout.contains("---completion"))
        try Self.check(script.stdout, against: path)
    }
}
