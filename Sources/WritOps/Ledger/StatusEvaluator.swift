import Foundation
import WritCore
import WritGit

/// Reads an ops repo and decides every intent, with the decision engine.
///
/// Work is one walk of each branch's first-parent history plus one
/// decision per intent: no per-intent history walk. Given a status
/// snapshot file, the walk starts where the last one ended and only the
/// intents whose rows can still change are decided (docs/status.md).
package struct StatusEvaluator {
    package let ops: OpsRepo

    package init(ops: OpsRepo) {
        self.ops = ops
    }

    /// Where `writ status` keeps its snapshot for `ops`: `.git/writ/status`.
    package static func snapshotFile(of ops: OpsRepo) -> URL {
        StatusSnapshot.file(inGitDirectory: ops.repository.gitDirectory)
    }

    /// Decides every intent at `now`.
    ///
    /// Without `snapshot`, the result holds every row in `intents`, every
    /// verdict and every event (what `writ show` and the report read).
    /// With it, the snapshot file is read and rewritten, rows that can no
    /// longer change come back as `stored` lines, and only the verdicts of
    /// intents still open are kept, with no event bytes: memory follows
    /// what is open, not the history's length.
    package func evaluate(trustRoot: ObjectID?, now: Date, snapshot: URL? = nil) throws -> OpsStatus {
        // 1. Governance trust: nothing is ready unless it holds.
        var trusted: GovernanceState?
        var timeline: GovernanceTimeline?
        // The last governance trusted on the chain, even when the head is not:
        // what the ledger trail was judged under. It settles intents, it never
        // readies one.
        var lastTrusted: GovernanceState?
        let governance: OpsStatus.Governance
        // Absent only when the branch is: any other failure to read it
        // (diverged tips, an unreadable ref) is reported, not shown as "no head".
        let governanceHead = try ops.tip(of: ops.governanceRef)?.commit
        do {
            guard let trustRoot else {
                throw WritError(.trustRootMissing, "no trust root given (--trust or trust_root in the config)")
            }
            let walked = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false)
            let verdict = walked.verdict
            trusted = verdict.trusted
            // Each event is judged under the governance trusted at its commit, so
            // the trail stays true when the head is untrusted; nothing is ready
            // then (step 3), but what already ran is still reported as settled.
            timeline = walked
            lastTrusted = walked.head.trusted
            governance = OpsStatus.Governance(
                trusted: trusted != nil, reason: verdict.reason, detail: verdict.detail, commit: walked.head.commit)
        } catch let error as WritError {
            governance = OpsStatus.Governance(
                trusted: false, reason: error.reason, detail: error.detail, commit: governanceHead)
        }

        // 2. The ledger, through the one walk: each event judged under the
        // governance trusted at its commit's ledger position.
        let ledgerHead: ObjectID
        var read: LedgerFiles
        // A snapshot is used and kept only under trusted governance.
        var key: StatusSnapshot.Key?
        if snapshot != nil, trusted != nil, let trustRoot, let commit = governance.commit {
            key = StatusSnapshot.Key(version: WritVersion.current, trustRoot: trustRoot, governance: commit)
        }
        var prior: StatusSnapshot?
        if let snapshot, let key { prior = StatusSnapshot.load(from: snapshot, key: key) }
        // The head the failed walk below started from, for its report.
        var walkedHead: ObjectID?
        do {
            ledgerHead = try LedgerFiles.head(of: ops)
            walkedHead = ledgerHead
            // A snapshot that cannot be resumed (any error) is only a cache
            // lost: the full walk below reads everything again and reports
            // whatever the repository itself cannot give.
            // `[limits]` are the trusted head's, as the tiers are (docs/limits.md).
            let limits = trusted?.policy.limits
            if let resumed = prior.flatMap({
                try? LedgerFiles.resume($0, to: ledgerHead, ops: ops, timeline: timeline, limits: limits)
            }) {
                read = resumed
            } else {
                prior = nil
                read = try LedgerFiles.walk(ops: ops, timeline: timeline, to: ledgerHead, limits: limits)
            }
        } catch let error as WritError {
            let ledger = OpsStatus.Ledger(ok: false, reason: error.reason, detail: error.detail, commit: walkedHead)
            var status = OpsStatus(
                governance: governance, ledger: ledger, intents: [], verdicts: [:], events: [:], policy: trusted?.policy
            )
            status.freezes = Self.activeFreezes(trusted?.policy, at: now)
            return status
        }
        let violation = read.violation
        let ledger = OpsStatus.Ledger(
            ok: violation == nil, reason: violation?.reason, detail: violation?.detail ?? "append-only",
            commit: ledgerHead)
        // An append-only violation may have changed or removed files: read
        // each intent as the head's tree holds it.
        let headTree = violation == nil ? nil : try ops.repository.commitTree(ledgerHead)

        // 3. One decision per intent, on every core, a chunk at a time so
        // that only one chunk's bytes are held.
        let keepEverything = snapshot == nil
        var intents: [OpsStatus.IntentStatus] = []
        var verdicts: [IntentID: Verdict] = [:]
        var keptEvents: [IntentID: [EventEvidence]] = [:]
        var stable = StoredStatusRows.Builder()
        let index = try (trusted ?? lastTrusted).map { _ in
            try ApprovalIndex(repository: ops.repository, head: governance.commit ?? ops.governanceHead())
        }
        var decisionInputs = DecisionInputs(
            files: read, headTree: headTree, trusted: trusted, lastTrusted: lastTrusted, governance: governance,
            violation: violation, now: now, keepEverything: keepEverything, approvals: index?.shape,
            anchored: Dictionary(
                (timeline?.points ?? []).map { ($0.commit, $0.trusted) }, uniquingKeysWith: { first, _ in first }),
            cache: ops.verificationCache)
        if trusted != nil { decisionInputs.branches = ApprovalBranches(remote: ops.remote) }
        let inputs = decisionInputs
        let ids = read.intentIDs
        let workers = RepositoryWorkers(ops.repository)
        for start in stride(from: 0, to: ids.count, by: Self.decisionChunk) {
            let chunk = ids[start..<min(start + Self.decisionChunk, ids.count)]
            let decided = try workers.map(chunk) { id, repository in
                try inputs.decide(id, in: repository)
            }
            for (id, decision) in zip(chunk, decided) {
                guard let decision else { continue }
                if keepEverything { keptEvents[id] = decision.events }
                if let line = decision.stableLine {
                    stable.append(id, line: line)
                    continue
                }
                if let verdict = decision.verdict { verdicts[id] = verdict }
                intents.append(decision.row)
            }
            if start == 0 { stable.reserve(rows: ids.count) }
        }

        let settled = stable.rows
        let stored = (prior?.rows ?? .empty).merged(with: settled)
        if let snapshot, let key, violation == nil, let cursor = read.cursor {
            // Everything not stored stays open, events of intents not yet
            // on the ledger included.
            let live = read.allIDs.filter { !settled.contains($0) }.map { id in
                let files = read.files(of: id)
                return StatusSnapshot.LiveIntent(
                    id: id, intent: files?.intent, signature: files?.signature, events: read.events(of: id))
            }
            let unchanged = prior != nil && prior?.header.cursor == cursor && settled.count == 0
            if !unchanged {
                StatusSnapshot(
                    header: .init(
                        key: key, cursor: cursor, live: live, rowBytes: stored.byteCount, quota: read.quota),
                    rows: stored
                ).save(to: snapshot)
            }
        }
        // What `writ show` and the report say of each claim's approvals.
        var claims: [IntentID: ClaimApprovals] = [:]
        if keepEverything, let timeline, let current = trusted ?? lastTrusted {
            for (id, verdict) in verdicts {
                claims[id] = try ClaimApprovals.read(
                    verdict, id: id, repository: ops.repository, timeline: timeline, current: current)
            }
        }
        var status = OpsStatus(
            governance: governance, ledger: ledger, intents: intents, verdicts: verdicts, events: keptEvents,
            policy: trusted?.policy, stored: keepEverything ? .empty : stored, claims: claims)
        status.quota = read.quota
        status.freezes = Self.activeFreezes(trusted?.policy, at: now)
        return status
    }

    /// The `[[freeze]]` windows of `policy` active at `now`, judged at the
    /// whole second as the decision judges them (`DecisionEngine.decide`, step 5f).
    static func activeFreezes(_ policy: Policy?, at now: Date) -> [FreezeWindow] {
        (policy?.freezes ?? []).filter { $0.isActive(at: Timestamp(now)) }
    }

    /// Intents decided together: the most whose bytes are held at once.
    static let decisionChunk = 4_096

    /// Under untrusted governance: the verdict when the ledger settled the
    /// intent as succeeded, failed or withdrawn (the trail is still true), else the
    /// same verdict blocked by the governance problem, with no approvals
    /// counted (none count while governance is untrusted).
    package static func settled(_ verdict: Verdict, or untrusted: WritError) -> Verdict {
        if verdict.state == .succeeded || verdict.state == .failed || verdict.state == .withdrawn { return verdict }
        return Verdict(
            state: .blocked, reason: untrusted.reason, detail: untrusted.detail, intent: verdict.intent,
            intentDigest: verdict.intentDigest, tier: verdict.tier, approvalsCounted: 0,
            approvalsRequired: verdict.approvalsRequired, counted: [], discarded: [], events: verdict.events)
    }
}

extension Verdict {
    /// The same verdict, blocked by a repo-wide problem.
    package func blocked(by error: WritError) -> Verdict {
        Verdict(
            state: .blocked, reason: error.reason, detail: error.detail, intent: intent, intentDigest: intentDigest,
            tier: tier, approvalsCounted: approvalsCounted, approvalsRequired: approvalsRequired, counted: counted,
            discarded: discarded, events: events)
    }
}

/// `writ status --json`'s line for one intent.
package enum StatusLine {
    package static func encode(_ row: OpsStatus.IntentStatus) throws -> Data {
        try JSONLine.encode(row, type: "intent")
    }
}
