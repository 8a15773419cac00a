import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The issue-2 commands, run through the real binary, with `git` and
/// `ssh-keygen` as independent witnesses.
@Suite struct FoundationCommandTests {
    @Test func initCreatesBothBranchesAndPrintsTheTrustRoot() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let ops = dir.appendingPathComponent("ops.git")
        let output = try CLI.runArgs(["init", ops.path, "--bare", "--json"] + (try CLI.initFiles(in: dir)))
        #expect(output.status == 0, "\(output.stderr)")
        let reported = try output.jsonObject().compactMapValues { $0 as? String }
        #expect(reported["trust_root"] == (try GitTestSupport.git(ops, "rev-parse", "refs/heads/main")))
        #expect(reported["ledger_root"] == (try GitTestSupport.git(ops, "rev-parse", "refs/heads/writ/ledger")))
        #expect(try GitTestSupport.git(ops, "rev-parse", "--is-bare-repository") == "true")
        #expect(try GitTestSupport.git(ops, "ls-tree", "--name-only", "writ/ledger") == "")
        #expect(try GitTestSupport.git(ops, "ls-tree", "--name-only", "main") == "allowed_signers\npolicy.toml")

        // What init wrote validates, and classify reads it.
        let policy = dir.appendingPathComponent("written-policy.toml")
        try Data(try GitTestSupport.git(ops, "show", "main:policy.toml").utf8).write(to: policy)
        #expect(try CLI.run("validate", policy.path).status == 0)
        #expect(try CLI.run("classify", "anything", "--policy", policy.path).trimmed == "high")

        // A second init must not move the branches.
        let again = try CLI.runArgs(["init", ops.path, "--bare"] + (try CLI.initFiles(in: dir)))
        #expect(again.status == 2)
        #expect(reported["trust_root"] == (try GitTestSupport.git(ops, "rev-parse", "refs/heads/main")))
    }

    @Test func initIntoAWorkTreeRepository() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let ops = dir.appendingPathComponent("ops")
        #expect(try CLI.runArgs(["init", ops.path] + (try CLI.initFiles(in: dir))).status == 0)
        #expect(try GitTestSupport.git(ops, "rev-parse", "--is-bare-repository") == "false")
        #expect(try GitTestSupport.git(ops, "fsck", "--strict").isEmpty)
    }

    @Test func classifyRaisesWithBlastRadiusButNeverLowers() throws {
        let policy = RepoRoot.url.appendingPathComponent("approvals/examples/policy.toml").path
        #expect(try CLI.run("classify", "triage", "--policy", policy).trimmed == "low")
        #expect(try CLI.run("classify", "triage", "--policy", policy, "--blast-radius", "high").trimmed == "high")
        #expect(try CLI.run("classify", "release", "--policy", policy, "--blast-radius", "low").trimmed == "high")
        #expect(try CLI.run("classify", "never-heard-of", "--policy", policy).trimmed == "high")
        let broken = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(broken) }
        let bad = broken.appendingPathComponent("policy.toml")
        try Data("schema = 1\n[tiers.extreme]\napprovals = 1\n".utf8).write(to: bad)
        let output = try CLI.run("classify", "triage", "--policy", bad.path)
        #expect(output.status == 3)
        #expect(output.stderr.contains("policy_malformed"))
    }

    @Test func reasonsListTheWholeVocabulary() throws {
        let output = try CLI.run("reasons", "--json")
        #expect(output.status == 0)
        let entries = try output.jsonLines()
        #expect(entries.compactMap { $0["code"] as? String } == ReasonCode.allCases.map(\.rawValue))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLI.run("no-such-command").status == 2)
        #expect(try CLI.run("sig", "verify", "--signers", "x").status == 2)
        #expect(try CLI.run("validate", "x", "--kind", "nonsense").status == 2)
    }

    @Test func sigSignIsAcceptedBySSHKeygenAndSigVerifyAgrees() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let file = dir.appendingPathComponent("record.toml")
        try Data("schema = 1\nmessage = \"hello\"\n".utf8).write(to: file)
        for type in ["ed25519", "ecdsa", "rsa"] {
            let key = try CLI.makeKey(in: dir, name: "key-\(type)", type: type)
            let signers = dir.appendingPathComponent("signers-\(type)")
            try Data("alice@example.com \(try CLI.publicKey(key))\n".utf8).write(to: signers)
            try? FileManager.default.removeItem(atPath: file.path + ".sig")
            let sign = try CLI.run("sig", "sign", "--key", key, "--namespace", "writ-approval", file.path)
            #expect(sign.status == 0, "\(type): \(sign.stderr)")
            let witness = try GitTestSupport.run(
                "/usr/bin/ssh-keygen",
                [
                    "-Y", "verify", "-f", signers.path, "-I", "alice@example.com", "-n", "writ-approval", "-s",
                    file.path + ".sig",
                ],
                stdin: try Data(contentsOf: file))
            #expect(witness.status == 0, "\(type): ssh-keygen rejected writ's signature: \(witness.stderr)")
            let verify = try CLI.run(
                "sig", "verify", "--signers", signers.path, "--principal", "alice@example.com",
                "--namespace", "writ-approval", "--signature", file.path + ".sig", file.path)
            #expect(verify.status == 0, "\(type): \(verify.stdout)")
            // Same signature, other namespace or principal: both tools refuse.
            let wrongNamespace = try CLI.run(
                "sig", "verify", "--signers", signers.path, "--principal", "alice@example.com",
                "--namespace", "writ-intent", "--signature", file.path + ".sig", file.path)
            #expect(wrongNamespace.status == 1)
            #expect(wrongNamespace.stdout.hasPrefix("intent_signature_invalid"))
            let wrongPrincipal = try CLI.run(
                "sig", "verify", "--signers", signers.path, "--principal", "bob@example.com",
                "--namespace", "writ-approval", "--signature", file.path + ".sig", file.path)
            #expect(wrongPrincipal.status == 1)
            #expect(wrongPrincipal.stdout.hasPrefix("signer_unknown"))
        }
    }

    /// A file `writ sig verify` reads (FILE, `--signers`, `--signature`)
    /// that is missing or cannot be read (here a directory) was never
    /// judged: a runtime error naming it, exit 3, no reason code, not a
    /// signature verdict or `policy_malformed`. The near miss: the same
    /// command with every file readable verifies, exit 0.
    @Test func sigVerifyInputsThatCannotBeReadAreRuntimeErrorsNotVerdicts() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let file = dir.appendingPathComponent("record.toml").path
        try Data("schema = 1\nmessage = \"hello\"\n".utf8).write(to: URL(fileURLWithPath: file))
        let key = try CLI.makeKey(in: dir, name: "key")
        let signers = dir.appendingPathComponent("signers").path
        try Data("alice@example.com \(try CLI.publicKey(key))\n".utf8).write(to: URL(fileURLWithPath: signers))
        #expect(try CLI.run("sig", "sign", "--key", key, "--namespace", "writ-intent", file).status == 0)
        let missing = dir.appendingPathComponent("missing").path
        let directory = dir.appendingPathComponent("a-directory").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func verify(
            signers: String = signers, signature: String = file + ".sig", file: String = file, json: Bool = false
        )
            throws -> GitTestSupport.Output
        {
            try CLI.runArgs(
                [
                    "sig", "verify", "--signers", signers, "--principal", "alice@example.com", "--namespace",
                    "writ-intent", "--signature", signature, file,
                ] + (json ? ["--json"] : []))
        }
        #expect(try verify().status == 0)
        for bad in [missing, directory] {
            let cases: [(String, GitTestSupport.Output, GitTestSupport.Output)] = [
                ("--signers", try verify(signers: bad), try verify(signers: bad, json: true)),
                ("--signature", try verify(signature: bad), try verify(signature: bad, json: true)),
                ("FILE", try verify(file: bad), try verify(file: bad, json: true)),
            ]
            for (input, out, json) in cases {
                #expect(out.status == 3, "\(input) \(bad): exit \(out.status): \(out.stdout) \(out.stderr)")
                #expect(out.stderr.contains("writ: error: ") && out.stderr.contains(bad), "\(input): \(out.stderr)")
                #expect(
                    !(out.stdout + out.stderr).contains("_invalid") && !out.stderr.contains("_malformed"),
                    "\(input): \(out.stdout) \(out.stderr)")
                #expect(json.status == 3)
                #expect(try json.jsonObject()["reason"] is NSNull, "\(input): \(json.stdout)")
            }
        }
    }

    /// `writ validate --signers`: a signers file or a `FILE.sig` that is
    /// there and cannot be read is a runtime error (exit 3, no reason code),
    /// and so is a missing signers file; a record with no `FILE.sig` at all
    /// is unsigned, which is a verdict: its kind's signature code, exit 1.
    @Test func validateSignatureInputsThatCannotBeReadAreRuntimeErrors() throws {
        let examples = RepoRoot.url.appendingPathComponent("audit/examples")
        let signers = RepoRoot.url.appendingPathComponent("approvals/examples/allowed_signers").path
        let relative = "intents/4a/dev-build-9c1.toml"
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let record = dir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: record.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: examples.appendingPathComponent(relative), to: record)
        let signature = record.path + ".sig"
        try FileManager.default.copyItem(
            atPath: examples.appendingPathComponent(relative).path + ".sig", toPath: signature)
        #expect(try CLI.run("validate", record.path, "--signers", signers).status == 0)

        for bad in [dir.appendingPathComponent("missing").path, dir.path] {
            let out = try CLI.run("validate", record.path, "--signers", bad)
            #expect(out.status == 3, "--signers \(bad): exit \(out.status): \(out.stdout) \(out.stderr)")
            #expect(out.stderr.contains("writ: error: ") && out.stderr.contains(bad), "\(out.stderr)")
            #expect(!(out.stdout + out.stderr).contains("policy_malformed"), "\(out.stdout) \(out.stderr)")
            #expect(try CLI.run("validate", record.path, "--signers", bad, "--json").jsonObject()["reason"] is NSNull)
        }

        // FILE.sig there but unreadable (a directory): a runtime error.
        try FileManager.default.removeItem(atPath: signature)
        try FileManager.default.createDirectory(atPath: signature, withIntermediateDirectories: false)
        let unreadable = try CLI.run("validate", record.path, "--signers", signers)
        #expect(unreadable.status == 3, "\(unreadable.stdout) \(unreadable.stderr)")
        #expect(unreadable.stderr.contains("cannot read \(signature): it is a directory"), "\(unreadable.stderr)")
        #expect(!unreadable.stdout.contains("intent_signature_invalid"), "\(unreadable.stdout)")

        // No FILE.sig: the record is unsigned, a verdict.
        try FileManager.default.removeItem(atPath: signature)
        let unsigned = try CLI.run("validate", record.path, "--signers", signers)
        #expect(unsigned.status == 1, "\(unsigned.stdout) \(unsigned.stderr)")
        #expect(unsigned.stdout.hasPrefix("intent_signature_invalid: no signature: \(signature)"), "\(unsigned.stdout)")
    }

    /// Every signed example record verifies with `--signers`, and a tampered
    /// copy is rejected with its record kind's signature reason.
    @Test func signedExamplesValidateAndTamperedCopiesDoNot() throws {
        let signers = RepoRoot.url.appendingPathComponent("approvals/examples/allowed_signers").path
        let roots = ["approvals/examples", "audit/examples"].map { RepoRoot.url.appendingPathComponent($0) }
        var checked = 0
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        for root in roots {
            let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
            for relative in files.sorted() where relative.hasSuffix(".toml.sig") {
                let record = root.appendingPathComponent(String(relative.dropLast(4)))
                let ok = try CLI.run("validate", record.path, "--signers", signers)
                #expect(ok.status == 0, "\(relative): \(ok.stdout)")
                checked += 1

                // Same layout path, one byte changed: the signature no longer covers it.
                let copy = dir.appendingPathComponent(relative.replacingOccurrences(of: "examples/", with: ""))
                let copyRecord = URL(fileURLWithPath: String(copy.path.dropLast(4)))
                try FileManager.default.createDirectory(
                    at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
                var bytes = try Data(contentsOf: record)
                bytes.append(contentsOf: Array("# tampered\n".utf8))
                try bytes.write(to: copyRecord)
                try Data(contentsOf: root.appendingPathComponent(relative)).write(to: copy)
                let tampered = try CLI.run("validate", copyRecord.path, "--signers", signers)
                #expect(tampered.status == 1)
                let expected =
                    relative.hasPrefix("intents/") ? "intent_signature_invalid" : "approval_signature_invalid"
                #expect(tampered.stdout.hasPrefix(expected), "\(relative): \(tampered.stdout)")
            }
        }
        #expect(checked >= 5)
    }

    @Test func validateRejectsHugeAndNonUTF8FilesWithReasonCodes() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let huge = dir.appendingPathComponent("policy.toml")
        try Data(repeating: UInt8(ascii: "#"), count: 10 * 1024 * 1024).write(to: huge)
        let hugeResult = try CLI.run("validate", huge.path, "--json")
        #expect(hugeResult.status == 1)
        #expect(try hugeResult.jsonObject()["reason"] as? String == "policy_malformed")

        let intentDir = dir.appendingPathComponent("intents/00")
        try FileManager.default.createDirectory(at: intentDir, withIntermediateDirectories: true)
        let binary = intentDir.appendingPathComponent("x.toml")
        try Data([0x73, 0x63, 0xff, 0xfe, 0x0a]).write(to: binary)
        let binaryResult = try CLI.run("validate", binary.path)
        #expect(binaryResult.status == 1)
        #expect(binaryResult.stdout.hasPrefix("intent_malformed"))
    }
}
