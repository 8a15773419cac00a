import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A real ops repo (bare, with generated keys) and the helpers the
/// end-to-end suites share: every record they build is signed and
/// committed for real, and every verdict comes from `StatusEvaluator`.
struct E2ERepo {
    static let alice = "alice@example.com"
    static let carol = "carol@example.com"
    static let bob = "bob@example.com"
    static let agent = "agent-1@example.com"
    static let dispatcher = "dispatch-1@example.com"
    static let mallory = "mallory@example.com"

    let directory: URL
    let sandbox: OpsSandbox
    /// The clock every record and every verdict of a test uses.
    let now: Date

    init(
        _ name: String = #function, policy: String = OpsSandbox.demoPolicy,
        principals: [String] = OpsSandbox.demoPrincipals, extraSigners: String = ""
    ) throws {
        directory = try GitTestSupport.scratch("e2e-\(name)")
        sandbox = try OpsSandbox(
            at: directory, policy: policy, principals: principals, unlisted: [Self.mallory], extraSigners: extraSigners)
        // Whole seconds, so that record timestamps and the clock agree exactly.
        now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    func remove() { GitTestSupport.remove(directory) }

    var gitDir: String { sandbox.ops.repository.gitDirectory }
    var opsURL: URL { directory.appendingPathComponent("ops.git") }

    static func id(_ text: String) throws -> IntentID {
        try #require(IntentID(text), "not an intent id: \(text)")
    }

    static func principal(_ text: String) throws -> Principal {
        try #require(Principal(text), "not a principal: \(text)")
    }

    static func request(
        _ kind: String, _ id: String, expiresAt: Timestamp? = nil, requires: [String] = []
    ) throws -> Proposer.Request {
        var request = Proposer.Request(
            kind: kind, target: Intent.Target(repo: "github.com/example/app", branch: "main"))
        request.id = try Self.id(id)
        request.summary = "\(kind) \(id)"
        request.expiresAt = expiresAt
        request.requires = requires
        return request
    }

    /// `writ propose` of `kind` as `principal`.
    @discardableResult
    func propose(
        _ kind: String, _ id: String, as principal: String = E2ERepo.agent, expiresAt: Timestamp? = nil,
        requires: [String] = []
    ) throws -> Proposer.Proposal {
        try sandbox.propose(
            Self.request(kind, id, expiresAt: expiresAt, requires: requires), as: principal, at: now)
    }

    /// `writ approve --merge` as `principal`.
    @discardableResult
    func approve(_ id: String, as principal: String, decision: Decision = .approve, expiresAt: Timestamp? = nil)
        throws -> Approver.Approval
    {
        try sandbox.approve(Self.id(id), as: principal, decision: decision, expiresAt: expiresAt, at: now)
    }

    /// An approval record as `approver` would sign it, with the fields given.
    func record(
        _ id: String, approver: String, digest: ContentDigest, tier: Tier, decision: Decision = .approve,
        expiresAt: Timestamp? = nil
    ) throws -> ApprovalRecord {
        try ApprovalRecord(
            intent: Self.id(id), intentDigest: digest, tier: tier, decision: decision,
            approver: Self.principal(approver), createdAt: Timestamp(now), expiresAt: expiresAt)
    }

    /// Commits `files` on `branch` (from the governance head) as `signer`
    /// and merges it into the governance branch, as merging a PR would.
    func fileOnGovernance(_ files: [String: Data], branch: String, signedBy signer: String) throws {
        let identity = try sandbox.identity(signer)
        try BranchAppender(repository: sandbox.ops.repository).append(
            files, to: branch, message: "test: \(branch)\n", signer: identity, at: now,
            createBranchFrom: try sandbox.ops.governanceHead(), overwrite: true)
        try GovernanceMerger(ops: sandbox.ops).merge(branch: branch, as: identity, now: now)
    }

    /// An intent's bytes, signed by `signer` (who may differ from `proposer`).
    func rawIntent(
        _ id: String, kind: String, proposer: String = E2ERepo.agent, requires: [String]? = nil
    ) throws -> Intent {
        try Intent(
            id: Self.id(id), kind: kind, proposer: Self.principal(proposer), createdAt: Timestamp(now),
            summary: "\(kind) \(id)", requires: requires, target: Intent.Target(repo: "github.com/example/app"))
    }

    /// Appends an intent file at `path` with a `.sig` by `signer`.
    func appendIntent(_ bytes: Data, at id: IntentID, signedBy signer: String, signature: Data? = nil) throws {
        let sig =
            try signature ?? Data(sandbox.identity(signer).sign(bytes, namespace: DecisionEngine.intentNamespace).utf8)
        try sandbox.appendToLedger(
            [LedgerPath.intent(id).path: bytes, LedgerPath.intentSignature(id).path: sig],
            as: Self.agent, message: "test: raw intent \(id)\n", at: now)
    }

    func status(at date: Date? = nil) throws -> OpsStatus {
        try sandbox.status(at: date ?? now)
    }

    /// One intent's line of the status at `date`.
    func verdict(_ id: String, at date: Date? = nil) throws -> OpsStatus.IntentStatus {
        let status = try status(at: date)
        return try #require(status.intents.first { $0.id.rawValue == id }, "no status line for \(id)")
    }
}

extension Data {
    /// The bytes with one character of an armored signature's base64 body changed.
    func flippingSignatureByte() -> Data {
        var text = String(decoding: self, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The last body line (before the END armour and the final newline)
        // holds the tail of the ed25519 signature itself, not the key.
        let index = lines.count - 3
        var characters = Array(lines[index])
        let position = 2
        characters[position] = characters[position] == "A" ? "B" : "A"
        lines[index] = String(characters)
        text = lines.joined(separator: "\n")
        return Data(text.utf8)
    }
}
