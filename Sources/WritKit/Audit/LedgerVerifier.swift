import Foundation

/// `writ verify`: replays the whole ledger and governance history and
/// proves that the ledger was append-only, that every event was written by
/// a principal entitled to it (both from `LedgerAudit`), that every claim
/// was ready when it was made, and that no intent ran twice.
public struct LedgerVerifier {
    let ops: OpsRepo
    /// Kinds whose executor is `idempotent = true` on the host (known only
    /// from a dispatcher.toml): for them a claim after an entitled
    /// `in_doubt` is a legitimate re-run. Empty: every second claim needs
    /// an `in_doubt` followed by `resolved(retry)`.
    var idempotentKinds: Set<String>

    public init(ops: OpsRepo, idempotentKinds: Set<String> = []) {
        self.ops = ops
        self.idempotentKinds = idempotentKinds
    }

    /// Verifies everything from `trustRoot`; governance trust at the head is
    /// judged at `now`. Throws only contract errors (trust root missing,
    /// history rewritten, governance not trusted, no ledger branch).
    public func verify(trustRoot: ObjectID, now: Date) throws -> VerifyReport {
        let audit = try LedgerAudit(ops: ops, trustRoot: trustRoot, now: now)
        // Approval records are attributed over the whole first-parent
        // history, so a record merged before the trust root keeps its commit.
        let approvals = try ApprovalIndex(repository: ops.repository, head: audit.governance.head.commit)
        let offset = approvals.chain.firstIndex(of: audit.governance.start.commit) ?? 0
        // Every claim re-decision verifies its intent's and approvals'
        // signatures: verify them all first, on every core.
        try Self.verifyAhead(audit: audit, approvals: approvals)
        var replay = ClaimReplay(
            audit: audit, idempotentKinds: idempotentKinds, approvals: approvals, approvalsOffset: offset)
        try replay.run()

        let position = Dictionary(audit.chain.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let findings = (audit.findings + replay.findings).enumerated().sorted { lhs, rhs in
            let left = (lhs.element.commit.flatMap { position[$0] } ?? Int.max, lhs.offset)
            let right = (rhs.element.commit.flatMap { position[$0] } ?? Int.max, rhs.offset)
            return left < right
        }.map(\.element)
        return VerifyReport(
            ledgerHead: audit.head, governanceHead: audit.governance.chain.last ?? trustRoot,
            commits: audit.chain.count,
            governanceCommits: approvals.chain.count, events: audit.events.count, claims: replay.claims,
            findings: findings)
    }
}

extension LedgerVerifier {
    /// Verifies, in parallel, the signatures of every claimed intent and of
    /// its approval records at the head, so the replay finds them known.
    static func verifyAhead(audit: LedgerAudit, approvals: ApprovalIndex) throws {
        var pending: [PendingSignature] = []
        let claimed = Set(audit.events.lazy.filter { $0.kind == .claimed }.map(\.intent))
        for id in claimed.sorted() {
            guard let file = audit.intents[id] else { continue }
            pending += PendingSignature.decision(
                intent: file.bytes, signature: file.signature, approvals: try approvals.approvals(for: id))
        }
        VerificationCache.verifyInParallel(pending)
    }
}

/// Each intent's counting events, replayed in ledger order through the
/// state machine of docs/decisions.md, re-deciding every claim.
private struct ClaimReplay {
    let audit: LedgerAudit
    let idempotentKinds: Set<String>
    let approvals: ApprovalIndex
    /// The trust root's index in `approvals.chain`.
    let approvalsOffset: Int
    var findings: [AuditFinding] = []
    var claims = 0

    mutating func run() throws {
        let byIntent = Dictionary(grouping: audit.events, by: \.intent)
        for id in byIntent.keys.sorted() {
            let all = byIntent[id] ?? []
            var state: IntentState?
            var lastClaim: AuditedEvent?
            for audited in all where audited.counts {
                guard let event = audited.event else { continue }
                func violation(_ detail: String) {
                    findings.append(
                        AuditFinding(
                            reason: .ledgerViolation, commit: audited.commit, path: audited.path, detail: detail))
                }
                let current = state?.rawValue ?? "open"
                switch event.payload {
                case .claimed(let claim):
                    claims += 1
                    let rerun = state == .inDoubt && idempotentKind(id)
                    if state != nil && !rerun {
                        let earlier = lastClaim.map { " (claimed before in ledger commit \($0.commit.hex))" } ?? ""
                        findings.append(
                            AuditFinding(
                                reason: .alreadyExecuted, commit: audited.commit, path: audited.path,
                                detail:
                                    "second claim of \(id) while it is \(current)\(earlier); only an entitled in_doubt "
                                    + "followed by resolved(retry), or an idempotent executor after in_doubt, allows another run"
                            ))
                    } else if let finding = try check(audited, claim: claim, event: event, events: all, rerun: rerun) {
                        findings.append(finding)
                    }
                    state = .claimed
                    lastClaim = audited
                case .succeeded, .failed:
                    guard state == .claimed || state == .inDoubt else {
                        violation("\(event.kind) for \(id) with no open claim (the intent is \(current))")
                        continue
                    }
                    state = event.kind == .succeeded ? .succeeded : .failed
                case .inDoubt:
                    guard state == .claimed else {
                        violation("in_doubt for \(id) with no open claim (the intent is \(current))")
                        continue
                    }
                    state = .inDoubt
                case .resolved(let resolution, _):
                    switch (state, resolution) {
                    case (.inDoubt, .retry): state = nil
                    case (.inDoubt, .succeeded), (.claimed, .succeeded): state = .succeeded
                    case (.inDoubt, .failed), (.claimed, .failed): state = .failed
                    default: violation("resolved(\(resolution.rawValue)) does not apply to \(id), which is \(current)")
                    }
                case .autoApproved, .blocked, .projection, .gate:
                    continue
                }
            }
        }
    }

    private func idempotentKind(_ id: IntentID) -> Bool {
        guard let file = audit.intents[id],
            let intent = try? Intent.parse(file.bytes, expectedPath: LedgerPath.intent(id).path)
        else { return false }
        return idempotentKinds.contains(intent.kind)
    }

    /// Re-decides a claim as the dispatcher should have: with the governance
    /// trusted at the claim commit's ledger position P, the approvals merged
    /// by P, and the events committed before it. The clock is the claim's
    /// own `at` — the dispatcher's clock at dispatch, which SPEC §4 checks
    /// expiries and key windows against — but never earlier than τ (the
    /// clock set by governance history): a claim cannot predate the
    /// governance it was anchored to, so backdating its `at` does not make
    /// an expired intent or approval look live.
    private func check(
        _ audited: AuditedEvent, claim: AuditEvent.Claim, event: AuditEvent, events: [AuditedEvent], rerun: Bool
    ) throws -> AuditFinding? {
        let id = audited.intent
        func finding(_ reason: ReasonCode, _ detail: String) -> AuditFinding {
            AuditFinding(reason: reason, commit: audited.commit, path: audited.path, detail: detail)
        }
        let point = audit.governance.points[audited.positionIndex]
        guard point.headTrusted else {
            return finding(
                .policyUnapproved,
                "\(id) was claimed while governance commit \(point.commit.hex) was pending, so nothing could run: \(point.detail)"
            )
        }
        guard let file = audit.intents[id], file.index < audited.commitIndex else {
            return finding(.ledgerViolation, "\(id) was claimed before its intent file was on the ledger")
        }
        let signature = file.signatureIndex.flatMap { $0 < audited.commitIndex ? file.signature : nil }
        let intent = IntentEvidence(path: LedgerPath.intent(id).path, bytes: file.bytes, signature: signature)
        let before = events.filter { $0.commitIndex < audited.commitIndex }
            .filter { !rerun || ($0.kind != .claimed && $0.kind != .inDoubt) }
            .map {
                EventEvidence(
                    path: $0.path, bytes: $0.bytes, commit: $0.commit, signers: $0.verifiedSigners, counts: $0.counts)
            }
        let verdict = DecisionEngine.decide(
            governance: point.trusted, intent: intent,
            approvals: try approvals.approvals(for: id, asOf: approvalsOffset + point.index),
            events: before, now: max(event.at.date, audited.clock))
        let context =
            "claimed at \(event.at) (ledger clock \(Timestamp(audited.clock))) under governance \(point.commit.hex)"
        switch verdict.state {
        case .ready:
            if let tier = verdict.tier, claim.tier != tier {
                return finding(
                    .tierMismatch, "\(context): the claim says tier \(claim.tier), the intent was tier \(tier)")
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
        }
    }
}
