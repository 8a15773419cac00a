import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Events are judged by the governance trusted at their commit's ledger
/// position, not by today's: a rotated-out dispatcher's old events still
/// count, its new ones do not.
@Suite("Audit: governance trusted at the time")
struct VerifyGovernanceTimeTests {
    @Test(
        "after a quorum rotates the dispatcher role, the old dispatcher's earlier events count and its later ones do not"
    )
    func dispatcherRotation() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let successor = "dispatch-2@example.com"
        let sandbox = try OpsSandbox(
            at: directory, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals + [successor])
        let first = try AuditTestSupport.id("triage-1")
        let second = try AuditTestSupport.id("triage-2")
        try AuditTestSupport.propose(sandbox, "triage", first.rawValue)
        try AuditTestSupport.propose(sandbox, "triage", second.rawValue)
        let start = Date().addingTimeInterval(1)
        let config = try AuditTestSupport.config(sandbox)

        // dispatch-1 runs triage-1 ... (triage-2 too; the point is what it writes after the rotation)
        let report = try AuditTestSupport.poll(config, at: start)
        try #require(report.intents.contains { $0.id == first && $0.result == .succeeded })

        // ... then admins rotate the dispatcher role to dispatch-2, with both quorums.
        let repository = sandbox.ops.repository
        let governanceTree = try repository.commit(try sandbox.ops.governanceHead()).tree
        let signers = try #require(try repository.blob(at: "allowed_signers", inTree: governanceTree))
        let policy = Data(
            withGovernanceVersion(
                2,
                OpsSandbox.demoPolicy.replacingOccurrences(
                    of: "dispatcher = [\"dispatch-1@example.com\"]", with: "dispatcher = [\"\(successor)\"]")
            ).utf8)
        try #require(policy != Data(OpsSandbox.demoPolicy.utf8))
        let digest = GovernanceDigest.compute(policy: policy, allowedSigners: signers)
        let rotation = start.addingTimeInterval(60)
        var files: [String: Data] = ["policy.toml": policy]
        for admin in ["alice@example.com", "carol@example.com"] {
            let record = try GovernanceRecord(
                governanceDigest: digest,
                replaces: GovernanceDigest.compute(policy: Data(OpsSandbox.demoPolicy.utf8), allowedSigners: signers),
                decision: .approve, approver: try #require(Principal(admin)), createdAt: Timestamp(rotation))
            let bytes = Data(record.canonicalBytes())
            let path = "approvals/_governance/\(digest.hex)/\(admin).toml"
            files[path] = bytes
            files[path + ".sig"] = Data(
                try sandbox.identity(admin).sign(bytes, namespace: GovernanceRecord.signatureNamespace).utf8)
        }
        try BranchAppender(repository: repository).append(
            files, to: sandbox.ops.governanceRef, message: "rotate the dispatcher\n",
            signer: try sandbox.identity("alice@example.com"), at: rotation, overwrite: true)

        // An honest writer anchors at the new governance head (docs/audit.md:
        // until one does, the ledger's position stays before the rotation).
        try AuditTestSupport.propose(sandbox, "triage", "triage-3", at: rotation.addingTimeInterval(30))

        // dispatch-1, no longer a dispatcher, still writes.
        let later = start.addingTimeInterval(120)
        let (eventDigest, path) = try AuditTestSupport.next(sandbox, second, .succeeded)
        try sandbox.appendToLedger(
            [path: Data(try AuditTestSupport.succeeded(second, digest: eventDigest, at: later).canonicalJSON())],
            as: AuditTestSupport.dispatcher, message: "late\n", at: later)

        let verified = try AuditTestSupport.verify(sandbox)
        #expect(verified.findings.count == 1, "\(AuditTestSupport.describe(verified))")
        let finding = try #require(verified.findings.first)
        #expect(finding.reason == .ledgerViolation)
        #expect(finding.path == path)
        #expect(finding.detail.hasPrefix("unentitled succeeded event"))
        #expect(verified.claims == 2)

        let audit = try LedgerAudit(ops: sandbox.ops, trustRoot: sandbox.trustRoot, now: Date())
        let earlier = audit.events.filter { $0.path != path }
        #expect(earlier.allSatisfy { $0.counts && $0.governance == sandbox.trustRoot })
        let late = try #require(audit.events.first { $0.path == path })
        #expect(!late.counts)
        #expect(late.governance == (try sandbox.ops.governanceHead()))
    }
}
