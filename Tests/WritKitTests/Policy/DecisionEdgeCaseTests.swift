import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A security review of the decision path: each test is one attempt to get
/// an intent judged `ready` (or judged with another reason) where the
/// contract says otherwise, next to the near miss that is ready.
@Suite("Decision edge cases: names, patterns, tiers, expiry, malformed records")
struct DecisionEdgeCaseTests {
    let world = PolicyWorld()
    typealias W = PolicyWorld

    // MARK: Case tricks

    @Test func approverInAnotherCaseThanTheFileNameIsMalformed() throws {
        let intent = try world.intent(kind: "dev")
        let honest = try world.approval(of: intent, by: W.bob)
        let moved = ApprovalEvidence(
            path: honest.path.replacingOccurrences(of: "bob@example.com.toml", with: "Bob@example.com.toml"),
            bytes: honest.bytes, signature: honest.signature, commit: honest.commit)
        let verdict = try world.decide(intent, [moved])
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .approvalMalformed)
        #expect(try world.decide(intent, [honest]).state == .ready)
    }

    @Test func principalInAnotherCaseHoldsNoRole() throws {
        // mallory lists her own key as "Bob@example.com": the signature
        // verifies, but roles name "bob@example.com", exactly.
        var world = self.world
        world.extraSignerLines = ["Bob@example.com \(world.key(W.mallory).publicKey.openSSHLine)"]
        let intent = try world.intent(kind: "dev")
        let fake = try world.approval(of: intent, by: W.principal("Bob@example.com"), signer: world.key(W.mallory))
        let verdict = try world.decide(intent, [fake])
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .signerNotAuthorized)
    }

    // MARK: Keys and principals

    @Test func wildcardSignerLineStillCountsItsKeyOnce() throws {
        // A `*` line lets mallory's key sign as anyone, as ssh-keygen reads
        // it; the key still counts once, so it cannot make a quorum alone.
        var world = self.world
        world.extraSignerLines = ["* \(world.key(W.mallory).publicKey.openSSHLine)"]
        let intent = try world.intent()
        let asAlice = try world.approval(of: intent, by: W.alice, signer: world.key(W.mallory))
        let asCarol = try world.approval(of: intent, by: W.carol, signer: world.key(W.mallory))
        let verdict = try world.decide(intent, [asAlice, asCarol])
        #expect(verdict.state == .blocked)
        #expect(verdict.approvalsCounted == 1)
        #expect(verdict.reason == .notApproved)
    }

    @Test func negatedPrincipalIsNotAnEventSigner() throws {
        // `gate-1,!gate-*` refuses gate-1 for that key (ssh-keygen says so);
        // a commit signed with it names no principal who may attest a gate.
        var world = self.world
        world.unlisted = [W.gatekeeper]
        world.extraSignerLines = [
            "gate-1@example.com,!gate-* \(world.key(W.gatekeeper).publicKey.openSSHLine)"
        ]
        let signers = try world.governance().signers
        let message = Data("tree 0\n".utf8)
        let signature = try world.key(W.gatekeeper).sign(message: message, namespace: SignatureNamespace.commit)
        let found = try SignatureVerifier.signers(
            armored: Array(signature.utf8), message: message, namespace: SignatureNamespace.commit,
            allowedSigners: signers, at: W.now)
        #expect(found.principals.isEmpty)
        #expect(
            throws: SignatureFailure.self,
            performing: {
                try SignatureVerifier.verify(
                    armored: Array(signature.utf8), message: message, principal: "gate-1@example.com",
                    namespace: SignatureNamespace.commit, allowedSigners: signers, at: W.now)
            })
    }

    @Test func crlfSignersFileReadsLineByLine() throws {
        // ssh-keygen -Y verify accepts an allowed_signers file with CRLF
        // line ends; writ must read the same lines, not one long line.
        let lines = [W.bob, W.alice].map { "\($0.rawValue) \(world.key($0).publicKey.openSSHLine)" }
        let signers = try AllowedSigners(parsing: lines.joined(separator: "\r\n") + "\r\n")
        #expect(signers.entries.count == 2)
        let message = Data("hi\n".utf8)
        let signature = try world.key(W.alice).sign(message: message, namespace: "writ-approval")
        _ = try SignatureVerifier.verify(
            armored: Array(signature.utf8), message: message, principal: W.alice.rawValue, namespace: "writ-approval",
            allowedSigners: signers, at: W.now)
    }

    // MARK: Tiers

    @Test func approvalForAHigherTierDoesNotCount() throws {
        let intent = try world.intent(kind: "dev")
        let verdict = try world.decide(intent, [try world.approval(of: intent, by: W.alice, tier: .high)])
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .tierMismatch)
    }

    @Test func blastRadiusBelowTheKindKeepsTheKindsTier() throws {
        let intent = try world.intent(kind: "release", blastRadius: .low)
        let oneLow = try world.decide(intent, [try world.approval(of: intent, by: W.alice, tier: .low)])
        #expect(oneLow.tier == .high)
        #expect(oneLow.reason == .tierMismatch)
        let one = try world.decide(intent, [try world.approval(of: intent, by: W.alice)])
        #expect(one.reason == .notApproved)
        #expect(one.approvalsRequired == 2)
    }

    // MARK: Time

    /// `record` with its `expires_at` written as `text` and signed by `signer`.
    func reExpired(_ evidence: ApprovalEvidence, _ text: String, signer: SSHEd25519PrivateKey) throws
        -> ApprovalEvidence
    {
        var source = String(decoding: evidence.bytes, as: UTF8.self)
        let line = try #require(source.split(separator: "\n").first { $0.hasPrefix("expires_at") })
        source = source.replacingOccurrences(of: String(line), with: "expires_at = \"\(text)\"")
        let bytes = Data(source.utf8)
        return ApprovalEvidence(
            path: evidence.path, bytes: bytes, signature: W.sign(bytes, with: signer, namespace: "writ-approval"),
            commit: evidence.commit)
    }

    @Test func expiryWithAnOffsetIsTheInstantItNames() throws {
        let intent = try world.intent(kind: "dev")
        let base = try world.approval(of: intent, by: W.bob, expiresAt: .offset(86_400))
        // now + 1h written in UTC+05:00 reads 5 hours later on the clock face:
        // still the instant now + 1h, so not expired.
        let later = Timestamp.offset(3600)
        let ahead = Timestamp.offset(3600 + 5 * 3600).rfc3339.replacingOccurrences(of: "Z", with: "+05:00")
        #expect(Timestamp(rfc3339: ahead) == later)
        #expect(try world.decide(intent, [try reExpired(base, ahead, signer: world.key(W.bob))]).state == .ready)
        // now - 1h written in UTC-05:00 is in the past although its clock
        // face is before now by 6 hours: expired.
        let behind = Timestamp.offset(-3600 - 5 * 3600).rfc3339.replacingOccurrences(of: "Z", with: "-05:00")
        let past = try world.decide(intent, [try reExpired(base, behind, signer: world.key(W.bob))])
        #expect(past.reason == .approvalExpired)
        // now + 1h written in UTC-05:00 reads earlier on the clock face than
        // now, but is in the future: not expired.
        let faceBefore = Timestamp.offset(3600 - 5 * 3600).rfc3339.replacingOccurrences(of: "Z", with: "-05:00")
        #expect(Timestamp(rfc3339: faceBefore) == later)
        #expect(try world.decide(intent, [try reExpired(base, faceBefore, signer: world.key(W.bob))]).state == .ready)
    }

    // MARK: Gates

    @Test func gateNamesAreCaseSensitive() throws {
        let intent = try world.intent(kind: "dev", requires: ["verification"])
        let approval = try world.approval(of: intent, by: W.bob)
        let wrongCase = try world.event(
            of: intent, 1, .gate(name: "Verification", status: .pass), signers: [W.gatekeeper])
        let verdict = try world.decide(intent, [approval], [wrongCase])
        #expect(verdict.reason == .gateMissing)
        let right = try world.event(of: intent, 1, .gate(name: "verification", status: .pass), signers: [W.gatekeeper])
        #expect(try world.decide(intent, [approval], [right]).state == .ready)
    }

    // MARK: Malformed records

    @Test func eventWithDuplicateKeysIsDiscarded() throws {
        let intent = try world.intent(kind: "dev")
        let approval = try world.approval(of: intent, by: W.bob)
        let claim = try world.event(of: intent, 1, claimPayload, signers: [W.dispatcher])
        #expect(try world.decide(intent, [approval], [claim]).state == .claimed)
        // The same gate event with "status" twice: one reader may take FAIL,
        // another PASS. It must count for neither.
        let gate = try world.event(of: intent, 1, .gate(name: "verification", status: .fail), signers: [W.gatekeeper])
        let text = String(decoding: gate.bytes, as: UTF8.self)
        let doubled = text.replacingOccurrences(
            of: "\"status\":\"FAIL\"", with: "\"status\":\"FAIL\",\"status\":\"PASS\"")
        #expect(doubled != text)
        let forged = EventEvidence(
            path: gate.path, bytes: Data(doubled.utf8), commit: gate.commit, signers: gate.signers)
        let gated = try world.intent(kind: "dev", requires: ["verification"])
        let gatedForged = EventEvidence(
            path: forged.path,
            bytes: Data(
                doubled.replacingOccurrences(
                    of: Intent.digest(ofFileBytes: intent.bytes).description,
                    with: Intent.digest(ofFileBytes: gated.bytes).description
                ).utf8),
            commit: forged.commit, signers: forged.signers)
        let verdict = try world.decide(gated, [try world.approval(of: gated, by: W.bob)], [gatedForged])
        #expect(verdict.reason == .gateMissing)
        #expect(verdict.discarded.contains { $0.kind == .event && $0.reason == .ledgerViolation })
    }

    @Test func requestFileIsNeverAnApproval() throws {
        let intent = try world.intent(kind: "dev")
        let approval = try world.approval(of: intent, by: W.bob)
        let id = try #require(IntentID("deploy-1"))
        let asRequest = ApprovalEvidence(
            path: GovernancePath.request(id).path, bytes: approval.bytes, signature: approval.signature,
            commit: approval.commit)
        let verdict = try world.decide(intent, [asRequest])
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .approvalMalformed)
    }

    @Test func duplicateTOMLKeysAreMalformed() throws {
        let policy = world.policyText.replacingOccurrences(
            of: "release = \"high\"", with: "release = \"high\"\nrelease = \"low\"")
        #expect(throws: WritError.self) { try Policy.parse(Data(policy.utf8)) }
        let intent = try world.intent(kind: "dev")
        let approval = try world.approval(of: intent, by: W.bob)
        let text = String(decoding: approval.bytes, as: UTF8.self)
        let doubled = Data((text + "tier = \"low\"\n").utf8)
        #expect(throws: WritError.self) { try ApprovalRecord.parse(doubled) }
    }

    @Test func nonUTF8AndHugeRecordsAreMalformed() throws {
        let intent = try world.intent(kind: "dev")
        var bytes = Array(try world.approval(of: intent, by: W.bob).bytes)
        bytes.append(0xFF)
        #expect(throws: WritError.self) { try ApprovalRecord.parse(bytes) }
        let huge = Data(String(repeating: "# padding\n", count: 10_000).utf8)
        #expect(throws: WritError.self) { try Intent.parse(huge) }
    }
}

/// The same probes against a real ops repo: tree entries of the wrong kind
/// where a record or signature file is expected, written with stock git.
@Suite("Odd tree entries on the governance branch never count")
struct GovernanceTreeEntryTests {
    /// Replaces (or adds) the entry at `path` in the governance head's tree
    /// with `mode`/`type`/`object`, and commits that as the new head.
    static func replace(_ repo: E2ERepo, _ path: String, mode: String, type: String, object: String) throws {
        let dir = repo.opsURL
        func rewrite(_ tree: String?, _ parts: ArraySlice<String>) throws -> String {
            let name = try #require(parts.first)
            var lines =
                try tree.map { try GitTestSupport.git(dir, "ls-tree", $0).split(separator: "\n").map(String.init) }
                ?? []
            let existing = lines.firstIndex { $0.hasSuffix("\t" + name) }
            let entry: String
            if parts.count == 1 {
                entry = "\(mode) \(type) \(object)\t\(name)"
            } else {
                let sub = existing.map { lines[$0].split(separator: " ")[2].split(separator: "\t")[0] }.map(String.init)
                entry = "040000 tree \(try rewrite(sub, parts.dropFirst()))\t\(name)"
            }
            if let existing { lines[existing] = entry } else { lines.append(entry) }
            return try GitTestSupport.git(dir, "mktree", stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        let head = try GitTestSupport.git(dir, "rev-parse", "refs/heads/main")
        let tree = try rewrite(head + "^{tree}", ArraySlice(path.split(separator: "/").map(String.init)))
        let commit = try GitTestSupport.git(dir, "commit-tree", tree, "-p", head, "-m", "odd entry")
        try GitTestSupport.git(dir, "update-ref", "refs/heads/main", commit, head)
    }

    func readyDevIntent(_ repo: E2ERepo, _ id: String) throws -> IntentID {
        try repo.propose("dev", id)
        try repo.approve(id, as: E2ERepo.bob)
        #expect(try repo.verdict(id).state == .ready)
        return try E2ERepo.id(id)
    }

    @Test func symlinkSignatureDoesNotCount() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let id = try readyDevIntent(repo, "dev-symlink-sig")
        let sig = GovernancePath.approvalSignature(id, try E2ERepo.principal(E2ERepo.bob)).path
        // The symlink's target text is the very signature: the same bytes,
        // but not a file, so a checkout would not show it as one.
        let blob = try GitTestSupport.git(repo.opsURL, "rev-parse", "refs/heads/main:\(sig)")
        try Self.replace(repo, sig, mode: "120000", type: "blob", object: blob)
        let verdict = try repo.verdict("dev-symlink-sig")
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .approvalSignatureInvalid)
    }

    @Test func directoryOrSubmoduleNamedLikeARecordDoesNotCount() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let id = try readyDevIntent(repo, "dev-odd-entries")
        let record = GovernancePath.approval(id, try E2ERepo.principal(E2ERepo.bob)).path
        let blob = try GitTestSupport.git(repo.opsURL, "rev-parse", "refs/heads/main:\(record)")
        // bob's record becomes a directory holding the record's bytes.
        let folder = try GitTestSupport.git(
            repo.opsURL, "mktree", stdin: Data("100644 blob \(blob)\tinner.toml\n".utf8))
        try Self.replace(repo, record, mode: "040000", type: "tree", object: folder)
        let asDirectory = try repo.verdict("dev-odd-entries")
        #expect(asDirectory.state == .blocked)
        #expect(asDirectory.reason == .approvalMalformed)
        // ... and then a submodule entry.
        let head = try GitTestSupport.git(repo.opsURL, "rev-parse", "refs/heads/main")
        try Self.replace(repo, record, mode: "160000", type: "commit", object: head)
        let asSubmodule = try repo.verdict("dev-odd-entries")
        #expect(asSubmodule.state == .blocked)
        #expect(asSubmodule.reason == .approvalMalformed)
    }

    @Test func policyReplacedBySymlinkIsUnapproved() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        _ = try readyDevIntent(repo, "dev-policy-link")
        let blob = try GitTestSupport.git(repo.opsURL, "rev-parse", "refs/heads/main:policy.toml")
        try Self.replace(repo, "policy.toml", mode: "120000", type: "blob", object: blob)
        let status = try repo.status()
        #expect(!status.governance.trusted)
        #expect(status.governance.reason == .policyUnapproved)
        #expect(status.intents.allSatisfy { $0.state != .ready })
    }
}
