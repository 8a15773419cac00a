import Foundation
import Logging
import WritCore
import WritSystem

/// Keeps an approval pull request on the ops repo's forge for each intent
/// waiting for approval (`approval_prs`, live mode): opens or adopts it with
/// its notice, rewrites its body when what it shows changed, and posts the
/// final comment once the intent settled. It remembers what it did in
/// `approval-prs.json` in the profile's state directory.
///
/// Invariants: best effort — a forge failure is logged and tried again next
/// poll, it never stops the dispatch of other intents; the state file only
/// saves calls (the markers `ApprovalNotifier` writes are what make the flow
/// idempotent), so losing it duplicates nothing.
struct ApprovalPRTracker {
    let transport: TransportConfig
    package let governanceRef: String
    /// The ops repo's remote the approval branches are fetched from.
    package let remote: String?
    /// `approval-prs.json` in the profile's state directory.
    let statePath: String
    package let logger: Logger

    /// What this dispatcher opened on the forge for one intent: the pull
    /// request, the approvals count its body shows, and whether the final
    /// comment was made.
    struct ApprovalPR: Codable {
        package var number: Int
        package var counted: Int
        package var settled: Bool
        /// sha256 of the title and body last written: the body is
        /// recomputed every poll and sent only when it changed.
        package var body: String?
    }

    /// Opens (or adopts) the approval PR for each of `waiting` whose body
    /// changed, and posts the final comment on those that settled on the
    /// ledger as `ledger` sees it. `token` is asked only when there is
    /// something to send.
    func notify(_ waiting: [ApprovalNotifier.Waiting], ledger: PollLedger, token: () -> String?) throws {
        guard transport.approvalPRs, transport.mode == .live, let slug = transport.opsRepoSlug else { return }
        var known = (try? StateFiles.readJSON([String: ApprovalPR].self, from: statePath) ?? [:]) ?? [:]
        let bodies = approvalBodies(waiting, ledger: ledger)
        let pending = bodies.filter { known[$0.waiting.id.rawValue]?.body != $0.digest }
        let settling = try known.filter { !$0.value.settled }.compactMap {
            entry -> (IntentID, ApprovalPR, ApprovalNotifier.Settled)? in
            guard let id = IntentID(entry.key) else { return nil }
            if try ledger.sync.hasFinalOutcome(id, in: ledger.view) {
                return (id, entry.value, try Self.settledRun(id, ledger: ledger))
            }
            // Withdrawn (SPEC §4.8): settled without a run, and its pull
            // request gets its final comment all the same.
            return try Self.withdrawal(id, ledger: ledger).map { (id, entry.value, $0) }
        }
        guard !pending.isEmpty || !settling.isEmpty else { return }
        guard let token = token() else {
            logger.warning("approval PRs: the forge token is not set")
            return
        }
        let notifier: ApprovalNotifier
        do {
            notifier = ApprovalNotifier(
                client: try ForgeClient(transport: transport, token: token, timeout: .seconds(60)),
                transport: transport, opsRepo: slug, governanceRef: governanceRef)
        } catch {
            logger.warning("approval PRs: cannot set up the forge client", metadata: ["error": "\(error)"])
            return
        }
        for (waiting, digest) in pending {
            do {
                let number = try notifier.open(waiting)
                known[waiting.id.rawValue] = ApprovalPR(
                    number: number, counted: waiting.counted.count, settled: false, body: digest)
            } catch {
                logger.warning(
                    "approval PR not opened",
                    metadata: ["intent": "\(waiting.id)", "reason": "\(ForgeError.failure(of: error).reason.rawValue)"])
            }
        }
        for (id, entry, settled) in settling {
            do {
                try notifier.settle(settled, number: entry.number)
                known[id.rawValue]?.settled = true
            } catch {
                logger.warning(
                    "approval PR final comment not posted",
                    metadata: ["intent": "\(id)", "reason": "\(ForgeError.failure(of: error).reason.rawValue)"])
            }
        }
        try StateFiles.writeJSON(known, to: statePath)
    }

    /// Every waiting intent with its approval PR body recomputed from the
    /// intent and its approval branch (fetched from the remote first, so
    /// the body shows what approvers pushed), and the digest of its title
    /// and body. A fetch that fails is logged; the last fetched branches
    /// are shown then.
    private func approvalBodies(_ awaiting: [ApprovalNotifier.Waiting], ledger: PollLedger)
        -> [(waiting: ApprovalNotifier.Waiting, digest: String)]
    {
        guard !awaiting.isEmpty else { return [] }
        let repository = ledger.ops.repository
        if let remote {
            do {
                _ = try repository.fetch(remote: remote, refs: awaiting.map { ApprovalNotifier.branch($0.id) })
            } catch {
                logger.warning("approval PRs: cannot fetch the approval branches", metadata: ["error": "\(error)"])
            }
        }
        let branches = ApprovalBranches(remote: remote)
        let view = ledger.view
        let policy = view.trusted.policy
        return awaiting.map { waiting in
            var waiting = waiting
            if let evidence = waiting.evidence, let records = try? branches.records(of: waiting.id, in: repository),
                !records.isEmpty
            {
                waiting.branch = DecisionEngine.projectMerge(
                    waiting.id, governance: view.trusted, intent: evidence.intent, merged: evidence.approvals,
                    branch: records, events: evidence.events, now: ledger.now)
            }
            let signed = Set(waiting.counted.map(\.approver) + (waiting.branch?.signers ?? []))
            waiting.mayApprove = policy.mayStillApprove(
                tier: waiting.tier, proposer: waiting.intent.proposer, signed: signed
            ).map { ($0, policy.logins(of: $0)) }
            for principal in Set(waiting.groups.flatMap(\.mayApprove)) {
                waiting.logins[principal] = policy.logins(of: principal)
            }
            let text =
                ApprovalNotifier.title(waiting) + "\n" + ApprovalNotifier.body(waiting, governanceRef: governanceRef)
            return (waiting, ContentDigest.sha256(of: Array(text.utf8)).description)
        }
    }

    /// What the final comment of a withdrawn intent reports: who withdrew
    /// it, their note and the ledger commit; nil when it is not withdrawn.
    static func withdrawal(_ id: IntentID, ledger: PollLedger) throws -> ApprovalNotifier.Settled? {
        guard let evidence = try ledger.evidence(for: id) else { return nil }
        let verdict = ledger.decide(evidence)
        guard verdict.state == .withdrawn,
            let withdrawn = verdict.events.last(where: { $0.event.kind == .withdrawn })
        else { return nil }
        return ApprovalNotifier.Settled(
            id: id, outcome: "withdrawn", runID: nil, exitCode: nil, durationMs: nil, commit: withdrawn.commit,
            withdrawnBy: withdrawn.event.actor, note: withdrawn.event.payload.withdrawnNote)
    }

    /// What the final comment of a settled intent reports: its last
    /// counting outcome and the claim before it (the run that executed it,
    /// not this poll's run).
    static func settledRun(_ id: IntentID, ledger: PollLedger) throws -> ApprovalNotifier.Settled {
        let failed = try ledger.sync.lastOutcomeFailed(id, in: ledger.view)
        var claim: String?
        var ran: (runID: String?, outcome: AuditEvent.Outcome, commit: ObjectID)?
        if let evidence = try ledger.evidence(for: id) {
            for event in ledger.decide(evidence).events {
                switch event.event.payload {
                case .claimed(let claimed): claim = claimed.runID
                case .succeeded(let outcome), .failed(let outcome): ran = (claim, outcome, event.commit)
                default: break
                }
            }
        }
        return ApprovalNotifier.Settled(
            id: id, outcome: failed ? "failed" : "succeeded", runID: ran?.runID, exitCode: ran?.outcome.exitCode,
            durationMs: ran?.outcome.durationMs, commit: ran?.commit)
    }
}
