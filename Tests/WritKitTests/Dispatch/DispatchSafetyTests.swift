import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// What stops a dispatcher before it writes or runs anything, and what keeps
/// it from running anything twice.
@Suite struct DispatchSafetyTests {
    /// Polls through the command line and expects exit 3 with `reason`, and no run.
    private func expectStop(
        _ fixture: DispatchFixture, _ reason: ReasonCode, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let ledgerBefore = try fixture.sandbox.ops.ledgerHead()
        let runsBefore = fixture.runs()
        let output = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(output.status == 3, "\(output.stdout)\(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stderr.contains(reason.rawValue), "\(output.stderr)", sourceLocation: sourceLocation)
        #expect(fixture.runs() == runsBefore, "nothing may run", sourceLocation: sourceLocation)
        #expect(
            try fixture.sandbox.ops.ledgerHead() == ledgerBefore, "nothing may be written",
            sourceLocation: sourceLocation)
    }

    @Test func rewrittenLedgerStopsDispatch() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-waiting"), as: "agent-1@example.com")
        _ = try fixture.dispatcher().poll()  // remembers the tips
        let repo = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        // Rewrite: drop the last ledger commit, then add something else on the old parent.
        try GitTestSupport.git(repo, "update-ref", "refs/heads/writ/ledger", "writ/ledger~1")
        try fixture.proposeLow("triage-after-rewrite")
        try expectStop(fixture, .historyRewritten)
    }

    @Test func rewrittenGovernanceStopsDispatch() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeApprovedHigh("release-x")
        _ = try fixture.dispatcher().poll()
        try fixture.proposeLow("triage-later")
        let repo = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let orphan = try GitTestSupport.git(repo, "commit-tree", "main^{tree}", "-m", "orphan")
        try GitTestSupport.git(repo, "update-ref", "refs/heads/main", orphan)
        try expectStop(fixture, .historyRewritten)
    }

    @Test func unapprovedPolicyChangeStopsDispatch() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-pending")
        // An admin edits policy.toml straight on the governance branch, without the quorum.
        let relaxed = OpsSandbox.demoPolicy.replacingOccurrences(of: "release = \"high\"", with: "release = \"low\"")
        try BranchAppender(repository: fixture.sandbox.ops.repository).append(
            ["policy.toml": Data(relaxed.utf8)], to: "main", message: "relax release\n",
            signer: try fixture.sandbox.identity("alice@example.com"), at: Date(), overwrite: true)
        try expectStop(fixture, .policyUnapproved)
    }

    @Test func modifiedLedgerEventStopsDispatch() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(try fixture.request("release", "release-blocked"), as: "agent-1@example.com")
        _ = try fixture.dispatcher().poll()  // writes a blocked event
        let repository = fixture.sandbox.ops.repository
        let tip = try fixture.sandbox.ops.ledgerHead()
        let tree = try repository.commit(tip).tree
        let id = try #require(IntentID("release-blocked"))
        let event = "audit/\(id.fanOut)/\(id.rawValue)/0001-blocked.json"
        #expect(try repository.blob(at: event, inTree: tree) != nil)
        let changed = try repository.insert([event: Data("{}\n".utf8)], into: tree, overwrite: true)
        let identity = try fixture.sandbox.identity("dispatch-1@example.com")
        let commit = try repository.createSignedCommit(
            tree: changed, parents: [tip], author: identity.gitIdentity(at: Date()),
            committer: identity.gitIdentity(at: Date()), message: "tamper\n"
        ) { try identity.sign($0, namespace: "git") }
        try repository.updateRef("writ/ledger", to: commit, expecting: tip)
        try fixture.proposeLow("triage-after-tamper")
        try expectStop(fixture, .ledgerViolation)
    }

    @Test func claimWithoutOutcomeBecomesInDoubtAndResolveRetryRunsItOnce() throws {
        let fixture = try DispatchFixture(claimLease: "10m")
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-crashed")
        // A claim whose dispatcher died before recording an outcome.
        let claimTime = Date()
        let id = proposal.intent.id
        let dispatcherPrincipal = try fixture.sandbox.identity("dispatch-1@example.com").principal
        let claim = try AuditEvent(
            intent: id, intentDigest: proposal.digest, at: Timestamp(claimTime), actor: dispatcherPrincipal,
            payload: .claimed(.init(tier: .low, runID: "run-lost", idempotencyKey: id.rawValue, approvals: [])))
        try fixture.sandbox.appendToLedger(
            [claim.path(sequence: 1).path: Data(claim.canonicalJSON())], as: "dispatch-1@example.com",
            message: "claim\n", at: claimTime)

        // Within the lease: nothing happens.
        #expect(try fixture.dispatcher().poll().intents.isEmpty)
        // After the lease: in_doubt, and never run.
        let later = claimTime.addingTimeInterval(11 * 60)
        let report = try fixture.dispatcher(clock: { later }).poll()
        #expect(report.intents.map(\.result) == [.inDoubt])
        #expect(fixture.runs().isEmpty)
        #expect(try fixture.sandbox.status(at: later).intents.first?.state == .inDoubt)
        #expect(try fixture.dispatcher(clock: { later }).poll().intents.isEmpty)

        // An operator decides to retry; the next poll runs it exactly once.
        let resolve = try CLI.run(
            "resolve", id.rawValue, "--repo", fixture.sandbox.ops.repository.gitDirectory, "--as", "bob@example.com",
            "--key", fixture.sandbox.keyPath("bob@example.com"), "--trust", fixture.sandbox.trustRoot.hex, "--retry",
            "--note", "the host crashed mid-run")
        #expect(resolve.status == 0, "\(resolve.stderr)")
        _ = try fixture.dispatcher(clock: { later }).poll()
        _ = try fixture.dispatcher(clock: { later }).poll()
        #expect(fixture.runs() == ["triage-crashed"])
    }

    @Test func journalRefusesASecondRunEvenWhenLedgerEventsVanish() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-once")
        let repo = URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory)
        let beforeRun = try fixture.sandbox.ops.ledgerHead()
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-once"])

        // Someone deletes the claim and outcome (a rewrite), and the
        // dispatcher's remembered tips are lost too, so the rewrite itself is
        // not noticed. Only the journal is left.
        try GitTestSupport.git(repo, "update-ref", "refs/heads/writ/ledger", beforeRun.hex)
        let state = fixture.directory.appendingPathComponent("state/default")
        try FileManager.default.removeItem(at: state.appendingPathComponent("state.json"))
        try FileManager.default.removeItem(at: state.appendingPathComponent("intents"))
        let report = try fixture.dispatcher().poll()
        #expect(report.intents.first?.reason == .alreadyExecuted)
        #expect(fixture.runs() == ["triage-once"])
    }
}

/// The same stops when the rewrite happens on the remote the dispatcher
/// fetches from (a forced fetch would otherwise accept it silently).
@Suite struct RemoteRewriteTests {
    @Test(arguments: ["writ/ledger", "main"])
    func rewriteOnTheRemoteStopsDispatch(branch: String) throws {
        let fixture = try DispatchFixture(remote: "origin")
        defer { fixture.remove() }
        let remote = fixture.directory.appendingPathComponent("remote.git")
        try GitTestSupport.run(
            "/usr/bin/git", ["clone", "-q", "--bare", fixture.sandbox.ops.repository.gitDirectory, remote.path])
        try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "remote", "add", "origin", remote.path)
        let upstream = try OpsRepo(path: remote.path)
        let agent = try fixture.sandbox.identity("agent-1@example.com")
        _ = try Proposer(ops: upstream).propose(try fixture.request("triage", "triage-first"), as: agent, now: Date())

        let first = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(fixture.runs() == ["triage-first"])
        // The remote got the dispatcher's claim and outcome.
        #expect(try upstream.ledgerHead() == (try fixture.sandbox.ops.ledgerHead()))

        // Someone force-pushes a rewritten branch to the remote.
        if branch == "main" {
            let orphan = try GitTestSupport.git(remote, "commit-tree", "main^{tree}", "-m", "rewritten")
            try GitTestSupport.git(remote, "update-ref", "refs/heads/main", orphan)
        } else {
            try GitTestSupport.git(remote, "update-ref", "refs/heads/writ/ledger", "writ/ledger~2")
        }
        _ = try Proposer(ops: upstream).propose(try fixture.request("triage", "triage-after"), as: agent, now: Date())
        let stopped = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(stopped.status == 3)
        #expect(stopped.stderr.contains("history_rewritten"), "\(stopped.stderr)")
        #expect(fixture.runs() == ["triage-first"])
    }
}

@Suite struct UncountedClaimTests {
    /// SPEC §3: events not signed by an entitled principal are ignored. A
    /// claim forged by a known non-dispatcher, or in an unsigned commit,
    /// does not stop the real dispatcher.
    @Test func claimsForgedByKnownPrincipalsOrUnsignedAreIgnored() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let forgedByAgent = try fixture.proposeLow("triage-agent-forged")
        let unsigned = try fixture.proposeLow("triage-unsigned-forged")
        for proposal in [forgedByAgent, unsigned] {
            let claim = try AuditEvent(
                intent: proposal.intent.id, intentDigest: proposal.digest, at: Timestamp(Date()),
                actor: try #require(Principal("dispatch-1@example.com")),
                payload: .claimed(.init(tier: .low, runID: "run-forged", idempotencyKey: "k", approvals: [])))
            let files = [claim.path(sequence: 1).path: Data(claim.canonicalJSON())]
            if proposal.intent.id == forgedByAgent.intent.id {
                try fixture.sandbox.appendToLedger(files, as: "agent-1@example.com", message: "forged claim\n")
            } else {
                let repository = fixture.sandbox.ops.repository
                let tip = try fixture.sandbox.ops.ledgerHead()
                let tree = try repository.insert(files, into: try repository.commit(tip).tree)
                let who = GitIdentity(name: "x", email: "x@example.com", date: Date())
                let commit = try repository.createCommit(
                    tree: tree, parents: [tip], author: who, committer: who, message: "forged\n")
                try repository.updateRef("writ/ledger", to: commit, expecting: tip)
            }
        }
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs().sorted() == ["triage-agent-forged", "triage-unsigned-forged"])
    }

    /// SPEC §3: a claim signed by a key that allowed_signers does not list
    /// is ignored like any other forged event; it neither blocks the intent
    /// nor counts as a run.
    @Test func claimSignedByAnUnlistedKeyIsIgnored() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let proposal = try fixture.proposeLow("triage-contested")
        let claim = try AuditEvent(
            intent: proposal.intent.id, intentDigest: proposal.digest, at: Timestamp(Date()),
            actor: try #require(Principal("dispatch-1@example.com")),
            payload: .claimed(.init(tier: .low, runID: "run-elsewhere", idempotencyKey: "k", approvals: [])))
        // Signed by a key that is not in allowed_signers.
        try fixture.sandbox.appendToLedger(
            [claim.path(sequence: 1).path: Data(claim.canonicalJSON())], as: "mallory@example.com", message: "claim\n")
        let report = try fixture.dispatcher().poll()
        #expect(report.intents.map(\.result) == [.succeeded])
        #expect(fixture.runs() == ["triage-contested"])
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-contested"])
    }
}
