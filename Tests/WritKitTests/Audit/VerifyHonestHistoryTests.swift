import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ verify` finds nothing wrong with histories only honest parties wrote.
@Suite("Audit: honest histories verify")
struct VerifyHonestHistoryTests {
    @Test("the demo tour plus one dispatch verifies, from the library and the command line")
    func demoTourAndDispatch() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let tour = try DemoTour(directory: directory).run(say: { _ in })
        let config = try AuditTestSupport.config(tour.sandbox)
        let report = try AuditTestSupport.poll(config, at: Date())
        #expect(report.intents.contains { $0.result == .succeeded })

        let verified = try AuditTestSupport.verify(tour.sandbox)
        #expect(verified.isClean, "\(AuditTestSupport.describe(verified))")
        #expect(verified.claims == 3)
        #expect(verified.events > verified.claims)

        let audit = try LedgerAudit(ops: tour.sandbox.ops, trustRoot: tour.sandbox.trustRoot, now: Date())
        #expect(audit.events.allSatisfy { $0.counts })
        #expect(audit.events.allSatisfy { $0.signers.map(\.rawValue) == [AuditTestSupport.dispatcher] })

        let cli = try CLI.run("verify", "--config", directory.appendingPathComponent("dispatcher.toml").path)
        #expect(cli.status == 0, "\(cli.stdout)\(cli.stderr)")
        #expect(cli.trimmed == "verified: \(verified.commits) commits, \(verified.events) events, 3 claims")

        let log = try CLI.run("log", "--config", directory.appendingPathComponent("dispatcher.toml").path, "--json")
        #expect(log.status == 0, "\(log.stderr)")
        let rows = try log.jsonLines()
        #expect(rows.count == verified.events)
        let keys: Set<String> = [
            "actor", "at", "commit", "commit_time", "counts", "event", "governance", "intent", "path", "sequence",
            "schema", "signature", "signers", "summary", "why_not",
        ]
        #expect(rows.allSatisfy { Set($0.keys) == keys })
        // Newest first: the last ledger commit's events lead.
        #expect(rows.first?["commit"] as? String == audit.head.hex)
        #expect(
            rows.contains {
                ($0["summary"] as? String)?.hasPrefix("claimed release-app-2-0-0 by dispatch-1@example.com: tier high")
                    == true
            })
    }

    @Test("blocked, in doubt, resolved with retry and run again: every claim was entitled and ready")
    func inDoubtRetryRerun() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory)
        let crashed = try AuditTestSupport.id("dev-crashed-1")
        try AuditTestSupport.propose(sandbox, "dev", crashed.rawValue)
        try sandbox.approve(crashed, as: AuditTestSupport.operatorPrincipal)
        try AuditTestSupport.propose(sandbox, "dev", "dev-unapproved-2")
        try AuditTestSupport.propose(sandbox, "triage", "triage-3")
        let start = Date().addingTimeInterval(1)

        // A dispatcher claimed dev-crashed-1 and died before recording an outcome.
        let verdict = try #require(try sandbox.status(at: start).verdicts[crashed])
        #expect(verdict.state == .ready)
        let approvals = try verdict.counted.map {
            try AuditEvent.ClaimedApproval(approver: $0.approver, commit: $0.commit.hex, recordDigest: $0.recordDigest)
        }
        let (digest, path) = try AuditTestSupport.next(sandbox, crashed, .claimed)
        let claim = try AuditTestSupport.claimed(
            crashed, digest: digest, tier: .medium, approvals: approvals, at: start)
        try sandbox.appendToLedger(
            [path: Data(claim.canonicalJSON())], as: AuditTestSupport.dispatcher,
            message: try AuditTestSupport.anchored(sandbox, "writ: claim (crashed)\n"), at: start)

        let config = try AuditTestSupport.config(sandbox, claimLease: "1m")
        let first = try AuditTestSupport.poll(config, at: start.addingTimeInterval(120))
        #expect(first.intents.contains { $0.id == crashed && $0.result == .inDoubt })
        #expect(first.intents.contains { $0.result == .blocked && $0.reason == .notApproved })
        try OperatorEvents(ops: sandbox.ops).resolve(
            crashed, resolution: .retry, note: "the host died before running it",
            as: try sandbox.identity(AuditTestSupport.operatorPrincipal),
            now: start.addingTimeInterval(180))
        let second = try AuditTestSupport.poll(config, at: start.addingTimeInterval(240))
        #expect(second.intents.contains { $0.id == crashed && $0.result == .succeeded })

        let report = try AuditTestSupport.verify(sandbox)
        #expect(report.isClean, "\(AuditTestSupport.describe(report))")
        #expect(report.claims == 3)
        let kinds = try LedgerAudit(ops: sandbox.ops, trustRoot: sandbox.trustRoot, now: Date()).events.map(\.kind)
        for kind in [AuditEventKind.blocked, .inDoubt, .resolved, .autoApproved, .succeeded] {
            #expect(kinds.contains(kind), "no \(kind) event in the history")
        }

    }

    @Test("a second claim after in_doubt with no resolution is already_executed, unless the executor is idempotent")
    func rerunWithoutRetry() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory)
        let id = try AuditTestSupport.id("dev-twice-1")
        try AuditTestSupport.propose(sandbox, "dev", id.rawValue)
        try sandbox.approve(id, as: AuditTestSupport.operatorPrincipal)
        let start = Date().addingTimeInterval(1)
        let (digest, path) = try AuditTestSupport.next(sandbox, id, .claimed)
        try sandbox.appendToLedger(
            [path: Data(try AuditTestSupport.claimed(id, digest: digest, tier: .medium, at: start).canonicalJSON())],
            as: AuditTestSupport.dispatcher, message: try AuditTestSupport.anchored(sandbox, "writ: claim (crashed)\n"),
            at: start)
        // An idempotent executor: the dispatcher itself runs it again after in_doubt.
        let config = try AuditTestSupport.config(sandbox, claimLease: "1m", idempotent: true)
        _ = try AuditTestSupport.poll(config, at: start.addingTimeInterval(120))
        _ = try AuditTestSupport.poll(config, at: start.addingTimeInterval(240))

        let strict = try AuditTestSupport.verify(sandbox)
        #expect(strict.findings.map(\.reason) == [.alreadyExecuted], "\(AuditTestSupport.describe(strict))")
        let knowing = try AuditTestSupport.verify(sandbox, idempotentKinds: ["dev"])
        #expect(knowing.isClean, "\(AuditTestSupport.describe(knowing))")
        #expect(knowing.claims == 2)
    }
}
