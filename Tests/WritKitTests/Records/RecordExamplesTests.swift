import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Every example committed under approvals/examples and audit/examples
/// parses, sits at its layout path, and is byte-for-byte what writ's own
/// writers produce. The folders are walked, so new examples are covered
/// without touching this file.
@Suite struct RecordExamplesTests {
    let governanceRoot = RecordFixtures.repoRoot.appendingPathComponent("approvals/examples")
    let ledgerRoot = RecordFixtures.repoRoot.appendingPathComponent("audit/examples")

    func read(_ base: URL, _ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: base.appendingPathComponent(relative)))
    }

    @Test func governanceExamplesParse() throws {
        let files = try RecordFixtures.files(under: governanceRoot).filter { !$0.hasPrefix("test-keys/") }
        #expect(files.count >= 10)
        let policyBytes = try read(governanceRoot, "policy.toml")
        let signersBytes = try read(governanceRoot, "allowed_signers")
        let policy = try Policy.parse(policyBytes)
        var counts: [String: Int] = [:]
        for file in files {
            let bytes = try read(governanceRoot, file)
            let path = try #require(GovernancePath(file), "\(file) is outside the governance layout")
            #expect(path.path == file)
            switch path {
            case .policy, .allowedSigners, .joinRequest:
                counts["other", default: 0] += 1
            case .request:
                let request = try ApprovalRequest.parse(bytes, expectedPath: file)
                #expect(
                    String(decoding: request.canonicalBytes(), as: UTF8.self) == String(decoding: bytes, as: UTF8.self),
                    "\(file) is not canonical")
                let intentBytes = try read(ledgerRoot, LedgerPath.intent(request.intent).path)
                #expect(request.intentDigest == Intent.digest(ofFileBytes: intentBytes))
                #expect(request.intentTOML.utf8.elementsEqual(intentBytes))
                counts["request", default: 0] += 1
            case .approval:
                let record = try ApprovalRecord.parse(bytes, expectedPath: file)
                #expect(
                    String(decoding: record.canonicalBytes(), as: UTF8.self) == String(decoding: bytes, as: UTF8.self),
                    "\(file) is not canonical")
                // Each example approval binds to the real digest and tier of its example intent.
                let intentBytes = try read(ledgerRoot, LedgerPath.intent(record.intent).path)
                #expect(record.intentDigest == Intent.digest(ofFileBytes: intentBytes))
                #expect(record.tier == (try Intent.parse(intentBytes)).effectiveTier(policy))
                #expect(policy.acceptsForTier(record.approver, record.tier))
                counts["approval", default: 0] += 1
            case .governanceRecord(let digest, _):
                let record = try GovernanceRecord.parse(bytes, expectedPath: file)
                #expect(
                    String(decoding: record.canonicalBytes(), as: UTF8.self) == String(decoding: bytes, as: UTF8.self),
                    "\(file) is not canonical")
                #expect(digest == GovernanceDigest.compute(policy: policyBytes, allowedSigners: signersBytes))
                #expect(policy.isGovernor(record.approver))
                counts["governance", default: 0] += 1
            case .governanceRequest:
                let request = try GovernanceRequest.parse(bytes, expectedPath: file)
                #expect(
                    String(decoding: request.canonicalBytes(), as: UTF8.self) == String(decoding: bytes, as: UTF8.self),
                    "\(file) is not canonical")
                counts["request", default: 0] += 1
            case .approvalSignature, .governanceSignature, .governanceNextSignature:
                #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("-----BEGIN SSH SIGNATURE-----\n"))
                let record = file.dropLast(file.hasSuffix(".next.sig") ? ".next.sig".count : ".sig".count)
                #expect(files.contains(String(record)), "\(file) has no record next to it")
                counts["signature", default: 0] += 1
            }
        }
        #expect(counts["approval", default: 0] >= 2)
        #expect(counts["governance", default: 0] >= 2)
        #expect(counts["request", default: 0] >= 1)
        #expect(counts["signature", default: 0] == counts["approval", default: 0] + counts["governance", default: 0])
    }

    @Test func ledgerExamplesParseAndCoverEveryEvent() throws {
        let files = try RecordFixtures.files(under: ledgerRoot)
        let policy = try Policy.parse(try read(governanceRoot, "policy.toml"))
        var intents: [IntentID: ContentDigest] = [:]
        var seen: Set<AuditEventKind> = []
        for file in files where file.hasPrefix("intents/") {
            let path = try #require(LedgerPath(file), "\(file) is outside the ledger layout")
            #expect(path.path == file)
            let bytes = try read(ledgerRoot, file)
            if case .intent(let id) = path {
                let intent = try Intent.parse(bytes, expectedPath: file)
                #expect(
                    String(decoding: intent.canonicalBytes(), as: UTF8.self) == String(decoding: bytes, as: UTF8.self),
                    "\(file) is not canonical")
                #expect(policy.isProposer(intent.proposer))
                intents[id] = Intent.digest(ofFileBytes: bytes)
            } else {
                #expect(files.contains(String(file.dropLast(".sig".count))))
            }
        }
        #expect(intents.count >= 3)
        for file in files where !file.hasPrefix("intents/") {
            let path = try #require(LedgerPath(file), "\(file) is outside the ledger layout")
            guard case .auditEvent(let id, let sequence, _) = path else {
                Issue.record("\(file) is not an audit event")
                continue
            }
            let bytes = try read(ledgerRoot, file)
            let event = try AuditEvent.parse(bytes, expectedPath: file)
            #expect(
                String(decoding: event.canonicalJSON(), as: UTF8.self) == String(decoding: bytes, as: UTF8.self),
                "\(file) is not canonical JSON")
            #expect(event.intentDigest == intents[id], "\(file) names a digest other than its intent's")
            #expect(event.path(sequence: sequence).path == file)
            seen.insert(event.kind)
        }
        #expect(
            seen == Set(AuditEventKind.allCases), "missing examples: \(Set(AuditEventKind.allCases).subtracting(seen))")
    }

    @Test func examplesValidateThroughDetection() throws {
        for (base, prefix) in [(governanceRoot, "approvals/examples/"), (ledgerRoot, "audit/examples/")] {
            for file in try RecordFixtures.files(under: base)
            where (file.hasSuffix(".toml") || file.hasSuffix(".json")) && !file.hasPrefix("test-keys/") {
                let absolute = RecordFixtures.repoRoot.path + "/" + prefix + file
                let record = try RecordValidator.validate(path: absolute, bytes: try read(base, file))
                let expected: RecordKind =
                    file == "policy.toml"
                    ? .policy
                    : file.hasPrefix("intents/")
                        ? .intent
                        : file.hasPrefix("audit/")
                            ? .auditEvent
                            : file.hasPrefix("approvals/_governance/")
                                ? .governance
                                : file.hasSuffix("/request.toml") ? .request : .approval
                #expect(record.kind == expected, "\(file)")
            }
        }
    }
}
