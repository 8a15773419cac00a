import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ propose`, `approve`, `resolve` and `gate` check, under the trusted
/// governance and before anything is written, that the record would count;
/// a record that would not is refused (exit 1) with its reason code, and
/// `--force` writes it after a warning. Through the built binary, with git
/// as the witness that nothing was written.
@Suite struct PreWriteCheckTests {
    /// A demo ops repo plus a stranger's key that allowed_signers does not list.
    final class World {
        let dir: URL
        let sandbox: OpsSandbox
        var repo: String { sandbox.ops.repository.gitDirectory }
        var trust: String { sandbox.trustRoot.hex }

        init() throws {
            dir = try GitTestSupport.scratch()
            sandbox = try OpsSandbox(
                at: dir, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals,
                unlisted: ["mallory@example.com"])
        }

        deinit { GitTestSupport.remove(dir) }

        static func intentID(_ text: String) throws -> IntentID {
            guard let id = IntentID(text) else { throw WritError(.intentMalformed, "not an intent id: \(text)") }
            return id
        }

        func key(_ principal: String) -> String { sandbox.keyPath(principal) }

        /// `writ <command> ... --repo R --as P --key K --trust T` plus `extra`.
        func writ(_ command: [String], as principal: String, key: String? = nil, trust: Bool = true)
            throws -> GitTestSupport.Output
        {
            var arguments = command + ["--repo", repo, "--as", principal, "--key", key ?? self.key(principal)]
            if trust { arguments += ["--trust", self.trust] }
            return try CLI.runArgs(arguments)
        }

        func ref(_ name: String) throws -> String? {
            let out = try GitTestSupport.run("/usr/bin/git", ["--git-dir", repo, "rev-parse", "--verify", "-q", name])
            return out.status == 0 ? out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }

        /// A `dev` (medium) intent proposed by the agent through the library.
        @discardableResult
        func proposeDev(_ id: String, expiresAt: Timestamp? = nil, at date: Date = Date()) throws -> Proposer.Proposal {
            var request = Proposer.Request(kind: "dev", target: Intent.Target(repo: "github.com/example/app"))
            request.id = try Self.intentID(id)
            request.expiresAt = expiresAt
            return try sandbox.propose(request, as: "agent-1@example.com", at: date)
        }

        /// Appends a dispatcher event for `proposal` at sequence `sequence`.
        func dispatcherEvent(_ proposal: Proposer.Proposal, _ sequence: Int, _ payload: AuditEvent.Payload) throws {
            let event = try AuditEvent(
                intent: proposal.intent.id, intentDigest: proposal.digest, at: Timestamp(Date()),
                actor: try #require(Principal("dispatch-1@example.com")), payload: payload)
            try sandbox.appendToLedger(
                [event.path(sequence: sequence).path: Data(event.canonicalJSON())], as: "dispatch-1@example.com",
                message: "\(event.kind)\n")
        }

        func claim(_ proposal: Proposer.Proposal) throws {
            try dispatcherEvent(
                proposal, 1,
                .claimed(.init(tier: proposal.tier, runID: "run-1", idempotencyKey: "k", approvals: [])))
        }
    }

    /// Asserts a refusal: exit 1, the code on stderr, and no ref moved.
    func expectRefused(
        _ out: GitTestSupport.Output, _ code: ReasonCode, world: World, refs: [String: String?],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(out.status == 1, "\(code): exit \(out.status): \(out.stderr)", sourceLocation: sourceLocation)
        #expect(
            out.stderr.contains("refused: \(code.rawValue):"), "expected \(code): \(out.stderr)",
            sourceLocation: sourceLocation)
        #expect(out.stderr.split(separator: "\n").count == 1, "one line: \(out.stderr)", sourceLocation: sourceLocation)
        for (name, before) in refs {
            #expect(try world.ref(name) == before, "\(name) moved on a refused write", sourceLocation: sourceLocation)
        }
    }

    @Test func proposeRefusesAnUnlistedKeyAWrongRoleAndAPastExpiry() throws {
        let world = try World()
        let ledger = try world.ref("writ/ledger")
        let propose = ["propose", "--kind", "dev", "--target", "github.com/example/app", "--id", "dev-1"]

        // The agent signing with a key allowed_signers does not list for it.
        try expectRefused(
            try world.writ(propose, as: "agent-1@example.com", key: world.key("mallory@example.com")),
            .signerUnknown, world: world, refs: ["writ/ledger": ledger, "approval/dev-1": nil])
        // A listed key, but the dispatcher holds no [proposers] role.
        try expectRefused(
            try world.writ(propose, as: "dispatch-1@example.com"), .proposerNotAuthorized, world: world,
            refs: ["writ/ledger": ledger, "approval/dev-1": nil])
        // An expiry that has passed.
        try expectRefused(
            try world.writ(propose + ["--expires", "2020-01-01T00:00:00Z"], as: "agent-1@example.com"),
            .intentExpired, world: world, refs: ["writ/ledger": ledger, "approval/dev-1": nil])

        // The near miss: the same intent, a listed key, a proposer, a future expiry.
        let ok = try world.writ(propose + ["--expires", "1h"], as: "agent-1@example.com")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.isEmpty)
        #expect(try world.ref("writ/ledger") != ledger)
        #expect(try world.sandbox.status().intents.first { $0.id.rawValue == "dev-1" }?.reason == .notApproved)
    }

    @Test func approveRefusesWhatWouldNotCount() throws {
        let world = try World()
        try world.proposeDev("dev-open")
        let governance = try world.ref("main")
        let refs: [String: String?] = ["main": governance, "approval/dev-open": try world.ref("approval/dev-open")]
        let approve = ["approve", "dev-open", "--merge"]

        // bob with a key not listed for him.
        try expectRefused(
            try world.writ(approve, as: "bob@example.com", key: world.key("mallory@example.com")), .signerUnknown,
            world: world, refs: refs)
        // The agent holds no role the medium tier accepts.
        try expectRefused(
            try world.writ(approve, as: "agent-1@example.com"), .signerNotAuthorized, world: world, refs: refs)
        // An approval expiry in the past.
        try expectRefused(
            try world.writ(approve + ["--expires", "2020-01-01T00:00:00Z"], as: "bob@example.com"), .approvalExpired,
            world: world, refs: refs)

        // Self-approval: bob (an operator, so a proposer) proposes, then approves or denies his own.
        let proposed = try world.writ(
            ["propose", "--kind", "dev", "--target", "github.com/example/app", "--id", "dev-bob"],
            as: "bob@example.com")
        #expect(proposed.status == 0, "\(proposed.stderr)")
        let bobRefs: [String: String?] = ["main": governance, "approval/dev-bob": try world.ref("approval/dev-bob")]
        try expectRefused(
            try world.writ(["approve", "dev-bob", "--merge"], as: "bob@example.com"), .selfApproval, world: world,
            refs: bobRefs)
        try expectRefused(
            try world.writ(["approve", "dev-bob", "--deny"], as: "bob@example.com"), .selfApproval, world: world,
            refs: bobRefs)

        // The near miss: bob approves the agent's intent with a future expiry, and it counts.
        let ok = try world.writ(approve + ["--expires", "1h"], as: "bob@example.com")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try world.sandbox.status().intents.first { $0.id.rawValue == "dev-open" }?.state == .ready)
    }

    @Test func approveRefusesASettledOrExpiredIntent() throws {
        let world = try World()
        let claimed = try world.proposeDev("dev-claimed")
        try world.claim(claimed)
        #expect(try world.sandbox.status().intents.first { $0.id.rawValue == "dev-claimed" }?.state == .claimed)
        let refs: [String: String?] = [
            "main": try world.ref("main"), "approval/dev-claimed": try world.ref("approval/dev-claimed"),
        ]
        try expectRefused(
            try world.writ(["approve", "dev-claimed", "--merge"], as: "bob@example.com"), .alreadyExecuted,
            world: world, refs: refs)

        // Proposed two hours ago, expired one hour ago.
        let now = Date()
        try world.proposeDev(
            "dev-expired", expiresAt: Timestamp(now.addingTimeInterval(-3600)), at: now.addingTimeInterval(-7200))
        try expectRefused(
            try world.writ(["approve", "dev-expired"], as: "bob@example.com"), .intentExpired, world: world,
            refs: ["main": try world.ref("main"), "approval/dev-expired": try world.ref("approval/dev-expired")])
    }

    @Test func resolveRefusesAnIntentNotInDoubtAndARoleTheTierDoesNotAccept() throws {
        let world = try World()
        let proposal = try world.proposeDev("dev-run")
        let ledger = try world.ref("writ/ledger")
        // Open: nothing to resolve.
        try expectRefused(
            try world.writ(["resolve", "dev-run", "--retry"], as: "bob@example.com"), .ledgerViolation, world: world,
            refs: ["writ/ledger": ledger])
        try world.claim(proposal)
        // Claimed: retry does not apply (the first run may still be going).
        try expectRefused(
            try world.writ(["resolve", "dev-run", "--retry"], as: "bob@example.com"), .ledgerViolation, world: world,
            refs: ["writ/ledger": try world.ref("writ/ledger")])
        try world.dispatcherEvent(proposal, 2, .inDoubt(claimedAt: Timestamp(Date()), detail: "lease passed"))
        let inDoubt = try world.ref("writ/ledger")
        // In doubt, but the agent's role does not resolve a medium intent; nor does an unlisted key.
        try expectRefused(
            try world.writ(["resolve", "dev-run", "--retry"], as: "agent-1@example.com"), .signerNotAuthorized,
            world: world, refs: ["writ/ledger": inDoubt])
        try expectRefused(
            try world.writ(
                ["resolve", "dev-run", "--retry"], as: "bob@example.com", key: world.key("mallory@example.com")),
            .signerUnknown, world: world, refs: ["writ/ledger": inDoubt])

        // The near miss: bob retries the intent in doubt, and it is open again.
        let ok = try world.writ(["resolve", "dev-run", "--retry"], as: "bob@example.com")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try world.sandbox.status().intents.first { $0.id.rawValue == "dev-run" }?.state == .blocked)
    }

    @Test func gateRefusesARoleOutsideGates() throws {
        let world = try World()
        try world.proposeDev("dev-gated")
        let ledger = try world.ref("writ/ledger")
        let gate = ["gate", "dev-gated", "--name", "verification", "--status", "pass"]
        try expectRefused(
            try world.writ(gate, as: "bob@example.com"), .signerNotAuthorized, world: world,
            refs: ["writ/ledger": ledger])
        let ok = try world.writ(gate, as: "dispatch-1@example.com")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try world.ref("writ/ledger") != ledger)
    }

    @Test func withoutATrustRootNothingIsWrittenUnlessForced() throws {
        let world = try World()
        try world.proposeDev("dev-t")
        let governance = try world.ref("main")
        let branch = try world.ref("approval/dev-t")
        let out = try world.writ(["approve", "dev-t", "--merge"], as: "bob@example.com", trust: false)
        #expect(out.status == 3, "\(out.stderr)")
        #expect(out.stderr.contains("trust_root_missing"))
        #expect(try world.ref("main") == governance)
        #expect(try world.ref("approval/dev-t") == branch)

        let forced = try CLI.runArgs([
            "approve", "dev-t", "--merge", "--repo", world.repo, "--as", "bob@example.com", "--key",
            world.key("bob@example.com"), "--force",
        ])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("warning: --force: writing without the check (trust_root_missing"))
        #expect(try world.ref("main") != governance)
    }

    @Test func forceWritesARecordThatWillNotCountAndSaysSo() throws {
        let world = try World()
        let proposed = try world.writ(
            ["propose", "--kind", "dev", "--target", "github.com/example/app", "--id", "dev-self"],
            as: "bob@example.com")
        #expect(proposed.status == 0, "\(proposed.stderr)")
        let governance = try world.ref("main")
        let forced = try world.writ(["approve", "dev-self", "--merge", "--force"], as: "bob@example.com")
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(
            forced.stderr.contains("warning: --force: writing a record that will not count (self_approval:"),
            "\(forced.stderr)")
        #expect(try world.ref("main") != governance)
        // Written, and the readers discard it as the check said.
        let verdict = try #require(world.sandbox.status().verdicts[World.intentID("dev-self")])
        #expect(verdict.state == .blocked && verdict.reason == .selfApproval)

        let ledger = try world.ref("writ/ledger")
        let gate = try world.writ(
            ["gate", "dev-self", "--name", "verification", "--status", "pass", "--force"], as: "bob@example.com")
        #expect(gate.status == 0, "\(gate.stderr)")
        #expect(gate.stderr.contains("will not count (signer_not_authorized:"), "\(gate.stderr)")
        #expect(try world.ref("writ/ledger") != ledger)
    }
}
