import Foundation
import WritCore

/// Everything `writ report --html` shows, as plain values: every intent's
/// timeline, the governance changes with their quorums, the findings of
/// `writ verify`, and a summary over the window asked for.
///
/// Built only from the library's own readers — `StatusEvaluator` for the
/// verdicts and events, `GovernanceTimeline` and `GovernanceProgress` for
/// governance, `ApprovalIndex` and the decision engine's tally for approvals
/// and denials, `LedgerVerifier` for findings — so the report says exactly
/// what `writ status`, `writ show` and `writ verify` say, and re-checks
/// nothing on its own. Rendering is `HTMLReportRenderer`'s, a pure function
/// of this value. Nothing is read from a dispatcher's state dir: output
/// tails there may hold what the ledger's redacted tails leave out.
package struct AuditReport: Sendable {
    /// Which intents the report covers.
    package struct Window: Sendable, Equatable {
        /// Intents proposed at or after this instant; nil: all of them.
        package let since: Timestamp?
        /// When the report was made; durations such as `7d` count back from it.
        package let generatedAt: Timestamp

        package init(since: Timestamp?, generatedAt: Timestamp) {
            self.since = since
            self.generatedAt = generatedAt
        }

        /// Whether an intent proposed at `proposed` is shown. An intent
        /// whose proposal time cannot be read (a malformed file) is always
        /// shown: hiding it would hide a problem.
        func covers(_ proposed: Timestamp?) -> Bool {
            guard let since, let proposed else { return true }
            return proposed >= since
        }
    }

    /// The trust walk's verdict on the governance head, as `writ status` has it.
    package struct GovernanceHead: Sendable {
        package let trusted: Bool
        package let reason: ReasonCode?
        package let detail: String
        package let commit: ObjectID?
        package let trustRoot: ObjectID
    }

    /// The ledger's state, as `writ status` has it.
    package struct LedgerHead: Sendable {
        package let ok: Bool
        package let reason: ReasonCode?
        package let detail: String
        package let commit: ObjectID?
    }

    /// One approval or denial record that verified, with the first-parent
    /// governance commit that brought its version in (`ApprovalAttribution`).
    package struct Approval: Sendable {
        package let approver: Principal
        /// The merge commit on the governance branch that brought the record in.
        package let commit: ObjectID
        /// That commit's committer time: when the record took effect.
        package let mergedAt: Timestamp?
        package let recordDigest: ContentDigest?
        /// For an approval a claim counted: the `SHA256:` fingerprint of the
        /// key that signed the record.
        package var keyFingerprint: String? = nil
        /// For an approval a claim counted: "bob's key was rotated later in
        /// <commit>" when the trusted allowed_signers no longer lists it.
        package var keyNote: String? = nil
        /// Who committed the merge and whether it is signed.
        package var merge: CommitAttestation? = nil
    }

    /// One audit event read for an intent, counting or not.
    package struct Event: Sendable {
        package let path: String
        /// The parsed event; nil when the file is malformed.
        package let kind: AuditEventKind?
        package let at: Timestamp?
        package let actor: Principal?
        /// `writ log`'s one-line summary.
        package let summary: String
        package let commit: ObjectID
        /// Principals whose trusted key signed the ledger commit.
        package let signers: [Principal]
        /// Whether the event counts, as the one ledger walk judged it.
        package let counts: Bool
    }

    /// The claim that counts: who dispatched it and when.
    package struct Claim: Sendable {
        package let dispatcher: Principal
        package let at: Timestamp
        package let runID: String
        package let commit: ObjectID
    }

    /// The outcome that counts: `succeeded` or `failed` with its exit code.
    /// Output tails are left out on purpose (they are in `writ show`).
    package struct Outcome: Sendable {
        package let kind: AuditEventKind
        package let at: Timestamp
        package let actor: Principal
        package let exitCode: Int
        package let durationMs: Int
        /// A remote write's failure reason, when it carries one.
        package let reason: ReasonCode?
        package let commit: ObjectID
    }

    /// One intent and its timeline.
    package struct IntentEntry: Sendable {
        package let id: IntentID
        package let kind: String?
        package let tier: Tier?
        package let state: IntentState
        package let reason: ReasonCode?
        package let detail: String
        package let approvalsCounted: Int
        package let approvalsRequired: Int
        package let proposer: Principal?
        package let proposedAt: Timestamp?
        package let summary: String?
        package let target: Intent.Target?
        package let params: [String: String]
        package let expiresAt: Timestamp?
        /// The approvals that count, oldest merge first.
        package let counted: [Approval]
        /// Denials that verified (any one blocks the intent).
        package let denials: [Approval]
        /// Records and events read that do not count, with their reason codes.
        package let discarded: [DiscardedRecord]
        package let claim: Claim?
        package let outcome: Outcome?
        /// Every event read for the intent, in ledger order.
        package let events: [Event]
        /// `writ verify` findings about this intent's files.
        package let findings: [AuditFinding]
        /// From the proposal to the merge of the approval that completed
        /// the quorum; nil when the intent needed none or is not past it.
        package let timeToReady: TimeInterval?
        /// Whether `counted` is the claim's list (a claimed or settled
        /// intent), not a tally under today's governance.
        package var countedAtClaim = false
        /// For a remote write made in record mode: what was recorded, and
        /// that nothing is sent until live.
        package var recorded: String? = nil
        /// When the tier's `wait` ends (SPEC §4.6), as the verdict has it.
        package var readyAt: Timestamp? = nil
        /// The `[[freeze]]` window blocking the intent (`frozen`).
        package var freeze: FreezeWindow? = nil
        /// The intent's break-glass run and its review (SPEC §4.7).
        package var breakGlass: BreakGlassStatus? = nil

        /// The principals the principal filter matches: the proposer and
        /// everyone who filed an approval or denial, counted or not.
        package var principals: [Principal] {
            var all = Set(counted.map(\.approver) + denials.map(\.approver))
            if let proposer { all.insert(proposer) }
            for record in discarded where record.kind == .approval {
                if let principal = record.principal { all.insert(principal) }
            }
            return all.sorted()
        }
    }

    /// One governance commit that changed `policy.toml` or `allowed_signers`.
    package struct GovernanceChange: Sendable {
        package let commit: ObjectID
        package let time: Timestamp
        /// Whether the trust walk adopted this commit's files.
        package let adopted: Bool
        /// The governance digest proposed; nil when a file is missing.
        package let digest: ContentDigest?
        /// The digest of the state it would replace (the one trusted before it).
        package let replaces: ContentDigest
        /// Lines removed from and added to `policy.toml`.
        package let policyRemoved: [String]
        package let policyAdded: [String]
        /// `allowed_signers` lines removed and added, each key by its
        /// `SHA256:` fingerprint (`SignerListing`).
        package let signersRemoved: [String]
        package let signersAdded: [String]
        /// The trusted policy's quorum, then the new policy's.
        package let quorums: [GovernanceProgress.Quorum]
        /// Governance records that did not count, with their reason codes.
        package let discarded: [DiscardedRecord]
        /// Why the change could not be judged, when it could not.
        package let malformed: String?
        /// Why it is pending, from the trust walk; empty when adopted.
        package let detail: String
        /// Who committed it and whether it is signed; nil when the commit
        /// cannot be read.
        package var attestation: CommitAttestation? = nil
    }

    /// What `writ verify` found, or why it could not run.
    package struct Verification: Sendable {
        /// Nil when verify could not run (a contract error, see `error`).
        package let report: VerifyReport?
        /// The contract error that stopped verify.
        package let error: WritError?

        package var findings: [AuditFinding] { report?.findings ?? [] }
    }

    /// The summary line block at the top of the report, over the intents shown.
    package struct Summary: Sendable {
        /// Every state, in `IntentState.allCases` order, with its count (zeros included).
        package let byState: [(state: IntentState, count: Int)]
        /// Every tier, low to high, with its count; intents of unknown tier last.
        package let byTier: [(tier: Tier?, count: Int)]
        /// The median of `IntentEntry.timeToReady`; nil when no intent has one.
        package let medianTimeToReady: TimeInterval?
        /// How many intents shown each principal of an approving role could
        /// approve now (`OpsStatus.waiting(for:)`), sorted by principal.
        package let pendingByApprover: [(principal: Principal, count: Int)]
    }

    package let window: Window
    package let governance: GovernanceHead
    package let ledger: LedgerHead
    /// The intents shown, sorted by id.
    package let intents: [IntentEntry]
    /// How many intents the ledger holds in all (the window may show fewer).
    package let totalIntents: Int
    /// Governance changes on the chain from the trust root, oldest first.
    package let governanceChanges: [GovernanceChange]
    package let verification: Verification
    /// Findings that concern no intent of the ledger (a merge commit, a foreign path).
    package let repoFindings: [AuditFinding]
    package let summary: Summary
    /// The allowed_signers the report was decided under (the governance
    /// head when trusted, else the last trusted state), key by key.
    package var signers: [SignerListing] = []
    /// The governance commit those signers are from.
    package var signersCommit: ObjectID? = nil
    /// Every `[[freeze]]` window of the trusted policy (SPEC §4.6), in file
    /// order; empty when it has none or governance is untrusted.
    package var freezes: [FreezeWindow] = []

    /// Whether anything may run: governance trusted and the ledger append-only,
    /// as `OpsStatus.isHealthy`.
    package var isHealthy: Bool { governance.trusted && ledger.ok }
}

extension AuditReport {
    /// Sorts an approval whose merge time cannot be read last.
    private static let never = Timestamp(secondsSinceEpoch: .max)

    /// Reads the ops repo and builds the report at `now`, showing the
    /// intents proposed at or after `since` (all when nil).
    ///
    /// `idempotentKinds` is what `writ verify` takes from a dispatcher.toml.
    /// Throws I/O errors only: an untrusted governance head, a violated
    /// ledger or a verify contract error are part of the report.
    package static func build(
        ops: OpsRepo, trustRoot: ObjectID, since: Timestamp?, now: Date, idempotentKinds: Set<String> = []
    ) throws -> AuditReport {
        let window = Window(since: since, generatedAt: Timestamp(now))
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: now)
        let repository = ops.repository

        let verification: Verification
        do {
            let report = try LedgerVerifier(ops: ops, idempotentKinds: idempotentKinds)
                .verify(trustRoot: trustRoot, now: now)
            verification = Verification(report: report, error: nil)
        } catch let error as WritError {
            verification = Verification(report: nil, error: error)
        }

        // The timeline again, for the governance changes and the state the
        // verdicts were decided under (status does not keep it).
        // A governance history that cannot be trusted (a `WritError`) is
        // the verification's finding above, and leaves no timeline; a
        // repository that cannot be read throws.
        let timeline: GovernanceTimeline?
        do {
            timeline = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false)
        } catch is WritError {
            timeline = nil
        }
        let changes = try timeline.map { try governanceChanges(ops: ops, timeline: $0, now: now) } ?? []
        let deciding = status.governance.trusted ? timeline?.head.trusted : nil
        let index = try deciding.map { _ in
            try ApprovalIndex(repository: repository, head: try status.governance.commit ?? ops.governanceHead())
        }

        // Who committed each merge that brought a record in, and its
        // signature, judged against the signers trusted before and at it.
        var attestations: [ObjectID: CommitAttestation?] = [:]
        func merge(_ commit: ObjectID) throws -> CommitAttestation? {
            if let known = attestations[commit] { return known }
            let point = timeline?.point(commit)
            let before = point.flatMap { timeline?.points[max(0, $0.index - 1)].trusted } ?? timeline?.start.trusted
            let signers = [before?.signers, point?.trusted.signers].compactMap { $0 }
            // The commit an approval names may come from a claim's payload:
            // one this repository does not hold has no attestation; one that
            // cannot be read throws.
            var attested: CommitAttestation?
            if try repository.commitIfPresent(commit) != nil {
                attested = try CommitAttestation.read(
                    commit, in: repository, signers: signers, cache: ops.verificationCache)
            }
            attestations[commit] = attested
            return attested
        }

        var commitTimes: [ObjectID: Timestamp] = [:]
        func mergedAt(_ commit: ObjectID) throws -> Timestamp? {
            if let known = commitTimes[commit] { return known }
            let time = try repository.commitIfPresent(commit).map { Timestamp($0.committer.date) }
            commitTimes[commit] = time
            return time
        }

        var byIntent: [IntentID: [AuditFinding]] = [:]
        var repoFindings: [AuditFinding] = []
        let known = Set(status.intents.map(\.id))
        for finding in verification.findings {
            if let path = finding.path, let id = LedgerPath(path)?.intentID, known.contains(id) {
                byIntent[id, default: []].append(finding)
            } else {
                repoFindings.append(finding)
            }
        }

        var entries: [IntentEntry] = []
        for line in status.intents {
            let verdict = status.verdicts[line.id]
            let intent = verdict?.intent
            guard window.covers(intent?.createdAt) else { continue }
            // What ran is shown with the approvals its claim counted, as
            // status and show do: a key rotated since does not undo them.
            let atClaim = status.claims[line.id]
            let counted =
                (try atClaim.map { claim in
                    try claim.entries.map {
                        Approval(
                            approver: $0.approver, commit: $0.commit, mergedAt: try mergedAt($0.commit),
                            recordDigest: $0.recordDigest, keyFingerprint: $0.keyFingerprint,
                            keyNote: $0.keyChange?.sentence(for: $0.approver), merge: try merge($0.commit))
                    }
                }
                ?? (verdict?.counted ?? []).map {
                    Approval(
                        approver: $0.approver, commit: $0.commit, mergedAt: try mergedAt($0.commit),
                        recordDigest: $0.recordDigest, merge: try merge($0.commit))
                }).sorted { ($0.mergedAt ?? Self.never, $0.approver) < ($1.mergedAt ?? Self.never, $1.approver) }
            let claimApprovers = Set(atClaim?.entries.map(\.approver) ?? [])
            var denials: [Approval] = []
            if let deciding, let index, let intent, let verdict, let tier = verdict.tier {
                // The engine's own tally over the same records: it drops
                // denials from the verdict once they decide it, the report
                // shows who denied and which merge brought the denial in.
                let tally = DecisionEngine.tallyApprovals(
                    try index.approvals(for: line.id), intent: intent, intentDigest: verdict.intentDigest, tier: tier,
                    governance: deciding, now: now, cache: ops.verificationCache)
                denials = try tally.denials.map {
                    Approval(
                        approver: $0.record.approver, commit: $0.evidence.commit,
                        mergedAt: try mergedAt($0.evidence.commit),
                        recordDigest: $0.recordDigest, merge: try merge($0.evidence.commit))
                }
            }
            let events = (status.events[line.id] ?? []).map(Self.event)
            let counting = verdict?.events ?? []
            let claim = counting.reversed().lazy.compactMap { event -> Claim? in
                guard case .claimed(let claim) = event.event.payload else { return nil }
                return Claim(
                    dispatcher: event.event.actor, at: event.event.at, runID: claim.runID, commit: event.commit)
            }.first
            let outcome = counting.reversed().lazy.compactMap { event -> Outcome? in
                switch event.event.payload {
                case .succeeded(let ran), .failed(let ran):
                    return Outcome(
                        kind: event.event.kind, at: event.event.at, actor: event.event.actor, exitCode: ran.exitCode,
                        durationMs: ran.durationMs, reason: ran.reason, commit: event.commit)
                default:
                    return nil
                }
            }.first
            var entry = IntentEntry(
                id: line.id, kind: line.kind ?? intent?.kind, tier: line.tier ?? verdict?.tier, state: line.state,
                reason: line.reason, detail: line.detail, approvalsCounted: line.approvals,
                approvalsRequired: line.required, proposer: intent?.proposer, proposedAt: intent?.createdAt,
                summary: intent?.summary, target: intent?.target, params: intent?.params ?? [:],
                expiresAt: intent?.expiresAt, counted: counted, denials: denials,
                discarded: (verdict?.discarded ?? []).filter {
                    !($0.kind == .approval && $0.principal.map(claimApprovers.contains) == true)
                },
                claim: claim, outcome: outcome, events: events, findings: byIntent[line.id] ?? [],
                timeToReady: timeToReady(
                    state: line.state, required: line.required, counted: counted, proposedAt: intent?.createdAt),
                countedAtClaim: atClaim != nil,
                recorded: outcome == nil
                    ? status.recordedProjection(line.id).map {
                        "\(RecordedProjection.notice) (\($0.operation) on \($0.target), projection at \($0.at))"
                    } : nil)
            entry.readyAt = verdict?.readyAt
            entry.freeze = verdict?.freeze
            entry.breakGlass = line.breakGlass
            entries.append(entry)
        }

        let signersState = timeline.map { $0.head.trusted }
        var report = AuditReport(
            window: window,
            governance: GovernanceHead(
                trusted: status.governance.trusted, reason: status.governance.reason,
                detail: status.governance.detail, commit: status.governance.commit, trustRoot: trustRoot),
            ledger: LedgerHead(
                ok: status.ledger.ok, reason: status.ledger.reason, detail: status.ledger.detail,
                commit: status.ledger.commit),
            intents: entries, totalIntents: status.intents.count, governanceChanges: changes,
            verification: verification, repoFindings: repoFindings, summary: summarize(entries, status: status),
            signers: signersState.map { SignerListing.read(String(decoding: $0.signersBytes, as: UTF8.self)) } ?? [],
            signersCommit: signersState?.commit)
        report.freezes = status.policy?.freezes ?? []
        return report
    }

    /// An event as read, parsed the way `writ show` parses it.
    private static func event(_ evidence: EventEvidence) -> Event {
        let parsed = try? AuditEvent.parse(evidence.bytes, expectedPath: evidence.path)
        var kind = parsed?.kind
        if kind == nil, case .auditEvent(_, _, let named)? = LedgerPath(evidence.path) { kind = named }
        return Event(
            path: evidence.path, kind: kind, at: parsed?.at, actor: parsed?.actor,
            summary: parsed.map(AuditedEvent.summarize) ?? "malformed event \(evidence.path)",
            commit: evidence.commit, signers: evidence.signers.sorted(), counts: evidence.counts ?? false)
    }

    /// Time from proposal to the approval that completed the quorum: the
    /// `required`-th merge, oldest first. Only for intents past that point
    /// (ready or settled); committer clocks are their writers', so a merge
    /// recorded before the proposal counts as immediate.
    static func timeToReady(state: IntentState, required: Int, counted: [Approval], proposedAt: Timestamp?)
        -> TimeInterval?
    {
        guard state != .blocked, required > 0, counted.count >= required, let proposedAt,
            let merged = counted[required - 1].mergedAt
        else { return nil }
        return max(0, merged.date.timeIntervalSince(proposedAt.date))
    }

    static func summarize(_ entries: [IntentEntry], status: OpsStatus) -> Summary {
        let byState = IntentState.allCases.map { state in
            (state: state, count: entries.filter { $0.state == state }.count)
        }
        var byTier: [(tier: Tier?, count: Int)] = Tier.allCases.map { tier in
            (tier: tier, count: entries.filter { $0.tier == tier }.count)
        }
        let unknown = entries.filter { $0.tier == nil }.count
        if unknown > 0 { byTier.append((tier: nil, count: unknown)) }
        let times = entries.compactMap(\.timeToReady).sorted()
        let median: TimeInterval? =
            times.isEmpty
            ? nil
            : times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let shown = Set(entries.map(\.id))
        var approvers = Set<Principal>()
        if let policy = status.policy {
            for tier in Tier.allCases {
                for role in policy.rule(for: tier)?.roles ?? [] { approvers.formUnion(policy.principals(inRole: role)) }
            }
        }
        let pending = approvers.sorted().map { principal in
            (principal: principal, count: status.waiting(for: principal).filter { shown.contains($0.id) }.count)
        }
        return Summary(byState: byState, byTier: byTier, medianTimeToReady: median, pendingByApprover: pending)
    }

    /// Every commit of the governance chain after the trust root whose
    /// files differ from the state trusted before it, with both quorums as
    /// `writ governance status` counts them.
    package static func governanceChanges(ops: OpsRepo, timeline: GovernanceTimeline, now: Date) throws
        -> [GovernanceChange]
    {
        var changes: [GovernanceChange] = []
        for (previous, point) in zip(timeline.points, timeline.points.dropFirst()) {
            let before = previous.trusted
            let files = try GovernanceCommit.read(point.commit, in: ops.repository)
            guard files.policyBytes != before.policyBytes || files.signersBytes != before.signersBytes else {
                continue
            }
            let progress = try GovernanceProgress.pending(
                ops: ops, commit: point.commit, branch: nil, trusted: before, now: now)
            let policy = lineChanges(from: before.policyBytes, to: files.policyBytes ?? Data())
            let signers = lineChanges(from: before.signersBytes, to: files.signersBytes ?? Data())
            changes.append(
                GovernanceChange(
                    commit: point.commit, time: Timestamp(point.time),
                    adopted: point.headTrusted && point.trusted.commit == point.commit, digest: progress.digest,
                    replaces: progress.replaces, policyRemoved: policy.removed, policyAdded: policy.added,
                    signersRemoved: signers.removed.map(SignerListing.describe),
                    signersAdded: signers.added.map(SignerListing.describe),
                    quorums: progress.quorums, discarded: progress.discarded, malformed: progress.malformed,
                    detail: point.detail,
                    attestation: try CommitAttestation.read(
                        point.commit, in: ops.repository, signers: [before.signers, point.trusted.signers],
                        cache: ops.verificationCache)))
        }
        return changes
    }

    /// The non-blank lines only in `old` and only in `new`, each in file order.
    static func lineChanges(from old: Data, to new: Data) -> (removed: [String], added: [String]) {
        func lines(_ data: Data) -> [String] {
            String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        let before = lines(old)
        let after = lines(new)
        return (before.filter { !after.contains($0) }, after.filter { !before.contains($0) })
    }
}
