import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ verify` catches what a dishonest writer can put on the ledger,
/// and `writ log` shows it as not counting.
@Suite("Audit: forgeries and rewrites are findings")
struct VerifyForgeryTests {
    /// A sandbox where triage-1 was claimed and ran, honestly.
    private func honest(_ directory: URL) throws -> (OpsSandbox, IntentID, Date) {
        let sandbox = try AuditTestSupport.sandbox(directory)
        let id = try AuditTestSupport.id("triage-1")
        try AuditTestSupport.propose(sandbox, "triage", id.rawValue)
        let start = Date().addingTimeInterval(1)
        let config = try AuditTestSupport.config(sandbox)
        let report = try AuditTestSupport.poll(config, at: start)
        try #require(report.intents.contains { $0.id == id && $0.result == .succeeded })
        let clean = try AuditTestSupport.verify(sandbox)
        try #require(clean.isClean, "\(AuditTestSupport.describe(clean))")
        return (sandbox, id, start)
    }

    @Test("a succeeded event in an unsigned commit, one signed by agent-1 and one by a stranger's key")
    func forgedOutcomes() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let (sandbox, id, start) = try honest(directory)

        let (digest, unsignedPath) = try AuditTestSupport.next(sandbox, id, .succeeded)
        try AuditTestSupport.appendUnsigned(
            sandbox,
            [unsignedPath: Data(try AuditTestSupport.succeeded(id, digest: digest, at: start).canonicalJSON())],
            at: start.addingTimeInterval(10))
        let (_, agentPath) = try AuditTestSupport.next(sandbox, id, .succeeded)
        try sandbox.appendToLedger(
            [agentPath: Data(try AuditTestSupport.succeeded(id, digest: digest, at: start).canonicalJSON())],
            as: AuditTestSupport.agent, message: "forged\n", at: start.addingTimeInterval(20))
        let (_, strangerPath) = try AuditTestSupport.next(sandbox, id, .succeeded)
        try sandbox.appendToLedger(
            [strangerPath: Data(try AuditTestSupport.succeeded(id, digest: digest, at: start).canonicalJSON())],
            as: AuditTestSupport.stranger, message: "forged\n", at: start.addingTimeInterval(30))

        let report = try AuditTestSupport.verify(sandbox)
        #expect(
            report.findings.map(\.reason) == [.ledgerViolation, .ledgerViolation, .ledgerViolation],
            "\(AuditTestSupport.describe(report))")
        #expect(report.findings.map(\.path) == [unsignedPath, agentPath, strangerPath])
        #expect(
            report.findings.map { $0.detail.split(separator: " ").first ?? "" } == ["unsigned", "unentitled", "forged"])
        #expect(report.findings[1].detail.contains(AuditTestSupport.agent))

        let audit = try LedgerAudit(ops: sandbox.ops, trustRoot: sandbox.trustRoot, now: Date())
        let byPath = Dictionary(uniqueKeysWithValues: audit.events.map { ($0.path, $0) })
        #expect(byPath[unsignedPath]?.counts == false)
        #expect(byPath[unsignedPath]?.signature == .unsigned)
        #expect(byPath[agentPath]?.counts == false)
        #expect(byPath[agentPath]?.signers.map(\.rawValue) == [AuditTestSupport.agent])
        #expect(byPath[strangerPath]?.signature == .untrusted)
        #expect(audit.events.filter(\.counts).count == 3)  // auto_approved, claimed, succeeded

        // The command line: findings exit 1 and name the paths; the log marks them.
        let ops = directory.appendingPathComponent("ops.git").path
        let cli = try CLI.run("verify", "--repo", ops, "--trust", sandbox.trustRoot.hex)
        #expect(cli.status == 1, "\(cli.stdout)\(cli.stderr)")
        for path in [unsignedPath, agentPath, strangerPath] {
            #expect(cli.stdout.contains("ledger_violation  ") && cli.stdout.contains(path))
        }
        let json = try CLI.run("verify", "--repo", ops, "--trust", sandbox.trustRoot.hex, "--json")
        #expect(json.status == 1)
        // JSON Lines: one line per finding, then the summary.
        let lines = try json.jsonLines()
        #expect(lines.map { $0["type"] as? String } == ["finding", "finding", "finding", "summary"])
        #expect(lines.last?["ok"] as? Bool == false)
        #expect(lines.last?["findings"] as? Int == 3)

        let log = try CLI.run("log", "--repo", ops, "--trust", sandbox.trustRoot.hex, "--json")
        #expect(log.status == 0, "\(log.stderr)")
        let rows = try log.jsonLines()
        #expect(rows.prefix(3).map { $0["path"] as? String } == [strangerPath, agentPath, unsignedPath])
        #expect(rows.prefix(3).allSatisfy { $0["counts"] as? Bool == false && $0["why_not"] is String })
        #expect(rows.prefix(3).map { $0["signature"] as? String } == ["untrusted", "trusted", "unsigned"])
        #expect(rows.dropFirst(3).allSatisfy { $0["counts"] as? Bool == true && $0["why_not"] is NSNull })

        // A contract error is exit 3, not a finding.
        let missing = try CLI.run("verify", "--repo", ops, "--trust", String(repeating: "ab", count: 20))
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("trust_root_missing"))
    }

    @Test("a ledger commit that rewrites an old event, even signed by the dispatcher")
    func rewrittenEvent() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let (sandbox, id, start) = try honest(directory)
        let audit = try LedgerAudit(ops: sandbox.ops, trustRoot: sandbox.trustRoot, now: Date())
        let original = try #require(audit.events.first { $0.kind == .succeeded })
        let failed = try AuditEvent(
            intent: id, intentDigest: try #require(original.event).intentDigest, at: Timestamp(start),
            actor: try #require(Principal(AuditTestSupport.dispatcher)),
            payload: .succeeded(
                .init(
                    exitCode: 0, durationMs: 99, stdoutSHA256: ContentDigest.sha256(of: [UInt8]()),
                    stderrSHA256: ContentDigest.sha256(of: [UInt8]()), stdoutTail: "edited", stderrTail: "")))
        let commit = try AuditTestSupport.appendOverwriting(
            sandbox, [original.path: Data(failed.canonicalJSON())], as: AuditTestSupport.dispatcher,
            at: start.addingTimeInterval(10))

        let report = try AuditTestSupport.verify(sandbox)
        #expect(report.findings.count == 1, "\(AuditTestSupport.describe(report))")
        let finding = try #require(report.findings.first)
        #expect(finding.reason == .ledgerViolation)
        #expect(finding.commit == commit)
        #expect(finding.path == original.path)
        #expect(finding.detail.contains("changes \(original.path)"))
    }

    /// Verify re-decides a claim at the dispatcher's clock (the claim's
    /// `at`), never earlier than the governance it is anchored to: a claim
    /// made after the intent expired is reported even when every governance
    /// commit is older than the expiry.
    @Test("a claim made after the intent expired is intent_expired")
    func claimAfterExpiry() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory)
        let now = Date()
        var request = Proposer.Request(
            kind: "triage", target: Intent.Target(repo: "github.com/example/app", branch: "main"))
        let id = try AuditTestSupport.id("triage-expiring")
        request.id = id
        request.summary = "expires soon"
        request.expiresAt = Timestamp(now.addingTimeInterval(60))
        try sandbox.propose(request, as: AuditTestSupport.agent, at: now)

        let late = now.addingTimeInterval(3600)
        let (digest, path) = try AuditTestSupport.next(sandbox, id, .claimed)
        try sandbox.appendToLedger(
            [path: Data(try AuditTestSupport.claimed(id, digest: digest, tier: .low, at: late).canonicalJSON())],
            as: AuditTestSupport.dispatcher, message: try AuditTestSupport.anchored(sandbox, "writ: claim\n"), at: late)

        let report = try AuditTestSupport.verify(sandbox, at: late)
        #expect(report.findings.map(\.reason) == [.intentExpired], "\(AuditTestSupport.describe(report))")
    }

    @Test("a claim signed by the dispatcher key for a high intent nobody approved is not_approved")
    func unapprovedClaim() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory)
        let id = try AuditTestSupport.id("release-unapproved-1")
        try AuditTestSupport.propose(sandbox, "release", id.rawValue)
        let approved = try AuditTestSupport.id("release-approved-2")
        try AuditTestSupport.propose(sandbox, "release", approved.rawValue)
        try sandbox.approve(approved, as: "alice@example.com")
        try sandbox.approve(approved, as: "carol@example.com")
        let start = Date().addingTimeInterval(1)

        let (digest, path) = try AuditTestSupport.next(sandbox, id, .claimed)
        try sandbox.appendToLedger(
            [path: Data(try AuditTestSupport.claimed(id, digest: digest, tier: .high, at: start).canonicalJSON())],
            as: AuditTestSupport.dispatcher, message: try AuditTestSupport.anchored(sandbox, "writ: claim\n"), at: start
        )
        // The approved one, claimed the same way, is fine.
        let (approvedDigest, approvedPath) = try AuditTestSupport.next(sandbox, approved, .claimed)
        try sandbox.appendToLedger(
            [
                approvedPath: Data(
                    try AuditTestSupport.claimed(approved, digest: approvedDigest, tier: .high, at: start)
                        .canonicalJSON())
            ],
            as: AuditTestSupport.dispatcher, message: try AuditTestSupport.anchored(sandbox, "writ: claim\n"), at: start
        )

        let report = try AuditTestSupport.verify(sandbox)
        #expect(report.claims == 2)
        #expect(report.findings.count == 1, "\(AuditTestSupport.describe(report))")
        let finding = try #require(report.findings.first)
        #expect(finding.reason == .notApproved)
        #expect(finding.path == path)
        #expect(finding.detail.contains("0 of 2 approvals"))
    }
}
