import Foundation
import WritCore
import WritGit

/// `writ verify`: replays the whole ledger and governance history and
/// proves that the ledger was append-only, that every event was written by
/// a principal entitled to it (both from `LedgerAudit`), that every claim
/// was ready when it was made, and that no intent ran twice.
///
/// It streams: the ledger is taken in one commit at a time
/// (`LedgerAudit.replay`), and what it keeps per intent is its state, the
/// blobs of its intent file and signature, and references to its events
/// until it is settled; bytes are read again from the object store when a
/// claim is re-decided. Claims are re-decided in batches, on every core.
package struct LedgerVerifier {
    package let ops: OpsRepo
    /// Kinds whose executor is `idempotent = true` on the host (known only
    /// from a dispatcher.toml): for them a claim after an entitled
    /// `in_doubt` is a legitimate re-run. Empty: every second claim needs
    /// an `in_doubt` followed by `resolved(retry)`.
    package var idempotentKinds: Set<String>

    /// Claims re-decided together, side by side on every core.
    static let claimBatch = 2_048

    package init(ops: OpsRepo, idempotentKinds: Set<String> = []) {
        self.ops = ops
        self.idempotentKinds = idempotentKinds
    }

    /// Verifies everything from `trustRoot`; governance trust at the head is
    /// judged at `now`. Throws only contract errors (trust root missing,
    /// history rewritten, governance not trusted, no ledger branch).
    package func verify(trustRoot: ObjectID, now: Date) throws -> VerifyReport {
        let governance = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now)
        let head = try LedgerFiles.head(of: ops)
        // Approval records are attributed over the whole first-parent
        // history, so a record merged before the trust root keeps its commit.
        let approvals = try ApprovalIndex(repository: ops.repository, head: governance.head.commit)
        let offset = approvals.chain.firstIndex(of: governance.start.commit) ?? 0
        var replay = ClaimReplay(
            ops: ops, governance: governance, idempotentKinds: idempotentKinds,
            approvals: approvals, approvalsOffset: offset, now: now)
        var commits = 0
        var events = 0
        var auditFindings: [OrderedFinding] = []
        // `[limits]`: a claim is judged under the limits of the governance
        // it was decided under, so the count runs once for each distinct
        // limits the timeline trusts (docs/limits.md).
        for limits in Set(governance.points.compactMap { $0.trusted.policy.limits }) {
            var quota = ProposerQuota(limits: limits)
            quota.keepsSettledRefusals = true
            replay.quotas[limits] = quota
        }
        let repository = ops.repository
        let cache = ops.verificationCache
        func count(_ read: LedgerCommitRead) throws {
            for limits in replay.quotas.keys {
                try QuotaWalk.take(read, into: &replay.quotas[limits], repository: repository, cache: cache)
            }
        }
        try LedgerAudit.replay(ops: ops, governance: governance, to: head, walked: count) { step in
            if step.first { commits += 1 }
            events += step.events.count
            auditFindings += step.findings.map {
                OrderedFinding(finding: $0, commitIndex: step.index, intent: nil, order: 0)
            }
            try replay.take(step)
        }
        try replay.finish()
        try replay.reviewBreakGlass(head: approvals)
        let intents = try replay.intentStates(head: approvals)
        var report = VerifyReport(
            ledgerHead: head, governanceHead: governance.chain.last ?? trustRoot, commits: commits,
            governanceCommits: approvals.chain.count, events: events, claims: replay.claims,
            findings: OrderedFinding.sorted(audit: auditFindings, replay: replay.findings))
        report.notes = replay.notes
        report.intents = intents
        return report
    }
}

/// A finding with its place in the report: by ledger commit; within a
/// commit the audit's findings (append-only, malformed, not counting) in
/// walk order, then the replay's by intent id, each intent's in event order.
private struct OrderedFinding {
    package let finding: AuditFinding
    let commitIndex: Int
    /// Nil for the audit's own findings.
    package let intent: IntentID?
    /// The event's place in the walk (replay findings).
    package let order: Int

    package static func sorted(audit: [OrderedFinding], replay: [OrderedFinding]) -> [AuditFinding] {
        func position(_ entry: OrderedFinding) -> Int { entry.finding.commit == nil ? Int.max : entry.commitIndex }
        let audits = audit.enumerated().map { (position($1), 0, "", $0, $1.finding) }
        let replays = replay.map { (position($0), 1, $0.intent?.rawValue ?? "", $0.order, $0.finding) }
        return (audits + replays).sorted { ($0.0, $0.1, $0.2, $0.3) < ($1.0, $1.1, $1.2, $1.3) }.map(\.4)
    }
}

/// Each intent's counting events, replayed in ledger order through the
/// state machine of docs/decisions.md, re-deciding every claim.
private struct ClaimReplay {
    /// An event of an intent not yet settled, kept to re-decide a later claim.
    struct EventReference: Sendable {
        package let path: String
        package let blob: ObjectID
        package let commit: ObjectID
        let commitIndex: Int
        package let kind: AuditEventKind
        package let signers: Set<Principal>
        package let counts: Bool
    }

    /// Where a claim anchored off the governance head's first-parent chain
    /// is judged (SPEC §5, "Non-linear updates").
    enum Anchoring: Sendable {
        /// At the anchor, with the trust walked along the anchor's own
        /// first-parent chain, and the approvals as that chain brought them in.
        case atAnchor(point: GovernanceTimeline.Point, approvals: ApprovalIndex.Shape, index: Int)
        /// Nowhere: the anchor is not reachable from the governance head
        /// (`history_rewritten`), the sentence says why.
        case unreachable(String)
    }

    /// A file's blob and the index of the ledger commit that first added it.
    struct Addition: Sendable {
        package let blob: ObjectID
        package let index: Int
    }

    /// What the replay knows of one intent.
    struct Track {
        package var intent: Addition?
        package var signature: Addition?
        package var state: IntentState?
        /// The commit of the latest counting claim.
        var lastClaim: ObjectID?
        /// Every event so far, emptied once the intent is settled: a claim
        /// after `succeeded` or `failed` is a second run without re-deciding.
        package var events: [EventReference] = []
        /// The ledger commit of the `withdrawn` event that settled it.
        package var withdrawal: ObjectID?
        /// The first counting `break_glass` event, and the counting claim
        /// after it: the break-glass run whose review verify judges at `now`.
        var breakGlass: EventReference?
        var breakGlassClaim: EventReference?
        package var settled: Bool { state == .succeeded || state == .failed || state == .withdrawn }
    }

    /// A claim to re-decide, with what the replay knew when it was made.
    struct PendingClaim: Sendable {
        let audited: AuditedEvent
        package let claim: AuditEvent.Claim
        package let event: AuditEvent
        package let intent: Addition?
        package let signature: Addition?
        let before: [EventReference]
        package let order: Int
        /// Set for a claim whose anchor is off the head's first-parent chain.
        let anchoring: Anchoring?
    }

    package let ops: OpsRepo
    package var repository: Repository { ops.repository }
    /// Reused by every batch of claims.
    let workers: RepositoryWorkers
    package let governance: GovernanceTimeline
    /// The clock governance trust is judged at.
    package let now: Date
    /// Per anchor off the head's first-parent chain, where its claims are judged.
    var anchorings: [ObjectID: Anchoring?] = [:]
    /// Commits already walked to find where an anchor's chain joins the head's.
    var projections: [ObjectID: GovernanceTimeline.Projection] = [:]
    /// `anchor_off_chain` notes, in ledger order.
    package var notes: [AuditNote] = []
    package let idempotentKinds: Set<String>
    package let approvals: ApprovalIndex
    /// The trust root's index in `approvals.chain`.
    let approvalsOffset: Int
    var tracks: [IntentID: Track] = [:]
    package var pending: [PendingClaim] = []
    package var findings: [OrderedFinding] = []
    package var claims = 0
    /// Events taken in so far: each event's place in the walk.
    package var order = 0
    /// The `[limits]` counts up to the commit being taken in, one per
    /// distinct limits the timeline trusts.
    var quotas: [Policy.Limits: ProposerQuota] = [:]

    init(
        ops: OpsRepo, governance: GovernanceTimeline, idempotentKinds: Set<String>,
        approvals: ApprovalIndex, approvalsOffset: Int, now: Date
    ) {
        self.ops = ops
        self.workers = RepositoryWorkers(ops.repository)
        self.governance = governance
        self.now = now
        self.idempotentKinds = idempotentKinds
        self.approvals = approvals
        self.approvalsOffset = approvalsOffset
    }

    /// Takes in one ledger commit.
    mutating func take(_ step: LedgerAudit.Step) throws {
        for file in step.intents {
            switch file.ledgerPath {
            case .intent(let id) where tracks[id]?.intent == nil:
                tracks[id, default: Track()].intent = Addition(blob: file.blob, index: step.index)
            case .intentSignature(let id) where tracks[id]?.signature == nil:
                tracks[id, default: Track()].signature = Addition(blob: file.blob, index: step.index)
            default:
                continue
            }
        }
        for audited in step.events {
            order += 1
            try take(audited)
        }
        if pending.count >= LedgerVerifier.claimBatch { try decidePending() }
    }

    /// Re-decides the claims still waiting.
    mutating func finish() throws { try decidePending() }

    /// Judges the review of every break-glass run that was claimed (SPEC
    /// §4.7) at `now`, under the governance head's trust and approvals, by
    /// the engine every other view uses: overdue is a finding
    /// (`review_overdue`); pending, ratified and rejected are notes.
    mutating func reviewBreakGlass(head approvals: ApprovalIndex) throws {
        let point = governance.head
        guard point.headTrusted else { return }
        for (id, track) in tracks.sorted(by: { $0.key < $1.key }) {
            guard let announced = track.breakGlass, let claim = track.breakGlassClaim, let file = track.intent else {
                continue
            }
            let intent = IntentEvidence(
                path: LedgerPath.intent(id).path, bytes: try repository.blob(file.blob, limit: RecordBytes.maximumSize),
                signature: try track.signature.map { try repository.blob($0.blob, limit: RecordBytes.maximumSize) })
            let events = try [announced, claim].map {
                EventEvidence(
                    path: $0.path, bytes: try repository.blob($0.blob, limit: RecordBytes.maximumSize),
                    commit: $0.commit, signers: $0.signers, counts: $0.counts)
            }
            let verdict = DecisionEngine.decide(
                governance: point.trusted, intent: intent, approvals: try approvals.approvals(for: id), events: events,
                now: now, cache: ops.verificationCache)
            guard let run = verdict.breakGlass else { continue }
            let reviewers = run.reviewers.map { "\($0.approver.rawValue) (\($0.decision.rawValue))" }
            let who = reviewers.isEmpty ? "no reviewer yet" : "reviewed by " + reviewers.joined(separator: ", ")
            let due = run.reviewBy.map { "\($0)" } ?? "an unknown time (treated as due)"
            let about =
                "break-glass run of \(id) by \(quoted: run.approver.rawValue) (reason \(quoted: run.reason)), "
                + "review due by \(due), \(run.ratifiedBy.count) of \(run.reviewsRequired) ratified, \(who)"
            switch run.review {
            case .overdue:
                findings.append(
                    OrderedFinding(
                        finding: AuditFinding(
                            reason: .reviewOverdue, commit: announced.commit, path: announced.path,
                            detail: "\(about): the review is overdue"),
                        commitIndex: announced.commitIndex, intent: id, order: order + 1))
            case .pending, .ratified, .rejected:
                let state =
                    switch run.review {
                    case .pending: "the review is pending"
                    case .ratified: "the review ratified it"
                    default: "REJECTED by its review"
                    }
                notes.append(
                    AuditNote(
                        kind: .breakGlass, commit: announced.commit, path: announced.path, anchor: run.recordCommit,
                        detail: "\(about): \(state)", review: run.review))
            }
        }
    }

    /// Where every intent stands after the replay (SPEC §8: `writ verify
    /// --json` gives the same state as status, show and a dispatcher): the
    /// state the replay's own counting events settled it in, or, for an
    /// intent still open, the engine's verdict at `now` under the governance
    /// head's trust and approvals, with the events the replay counted.
    func intentStates(head approvals: ApprovalIndex) throws -> [VerifyReport.IntentLine] {
        let point = governance.head
        guard point.headTrusted else { return [] }
        var lines: [VerifyReport.IntentLine] = []
        for (id, track) in tracks.sorted(by: { $0.key < $1.key }) {
            guard let file = track.intent else { continue }
            if let state = track.state, state != .ready, state != .blocked {
                lines.append(.init(id: id, state: state, reason: state == .withdrawn ? .withdrawn : nil))
                continue
            }
            let intent = IntentEvidence(
                path: LedgerPath.intent(id).path, bytes: try repository.blob(file.blob, limit: RecordBytes.maximumSize),
                signature: try track.signature.map { try repository.blob($0.blob, limit: RecordBytes.maximumSize) })
            let events = try track.events.map {
                EventEvidence(
                    path: $0.path, bytes: try repository.blob($0.blob, limit: RecordBytes.maximumSize),
                    commit: $0.commit, signers: $0.signers, counts: $0.counts)
            }
            let verdict = DecisionEngine.decide(
                governance: point.trusted, intent: intent, approvals: try approvals.approvals(for: id), events: events,
                now: now, cache: ops.verificationCache,
                quota: point.trusted.policy.limits.flatMap { quotas[$0]?.finding(for: id) })
            lines.append(.init(id: id, state: verdict.state, reason: verdict.reason))
        }
        return lines
    }

    private mutating func take(_ audited: AuditedEvent) throws {
        let id = audited.intent
        var track = tracks[id] ?? Track()
        defer { tracks[id] = track }
        if !track.settled {
            track.events.append(
                EventReference(
                    path: audited.path, blob: audited.blob, commit: audited.commit, commitIndex: audited.commitIndex,
                    kind: audited.kind, signers: audited.verifiedSigners, counts: audited.counts))
        }
        guard audited.counts, let event = audited.event else { return }
        let reference = EventReference(
            path: audited.path, blob: audited.blob, commit: audited.commit, commitIndex: audited.commitIndex,
            kind: audited.kind, signers: audited.verifiedSigners, counts: audited.counts)
        func note(_ reason: ReasonCode, _ detail: String) {
            findings.append(
                OrderedFinding(
                    finding: AuditFinding(reason: reason, commit: audited.commit, path: audited.path, detail: detail),
                    commitIndex: audited.commitIndex, intent: id, order: order))
        }
        let current = track.state?.rawValue ?? "open"
        switch event.payload {
        case .claimed(let claim):
            claims += 1
            let rerun = try track.state == .inDoubt && idempotentKind(track.intent, id)
            if track.state == .withdrawn {
                note(
                    .withdrawn,
                    "claim of \(id) after it was withdrawn\(track.withdrawal.map { " in ledger commit \($0.hex)" } ?? ""); "
                        + "a withdrawn intent never runs")
                // As the replay does: the intent stays withdrawn.
                return
            } else if track.state != nil && !rerun {
                let earlier = track.lastClaim.map { " (claimed before in ledger commit \($0.hex))" } ?? ""
                note(
                    .alreadyExecuted,
                    "second claim of \(id) while it is \(current)\(earlier); only an entitled in_doubt "
                        + "followed by resolved(retry), or an idempotent executor after in_doubt, allows another run")
            } else {
                let before = track.events.filter { $0.commitIndex < audited.commitIndex }
                    .filter { !rerun || ($0.kind != .claimed && $0.kind != .inDoubt) }
                var judgedAt: Anchoring?
                if let anchor = audited.offChainAnchor { judgedAt = try anchoring(of: anchor) }
                if case .atAnchor? = judgedAt, let anchor = audited.offChainAnchor {
                    notes.append(
                        AuditNote(
                            kind: .anchorOffChain, commit: audited.commit, path: audited.path, anchor: anchor,
                            detail:
                                "\(id) was claimed under governance commit \(anchor.hex), which the governance head "
                                + "\(governance.head.commit.hex) reaches but not along its first-parent chain (a merge "
                                + "such as `git pull` on the governance branch); the claim was judged at \(anchor.hex), "
                                + "with the trust walked along its own first-parent chain"))
                }
                pending.append(
                    PendingClaim(
                        audited: audited, claim: claim, event: event, intent: track.intent,
                        signature: track.signature, before: before, order: order, anchoring: judgedAt))
            }
            track.state = .claimed
            track.lastClaim = audited.commit
            if track.breakGlass != nil && track.breakGlassClaim == nil { track.breakGlassClaim = reference }
        case .breakGlass:
            if track.breakGlass == nil { track.breakGlass = reference }
        case .succeeded, .failed:
            guard track.state == .claimed || track.state == .inDoubt else {
                note(.ledgerViolation, "\(event.kind) for \(id) with no open claim (the intent is \(current))")
                return
            }
            track.state = event.kind == .succeeded ? .succeeded : .failed
            track.events = []
        case .inDoubt:
            guard track.state == .claimed else {
                note(.ledgerViolation, "in_doubt for \(id) with no open claim (the intent is \(current))")
                return
            }
            track.state = .inDoubt
        case .resolved(let resolution, _):
            switch (track.state, resolution) {
            case (.inDoubt, .retry): track.state = nil
            case (.inDoubt, .succeeded), (.claimed, .succeeded): track.state = .succeeded
            case (.inDoubt, .failed), (.claimed, .failed): track.state = .failed
            default:
                note(
                    .ledgerViolation, "resolved(\(resolution.rawValue)) does not apply to \(id), which is \(current)")
            }
            if track.settled { track.events = [] }
        case .withdrawn:
            guard track.state == nil else {
                note(
                    .ledgerViolation,
                    "withdrawn for \(id) after it was already \(current); only an intent not yet claimed (or "
                        + "re-opened by resolved(retry)) can be withdrawn")
                return
            }
            track.state = .withdrawn
            track.withdrawal = audited.commit
            track.events = []
        case .autoApproved, .blocked, .projection, .gate:
            return
        }
    }

    /// Where claims anchored at `anchor`, a commit off the governance
    /// head's first-parent chain, are judged: at the anchor when the head
    /// reaches it, with the trust walked along the anchor's own
    /// first-parent chain from where it joins the head's (the trust root
    /// must be on it); `history_rewritten` otherwise. Worked out once per
    /// anchor: the walk covers only the anchor's commits off the chain.
    /// Nil for an anchor at or before the trust root (a trust root pinned
    /// after the claim): such a claim is judged at its position, as before.
    private mutating func anchoring(of anchor: ObjectID) throws -> Anchoring? {
        if let known = anchorings[anchor] { return known }
        let head = governance.head.commit
        let answer: Anchoring?
        // An anchor naming no commit here is unreachable; a repository that
        // cannot be read throws, never taken for a rewritten history.
        let reachable = try repository.commitIfPresent(anchor) != nil && repository.isDescendant(head, of: anchor)
        if reachable, try repository.isDescendant(governance.start.commit, of: anchor) {
            answer = nil
        } else if !reachable {
            answer = .unreachable(
                "claimed under governance commit \(anchor.hex) (its Writ-Governance anchor), which the governance "
                    + "head \(head.hex) does not reach: the governance branch was rewritten after the claim")
        } else if let junction = try governance.projection(of: anchor, in: repository, memo: &projections) {
            let side = try GovernanceTimeline(
                ops: ops, start: junction.commit, trusted: junction.trusted, head: anchor, now: now)
            let base = approvalsOffset + junction.index
            let index = try ApprovalIndex(repository: repository, base: approvals, through: base, head: anchor)
            answer = .atAnchor(point: side.head, approvals: index.shape, index: index.chain.count - 1)
        } else {
            answer = .unreachable(
                "claimed under governance commit \(anchor.hex) (its Writ-Governance anchor), whose first-parent "
                    + "history does not hold the trust root \(governance.start.commit.hex)")
        }
        anchorings[anchor] = .some(answer)
        return answer
    }

    /// Whether the intent's kind is idempotent: no intent file, or one that
    /// does not parse, is not; one the ledger lists and that cannot be read
    /// throws.
    private func idempotentKind(_ file: Addition?, _ id: IntentID) throws -> Bool {
        guard let file else { return false }
        let bytes = try repository.blob(file.blob, limit: RecordBytes.maximumSize)
        guard let intent = try? Intent.parse(bytes, expectedPath: LedgerPath.intent(id).path) else { return false }
        return idempotentKinds.contains(intent.kind)
    }

    /// Re-decides the waiting claims, side by side on every core.
    private mutating func decidePending() throws {
        guard !pending.isEmpty else { return }
        let context = ClaimContext(
            points: governance.points, approvals: approvals.shape, approvalsOffset: approvalsOffset,
            cache: ops.verificationCache, quotas: quotas)
        let decided = try workers.map(pending, minimumPerWorker: 32) { claim, repository in
            try context.check(claim, in: repository)
        }
        for (claim, finding) in zip(pending, decided) {
            guard let finding else { continue }
            findings.append(
                OrderedFinding(
                    finding: finding, commitIndex: claim.audited.commitIndex, intent: claim.audited.intent,
                    order: claim.order))
        }
        pending = []
    }
}

/// What re-deciding a claim reads besides the claim itself, shared by the
/// workers that re-decide claims side by side.
private struct ClaimContext: Sendable {
    let points: [GovernanceTimeline.Point]
    package let approvals: ApprovalIndex.Shape
    /// The trust root's index in the approvals' chain.
    let approvalsOffset: Int
    /// The run's verification cache (the ops repo's).
    package let cache: VerificationCache?
    /// The `[limits]` counts so far, by the limits they count under.
    let quotas: [Policy.Limits: ProposerQuota]

    /// Re-decides a claim as the dispatcher should have: with the governance
    /// trusted at the claim commit's ledger position P, the approvals merged
    /// by P, and the events committed before it. The clock is the claim's
    /// own `at` — the dispatcher's clock at dispatch, which SPEC §4 checks
    /// expiries and key windows against — but never earlier than τ (the
    /// clock set by governance history): a claim cannot predate the
    /// governance it was anchored to, so backdating its `at` does not make
    /// an expired intent or approval look live.
    package func check(_ pending: ClaimReplay.PendingClaim, in repository: Repository) throws -> AuditFinding? {
        let audited = pending.audited
        let event = pending.event
        let id = audited.intent
        func finding(_ reason: ReasonCode, _ detail: String) -> AuditFinding {
            AuditFinding(reason: reason, commit: audited.commit, path: audited.path, detail: detail)
        }
        var point = points[audited.positionIndex]
        var approvals = self.approvals
        var approvalsIndex = approvalsOffset + point.index
        var clock = audited.clock
        switch pending.anchoring {
        case .unreachable(let detail)?:
            return finding(.historyRewritten, detail)
        case .atAnchor(let anchored, let shape, let index)?:
            // Judged where the dispatcher stood: the claim cannot predate
            // the governance it was anchored to.
            point = anchored
            approvals = shape
            approvalsIndex = index
            clock = max(clock, anchored.time)
        case nil:
            break
        }
        guard point.headTrusted else {
            return finding(
                .policyUnapproved,
                "\(id) was claimed while governance commit \(point.commit.hex) was pending, so nothing could run: \(point.detail)"
            )
        }
        guard let file = pending.intent, file.index < audited.commitIndex else {
            return finding(.ledgerViolation, "\(id) was claimed before its intent file was on the ledger")
        }
        // On the ledger before the claim: one that cannot be read throws,
        // never a finding about the intent.
        let bytes = try repository.blob(file.blob, limit: RecordBytes.maximumSize)
        let signature = try pending.signature.flatMap {
            $0.index < audited.commitIndex ? try repository.blob($0.blob, limit: RecordBytes.maximumSize) : nil
        }
        let intent = IntentEvidence(path: LedgerPath.intent(id).path, bytes: bytes, signature: signature)
        let before = try pending.before.map {
            EventEvidence(
                path: $0.path, bytes: try repository.blob($0.blob, limit: RecordBytes.maximumSize), commit: $0.commit,
                signers: $0.signers, counts: $0.counts)
        }
        let index = ApprovalIndex(repository: repository, shape: approvals)
        let verdict = DecisionEngine.decide(
            governance: point.trusted, intent: intent,
            approvals: try index.approvals(for: id, asOf: approvalsIndex),
            events: before, now: max(event.at.date, clock), cache: cache,
            quota: point.trusted.policy.limits.flatMap { quotas[$0]?.finding(for: id) })
        let context =
            "claimed at \(event.at) (ledger clock \(Timestamp(clock))) under governance \(point.commit.hex)"
        switch verdict.state {
        case .ready:
            if let tier = verdict.tier, pending.claim.tier != tier {
                return finding(
                    .tierMismatch, "\(context): the claim says tier \(pending.claim.tier), the intent was tier \(tier)")
            }
            if event.intentDigest != verdict.intentDigest {
                return finding(
                    .digestMismatch,
                    "\(context): the claim names digest \(event.intentDigest), the intent is \(verdict.intentDigest)")
            }
            return nil
        case .blocked:
            return finding(verdict.reason ?? .notApproved, "\(context) while not ready: \(verdict.detail)")
        case .claimed, .succeeded, .failed, .inDoubt:
            return finding(.alreadyExecuted, "\(context) while the ledger already showed it \(verdict.state.rawValue)")
        case .withdrawn:
            return finding(.withdrawn, "\(context) after it was withdrawn: \(verdict.detail)")
        }
    }
}
