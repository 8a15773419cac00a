import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Placeholders in an executor's command and workdir are checked when
/// `dispatcher.toml` is loaded: a misspelt one would otherwise block every
/// intent of that kind at preflight, or reach the program literally.
@Suite struct ExecutorPlaceholderConfigTests {
    static func config(command: [String], workdir: String? = nil) -> Data {
        let argv = command.map { "'\($0)'" }.joined(separator: ", ")
        var text = DispatcherConfigTests.base + "[executors.deploy]\ncommand = [\(argv)]\n"
        if let workdir { text += "workdir = '\(workdir)'\n" }
        return Data(text.utf8)
    }

    @Test(arguments: [
        "{intent.idd}", "{param.}", "{clone", "x{intent.id}", "{intent.id} ", "{clone}/sub", "{target.branch",
        "{param.bad name}", "{param.-x}", "{intent.kind}", "{nope}", "--ref={target.repo}",
    ])
    func unknownOrMisplacedPlaceholderIsRefused(element: String) throws {
        let error = try #require(throws: RuntimeError.self) {
            try DispatcherConfig.parse(Self.config(command: ["/usr/bin/deploy", element]))
        }
        #expect(error.detail.contains("executors.deploy.command"), "\(error.detail)")
        #expect(error.detail.contains(element), "\(error.detail)")
        for valid in ["{intent.id}", "{target.repo}", "{target.branch}", "{param.NAME}", "{clone}"] {
            #expect(error.detail.contains(valid), "\(error.detail)")
        }
        #expect(error.fix.contains("dispatcher.toml"))
    }

    /// Near misses: the valid placeholders, and arguments that merely hold
    /// braces (JSON, a shell's `${NAME}`, an awk program, a Go template).
    @Test func validPlaceholdersAndOrdinaryBracesAreAccepted() throws {
        let command = [
            "/usr/bin/deploy", "{intent.id}", "{target.repo}", "{target.branch}", "{param.issue}",
            "{param.release_v2.1-rc}", "{clone}", "{\"a\":1}", "{}", "echo ${HOME} $HOME", "{print $1}",
            "--format={{.Name}}", "a{b,c}",
        ]
        let config = try DispatcherConfig.parse(Self.config(command: command, workdir: "{clone}"))
        #expect(config.executors["deploy"]?.command == command)
        #expect(config.executors["deploy"]?.workdir == "{clone}")
    }

    @Test func workdirPlaceholdersAreChecked() throws {
        let error = try #require(throws: RuntimeError.self) {
            try DispatcherConfig.parse(Self.config(command: ["/usr/bin/deploy"], workdir: "{clone}/sub"))
        }
        #expect(error.detail.contains("executors.deploy.workdir"))
        let plain = try DispatcherConfig.parse(Self.config(command: ["/usr/bin/deploy"], workdir: "/srv/work"))
        #expect(plain.executors["deploy"]?.workdir == "/srv/work")
    }
}
