import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Reason codes are decisions about intents and repositories: a branch
/// that is missing, or a file that is there and cannot be read, is an
/// error of its own type in the library, never a code and never "absent".
/// Where the contract gives the command line a code for it, the command
/// line still prints that code and exits as before.
@Suite struct TypedErrorTests {
    private static func deleteBranch(_ ref: String, in ops: OpsRepo) throws {
        try GitTestSupport.git(
            URL(fileURLWithPath: ops.repository.gitDirectory), "update-ref", "-d", OpsRepo.refName(ref))
    }

    @Test func missingLedgerBranchIsATypedErrorAndTheCLIKeepsItsCode() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-gone")
        let ops = fixture.sandbox.ops
        try Self.deleteBranch(ops.ledgerRef, in: ops)

        #expect(throws: OpsRepoError.branchMissing(.ledger, ref: ops.ledgerRef)) { try ops.ledgerHead() }
        // The library's writers see the same typed error, not a reason code.
        let approver = Approver(ops: ops)
        #expect(throws: OpsRepoError.branchMissing(.ledger, ref: ops.ledgerRef)) {
            try approver.approve(
                try #require(IntentID("triage-gone")), options: Approver.Options(),
                as: try fixture.sandbox.identity("bob@example.com"), now: Date())
        }
        // Status judges the ledger: a missing one is a violation it reports.
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(!status.ledger.ok)
        #expect(status.ledger.reason == .ledgerViolation)
        #expect(status.ledger.detail == "ledger branch '\(ops.ledgerRef)' does not exist")

        // The command line: the same code, message and exit status as ever.
        let arguments = [
            "approve", "triage-gone", "--repo", ops.repository.gitDirectory, "--as", "bob@example.com", "--key",
            fixture.sandbox.keyPath("bob@example.com"), "--trust", fixture.sandbox.trustRoot.hex,
        ]
        let approve = try CLI.runArgs(arguments)
        #expect(approve.status == 3, "\(approve.stderr)")
        #expect(
            approve.stderr.contains("writ: ledger_violation: ledger branch '\(ops.ledgerRef)' does not exist"),
            "\(approve.stderr)")
        let json = try CLI.runArgs(arguments + ["--json"])
        #expect(json.status == 3, "\(json.stderr)")
        #expect(try json.jsonObject()["reason"] as? String == "ledger_violation", "\(json.stdout)")
        let dispatch = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(dispatch.status == 3, "\(dispatch.stderr)")
        #expect(dispatch.stderr.contains("ledger_violation"), "\(dispatch.stderr)")
    }

    @Test func missingGovernanceBranchIsATypedErrorAndTrustMakesItTrustRootMissing() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let ops = fixture.sandbox.ops
        try Self.deleteBranch(ops.governanceRef, in: ops)

        #expect(throws: OpsRepoError.branchMissing(.governance, ref: ops.governanceRef)) {
            try ops.governanceHead()
        }
        // Governance trust decides: nothing to trust is trust_root_missing.
        let refusal = try #require(throws: WritError.self) {
            try GovernanceTimeline(ops: ops, trustRoot: fixture.sandbox.trustRoot, now: Date())
        }
        #expect(refusal.reason == .trustRootMissing)
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(status.governance.reason == .trustRootMissing)
        #expect(status.governance.commit == nil)

        // Past the check (--force), the writer itself meets the missing
        // branch: the command line gives it the code it always had.
        let arguments = [
            "propose", "--kind", "triage", "--target", DispatchFixture.target, "--id", "triage-late", "--repo",
            ops.repository.gitDirectory, "--as", "agent-1@example.com", "--key",
            fixture.sandbox.keyPath("agent-1@example.com"), "--trust", fixture.sandbox.trustRoot.hex, "--force",
        ]
        let propose = try CLI.runArgs(arguments)
        #expect(propose.status == 3, "\(propose.stderr)")
        #expect(
            propose.stderr.contains(
                "writ: trust_root_missing: governance branch '\(ops.governanceRef)' does not exist"),
            "\(propose.stderr)")
        let json = try CLI.runArgs(arguments + ["--json"])
        #expect(json.status == 3, "\(json.stderr)")
        #expect(try json.jsonObject()["reason"] as? String == "trust_root_missing", "\(json.stdout)")
    }

    /// A `--config` that names something unreadable (here a directory,
    /// which opens and then fails to read) used to read as an empty
    /// config, dropping every setting without a word.
    @Test func unreadableConfigIsAnErrorNotAnEmptyConfig() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let error = try #require(throws: RuntimeError.self) { try OperatorConfig.load(directory.path) }
        #expect(error.detail.contains("cannot read the config file \(directory.path)"), "\(error)")
        #expect(throws: RuntimeError.self) { try OperatorConfig.isDispatcherConfig(directory.path) }
    }

    /// A governance file whose object cannot be read (a corrupt object
    /// store) is a failure of the repository, not a governance commit that
    /// lacks the file (which would be judged `policy_malformed`).
    @Test func unreadableGovernanceObjectIsAnErrorNotAMissingPolicy() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let git = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let root = fixture.sandbox.trustRoot
        let blob = try GitTestSupport.git(git, "rev-parse", "\(root.hex):\(GovernancePath.policy.path)")
        let loose = git.appendingPathComponent("objects/\(blob.prefix(2))/\(blob.dropFirst(2))")
        try #require(FileManager.default.fileExists(atPath: loose.path), "the policy blob is a loose object")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: loose.path)
        try Data("not a zlib stream".utf8).write(to: loose)

        let repository = try Repository.open(at: git.path)
        #expect(throws: (any Error).self) { try GovernanceCommit.read(root, in: repository) }
        #expect(throws: (any Error).self) {
            try GovernanceTimeline(ops: OpsRepo(repository: repository), trustRoot: root, now: Date())
        }
        do {
            _ = try GovernanceTimeline(ops: OpsRepo(repository: repository), trustRoot: root, now: Date())
        } catch let error as WritError {
            Issue.record("an unreadable object became a reason code: \(error)")
        } catch {}
    }

    /// An intent signature on the ledger whose object cannot be read is an
    /// error of status, not a missing signature: read as absent it would
    /// show the intent as `intent_signature_invalid`.
    @Test func unreadableIntentSignatureIsAnErrorOfStatusNotAnUnsignedIntent() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-sig")
        let ops = fixture.sandbox.ops
        let id = try #require(IntentID("triage-sig"))
        let before = try StatusEvaluator(ops: ops).evaluate(trustRoot: fixture.sandbox.trustRoot, now: Date())
        let row = try #require(before.intents.first { $0.id == id })
        #expect(row.reason != .intentSignatureInvalid, "\(row)")

        let git = URL(fileURLWithPath: ops.repository.gitDirectory)
        let path = LedgerPath.intentSignature(id).path
        let blob = try GitTestSupport.git(git, "rev-parse", "refs/heads/\(ops.ledgerRef):\(path)")
        let loose = git.appendingPathComponent("objects/\(blob.prefix(2))/\(blob.dropFirst(2))")
        try #require(FileManager.default.fileExists(atPath: loose.path), "the signature blob is a loose object")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: loose.path)
        try Data("not a zlib stream".utf8).write(to: loose)

        let reopened = OpsRepo(repository: try Repository.open(at: git.path))
        do {
            let after = try StatusEvaluator(ops: reopened).evaluate(
                trustRoot: fixture.sandbox.trustRoot, now: Date())
            Issue.record(
                "status read an unreadable signature: \(after.intents.first { $0.id == id }.map { "\($0)" } ?? "")")
        } catch let error as WritError {
            Issue.record("an unreadable object became a reason code: \(error)")
        } catch {}
    }

    /// An intent file on the ledger whose object cannot be read stops the
    /// dispatcher's poll: read as absent, it would leave its idempotency
    /// key free and, for an event, could make a claimed intent look ready.
    @Test func unreadableLedgerObjectStopsThePollInsteadOfReadingAsAbsent() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-rot")
        let git = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let path = LedgerPath.intent(try #require(IntentID("triage-rot"))).path
        let blob = try GitTestSupport.git(git, "rev-parse", "refs/heads/\(fixture.sandbox.ops.ledgerRef):\(path)")
        let loose = git.appendingPathComponent("objects/\(blob.prefix(2))/\(blob.dropFirst(2))")
        try #require(FileManager.default.fileExists(atPath: loose.path), "the intent blob is a loose object")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: loose.path)
        try Data("not a zlib stream".utf8).write(to: loose)

        #expect(throws: (any Error).self) { try fixture.dispatcher().poll() }
        #expect(fixture.runs().isEmpty)
    }

    /// A host config or a policy named on the command line that cannot be
    /// read was never judged: a runtime error naming it (exit 3, no code),
    /// not `policy_malformed`, which judges bytes that were read.
    @Test func inputFilesThatCannotBeReadAreRuntimeErrorsNotPolicyMalformed() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let missing = directory.appendingPathComponent("none.toml").path
        let dispatch = try CLI.run("dispatch", "--once", "--config", missing)
        #expect(dispatch.status == 3, "\(dispatch.stderr)")
        #expect(dispatch.stderr.contains("writ: error: no such file: \(missing)"), "\(dispatch.stderr)")
        #expect(!dispatch.stderr.contains("policy_malformed"), "\(dispatch.stderr)")
        let classify = try CLI.run("classify", "triage", "--policy", missing, "--json")
        #expect(classify.status == 3, "\(classify.stderr)")
        #expect(try classify.jsonObject()["reason"] is NSNull, "\(classify.stdout)")
        let digest = try CLI.run("governance", "digest", "--policy", missing, "--signers", missing)
        #expect(digest.status == 3, "\(digest.stderr)")
        #expect(!digest.stderr.contains("policy_malformed"), "\(digest.stderr)")
    }

    /// A profile lock file that is there and cannot be read is a state-dir
    /// error: never taken for a stale lock (replaced) nor reported as
    /// `lock_contended`, which a service manager may read as "someone else
    /// is working".
    @Test func unreadableLockFileIsAStateDirErrorNotContention() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let lock = directory.appendingPathComponent("writ.default.lock")
        try FileManager.default.createDirectory(at: lock, withIntermediateDirectories: false)
        let error = try #require(throws: RuntimeError.self) {
            try ProfileLock.acquire(stateDir: directory.path, profile: "default", ttlSeconds: 60)
        }
        #expect(error.detail.contains(lock.path), "\(error)")
        #expect(throws: RuntimeError.self) { try ProfileLock.holder(at: lock.path) }
        // Absent is still absent, and a torn file still reads as stale.
        #expect(try ProfileLock.holder(at: directory.appendingPathComponent("none").path) == nil)
        let torn = directory.appendingPathComponent("torn.lock")
        try Data("{\"pid\": 1".utf8).write(to: torn)
        #expect(try ProfileLock.holder(at: torn.path) == nil)
    }
}
