import Foundation
import WritCore
import WritGit
import WritOps

/// What `writ mcp` works with: the agent's ops repo clone, its own signing
/// identity and the pinned trust root, and the tools' work on them.
///
/// Every reading and writing of the repository runs on one serial queue of
/// its own (``onRepo(_:)``): a libgit2 handle is used by one thread at a
/// time, tool calls that arrive together are answered one after another,
/// and a long fetch never holds a thread of the cooperative pool that
/// reads the protocol (so a cancellation still gets through).
package final class AgentDesk: @unchecked Sendable {
    /// The agent's clone; its remote is where every proposal is pushed.
    package let ops: OpsRepo
    /// The agent's principal and key: what every intent is signed with.
    package let identity: SigningIdentity
    /// The pinned governance commit every check is made under.
    package let trustRoot: ObjectID
    /// Where warnings go: standard error (standard output is the protocol).
    let warn: @Sendable (String) -> Void
    /// The clock; a test may pin it.
    let clock: @Sendable () -> Date
    private let queue = DispatchQueue(label: "writ.mcp.repository")

    /// A desk over `ops` (which must have a remote: proposals are pushed).
    package init(
        ops: OpsRepo, identity: SigningIdentity, trustRoot: ObjectID,
        warn: @escaping @Sendable (String) -> Void = { _ in }, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.ops = ops
        self.identity = identity
        self.trustRoot = trustRoot
        self.warn = warn
        self.clock = clock
    }

    /// Runs `body` on the repository's queue and returns what it returns.
    package func onRepo<T: Sendable>(_ body: @escaping @Sendable (AgentDesk) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self) })
            }
        }
    }

    // MARK: Reading

    /// Fetches the governance and ledger branches (and `approval/<id>` for
    /// each id in `approvals`) from the remote; only remote-tracking refs
    /// move, and every reading takes the newer of each pair.
    func fetch(approvals ids: [IntentID] = []) throws {
        guard let remote = ops.remote else { return }
        _ = try ops.repository.fetch(
            remote: remote, refs: [ops.governanceRef, ops.ledgerRef] + ids.map { "approval/\($0.rawValue)" })
    }

    /// The governance state trusted now (the last one trusted on the
    /// chain when the head waits for its quorum), and the head's verdict.
    func trustedGovernance() throws -> (state: GovernanceState, headTrusted: Bool, detail: String) {
        let timeline = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: clock(), requireTrustedHead: false)
        let verdict = timeline.verdict
        guard let head = timeline.points.last else {
            throw WritError(.trustRootMissing, "the governance branch has no commit from the trust root on")
        }
        return (verdict.trusted ?? head.trusted, verdict.trusted != nil, verdict.detail)
    }

    /// Refuses an identity that may decide anything: its principal, or any
    /// principal `allowed_signers` lists with the same key, holding a role
    /// that approves, denies or resolves a tier, attests gates or changes
    /// governance (``Policy/decidingRoles(of:)``). An agent key and an
    /// approver key are never the same.
    func refuseDecidingKey(_ governance: GovernanceState) throws {
        let key = try identity.publicKey()
        var holders = [identity.principal.rawValue]
        for name in governance.signers.principals(listing: key) where !holders.contains(name) { holders.append(name) }
        var findings: [String] = []
        for name in holders {
            guard let principal = Principal(name) else { continue }
            let roles = governance.policy.decidingRoles(of: principal)
            guard !roles.isEmpty else { continue }
            let whose = principal == identity.principal ? "" : " (allowed_signers lists the same key for it)"
            findings.append("\(principal)\(whose) holds " + roles.joined(separator: ", "))
        }
        guard findings.isEmpty else {
            throw AgentKeyRefused(
                detail: "the agent's key may decide, not only propose: " + findings.joined(separator: "; ")
                    + " (roles that approve, deny or resolve a tier, attest gates or change governance, "
                    + "in the trusted policy of \(governance.commit.hex))")
        }
    }

    /// The start-up check of `writ mcp`: fetch, then refuse an identity
    /// that may decide, or one that may not propose at all.
    package func checkAtStart() throws {
        try fetch()
        let governance = try trustedGovernance()
        try refuseDecidingKey(governance.state)
        guard governance.state.policy.mayPropose(identity.principal) else {
            throw WritError(
                .proposerNotAuthorized,
                "\(identity.principal) holds no [proposers] role in the trusted policy; every proposal would be refused"
            )
        }
    }

    /// Every intent decided now, after a fetch of the branches and of the
    /// approval branches of `ids`.
    func status(fetching ids: [IntentID]) throws -> OpsStatus {
        try fetch(approvals: ids)
        return try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: clock())
    }

    /// `id`'s report, fetched and decided afresh.
    func report(_ id: IntentID) throws -> IntentReport {
        let status = try status(fetching: [id])
        guard let line = status.intents.first(where: { $0.id == id }) else {
            guard try !ops.holdsIntent(id) else {
                throw WritError(
                    status.ledger.reason ?? .ledgerViolation,
                    "intent \(id) is on the ledger but was not judged: \(status.ledger.detail)")
            }
            throw ops.unknownIntent(id)
        }
        return IntentReport(status: status, line: line, governanceRef: ops.governanceRef)
    }

    /// The intent file's bytes as signed, nil when the ledger holds no such intent.
    func intentBytes(_ id: IntentID) throws -> Data? {
        try ops.blob(LedgerPath.intent(id).path, in: ops.ledgerHead())
    }
}

/// `writ mcp` refuses to serve a key that may decide (exit 3).
package struct AgentKeyRefused: Error, Sendable, CustomStringConvertible {
    package let detail: String
    package var description: String {
        "writ mcp refuses to start: \(detail). An agent key and an approver key are never the same: "
            + "give the agent a key and principal of its own that holds only a [proposers] role (docs/agents.md)"
    }
}
