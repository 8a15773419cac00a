import Foundation
import WritCore
import WritOps

/// `writ demo`: a tour of the product in a throwaway ops repo.
///
/// It builds the whole approval workflow with real keys, signatures and
/// commits, including intents that must stay blocked, and ends with the
/// status every dispatcher would compute. `say` receives the narration.
package struct DemoTour {
    package let directory: URL

    package init(directory: URL) {
        self.directory = directory
    }

    package struct Outcome {
        package let sandbox: OpsSandbox
        package let status: OpsStatus
        /// The verdict the tour expects for each intent, checked by the tests.
        package let expected: [String: ReasonCode?]
    }

    package func run(say: (String) -> Void) throws -> Outcome {
        let now = Date()
        say("writ demo: an ops repo in \(directory.path)")
        let sandbox = try OpsSandbox(
            at: directory, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals,
            unlisted: ["mallory@example.com"])
        say(
            """

            1. Governance. policy.toml: triage and groom-backlog are low (no human), dev is medium
               (1 operator or admin), release is high (2 admins). Keys for alice and carol (admins),
               bob (operator), agent-1 (agent), dispatch-1 (dispatcher) are in allowed_signers.
               The dispatcher pins the first governance commit as its trust root:
                 trust_root = "\(sandbox.trustRoot.hex)"
            """)
        var expected: [String: ReasonCode?] = [:]
        func request(_ kind: String, _ id: String, _ summary: String, _ params: [String: String] = [:]) throws
            -> Proposer.Request
        {
            guard let intentID = IntentID(id) else { throw WritError(.intentMalformed, "bad demo id \(id)") }
            var request = Proposer.Request(
                kind: kind, target: Intent.Target(repo: "github.com/example/app", branch: "main"))
            request.id = intentID
            request.summary = summary
            request.params = params
            return request
        }
        func id(_ text: String) throws -> IntentID {
            guard let id = IntentID(text) else { throw WritError(.intentMalformed, "bad demo id \(text)") }
            return id
        }

        say("\n2. Agents propose; operators approve by merging signed records.")
        try sandbox.propose(
            request("triage", "triage-issue-42", "Label and route issue 42", ["issue": "42"]),
            as: "agent-1@example.com", at: now)
        say("   agent-1 proposes triage-issue-42 (low): runs with no human.")
        expected["triage-issue-42"] = .some(nil)

        try sandbox.propose(request("dev", "dev-bump-deps-7", "Bump dependencies"), as: "agent-1@example.com", at: now)
        try sandbox.approve(id("dev-bump-deps-7"), as: "bob@example.com", at: now)
        say("   agent-1 proposes dev-bump-deps-7 (medium); bob approves and the approval PR is merged.")
        expected["dev-bump-deps-7"] = .some(nil)

        try sandbox.propose(
            request("release", "release-app-2-0-0", "Release app 2.0.0", ["version": "2.0.0"]),
            as: "agent-1@example.com", at: now)
        try sandbox.approve(id("release-app-2-0-0"), as: "alice@example.com", at: now)
        try sandbox.approve(id("release-app-2-0-0"), as: "carol@example.com", at: now)
        say("   agent-1 proposes release-app-2-0-0 (high); alice and carol both approve.")
        expected["release-app-2-0-0"] = .some(nil)

        say("\n3. What must stay blocked.")
        try sandbox.propose(
            request("release", "release-app-2-1-0", "Release app 2.1.0", ["version": "2.1.0"]),
            as: "agent-1@example.com", at: now)
        try sandbox.approve(id("release-app-2-1-0"), as: "alice@example.com", at: now)
        say("   release-app-2-1-0: only alice approved; high needs two admins.        -> not_approved")
        expected["release-app-2-1-0"] = .notApproved

        let forged = try Intent(
            id: id("rotate-secret-9"), kind: "dev", proposer: sandbox.identity("agent-1@example.com").principal,
            createdAt: Timestamp(now), summary: "Rotate the deploy secret",
            target: Intent.Target(repo: "github.com/example/app"))
        let forgedBytes = Data(forged.canonicalBytes())
        let strangerSignature = try sandbox.identity("mallory@example.com").sign(
            forgedBytes, namespace: SignatureNamespace.intent)
        try sandbox.appendToLedger(
            [
                LedgerPath.intent(forged.id).path: forgedBytes,
                LedgerPath.intentSignature(forged.id).path: Data(strangerSignature.utf8),
            ],
            as: "agent-1@example.com", message: "propose rotate-secret-9\n", at: now)
        say(
            "   rotate-secret-9 claims agent-1 as proposer but was signed by mallory's key. -> intent_signature_invalid"
        )
        expected["rotate-secret-9"] = .intentSignatureInvalid

        let hotfix = try sandbox.propose(
            request("release", "release-hotfix-3", "Hotfix release", ["version": "2.0.1"]), as: "agent-1@example.com",
            at: now)
        let lowered = try ApprovalRecord(
            intent: id("release-hotfix-3"), intentDigest: hotfix.digest, tier: .medium, decision: .approve,
            approver: sandbox.identity("alice@example.com").principal, createdAt: Timestamp(now))
        try sandbox.file(lowered, signedBy: "alice@example.com", at: now)
        say("   release-hotfix-3: alice signed an approval claiming tier medium for a high intent. -> tier_mismatch")
        expected["release-hotfix-3"] = .tierMismatch

        try sandbox.propose(request("dev", "dev-bob-cleanup", "Clean up build scripts"), as: "bob@example.com", at: now)
        try sandbox.approve(id("dev-bob-cleanup"), as: "bob@example.com", at: now)
        say("   dev-bob-cleanup: bob proposed it and approved it himself.             -> self_approval")
        expected["dev-bob-cleanup"] = .selfApproval

        try sandbox.propose(
            request("release", "release-app-3-0-0", "Release app 3.0.0", ["version": "3.0.0"]),
            as: "agent-1@example.com", at: now)
        let shownToAlice = Data("schema = 1\nid = \"release-app-3-0-0\"\n# the version alice was shown: 2.9.9\n".utf8)
        let tampered = try ApprovalRecord(
            intent: id("release-app-3-0-0"), intentDigest: Intent.digest(ofFileBytes: shownToAlice), tier: .high,
            decision: .approve, approver: sandbox.identity("alice@example.com").principal, createdAt: Timestamp(now))
        try sandbox.file(tampered, signedBy: "alice@example.com", at: now)
        try sandbox.approve(id("release-app-3-0-0"), as: "carol@example.com", at: now)
        say("   release-app-3-0-0: alice approved different bytes than the ledger holds. -> digest_mismatch")
        expected["release-app-3-0-0"] = .digestMismatch

        try sandbox.propose(request("dev", "dev-drop-tables", "Drop unused tables"), as: "agent-1@example.com", at: now)
        try sandbox.approve(id("dev-drop-tables"), as: "bob@example.com", at: now)
        try sandbox.approve(id("dev-drop-tables"), as: "carol@example.com", decision: .deny, at: now)
        say("   dev-drop-tables: bob approved, carol denied; a valid denial wins.       -> denied")
        expected["dev-drop-tables"] = .denied

        let status = try sandbox.status(at: now)
        return Outcome(sandbox: sandbox, status: status, expected: expected)
    }
}
