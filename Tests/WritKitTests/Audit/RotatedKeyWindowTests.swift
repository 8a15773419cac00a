import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Once governance has rotated a key out, no event that key writes counts,
/// whatever the commit's date or anchor (docs/audit.md, "Which governance
/// judges a ledger commit"): a ledger commit without a `Writ-Governance`
/// anchor is judged under the newest trusted state, and an anchor older than
/// the position the ledger already reached is a violation verify reports.
@Suite("A rotated-out key: no window between the rotation and the next anchored commit")
struct RotatedKeyWindowTests {
    static let successor = EventCountingAgreementTests.successor

    static func sandbox(_ directory: URL) throws -> OpsSandbox {
        try OpsSandbox(
            at: directory, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals + [successor],
            unlisted: [AuditTestSupport.stranger])
    }

    static func results(_ report: RunReport, _ id: IntentID) -> [RunReport.Entry.Result] {
        report.intents.filter { $0.id == id }.map(\.result)
    }

    @Test("an unanchored, backdated claim by the rotated-out dispatcher key counts for nobody")
    func unanchoredClaimAfterRotation() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try Self.sandbox(directory)
        let start = Date().addingTimeInterval(-3600)
        let id = try AuditTestSupport.id("triage-rotated")
        try AuditTestSupport.propose(sandbox, "triage", id.rawValue, at: start)

        // Admins rotate dispatch-1 out. No ledger commit is anchored after
        // the rotation yet: the ledger's position is still the trust root.
        _ = try EventCountingAgreementTests.rotateDispatcher(sandbox, at: start.addingTimeInterval(60))
        // The rotated-out key claims the intent, as a dispatcher would (the
        // right digest and tier), in a commit without an anchor, dated a day
        // before everything.
        let backdated = start.addingTimeInterval(-86_400)
        let (digest, claimPath) = try AuditTestSupport.next(sandbox, id, .claimed)
        try sandbox.appendToLedger(
            [
                claimPath: Data(
                    try AuditTestSupport.claimed(id, digest: digest, tier: .low, at: backdated).canonicalJSON())
            ],
            as: AuditTestSupport.dispatcher, message: "writ: claim \(id)\n", at: backdated)

        // The successor, which trusts the rotation, does not count the claim:
        // the intent is still open, and it runs it, once.
        let config = try EventCountingAgreementTests.successorConfig(sandbox)
        let report = try AuditTestSupport.poll(config, at: Date())
        #expect(Self.results(report, id) == [.succeeded])
        #expect(try EventCountingAgreementTests.dispatcherCounts(config, [id])[claimPath] == false)
        let again = try AuditTestSupport.poll(config, at: Date())
        #expect(Self.results(again, id).isEmpty)

        // verify reports the claim, and only it: the successor's run is clean.
        let verify = try AuditTestSupport.verify(sandbox)
        let reported = verify.findings.filter { $0.path == claimPath }
        #expect(reported.map(\.reason) == [.ledgerViolation], "\(AuditTestSupport.describe(verify))")
        #expect(reported.first?.detail.hasPrefix("forged ") == true)
        #expect(reported.first?.detail.contains("no usable Writ-Governance anchor") == true)
        #expect(verify.findings.count == 1, "\(AuditTestSupport.describe(verify))")
        #expect(verify.claims == 1)
        // status agrees.
        let status = try sandbox.status()
        #expect(status.events[id]?.first { $0.path == claimPath }?.counts == false)
    }

    @Test("an unanchored gate PASS by the rotated-out key holds the intent; the successor's own PASS releases it")
    func unanchoredGateAfterRotation() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try Self.sandbox(directory)
        let start = Date().addingTimeInterval(-3600)
        let id = try AuditTestSupport.id("triage-gated")
        var request = Proposer.Request(
            kind: "triage", target: Intent.Target(repo: "github.com/example/app", branch: "main"))
        request.id = id
        request.summary = "gated"
        request.requires = ["verification"]
        try sandbox.propose(request, as: AuditTestSupport.agent, at: start)

        // [gates] roles = ["dispatcher"]: the rotation takes dispatch-1's
        // gate role and key away too.
        _ = try EventCountingAgreementTests.rotateDispatcher(sandbox, at: start.addingTimeInterval(60))
        let gatePath = try EventCountingAgreementTests.plant(
            sandbox, .gate, id, signer: AuditTestSupport.dispatcher, message: "writ: gate verification PASS\n",
            at: start.addingTimeInterval(-86_400))

        let config = try EventCountingAgreementTests.successorConfig(sandbox)
        let held = try AuditTestSupport.poll(config, at: Date())
        #expect(Self.results(held, id) == [.blocked])
        #expect(held.intents.first { $0.id == id }?.reason == .gateMissing)
        #expect(try EventCountingAgreementTests.dispatcherCounts(config, [id])[gatePath] == false)

        var verify = try AuditTestSupport.verify(sandbox)
        #expect(verify.claims == 0)
        #expect(
            verify.findings.map { "\($0.reason.rawValue) \($0.path ?? "-")" } == ["ledger_violation \(gatePath)"],
            "\(AuditTestSupport.describe(verify))")
        #expect(verify.findings.first?.detail.hasPrefix("forged ") == true)

        // The gate role's current holder attests (anchored, as writ writes
        // it): the intent runs, once.
        try OperatorEvents(ops: sandbox.ops).gate(
            id, name: "verification", status: .pass, as: try sandbox.identity(Self.successor), now: Date())
        let released = try AuditTestSupport.poll(config, at: Date())
        #expect(Self.results(released, id) == [.succeeded])
        verify = try AuditTestSupport.verify(sandbox)
        #expect(verify.claims == 1)
        #expect(verify.findings.map(\.path) == [gatePath], "\(AuditTestSupport.describe(verify))")
    }

    @Test("an anchor older than the previous anchored commit's is reported; its event is judged where the ledger stood")
    func anchorRegressionIsReported() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try Self.sandbox(directory)
        let start = Date().addingTimeInterval(-3600)
        let id = try AuditTestSupport.id("triage-regress")
        try AuditTestSupport.propose(sandbox, "triage", id.rawValue, at: start)
        let rotation = try EventCountingAgreementTests.rotateDispatcher(sandbox, at: start.addingTimeInterval(60))
        // An honest writer anchors after the rotation ...
        try AuditTestSupport.propose(sandbox, "triage", "triage-after", at: start.addingTimeInterval(120))
        let honest = try sandbox.ops.ledgerHead()
        #expect(try sandbox.ops.repository.commit(honest).message.contains(rotation.hex))
        // ... then a commit names the trust root, older than the rotation.
        // Its signer (the successor) may write `blocked` at the rotation, so
        // the event counts there; the anchor that moved back is the finding.
        let path = try EventCountingAgreementTests.plant(
            sandbox, .blocked, id, signer: Self.successor,
            message: GovernanceAnchor.message("writ: blocked\n", anchoredAt: sandbox.trustRoot),
            at: start.addingTimeInterval(180))
        let regressed = try sandbox.ops.ledgerHead()

        let verify = try AuditTestSupport.verify(sandbox)
        #expect(verify.findings.count == 1, "\(AuditTestSupport.describe(verify))")
        let finding = try #require(verify.findings.first)
        #expect(finding.reason == .ledgerViolation)
        #expect(finding.commit == regressed)
        #expect(finding.path == nil)
        #expect(finding.detail.contains("anchored at governance commit \(sandbox.trustRoot.hex)"))
        #expect(finding.detail.contains("never move back"))

        // Not a halt: the dispatcher goes on, and counts the event where the
        // ledger stood (the rotation), as status does.
        let config = try EventCountingAgreementTests.successorConfig(sandbox)
        _ = try AuditTestSupport.poll(config, at: Date())
        #expect(try EventCountingAgreementTests.dispatcherCounts(config, [id])[path] == true)
        #expect(try sandbox.status().events[id]?.first { $0.path == path }?.counts == true)
    }

    @Test("a dispatcher whose view predates the ledger's newest anchor names that anchor: its outcome is no regression")
    func publisherNeverMovesTheAnchorBack() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory)
        let root = sandbox.trustRoot
        let id = try AuditTestSupport.id("dev-1")
        let proposal = try AuditTestSupport.propose(sandbox, "dev", id.rawValue)
        // While a run is under way, an approval is merged (a new governance
        // commit) and a proposal is anchored at it.
        try sandbox.approve(id, as: AuditTestSupport.operatorPrincipal)
        let merged = try sandbox.ops.governanceHead()
        #expect(merged != root)
        try AuditTestSupport.propose(sandbox, "triage", "triage-2")

        // The dispatcher's view is still the trust root when it publishes.
        let publisher = LedgerPublisher(
            ops: sandbox.ops, remote: nil, signer: try sandbox.identity(AuditTestSupport.dispatcher))
        let event = try AuditEvent(
            intent: id, intentDigest: proposal.digest, at: Timestamp(Date()),
            actor: try #require(Principal(AuditTestSupport.dispatcher)),
            payload: .blocked(reason: .notApproved, detail: "decided before the merge"))
        let commit = try #require(
            try publisher.publish([event], message: "writ: blocked \(id)\n", anchoredAt: root, now: Date()))
        #expect(GovernanceAnchor.parse(try sandbox.ops.repository.commit(commit).message) == merged)
        let verify = try AuditTestSupport.verify(sandbox)
        #expect(verify.findings.isEmpty, "\(AuditTestSupport.describe(verify))")

        // An anchor the governance branch does not hold is never taken over.
        let stray = try #require(ObjectID(hex: String(repeating: "cd", count: 20)))
        try sandbox.appendToLedger(
            [:], as: AuditTestSupport.dispatcher, message: GovernanceAnchor.message("stray\n", anchoredAt: stray))
        let next = try #require(
            try publisher.publish([event], message: "writ: blocked \(id)\n", anchoredAt: merged, now: Date()))
        #expect(GovernanceAnchor.parse(try sandbox.ops.repository.commit(next).message) == merged)
    }
}
