import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct DispatcherTests {
    @Test func runsReadyIntentsOnceAndRecordsSignedOutcomes() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-a")
        try fixture.proposeApprovedHigh("release-b")
        try fixture.sandbox.propose(try fixture.request("release", "release-unapproved"), as: "agent-1@example.com")

        let first = try fixture.dispatcher().poll()
        #expect(fixture.runs().sorted() == ["release-b", "triage-a"])
        let results = Dictionary(uniqueKeysWithValues: first.intents.map { ($0.id.rawValue, $0.result) })
        #expect(results["triage-a"] == .succeeded)
        #expect(results["release-b"] == .succeeded)
        #expect(results["release-unapproved"] == .blocked)
        #expect(first.intents.first { $0.id.rawValue == "release-unapproved" }?.reason == .notApproved)

        // A second poll does nothing: no re-run, no repeated blocked event.
        let ledgerBefore = try fixture.sandbox.ops.ledgerHead()
        let second = try fixture.dispatcher().poll()
        #expect(second.intents.isEmpty)
        #expect(fixture.runs().count == 2)
        #expect(try fixture.sandbox.ops.ledgerHead() == ledgerBefore)

        // The status every reader computes agrees, and git verifies the dispatcher's commits.
        let status = try fixture.sandbox.status()
        let states = Dictionary(uniqueKeysWithValues: status.intents.map { ($0.id.rawValue, $0.state) })
        #expect(states == ["triage-a": .succeeded, "release-b": .succeeded, "release-unapproved": .blocked])
        // The command line reads the same from the dispatcher's config.
        let cli = try CLI.run("status", "--config", fixture.configPath, "--json")
        #expect(cli.status == 0, "\(cli.stderr)")
        let json = try StatusCommandTests.json(cli)
        let cliStates = (json["intents"] as? [[String: Any]] ?? []).compactMap { entry -> (String, String)? in
            guard let id = entry["id"] as? String, let state = entry["state"] as? String else { return nil }
            return (id, state)
        }
        #expect(
            Dictionary(uniqueKeysWithValues: cliStates)
                == ["triage-a": "succeeded", "release-b": "succeeded", "release-unapproved": "blocked"])
        let verify = try GitTestSupport.run(
            "/usr/bin/git",
            [
                "-c", "gpg.ssh.allowedSignersFile=\(fixture.directory.path)/allowed_signers", "--git-dir",
                fixture.sandbox.ops.repository.gitDirectory, "verify-commit", ledgerBefore.hex,
            ])
        #expect(verify.status == 0, "\(verify.stderr)")

        // The low intent's trail: auto_approved and claimed in one commit, then succeeded.
        let files = try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "ls-tree", "-r", "--name-only",
            "writ/ledger", "audit/")
        let trail = files.split(separator: "\n").filter { $0.contains("/triage-a/") }.map {
            $0.split(separator: "/").last ?? ""
        }
        #expect(trail == ["0001-auto_approved.json", "0002-claimed.json", "0003-succeeded.json"])
    }

    @Test func precheckFailuresBlockWithTheirReasonCodes() throws {
        let extra = """
            [executors.groom-backlog]
            command = ["/bin/true"]
            timeout = "1m"
            required_env_vars = ["NOT_SET_ANYWHERE"]

            """
        let fixture = try DispatchFixture(executors: extra)
        defer { fixture.remove() }
        var noExecutor = try fixture.request("unknown-kind", "no-executor")
        noExecutor.blastRadius = nil
        try fixture.sandbox.propose(noExecutor, as: "agent-1@example.com")
        // unknown-kind is high: approve it so only the executor is missing.
        try fixture.sandbox.approve(try #require(IntentID("no-executor")), as: "alice@example.com")
        try fixture.sandbox.approve(try #require(IntentID("no-executor")), as: "carol@example.com")
        try fixture.sandbox.propose(try fixture.request("groom-backlog", "groom-env"), as: "agent-1@example.com")
        var elsewhere = Proposer.Request(kind: "triage", target: Intent.Target(repo: "github.com/example/not-cloned"))
        elsewhere.id = try #require(IntentID("triage-no-clone"))
        try fixture.sandbox.propose(elsewhere, as: "agent-1@example.com")

        let report = try fixture.dispatcher().poll()
        let reasons = Dictionary(uniqueKeysWithValues: report.intents.map { ($0.id.rawValue, $0.reason) })
        #expect(reasons["no-executor"] == .executorMissing)
        #expect(reasons["groom-env"] == .envMismatch)
        #expect(reasons["triage-no-clone"] == .cloneMissing)
        #expect(fixture.runs().isEmpty)

        // Near miss: the variable set, the executor runs.
        let report2 = try fixture.dispatcher(environment: ["PATH": "/usr/bin:/bin", "NOT_SET_ANYWHERE": "1"]).poll()
        #expect(report2.intents.contains { $0.id.rawValue == "groom-env" && $0.result == .succeeded })
    }

    @Test func missingSecretIsRegistryAuthMissingAndSecretsNeverLand() throws {
        let secret = "s3cr3t-\(UUID().uuidString)"
        let extra = """
            [executors.groom-backlog]
            command = ["/bin/sh", "-c", "echo token=$DEPLOY_TOKEN; echo $DEPLOY_TOKEN >&2; printf '%s' \\"$DEPLOY_TOKEN\\" | cut -c1-4"]
            timeout = "1m"
            secrets = ["DEPLOY_TOKEN"]

            """
        let fixture = try DispatchFixture(executors: extra)
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("groom-backlog", "groom-1"), as: "agent-1@example.com")
        let blocked = try fixture.dispatcher().poll()
        #expect(blocked.intents.first?.reason == .registryAuthMissing)

        let report = try fixture.dispatcher(environment: ["PATH": "/usr/bin:/bin", "DEPLOY_TOKEN": secret]).poll()
        #expect(report.intents.first?.result == .succeeded)

        // Grep every byte writ left: the repo's objects (decompressed), the state dir, the report.
        let repo = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let objects = try GitTestSupport.run(
            "/usr/bin/git", ["--git-dir", repo.path, "cat-file", "--batch-all-objects", "--batch"])
        #expect(objects.status == 0)
        #expect(!objects.stdout.contains(secret))
        #expect(objects.stdout.contains("token=[REDACTED]"))
        let stateFiles =
            FileManager.default.enumerator(atPath: fixture.directory.appendingPathComponent("state").path)?
            .compactMap { $0 as? String } ?? []
        for file in stateFiles {
            let data =
                FileManager.default.contents(atPath: fixture.directory.appendingPathComponent("state/\(file)").path)
                ?? Data()
            #expect(!String(decoding: data, as: UTF8.self).contains(secret), "secret found in state/\(file)")
        }
        let encoder = JSONEncoder()
        #expect(!String(decoding: try encoder.encode(report), as: UTF8.self).contains(secret))
    }

    @Test func liveLockIsContendedAndStaleLockIsRecovered() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let config = try fixture.config()
        let held = try ProfileLock.acquire(stateDir: config.stateDir, profile: config.profile, ttlSeconds: 600)
        do {
            _ = try fixture.dispatcher().poll()
            Issue.record("a second dispatcher must not run while the lock is held")
        } catch let error as WritError {
            #expect(error.reason == .lockContended)
        }
        // The command line says 4.
        let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(cli.status == 4)
        held.release()

        // A lock left by a dead process is replaced and reported.
        let lockPath = config.stateDir + "/writ.default.lock"
        let dead =
            #"{"host":"\#(ProfileLock.hostName())","pid":2147483000,"started_at":"2026-01-01T00:00:00Z","ttl_seconds":999999999}"#
        try Data(dead.utf8).write(to: URL(fileURLWithPath: lockPath))
        let report = try fixture.dispatcher().poll()
        #expect(report.lock.recovered)
        #expect(report.lock.previous?.pid == 2_147_483_000)

        // A lock from another host is stale only once its TTL has passed.
        let foreign = #"{"host":"elsewhere","pid":1,"started_at":"2020-01-01T00:00:00Z","ttl_seconds":60}"#
        try Data(foreign.utf8).write(to: URL(fileURLWithPath: lockPath))
        #expect(try fixture.dispatcher().poll().lock.recovered)
    }

    /// The dispatcher verifies through the cache it owns: what a poll
    /// learns is in that cache and its file, a second dispatcher starts
    /// with an empty cache of its own and reads the file at its first poll.
    @Test func aDispatcherVerifiesThroughTheCacheItOwns() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-cached")
        let first = try fixture.dispatcher()
        #expect(first.verificationCache.count == 0)
        _ = try first.poll()
        let learnt = first.verificationCache.count
        #expect(learnt > 0, "the intent's signature and the ledger commits' were verified into it")
        let second = try fixture.dispatcher()
        #expect(second.verificationCache.count == 0, "nothing shared between two dispatchers in one process")
        _ = try second.poll()
        #expect(second.verificationCache.count >= learnt, "the first one's file was read")
    }

    /// A tier needing an admin and, in a `require` group, a security
    /// approver (SPEC §4.6) runs only once both are merged; the claim lists
    /// both, the group's approver counting in the group only.
    @Test func aRequireGroupRunsOnlyOnceTheGroupIsMetAndTheClaimListsBoth() throws {
        let fixture = try DispatchFixture(policy: ShowGoldenTests.groupPolicy)
        defer { fixture.remove() }
        let id = try #require(IntentID("release-1"))
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        try fixture.sandbox.approve(id, as: "alice@example.com")
        let first = try fixture.dispatcher().poll()
        #expect(first.intents.first { $0.id == id }?.reason == .notApproved)
        #expect(fixture.runs().isEmpty)
        try fixture.sandbox.approve(id, as: "bob@example.com")
        let second = try fixture.dispatcher().poll()
        #expect(second.intents.first { $0.id == id }?.result == .succeeded)
        #expect(fixture.runs() == ["release-1"])
        let verdict = try #require(try fixture.sandbox.status().verdicts[id])
        let claim = verdict.events.lazy.compactMap { event -> AuditEvent.Claim? in
            if case .claimed(let claim) = event.event.payload { return claim }
            return nil
        }.first
        #expect(claim?.approvals.map(\.approver.rawValue) == ["alice@example.com", "bob@example.com"])
        // verify replays the same ledger and agrees: nothing to report.
        let verified = try LedgerVerifier(ops: fixture.sandbox.ops).verify(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(verified.findings.isEmpty, "\(verified.findings)")
        #expect(verified.claims == 1)
    }

}
