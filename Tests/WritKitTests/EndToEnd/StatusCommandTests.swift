import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The `writ` binary over a real ops repo: `status --json` has the
/// contract's shape and exit codes, `show` and `demo` work.
@Suite struct StatusCommandTests {
    /// One `--json` object; for `status`, its JSON Lines (a header, then one
    /// line per intent) put back together as governance, ledger and intents.
    static func json(_ output: GitTestSupport.Output) throws -> [String: Any] {
        let lines = try output.jsonLines()
        let header = try #require(lines.first, "no JSON output: \(output.stderr)")
        guard header["type"] as? String == "status" else { return try output.jsonObject() }
        #expect(Set(header.keys) == ["schema", "type", "governance", "ledger", "intents"])
        let intents = Array(lines.dropFirst())
        #expect(intents.allSatisfy { $0["type"] as? String == "intent" })
        #expect(header["intents"] as? Int == intents.count)
        return [
            "governance": header["governance"] ?? NSNull(), "ledger": header["ledger"] ?? NSNull(),
            "intents": intents,
        ]
    }

    static func statusJSON(_ repo: E2ERepo) throws -> (GitTestSupport.Output, [String: Any]) {
        let output = try CLI.run("status", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex, "--json")
        return (output, try json(output))
    }

    /// Three intents proposed out of id order: ready, not approved, ready.
    static func mixedRepo(_ name: String = #function) throws -> E2ERepo {
        let repo = try E2ERepo(name)
        try repo.propose("release", "c-release")
        try repo.approve("c-release", as: E2ERepo.alice)
        try repo.approve("c-release", as: E2ERepo.carol)
        try repo.propose("triage", "a-triage")
        try repo.propose("dev", "b-dev")
        return repo
    }

    @Test func statusJSONHasTheContractShapeSortedByID() throws {
        let repo = try Self.mixedRepo()
        defer { repo.remove() }
        let (output, root) = try Self.statusJSON(repo)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(Set(root.keys) == ["governance", "ledger", "intents"])

        let governance = try #require(root["governance"] as? [String: Any])
        #expect(Set(governance.keys).isSuperset(of: ["trusted", "reason", "commit"]))
        #expect(governance["trusted"] as? Bool == true)
        #expect(governance["reason"] is NSNull)
        #expect(governance["commit"] as? String == (try repo.sandbox.ops.governanceHead().hex))

        let ledger = try #require(root["ledger"] as? [String: Any])
        #expect(Set(ledger.keys).isSuperset(of: ["ok", "reason", "commit"]))
        #expect(ledger["ok"] as? Bool == true)
        #expect(ledger["reason"] is NSNull)
        #expect(ledger["commit"] as? String == (try repo.sandbox.ops.ledgerHead().hex))

        let intents = try #require(root["intents"] as? [[String: Any]])
        #expect(intents.compactMap { $0["id"] as? String } == ["a-triage", "b-dev", "c-release"])
        for intent in intents {
            #expect(
                Set(intent.keys).isSuperset(of: ["id", "kind", "tier", "state", "reason", "approvals", "required"]))
        }
        func field(_ index: Int, _ key: String) -> String? { intents[index][key] as? String }
        #expect([field(0, "kind"), field(0, "tier"), field(0, "state")] == ["triage", "low", "ready"])
        #expect(intents[0]["reason"] is NSNull)
        #expect(
            [field(1, "kind"), field(1, "tier"), field(1, "state"), field(1, "reason")] == [
                "dev", "medium", "blocked", "not_approved",
            ])
        #expect(intents[1]["approvals"] as? Int == 0 && intents[1]["required"] as? Int == 1)
        #expect([field(2, "tier"), field(2, "state")] == ["high", "ready"])
        #expect(intents[2]["reason"] is NSNull)
        #expect(intents[2]["approvals"] as? Int == 2 && intents[2]["required"] as? Int == 2)
    }

    @Test func statusExitsThreeWithJSONWhenGovernanceIsUntrusted() throws {
        let repo = try Self.mixedRepo()
        defer { repo.remove() }
        try BranchAppender(repository: repo.sandbox.ops.repository).append(
            ["policy.toml": Data(GovernanceRotationEndToEndTests.rotatedPolicy.utf8)], to: "main",
            message: "unreviewed\n",
            signer: repo.sandbox.identity(E2ERepo.alice), at: repo.now, overwrite: true)
        let (output, root) = try Self.statusJSON(repo)
        #expect(output.status == 3)
        let governance = try #require(root["governance"] as? [String: Any])
        #expect(governance["trusted"] as? Bool == false)
        #expect(governance["reason"] as? String == "policy_unapproved")
        let intents = try #require(root["intents"] as? [[String: Any]])
        #expect(intents.count == 3)
        #expect(intents.allSatisfy { $0["state"] as? String == "blocked" })
    }

    @Test func statusExitsThreeWithJSONWhenTheLedgerIsViolated() throws {
        let repo = try Self.mixedRepo()
        defer { repo.remove() }
        let path = LedgerPath.intent(try E2ERepo.id("a-triage")).path
        let original = try #require(try repo.sandbox.ops.repository.blob(at: path, in: "refs/heads/writ/ledger"))
        try LedgerViolationTests.rewriteLedgerFile(repo, path, with: original + Data("# edited\n".utf8))
        let (output, root) = try Self.statusJSON(repo)
        #expect(output.status == 3)
        let ledger = try #require(root["ledger"] as? [String: Any])
        #expect(ledger["ok"] as? Bool == false)
        #expect(ledger["reason"] as? String == "ledger_violation")
        let intents = try #require(root["intents"] as? [[String: Any]])
        #expect(!intents.contains { $0["state"] as? String == "ready" })
    }

    @Test func statusWithoutATrustRootExitsThree() throws {
        let repo = try Self.mixedRepo()
        defer { repo.remove() }
        let output = try CLI.run("status", "--repo", repo.opsURL.path, "--json")
        #expect(output.status == 3)
        let governance = try #require(try Self.json(output)["governance"] as? [String: Any])
        #expect(governance["reason"] as? String == "trust_root_missing")
    }

    @Test func showPrintsOneIntentsVerdict() throws {
        let repo = try Self.mixedRepo()
        defer { repo.remove() }
        let text = try CLI.run("show", "c-release", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("c-release"))
        #expect(text.stdout.contains(E2ERepo.alice) && text.stdout.contains(E2ERepo.carol))
        let json = try CLI.run(
            "show", "b-dev", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex, "--json")
        #expect(json.status == 0, "\(json.stderr)")
        let shown = try Self.json(json)
        #expect(shown["id"] as? String == "b-dev")
        #expect(shown["state"] as? String == "blocked")
        #expect(shown["reason"] as? String == "not_approved")
        let missing = try CLI.run(
            "show", "no-such-intent", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex)
        #expect(missing.status != 0)
    }

    @Test func demoBuildsARepoThatStatusReads() throws {
        let scratch = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(scratch) }
        let directory = scratch.appendingPathComponent("demo")
        let demo = try CLI.run("demo", "--dir", directory.path)
        #expect(demo.status == 0, "\(demo.stderr)")
        let line = try #require(demo.stdout.split(separator: "\n").first { $0.contains("trust_root = ") })
        let root = String(try #require(line.split(separator: "\"").dropFirst().first))
        let status = try CLI.run(
            "status", "--repo", directory.appendingPathComponent("ops.git").path, "--trust", root, "--json")
        #expect(status.status == 0, "\(status.stderr)")
        let intents = try #require(try Self.json(status)["intents"] as? [[String: Any]])
        // The demo's dispatcher ran exactly the approved intents; the rest stay blocked.
        let succeeded = intents.filter { $0["state"] as? String == "succeeded" }.compactMap { $0["id"] as? String }
        #expect(succeeded == ["dev-bump-deps-7", "release-app-2-0-0", "triage-issue-42"])
        let blocked = intents.filter { $0["state"] as? String == "blocked" }
        #expect(blocked.count == 6)
        #expect(intents.allSatisfy { $0["state"] as? String != "ready" })
        // The demo keeps the trust root in the ops repo's operator config,
        // in its git directory (never a work-tree .writ.toml): no --trust needed.
        let ops = directory.appendingPathComponent("ops.git")
        #expect(FileManager.default.fileExists(atPath: ops.appendingPathComponent("writ.toml").path))
        #expect(demo.stdout.contains(ops.appendingPathComponent("writ.toml").path), "\(demo.stdout)")
        let configured = try CLI.run("status", "--repo", ops.path, "--json")
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(configured.stderr.isEmpty, "\(configured.stderr)")
        // The trail it leaves verifies.
        let verify = try CLI.run("verify", "--config", directory.appendingPathComponent("dispatcher.toml").path)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // The demo refuses to build over an existing directory.
        #expect(try CLI.run("demo", "--dir", directory.path).status != 0)
    }
}
