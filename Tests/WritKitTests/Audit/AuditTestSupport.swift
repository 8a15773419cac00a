import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Histories for the audit tests, built with the real dispatcher, real keys
/// and real commits in a sandbox ops repo.
enum AuditTestSupport {
    static let dispatcher = "dispatch-1@example.com"
    static let agent = "agent-1@example.com"
    static let operatorPrincipal = "bob@example.com"
    static let stranger = "mallory@example.com"

    static func sandbox(_ directory: URL) throws -> OpsSandbox {
        try OpsSandbox(
            at: directory, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals, unlisted: [stranger])
    }

    /// Writes `dispatcher.toml` into the sandbox (every kind runs /bin/true)
    /// and creates the target clone, then parses it.
    @discardableResult
    static func config(_ sandbox: OpsSandbox, claimLease: String = "30m", idempotent: Bool = false) throws
        -> DispatcherConfig
    {
        let root = sandbox.directory
        // A real (empty) clone: preflight accepts only a work tree root.
        _ = try Repository.create(at: root.appendingPathComponent("clones/github.com/example/app").path, bare: false)
        var text = """
            ops_repo = "\(root.appendingPathComponent("ops.git").path)"
            identity = "\(dispatcher)"
            signing_key = "\(sandbox.keyPath(dispatcher))"
            state_dir = "\(root.appendingPathComponent("state").path)"
            trust_root = "\(sandbox.trustRoot.hex)"
            clone_root = "\(root.appendingPathComponent("clones").path)"
            claim_lease = "\(claimLease)"

            """
        for kind in ["triage", "groom-backlog", "dev", "release"] {
            text += """

                [executors.\(kind)]
                command = ["/bin/true"]
                timeout = "1m"
                idempotent = \(idempotent)

                """
        }
        let path = root.appendingPathComponent("dispatcher.toml")
        try Data(text.utf8).write(to: path)
        return try DispatcherConfig.parse(Data(text.utf8))
    }

    static func poll(_ config: DispatcherConfig, at date: Date) throws -> RunReport {
        try Dispatcher(config: config, environment: ["PATH": "/usr/bin:/bin"], clock: { date }).poll()
    }

    static func id(_ text: String) throws -> IntentID {
        try #require(IntentID(text))
    }

    @discardableResult
    static func propose(
        _ sandbox: OpsSandbox, _ kind: String, _ id: String, at date: Date = Date()
    ) throws -> Proposer.Proposal {
        var request = Proposer.Request(
            kind: kind, target: Intent.Target(repo: "github.com/example/app", branch: "main"))
        request.id = try self.id(id)
        request.summary = "audit test \(id)"
        return try sandbox.propose(request, as: agent, at: date)
    }

    /// The intent's current digest and next free event path.
    static func next(_ sandbox: OpsSandbox, _ id: IntentID, _ kind: AuditEventKind) throws -> (ContentDigest, String) {
        let repository = sandbox.ops.repository
        let tree = try repository.commit(try sandbox.ops.ledgerHead()).tree
        let bytes = try #require(try repository.blob(at: LedgerPath.intent(id).path, inTree: tree))
        let folder = "audit/\(id.fanOut)/\(id.rawValue)"
        let used = try (try repository.entry(at: folder, inTree: tree)).map { try repository.tree($0.id).count } ?? 0
        return (Intent.digest(ofFileBytes: bytes), LedgerPath.auditEvent(id, sequence: used + 1, event: kind).path)
    }

    static func succeeded(_ id: IntentID, digest: ContentDigest, at date: Date) throws -> AuditEvent {
        let empty = ContentDigest.sha256(of: [UInt8]())
        return try AuditEvent(
            intent: id, intentDigest: digest, at: Timestamp(date), actor: try #require(Principal(dispatcher)),
            payload: .succeeded(
                .init(
                    exitCode: 0, durationMs: 1, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "", stderrTail: ""
                )))
    }

    static func claimed(
        _ id: IntentID, digest: ContentDigest, tier: Tier, approvals: [AuditEvent.ClaimedApproval] = [], at date: Date
    )
        throws -> AuditEvent
    {
        try AuditEvent(
            intent: id, intentDigest: digest, at: Timestamp(date), actor: try #require(Principal(dispatcher)),
            payload: .claimed(
                .init(tier: tier, runID: "run-by-hand", idempotencyKey: id.rawValue, approvals: approvals)))
    }

    /// `message` with the `Writ-Governance` trailer a dispatcher would
    /// write: anchored at the current governance head.
    static func anchored(_ sandbox: OpsSandbox, _ message: String) throws -> String {
        GovernanceAnchor.message(message, anchoredAt: try sandbox.ops.governanceHead())
    }

    /// Commits `files` on the ledger with no signature at all.
    @discardableResult
    static func appendUnsigned(_ sandbox: OpsSandbox, _ files: [String: Data], replacing: Bool = false, at date: Date)
        throws -> ObjectID
    {
        let repository = sandbox.ops.repository
        let tip = try sandbox.ops.ledgerHead()
        let tree = try repository.insert(files, into: try repository.commit(tip).tree, overwrite: replacing)
        let who = GitIdentity(name: "someone", email: "someone@example.com", date: date)
        let commit = try repository.createCommit(
            tree: tree, parents: [tip], author: who, committer: who, message: "unsigned\n")
        try repository.updateRef("refs/heads/" + sandbox.ops.ledgerRef, to: commit, expecting: tip)
        return commit
    }

    /// Commits `files` on the ledger signed by `signer`, overwriting existing paths.
    @discardableResult
    static func appendOverwriting(_ sandbox: OpsSandbox, _ files: [String: Data], as signer: String, at date: Date)
        throws -> ObjectID
    {
        let repository = sandbox.ops.repository
        let identity = try sandbox.identity(signer)
        let tip = try sandbox.ops.ledgerHead()
        let tree = try repository.insert(files, into: try repository.commit(tip).tree, overwrite: true)
        let who = identity.gitIdentity(at: date)
        let commit = try repository.createSignedCommit(
            tree: tree, parents: [tip], author: who, committer: who, message: "rewrite an event\n"
        ) { payload in try identity.sign(payload, namespace: "git") }
        try repository.updateRef("refs/heads/" + sandbox.ops.ledgerRef, to: commit, expecting: tip)
        return commit
    }

    static func verify(_ sandbox: OpsSandbox, idempotentKinds: Set<String> = [], at date: Date = Date()) throws
        -> VerifyReport
    {
        try LedgerVerifier(ops: sandbox.ops, idempotentKinds: idempotentKinds).verify(
            trustRoot: sandbox.trustRoot, now: date)
    }

    static func describe(_ report: VerifyReport) -> String {
        report.findings.map { "\($0.reason.rawValue) \($0.path ?? "-"): \($0.detail)" }.joined(separator: "\n")
    }
}
