import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The command line's conventions: `--version`, "did you mean" for a
/// mistyped subcommand, and errors as one JSON line under `--json`.
@Suite struct CLIConventionTests {
    @Test func versionPrintsTheOneConstant() throws {
        let output = try CLI.run("--version")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.trimmed == WritVersion.current)
        #expect(WritVersion.current == "0.8.0")
    }

    @Test func aMistypedSubcommandIsNamedAndExitsTwo() throws {
        let output = try CLI.run("stauts", "--repo", "x")
        #expect(output.status == 2)
        #expect(output.stderr.contains("did you mean \"status\"?"), "\(output.stderr)")
        #expect(try CLI.run("verfy").stderr.contains("did you mean \"verify\"?"))
        // Near miss: nothing close, so the parser's own usage error, still exit 2.
        let unknown = try CLI.run("frobnicate")
        #expect(unknown.status == 2)
        #expect(!unknown.stderr.contains("did you mean"), "\(unknown.stderr)")
    }

    @Test func errorsUnderJSONAreOneLineOnStandardOutput() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let ops = dir.appendingPathComponent("ops.git")
        #expect(try CLI.runArgs(["init", ops.path, "--bare"] + (try CLI.initFiles(in: dir))).status == 0)
        // A decision about trust: its reason code, exit 3.
        let contract = try CLI.run("status", "--repo", ops.path, "--trust", "nothex", "--json")
        #expect(contract.status == 3)
        let error = try contract.jsonObject()
        #expect(error["reason"] as? String == "trust_root_missing")
        #expect((error["error"] as? String)?.contains("nothex") == true)
        // A runtime error: no reason code, and what to fix.
        let config = dir.appendingPathComponent("dispatcher.toml")
        try Data("not = [valid\n".utf8).write(to: config)
        let runtime = try CLI.run("status", "--config", config.path, "--json")
        #expect(runtime.status == 3)
        let failure = try runtime.jsonObject()
        #expect(failure["error"] is String)
        #expect(failure["reason"] is NSNull)
        #expect((failure["fix"] as? String)?.hasSuffix("dispatcher.toml") == true)
        // Near miss: without --json, standard output stays empty.
        let plain = try CLI.run("status", "--repo", ops.path, "--trust", "nothex")
        #expect(plain.stdout.isEmpty && plain.stderr.contains("trust_root_missing"))
        // A usage error under --json is a JSON line too.
        let usage = try CLI.run("stauts", "--json")
        #expect(usage.status == 2)
        #expect((try usage.jsonObject()["error"] as? String)?.contains("did you mean") == true)
    }
}
