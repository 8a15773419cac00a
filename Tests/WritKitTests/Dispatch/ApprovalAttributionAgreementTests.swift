import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// One governance history where approval records arrive in every way that
/// moves their attribution: `writ status`, the dispatcher's `claimed` events
/// and `writ verify` must name the same first-parent commit for each record
/// (docs/decisions.md, "Which commit brought a record in").
@Suite("Approval attribution: status, dispatch and verify name the same commit")
struct ApprovalAttributionAgreementTests {
    static let bob = "bob@example.com"
    static let alice = "alice@example.com"
    static let carol = "carol@example.com"

    /// The approval record `approver` would write for `proposal`.
    static func record(_ proposal: Proposer.Proposal, by approver: String, tier: Tier, at date: Date) throws
        -> ApprovalRecord
    {
        try ApprovalRecord(
            intent: proposal.intent.id, intentDigest: proposal.digest, tier: tier, decision: .approve,
            approver: try #require(Principal(approver)), createdAt: Timestamp(date))
    }

    /// The record's bytes and the `.sig` its approver makes.
    static func signed(_ record: ApprovalRecord, in sandbox: OpsSandbox) throws -> [String: Data] {
        let bytes = Data(record.canonicalBytes())
        let signature = try sandbox.identity(record.approver.rawValue).sign(
            bytes, namespace: ApprovalRecord.signatureNamespace)
        return [record.path.path: bytes, record.signaturePath.path: Data(signature.utf8)]
    }

    /// Every counting `claimed` event's approvals on the ledger, per intent.
    static func claimedApprovals(_ sandbox: OpsSandbox, _ ids: [IntentID]) throws -> [IntentID: [String: String]] {
        let repository = sandbox.ops.repository
        let tree = try repository.commit(try sandbox.ops.ledgerHead()).tree
        var claimed: [IntentID: [String: String]] = [:]
        for id in ids {
            let folder = "audit/\(id.fanOut)/\(id.rawValue)"
            guard let entry = try repository.entry(at: folder, inTree: tree) else { continue }
            for file in try repository.tree(entry.id) where file.name.hasSuffix("-claimed.json") {
                let event = try AuditEvent.parse(try repository.blob(file.id))
                guard case .claimed(let claim) = event.payload else { continue }
                for approval in claim.approvals {
                    claimed[id, default: [:]][approval.approver.rawValue] = approval.commit
                }
            }
        }
        return claimed
    }

    @Test("a re-committed .sig, a changed record, a side-branch record and a merged record: one commit each")
    func agreementTable() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let repository = sandbox.ops.repository
        let governance = sandbox.ops.governanceRef
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let resigned = try sandbox.propose(fixture.request("dev", "resigned"), as: "agent-1@example.com", at: now)
        let changed = try sandbox.propose(fixture.request("dev", "changed"), as: "agent-1@example.com", at: now)
        let side = try sandbox.propose(fixture.request("dev", "side"), as: "agent-1@example.com", at: now)
        let merged = try sandbox.propose(fixture.request("release", "merged"), as: "agent-1@example.com", at: now)
        let ids = [resigned, changed, side, merged].map(\.intent.id)

        // resigned: bob's record arrives by a merge with a broken .sig ...
        let resignedRecord = try Self.record(resigned, by: Self.bob, tier: .medium, at: now)
        let goodSignature = try #require(
            try Self.signed(resignedRecord, in: sandbox)[resignedRecord.signaturePath.path])
        try sandbox.file(
            resignedRecord, signedBy: Self.bob, signatureBytes: goodSignature.flippingSignatureByte(), at: now)
        // changed: bob's first version names the wrong tier ...
        try sandbox.file(try Self.record(changed, by: Self.bob, tier: .high, at: now), signedBy: Self.bob, at: now)
        // side: bob's record stays on its approval branch, never merged.
        try sandbox.file(
            try Self.record(side, by: Self.bob, tier: .medium, at: now), signedBy: Self.bob, merge: false, at: now)

        // A poll now claims nothing, and remembers what it has seen so far.
        let first = try fixture.dispatcher(clock: { now }).poll()
        #expect(fixture.runs().isEmpty, "nothing was ready: \(first)")

        // resigned: ... and the good .sig arrives by a later merge, the .toml unchanged.
        try sandbox.file(resignedRecord, signedBy: Self.bob, signatureBytes: goodSignature, at: now)
        let resignedCommit = try sandbox.ops.governanceHead()
        let resignedChanges = try repository.diff(
            from: try repository.commit(resignedCommit).parents.first, to: resignedCommit
        )
        .map(\.path)
        #expect(resignedChanges == [resignedRecord.signaturePath.path])
        // changed: ... and the corrected version is committed on the governance branch itself.
        let changedCommit = try BranchAppender(repository: repository).append(
            try Self.signed(
                try Self.record(changed, by: Self.bob, tier: .medium, at: now.addingTimeInterval(-1)), in: sandbox),
            to: governance, message: "correct bob's record for changed\n", signer: try sandbox.identity(Self.bob),
            at: now,
            overwrite: true)
        // merged: both admins' records written on a branch, which a merge commit brings in.
        let branch = try #require(merged.approvalBranch)
        var files: [String: Data] = [:]
        for admin in [Self.alice, Self.carol] {
            files.merge(try Self.signed(try Self.record(merged, by: admin, tier: .high, at: now), in: sandbox)) { $1 }
        }
        let branchCommit = try BranchAppender(repository: repository).append(
            files, to: branch, message: "approve merged\n", signer: try sandbox.identity(Self.alice), at: now)
        let mergeCommit = try #require(
            try GovernanceMerger(ops: sandbox.ops).merge(branch: branch, as: try sandbox.identity(Self.alice), now: now)
        )
        #expect(try repository.commit(mergeCommit).parents == [changedCommit, branchCommit])

        let expected: [IntentID: [String: ObjectID]] = [
            resigned.intent.id: [Self.bob: resignedCommit],
            changed.intent.id: [Self.bob: changedCommit],
            side.intent.id: [:],
            merged.intent.id: [Self.alice: mergeCommit, Self.carol: mergeCommit],
        ]

        // writ status: what it counts, and from which commit.
        let status = try sandbox.status(at: now)
        for id in ids {
            let verdict = try #require(status.verdicts[id], "no verdict for \(id)")
            let counted = Dictionary(
                verdict.counted.map { ($0.approver.rawValue, $0.commit) }, uniquingKeysWith: { $1 })
            #expect(counted == expected[id], "status for \(id): \(verdict.state) \(verdict.detail)")
        }
        #expect(status.verdicts[side.intent.id]?.reason == .notApproved)

        // The dispatcher, resuming from its first poll: its claims name the same commits.
        _ = try fixture.dispatcher(clock: { now }).poll()
        #expect(fixture.runs().sorted() == ["changed", "merged", "resigned"])
        let claimed = try Self.claimedApprovals(sandbox, ids)
        for id in ids {
            #expect(claimed[id] ?? [:] == (expected[id] ?? [:]).mapValues(\.hex), "claim for \(id)")
        }
        let store = StateStore(stateDir: try fixture.config().stateDir, profile: try fixture.config().profile)
        #expect(try store.loadIntent(side.intent.id).approvals.isEmpty)

        // writ verify replays each claim with the same index, as of the
        // claim's governance position: no finding, and the same commits.
        let report = try LedgerVerifier(ops: sandbox.ops).verify(trustRoot: sandbox.trustRoot, now: now)
        #expect(report.findings.isEmpty, "\(AuditTestSupport.describe(report))")
        #expect(report.claims == 3)
        let index = try ApprovalIndex(repository: repository, head: try sandbox.ops.governanceHead())
        for id in ids {
            let attributed = Dictionary(
                try index.approvals(for: id).map { approval in
                    (String((approval.path.split(separator: "/").last ?? "").dropLast(".toml".count)), approval.commit)
                }, uniquingKeysWith: { $1 })
            #expect(attributed == expected[id], "verify's index for \(id)")
        }
    }
}
