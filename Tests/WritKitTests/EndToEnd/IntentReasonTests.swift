import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// SPEC §4 rule 2, end to end: intents in a real ledger, each reason code
/// produced by the situation that calls for it, next to a near miss.
@Suite struct IntentReasonTests {
    @Test func idThatDiffersFromTheFileStemIsIntentMalformed() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        // A well-formed, validly signed intent whose id is not its file's stem.
        let intent = try repo.rawIntent("triage-elsewhere", kind: "triage")
        try repo.appendIntent(Data(intent.canonicalBytes()), at: E2ERepo.id("triage-here"), signedBy: E2ERepo.agent)
        // Near miss: the same kind of intent filed under its own id.
        let twin = try repo.rawIntent("triage-twin", kind: "triage")
        try repo.appendIntent(Data(twin.canonicalBytes()), at: twin.id, signedBy: E2ERepo.agent)

        let status = try repo.status()
        let bad = try #require(status.intents.first { $0.id.rawValue == "triage-here" })
        #expect(bad.state == .blocked)
        #expect(bad.reason == .intentMalformed)
        let good = try #require(status.intents.first { $0.id.rawValue == "triage-twin" })
        #expect(good.state == .ready)
        #expect(good.reason == nil)
        #expect(status.governance.trusted && status.ledger.ok)
    }

    @Test func unparseableIntentIsIntentMalformed() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let bytes = Data("schema = 1\nid = \"triage-broken\"\nkind = \"triage\"\nsurprise = true\n".utf8)
        try repo.appendIntent(bytes, at: E2ERepo.id("triage-broken"), signedBy: E2ERepo.agent)
        #expect(try repo.verdict("triage-broken").reason == .intentMalformed)
    }

    @Test func intentPastItsExpiryIsIntentExpired() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("triage", "triage-soon", expiresAt: Timestamp(repo.now).adding(seconds: 3600))
        // Near miss: the same intent before it expires.
        let before = try repo.verdict("triage-soon", at: repo.now.addingTimeInterval(3599))
        #expect(before.state == .ready)
        #expect(before.reason == nil)
        let after = try repo.verdict("triage-soon", at: repo.now.addingTimeInterval(3600))
        #expect(after.state == .blocked)
        #expect(after.reason == .intentExpired)
    }

    @Test func intentSignedWithAnotherKeyIsIntentSignatureInvalid() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        // Claims agent-1 as proposer, signed with mallory's key.
        let forged = try repo.rawIntent("triage-forged", kind: "triage")
        try repo.appendIntent(Data(forged.canonicalBytes()), at: forged.id, signedBy: E2ERepo.mallory)
        // Signed by agent-1, then one byte of the signature changed.
        let flipped = try repo.rawIntent("triage-flipped", kind: "triage")
        let flippedBytes = Data(flipped.canonicalBytes())
        let signature = try repo.sandbox.identity(E2ERepo.agent).sign(flippedBytes, namespace: "writ-intent")
        try repo.appendIntent(
            flippedBytes, at: flipped.id, signedBy: E2ERepo.agent,
            signature: Data(signature.utf8).flippingSignatureByte())
        // Signed by agent-1, but under the approval namespace.
        let wrongNamespace = try repo.rawIntent("triage-namespace", kind: "triage")
        let wrongBytes = Data(wrongNamespace.canonicalBytes())
        let approvalSignature = try repo.sandbox.identity(E2ERepo.agent).sign(wrongBytes, namespace: "writ-approval")
        try repo.appendIntent(
            wrongBytes, at: wrongNamespace.id, signedBy: E2ERepo.agent, signature: Data(approvalSignature.utf8))
        // Near miss: the proposer's own, intact signature.
        let honest = try repo.rawIntent("triage-honest", kind: "triage")
        try repo.appendIntent(Data(honest.canonicalBytes()), at: honest.id, signedBy: E2ERepo.agent)

        let status = try repo.status()
        for id in ["triage-forged", "triage-flipped", "triage-namespace"] {
            let line = try #require(status.intents.first { $0.id.rawValue == id })
            #expect(line.state == .blocked, "\(id)")
            #expect(line.reason == .intentSignatureInvalid, "\(id): \(line.detail)")
        }
        #expect(status.intents.first { $0.id.rawValue == "triage-honest" }?.state == .ready)
    }

    @Test func intentWithoutSignatureIsIntentSignatureInvalid() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let unsigned = try repo.rawIntent("triage-unsigned", kind: "triage")
        try repo.sandbox.appendToLedger(
            [LedgerPath.intent(unsigned.id).path: Data(unsigned.canonicalBytes())], as: E2ERepo.agent,
            message: "test: unsigned intent\n", at: repo.now)
        #expect(try repo.verdict("triage-unsigned").reason == .intentSignatureInvalid)
    }

    @Test func proposerWithoutAProposerRoleIsProposerNotAuthorized() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        // dispatch-1 is listed and signs validly, but the dispatcher role may not propose.
        try repo.propose("triage", "triage-by-dispatcher", as: E2ERepo.dispatcher)
        // Near miss: the same intent proposed by an agent.
        try repo.propose("triage", "triage-by-agent", as: E2ERepo.agent)
        let status = try repo.status()
        let bad = try #require(status.intents.first { $0.id.rawValue == "triage-by-dispatcher" })
        #expect(bad.state == .blocked)
        #expect(bad.reason == .proposerNotAuthorized)
        #expect(status.intents.first { $0.id.rawValue == "triage-by-agent" }?.state == .ready)
    }
}
