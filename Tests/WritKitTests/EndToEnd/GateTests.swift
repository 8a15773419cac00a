import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §4 rule 5 (gates), end to end: `gate` events on a real ledger,
/// counted only from commits signed by a `[gates]` role and only for the
/// intent's current digest.
@Suite struct GateTests {
    private func gateEvent(
        _ repo: E2ERepo, _ id: String, digest: ContentDigest, status: AuditEvent.GateStatus,
        sequence: Int, signer: String
    ) throws {
        let event = try AuditEvent(
            intent: E2ERepo.id(id), intentDigest: digest, at: Timestamp(repo.now),
            actor: E2ERepo.principal(signer), payload: .gate(name: "verification", status: status))
        try repo.sandbox.appendToLedger(
            [event.path(sequence: sequence).path: Data(event.canonicalJSON())], as: signer,
            message: "test: gate \(status.rawValue) for \(id)\n", at: repo.now)
    }

    @Test func requiredGateWithoutAPassIsGateMissingUntilTheDispatcherAttests() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let proposal = try repo.propose("triage", "triage-gated", requires: ["verification"])
        #expect(try repo.verdict("triage-gated").reason == .gateMissing)

        // A PASS in a commit signed by agent-1, who holds no [gates] role: ignored.
        try gateEvent(repo, "triage-gated", digest: proposal.digest, status: .pass, sequence: 1, signer: E2ERepo.agent)
        #expect(try repo.verdict("triage-gated").reason == .gateMissing)
        // A PASS by the dispatcher, for other bytes than the intent's: ignored.
        let stale = Intent.digest(ofFileBytes: Data("stale".utf8))
        try gateEvent(repo, "triage-gated", digest: stale, status: .pass, sequence: 2, signer: E2ERepo.dispatcher)
        #expect(try repo.verdict("triage-gated").reason == .gateMissing)

        // Near miss: a PASS for the current digest in a commit signed by dispatch-1.
        try gateEvent(
            repo, "triage-gated", digest: proposal.digest, status: .pass, sequence: 3, signer: E2ERepo.dispatcher)
        let passed = try repo.verdict("triage-gated")
        #expect(passed.state == .ready, "\(passed.detail)")
        #expect(passed.reason == nil)

        // A later FAIL by the same attester blocks it again.
        try gateEvent(
            repo, "triage-gated", digest: proposal.digest, status: .fail, sequence: 4, signer: E2ERepo.dispatcher)
        #expect(try repo.verdict("triage-gated").reason == .gateMissing)
    }
}
