import Foundation
import WritCore
import WritGit
import WritOps
import WritTestSupport

extension OpsSandbox {
    /// What `loadApprovedIntents` wrote.
    package struct Load: Sendable {
        /// The intents written, in the order written.
        package let ids: [IntentID]
        /// Ledger commits made (one per batch).
        package let ledgerCommits: Int
        /// Governance merge commits made (one per batch).
        package let governanceCommits: Int
    }

    /// Writes `count` intents of `kind`, each signed by `proposer`, to the
    /// ledger, and one approval of each, signed by `approver`, to the
    /// governance branch: a large ops repo built in bulk for measuring and
    /// testing `writ status` at scale.
    ///
    /// Every record is as real as one written by `writ propose` and
    /// `writ approve --merge`: signed with the principal's key, committed
    /// in SSH-signed commits, the approvals merged from an approval branch.
    /// Only the batching differs: `batchSize` intents per ledger commit and
    /// `batchSize` approvals per merged branch, so that building ten
    /// thousand intents takes seconds rather than ten thousand commits.
    @discardableResult
    package func loadApprovedIntents(
        count: Int, idPrefix: String = "load", kind: String = "dev", proposer: String, approver: String,
        batchSize: Int = 2_000, at date: Date = Date()
    ) throws -> Load {
        // A throwaway repository: flushing each of its many objects buys nothing.
        GitRuntime.setFlushing(false)
        defer { GitRuntime.setFlushing(true) }
        let proposerIdentity = try identity(proposer)
        let approverIdentity = try identity(approver)
        let policyBytes =
            try ops.repository.blob(at: GovernancePath.policy.path, in: try ops.governanceHead().hex) ?? Data()
        let tier = try Intent(
            id: IntentID("\(idPrefix)-0").orThrow(idPrefix), kind: kind, proposer: proposerIdentity.principal,
            createdAt: Timestamp(date), summary: "tier probe", target: Intent.Target(repo: "github.com/example/app")
        ).effectiveTier(try Policy.parse(policyBytes))
        let appender = BranchAppender(repository: ops.repository)
        var ids: [IntentID] = []
        var ledgerCommits = 0
        var governanceCommits = 0
        var start = 0
        while start < count {
            let end = min(start + max(1, batchSize), count)
            var intentFiles: [String: Data] = [:]
            var approvalFiles: [String: Data] = [:]
            for n in start..<end {
                let id = try IntentID("\(idPrefix)-\(n)").orThrow(idPrefix)
                let intent = try Intent(
                    id: id, kind: kind, proposer: proposerIdentity.principal, createdAt: Timestamp(date),
                    summary: "load intent \(n)", target: Intent.Target(repo: "github.com/example/app"),
                    params: ["n": String(n)])
                let bytes = Data(intent.canonicalBytes())
                intentFiles[LedgerPath.intent(id).path] = bytes
                intentFiles[LedgerPath.intentSignature(id).path] = Data(
                    try proposerIdentity.sign(bytes, namespace: DecisionEngine.intentNamespace).utf8)
                let record = try ApprovalRecord(
                    intent: id, intentDigest: Intent.digest(ofFileBytes: bytes), tier: tier, decision: .approve,
                    approver: approverIdentity.principal, createdAt: Timestamp(date))
                let recordBytes = Data(record.canonicalBytes())
                approvalFiles[record.path.path] = recordBytes
                approvalFiles[record.signaturePath.path] = Data(
                    try approverIdentity.sign(recordBytes, namespace: ApprovalRecord.signatureNamespace).utf8)
                ids.append(id)
            }
            try appender.append(
                intentFiles, to: ops.ledgerRef,
                message: "writ: propose \(end - start) intents (\(idPrefix)-\(start)...)\n",
                signer: proposerIdentity, at: date)
            ledgerCommits += 1
            let branch = "approval/\(idPrefix)-batch-\(start)"
            try appender.append(
                approvalFiles, to: branch,
                message: "writ: approve \(end - start) intents as \(approverIdentity.principal)\n",
                signer: approverIdentity, at: date, createBranchFrom: try ops.governanceHead())
            if try GovernanceMerger(ops: ops).merge(branch: branch, as: approverIdentity, now: date) != nil {
                governanceCommits += 1
            }
            start = end
        }
        return Load(ids: ids, ledgerCommits: ledgerCommits, governanceCommits: governanceCommits)
    }
}

extension Optional where Wrapped == IntentID {
    /// The id, or `intent_malformed` naming the prefix that could not make one.
    fileprivate func orThrow(_ prefix: String) throws -> IntentID {
        guard let self else { throw WritError(.intentMalformed, "\"\(prefix)\" does not make valid intent ids") }
        return self
    }
}

extension OpsSandbox {
    /// Writes `count` low-tier intents that have already run: each with its
    /// signed intent file and `auto_approved`, `claimed` and `succeeded`
    /// events: per batch, one commit of intents signed by `proposer`, then
    /// one of their events signed by `dispatcher` (a claim must come after
    /// its intent for `writ verify` to find the history honest). A ledger of
    /// settled history, built in bulk, for measuring what a no-op poll,
    /// `writ status` and `writ verify` cost.
    @discardableResult
    package func loadSettledIntents(
        count: Int, idPrefix: String = "done", kind: String = "triage", proposer: String, dispatcher: String,
        batchSize: Int = 5_000, at date: Date = Date()
    ) throws -> [IntentID] {
        // A throwaway repository: flushing each of its many objects buys nothing.
        GitRuntime.setFlushing(false)
        defer { GitRuntime.setFlushing(true) }
        let proposerIdentity = try identity(proposer)
        let dispatcherIdentity = try identity(dispatcher)
        let appender = BranchAppender(repository: ops.repository)
        var ids: [IntentID] = []
        var start = 0
        while start < count {
            let end = min(start + max(1, batchSize), count)
            var intentFiles: [String: Data] = [:]
            var files: [String: Data] = [:]
            for n in start..<end {
                let id = try IntentID("\(idPrefix)-\(n)").orThrow(idPrefix)
                let intent = try Intent(
                    id: id, kind: kind, proposer: proposerIdentity.principal, createdAt: Timestamp(date),
                    summary: "settled intent \(n)", target: Intent.Target(repo: "github.com/example/app"))
                let bytes = Data(intent.canonicalBytes())
                let digest = Intent.digest(ofFileBytes: bytes)
                intentFiles[LedgerPath.intent(id).path] = bytes
                intentFiles[LedgerPath.intentSignature(id).path] = Data(
                    try proposerIdentity.sign(bytes, namespace: DecisionEngine.intentNamespace).utf8)
                let empty = ContentDigest.sha256(of: [UInt8]())
                let events: [AuditEvent.Payload] = [
                    .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote),
                    .claimed(.init(tier: .low, runID: "run-bulk", idempotencyKey: id.rawValue, approvals: [])),
                    .succeeded(
                        AuditEvent.Outcome(
                            exitCode: 0, durationMs: 1, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "",
                            stderrTail: "")),
                ]
                for (index, payload) in events.enumerated() {
                    let event = try AuditEvent(
                        intent: id, intentDigest: digest, at: Timestamp(date), actor: dispatcherIdentity.principal,
                        payload: payload)
                    files[event.path(sequence: index + 1).path] = Data(event.canonicalJSON())
                }
                ids.append(id)
            }
            try appender.append(
                intentFiles, to: ops.ledgerRef,
                message: "writ: propose \(end - start) intents (\(idPrefix)-\(start)...)\n",
                signer: proposerIdentity, at: date)
            try appender.append(
                files, to: ops.ledgerRef, message: "writ: settle \(end - start) intents (\(idPrefix)-\(start)...)\n",
                signer: dispatcherIdentity, at: date)
            start = end
        }
        return ids
    }
}

extension OpsSandbox {
    /// Writes `count` intents of `kind` that no dispatcher has seen yet,
    /// each signed by `proposer`, in one commit per `batchSize`: a backlog
    /// for measuring what dispatching costs per intent.
    @discardableResult
    package func loadProposedIntents(
        count: Int, idPrefix: String = "new", kind: String = "triage", proposer: String, batchSize: Int = 5_000,
        at date: Date = Date()
    ) throws -> [IntentID] {
        // A throwaway repository: flushing each of its many objects buys nothing.
        GitRuntime.setFlushing(false)
        defer { GitRuntime.setFlushing(true) }
        let proposerIdentity = try identity(proposer)
        let appender = BranchAppender(repository: ops.repository)
        var ids: [IntentID] = []
        var start = 0
        while start < count {
            let end = min(start + max(1, batchSize), count)
            var files: [String: Data] = [:]
            for n in start..<end {
                let id = try IntentID("\(idPrefix)-\(n)").orThrow(idPrefix)
                let intent = try Intent(
                    id: id, kind: kind, proposer: proposerIdentity.principal, createdAt: Timestamp(date),
                    summary: "new intent \(n)", target: Intent.Target(repo: "github.com/example/app"))
                let bytes = Data(intent.canonicalBytes())
                files[LedgerPath.intent(id).path] = bytes
                files[LedgerPath.intentSignature(id).path] = Data(
                    try proposerIdentity.sign(bytes, namespace: DecisionEngine.intentNamespace).utf8)
                ids.append(id)
            }
            try appender.append(
                files, to: ops.ledgerRef, message: "writ: propose \(end - start) intents (\(idPrefix)-\(start)...)\n",
                signer: proposerIdentity, at: date)
            start = end
        }
        return ids
    }
}
