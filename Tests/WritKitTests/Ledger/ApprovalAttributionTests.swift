import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The attribution rule itself (docs/decisions.md, "Which commit brought a
/// record in"): which files belong to a record, that a walk resumed from
/// any point gives what one walk from the root gives, and that the
/// dispatcher reads an approval folder exactly as `writ status` does.
@Suite("Approval attribution: which commit brought each record version in")
struct ApprovalAttributionTests {
    static let id = IntentID("deploy-1")!
    static var folder: String { "approvals/\(id.fanOut)/deploy-1" }

    @Test(
        "which governance paths belong to which record",
        arguments: [
            ("\(folder)/bob@example.com.toml", "\(folder)/bob@example.com.toml"),
            ("\(folder)/bob@example.com.toml.sig", "\(folder)/bob@example.com.toml"),
            // Read as a (malformed) record by the folder reader, so tracked too.
            ("\(folder)/not a principal.toml", "\(folder)/not a principal.toml"),
            ("\(folder)/request.toml", nil),
            ("\(folder)/request.toml.sig", nil),
            ("\(folder)/notes.txt", nil),
            ("\(folder)/bob@example.com.toml.next.sig", nil),
            ("\(folder)/nested/bob@example.com.toml", nil),
            ("approvals/00/deploy-1/bob@example.com.toml", nil),
            ("approvals/_governance/\(String(repeating: "a", count: 64))/alice@example.com.toml", nil),
            ("approvals/\(id.fanOut)/Not-An-Id/bob@example.com.toml", nil),
            ("policy.toml", nil),
        ] as [(String, String?)])
    func recordOfFile(path: String, record: String?) {
        let found = ApprovalFolder.record(ofFile: path)
        #expect(found?.record == record)
        #expect(found.map { $0.intent == Self.id } ?? true)
    }

    /// The last arrival per record, as the dispatcher's cache keeps it.
    static func attributions(_ repository: Repository, after start: ObjectID?, to head: ObjectID) throws -> [String:
        ObjectID]
    {
        var last: [String: ObjectID] = [:]
        try ApprovalAttribution.walk(repository, after: start, to: head) { last[$0.record] = $0.commit }
        return last
    }

    @Test("a walk resumed at every commit attributes as one walk from the root; a removed .sig is a new version")
    func resumedWalksAgree() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let repository = sandbox.ops.repository
        let governance = sandbox.ops.governanceRef
        try fixture.proposeApprovedHigh("release-1")
        let id = try #require(IntentID("release-1"))
        let alice = GovernancePath.approval(id, try #require(Principal("alice@example.com"))).path
        // alice's .sig is removed with stock git, then her record signed again.
        let clone = fixture.directory.appendingPathComponent("governance-clone")
        try GitTestSupport.git(fixture.directory, "clone", "-q", "-b", governance, repository.gitDirectory, clone.path)
        try GitTestSupport.git(clone, "rm", "-q", alice + ".sig")
        try GitTestSupport.git(clone, "commit", "-q", "-m", "drop alice's signature")
        try GitTestSupport.git(clone, "push", "-q", "origin", governance)
        let removal = try sandbox.ops.governanceHead()
        let removed = try repository.diff(from: try repository.commit(removal).parents.first, to: removal)
        #expect(removed.map(\.path) == [alice + ".sig"])
        #expect(try Self.attributions(repository, after: nil, to: removal)[alice] == removal)
        try sandbox.approve(id, as: "alice@example.com")
        let head = try sandbox.ops.governanceHead()

        let chain = try repository.firstParentHistory(from: head, to: nil, order: .oldestFirst)
        let whole = try Self.attributions(repository, after: nil, to: head)
        #expect(whole[alice] == head)
        for split in chain {
            var resumed = try Self.attributions(repository, after: nil, to: split)
            resumed.merge(try Self.attributions(repository, after: split, to: head)) { $1 }
            #expect(resumed == whole, "resumed after \(split.hex)")
        }
        let index = try ApprovalIndex(repository: repository, head: head)
        #expect(index.chain == chain)
        let asOfRemoval = try index.approvals(for: id, asOf: try #require(chain.firstIndex(of: removal)))
        #expect(asOfRemoval.first { $0.path == alice }?.commit == removal)
        #expect(asOfRemoval.first { $0.path == alice }?.signature == nil)
    }

    @Test("a record named by no principal blocks the dispatcher with the reason status gives")
    func malformedNameSameReason() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        let now = Date()
        let proposal = try sandbox.propose(try fixture.request("dev", "odd-name"), as: "agent-1@example.com", at: now)
        let id = proposal.intent.id
        // bob's record and signature, filed under a name that is no principal.
        let record = try ApprovalRecord(
            intent: id, intentDigest: proposal.digest, tier: .medium, decision: .approve,
            approver: try #require(Principal("bob@example.com")), createdAt: Timestamp(now))
        let bytes = Data(record.canonicalBytes())
        let signature = Data(
            try sandbox.identity("bob@example.com").sign(bytes, namespace: ApprovalRecord.signatureNamespace).utf8)
        let path = ApprovalFolder.path(of: id) + "/bob!.toml"
        try BranchAppender(repository: sandbox.ops.repository).append(
            [path: bytes, path + ".sig": signature], to: sandbox.ops.governanceRef, message: "odd name\n",
            signer: try sandbox.identity("bob@example.com"), at: now)

        let status = try #require(try sandbox.status(at: now).intents.first { $0.id == id })
        #expect(status.reason == .approvalMalformed, "\(status.detail)")
        let report = try fixture.dispatcher(clock: { now }).poll()
        let entry = try #require(report.intents.first { $0.id == id })
        #expect(entry.result == .blocked)
        #expect(entry.reason == status.reason)
    }
}
