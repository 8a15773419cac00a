import Foundation

/// When an intent runs (SPEC §3, §4 rules 2–4 and the gate part of rule 5):
/// a pure function of the trusted governance state, the intent, its
/// approvals, its events and the clock. The ``VerificationCache`` a caller
/// may pass changes only how often a signature is computed, never a verdict.
///
/// Rule 1 (the governance state is trusted) is the caller's: it passes only
/// a state `GovernanceTrust` adopted. Executor, environment and clone
/// checks (the rest of rule 5) belong to the dispatcher.
package enum DecisionEngine {
    /// The signature namespace of intents.
    package static let intentNamespace = SignatureNamespace.intent

    /// Decides one intent. See docs/decisions.md for the order of checks
    /// and the state machine. `quota` is the intent's `[limits]` finding,
    /// made at its proposal commit by the reader's ledger walk
    /// (``ProposerQuota``); nil when it is within the limits.
    package static func decide(
        governance: GovernanceState, intent evidence: IntentEvidence, approvals: [ApprovalEvidence],
        events: [EventEvidence], now: Date, cache: VerificationCache? = nil, quota: WritError? = nil
    ) -> Verdict {
        let policy = governance.policy
        let digest = Intent.digest(ofFileBytes: evidence.bytes)
        let pathID = LedgerPath(evidence.path).flatMap { path -> IntentID? in
            if case .intent(let id) = path { id } else { nil }
        }

        // Rule 2a: the intent parses and its id matches its path.
        let intent: Intent
        do {
            intent = try Intent.parse(evidence.bytes, expectedPath: evidence.path)
        } catch {
            let detail = (error as? WritError)?.detail ?? "intent does not parse"
            // Dispatcher events still settle a malformed intent, so that a
            // report never shows a run as merely blocked.
            let replay = pathID.map {
                EventAuthority.replay(events, id: $0, intentDigest: digest, tier: nil, policy: policy)
            }
            if let replay, let state = replay.state {
                return Verdict(
                    state: state, reason: settledReason(state), detail: settledDetail(state, replay), intent: nil,
                    intentDigest: digest,
                    tier: nil,
                    approvalsCounted: 0, approvalsRequired: 0, counted: [], discarded: replay.discarded,
                    events: replay.counting)
            }
            return Verdict(
                state: .blocked, reason: .intentMalformed, detail: detail, intent: nil, intentDigest: digest, tier: nil,
                approvalsCounted: 0, approvalsRequired: 0, counted: [], discarded: replay?.discarded ?? [],
                events: replay?.counting ?? [])
        }

        let tier = intent.effectiveTier(policy)
        let rule = policy.rule(for: tier)
        let required = rule?.approvals ?? 0
        let replay = EventAuthority.replay(
            events, id: intent.id, intentDigest: digest, tier: tier, proposer: intent.proposer, policy: policy)
        let tally = tallyApprovals(
            approvals, intent: intent, intentDigest: digest, tier: tier, governance: governance, now: now,
            cache: cache)
        let counted = required == 0 && rule != nil ? [] : tally.counted

        // SPEC §4.6: set once the wait's end is known (step 4w), and the
        // freeze that blocks it (step 5f); every verdict after carries them.
        var readyAt: Timestamp?
        var freeze: FreezeWindow?
        // SPEC §4.7: the break-glass run, open or settled. A settled intent
        // ran by break-glass only when a `break_glass` event counts; its
        // record is judged at that event's clock, the dispatcher's at the
        // claim, so a record expiring after the run still names the run.
        // The review is judged at `now`.
        var breakGlassRecord: ApprovalCheck.Valid?
        if replay.state == nil {
            breakGlassRecord = BreakGlassReview.counting(tally.breakGlass)
        } else if let event = replay.breakGlass {
            let atRun = tallyApprovals(
                approvals, intent: intent, intentDigest: digest, tier: tier, governance: governance,
                now: event.event.at.date, cache: cache)
            breakGlassRecord = BreakGlassReview.counting(atRun.breakGlass)
        }
        let breakGlass = breakGlassRecord.map {
            BreakGlassReview.run(
                $0, reviews: tally.reviews, event: replay.breakGlass, rule: policy.breakGlass, now: now)
        }
        let discarded =
            tally.discarded + replay.discarded
            + (breakGlass?.discarded ?? tally.reviews.map(unreviewable)) + tally.reviewDiscarded

        // The run is named only where break-glass decides the verdict: a
        // settled run, or an open intent it makes ready (or that waits only
        // on its gates). An intent stopped before that step (expired, its
        // signature, quota, a deny) has no run, so no review falls due.
        var named = replay.state != nil
        func verdict(_ state: IntentState, _ reason: ReasonCode?, _ detail: String) -> Verdict {
            Verdict(
                state: state, reason: reason, detail: detail, intent: intent, intentDigest: digest, tier: tier,
                approvalsCounted: tally.tierCounted, approvalsRequired: required, counted: counted,
                discarded: discarded,
                events: replay.counting, groupTallies: tally.groups, readyAt: readyAt, freeze: freeze,
                breakGlass: named ? breakGlass?.run : nil)
        }

        // The ledger first: a settled intent is never judged ready again.
        if let state = replay.state {
            return verdict(state, settledReason(state), settledDetail(state, replay))
        }

        // Rule 2b–d.
        if let expiresAt = intent.expiresAt, expiresAt <= Timestamp(secondsSinceEpochOf: now) {
            return verdict(.blocked, .intentExpired, "intent expired at \(expiresAt)")
        }
        if let problem = intentSignatureProblem(
            evidence, intent: intent, governance: governance, now: now, cache: cache)
        {
            return verdict(.blocked, .intentSignatureInvalid, problem)
        }
        guard policy.isProposer(intent.proposer) else {
            return verdict(
                .blocked, .proposerNotAuthorized,
                "proposer \(quoted: intent.proposer.rawValue) holds no [proposers] role")
        }

        // SPEC §4.8: over a limit at its proposal commit, it never runs.
        if let quota {
            return verdict(.blocked, .quotaExceeded, quota.detail)
        }

        // Rule 3.
        if let deny = tally.denials.first {
            return verdict(
                .blocked, .denied, "\(quoted: deny.record.approver.rawValue) denied it (\(deny.evidence.path))")
        }

        named = true
        // Rule 4, unless a valid break-glass record makes the intent ready
        // now (SPEC §4.7): then the quorum (with its groups), `wait` and
        // freeze steps pass, and the gates are still required.
        var summary = "tier \(tier) needs no approval"
        if breakGlass == nil {
            guard let rule else {
                let reason = tally.firstDiscardedApproval?.reason ?? .notApproved
                return verdict(
                    .blocked, reason,
                    "the policy has no [tiers.\(tier)] table: a \(tier) intent can never be approved")
            }
            if rule.approvals > 0 || !tally.groups.isEmpty {
                summary = "\(tally.tierCounted) of \(rule.approvals) approvals for tier \(tier)"
            }
            if tally.tierCounted < rule.approvals {
                let first = tally.firstDiscardedApproval
                if let first {
                    return verdict(.blocked, first.reason, "\(summary); \(first.path): \(first.detail)")
                }
                return verdict(.blocked, .notApproved, summary)
            }
            // SPEC §4.6: then every `require` group, assigned as a whole; the
            // first group that cannot be met with those before it is named.
            if let unmet = tally.firstUnmetGroup {
                let sentence = tally.groups[unmet].unmetSentence(index: unmet, of: tally.groups.count)
                return verdict(.blocked, .notApproved, "\(summary); \(sentence)")
            }
            if !tally.groups.isEmpty {
                summary += ", and its \(tally.groups.count) require group(s) met"
            }

            // Step 4w (SPEC §4.6): `wait` after the governance commit that completed the quorum.
            if let wait = rule.wait {
                switch waitingPeriod(tally.valid, rule: rule, policy: policy, wait: wait) {
                case .unknown(let detail):
                    return verdict(.blocked, .waitingPeriod, detail)
                case .known(let end, let detail):
                    readyAt = end
                    // At the whole second a claim records, as the freeze below.
                    if Timestamp(now) < end {
                        return verdict(.blocked, .waitingPeriod, detail)
                    }
                }
            }
        }

        // Rule 5, the gate part.
        for gate in intent.requiredGates where replay.gates[gate] != .pass {
            let seen =
                replay.gates[gate].map { "its latest result is \($0.rawValue)" }
                ?? "no entitled PASS for the current digest"
            return verdict(.blocked, .gateMissing, "required gate \(quoted: gate): \(seen)")
        }

        if let run = breakGlass?.run {
            // Past any freeze (SPEC §4.7). The reason is untrusted text:
            // quoted here, escaped again by every view.
            return verdict(.ready, nil, "break-glass by \(quoted: run.approver.rawValue): \(quoted: run.reason)")
        }

        // Step 5f (SPEC §4.6): the last check before ready. Judged at the
        // whole second a claim records as its `at`, which is the instant
        // `writ verify` re-decides the claim at: a window ending at a
        // fraction of a second cannot let the dispatcher claim in a second
        // that verify then finds frozen.
        if let window = policy.activeFreeze(tier: tier, kind: intent.kind, at: Timestamp(now)) {
            freeze = window
            return verdict(.blocked, .frozen, "frozen by \(quoted: window.name) until \(window.end)")
        }

        return verdict(.ready, nil, summary)
    }

    /// A valid review record of an intent with no break-glass run: it
    /// reviews nothing (a valid record that adds nothing, as a second key's is).
    private static func unreviewable(_ review: ApprovalCheck.Valid) -> DiscardedRecord {
        DiscardedRecord(
            kind: .approval, path: review.evidence.path, commit: review.evidence.commit,
            principal: review.record.approver, reason: .notApproved,
            detail: "a \(review.record.decision) record reviews a break-glass run, and this intent has none")
    }

    /// Why the intent's `.sig` is not the proposer's, or nil when it is.
    static func intentSignatureProblem(
        _ evidence: IntentEvidence, intent: Intent, governance: GovernanceState, now: Date,
        cache: VerificationCache? = nil
    ) -> String? {
        guard let signature = evidence.signature else { return "\(evidence.path).sig is missing" }
        do {
            _ = try SignatureVerifier.verify(
                armored: signature, message: evidence.bytes, principal: intent.proposer.rawValue,
                namespace: intentNamespace,
                allowedSigners: governance.signers, at: now, cache: cache)
            return nil
        } catch {
            return "\(evidence.path).sig: \(error.description)"
        }
    }

    /// A settled intent's reason: none for a run that happened, `withdrawn`
    /// for the one settled state that is a non-success without a run.
    private static func settledReason(_ state: IntentState) -> ReasonCode? {
        state == .withdrawn ? .withdrawn : nil
    }

    private static func settledDetail(_ state: IntentState, _ replay: EventAuthority.Replay) -> String {
        if state == .withdrawn, let withdrawal = replay.withdrawal {
            // The note is untrusted text: quoted, control characters escaped
            // (the event's reader refuses them anyway), and every view
            // escapes the detail again for its medium.
            let note = withdrawal.event.payload.withdrawnNote ?? ""
            return "withdrawn by \(quoted: withdrawal.event.actor.rawValue) at \(withdrawal.event.at) per "
                + "\(withdrawal.path)" + (note.isEmpty ? "" : ": \(quoted: note)")
        }
        return "\(state.rawValue) per \(replay.lastPath ?? "the ledger")"
    }

    /// When a tier's `wait` ends, or why that cannot be known.
    package enum WaitEnd: Equatable {
        /// The wait ends at `end` (the first instant the intent may be ready); `detail` says from what.
        case known(end: Timestamp, detail: String)
        /// A counting approval's governance commit time is unknown: the
        /// wait can never be shown to have passed.
        case unknown(detail: String)
    }

    /// The end of `rule`'s `wait` (SPEC §4.6) for `valid` approvals that
    /// meet the quorum: the approvals ordered by when their governance
    /// commit landed (`ApprovalEvidence.committedAt`, then commit id, then
    /// path), the shortest prefix that meets the quorum (``quorumMet``),
    /// and `wait` after the last commit time in it — the commit that
    /// completed the quorum. A record removed and merged again counts from
    /// its new commit; a deny is not an approval and never starts a wait.
    package static func waitingPeriod(
        _ valid: [ApprovalCheck.Valid], rule: Policy.Rule, policy: Policy, wait: Int64
    ) -> WaitEnd {
        let wording = DurationText.text(seconds: wait)
        if let unknown = valid.first(where: { $0.evidence.committedAt == nil }) {
            return .unknown(
                detail:
                    "the time governance commit \(unknown.evidence.commit.hex.prefix(12)) landed is unknown "
                    + "(\(unknown.evidence.path)), so the wait \(wording) cannot be shown to have passed")
        }
        let ordered = valid.sorted {
            ($0.evidence.committedAt ?? .distantFuture, $0.evidence.commit.hex, $0.evidence.path)
                < ($1.evidence.committedAt ?? .distantFuture, $1.evidence.commit.hex, $1.evidence.path)
        }
        var prefix: [ApprovalCheck.Valid] = []
        for approval in ordered {
            prefix.append(approval)
            guard quorumMet(prefix, rule: rule, policy: policy), let landed = approval.evidence.committedAt else {
                continue
            }
            let completed = Timestamp(secondsSinceEpochOf: landed)
            let end = completed.adding(seconds: wait)
            return .known(
                end: end,
                detail:
                    "quorum completed by governance commit \(approval.evidence.commit.hex.prefix(12)) at "
                    + "\(completed); wait \(wording) ends at \(end)")
        }
        // Unreachable when the caller checked the quorum first; fail closed.
        return .unknown(detail: "the quorum is not met, so the wait \(wording) has not started")
    }

    /// Every approval and denial, checked, with the approvals counted.
    package struct Tally {
        /// What a `claimed` event lists: the approvals counted towards the
        /// tier's own count and those assigned to its `require` groups,
        /// each record version once, sorted by principal then path.
        package var counted: [CountedApproval] = []
        /// The tier's own count: distinct principals (and keys) holding one
        /// of the tier's own `roles` (SPEC §4 rule 4); a principal who holds
        /// only a group's role counts in that group, not here.
        package var tierCounted = 0
        /// Each `require` group of the tier, in policy order (SPEC §4.6).
        package var groups: [GroupTally] = []
        /// The first group, in policy order, that cannot be met together
        /// with the groups before it; nil when every group is met.
        package var firstUnmetGroup: Int?
        /// Every valid `approve` record, each record version once, sorted
        /// by principal then path: what ``DecisionEngine/quorumMet(_:rule:policy:)`` takes.
        package var valid: [ApprovalCheck.Valid] = []
        package var denials: [ApprovalCheck.Valid] = []
        package var discarded: [DiscardedRecord] = []
        /// Valid `break_glass` records (SPEC §4.7); they never count toward a quorum.
        package var breakGlass: [ApprovalCheck.Valid] = []
        /// Valid `ratify` and `reject` records: the review of a break-glass run.
        package var reviews: [ApprovalCheck.Valid] = []
        /// Review records that do not count and why. Kept apart from
        /// `discarded`: a review never names why an intent is blocked.
        package var reviewDiscarded: [DiscardedRecord] = []

        /// The first discarded approval or deny record in principal order
        /// (then path, then commit), which names the reason when too few count.
        var firstDiscardedApproval: DiscardedRecord? {
            discarded.filter { $0.kind == .approval }.min { lhs, rhs in
                (lhs.principal?.rawValue ?? "", lhs.path, lhs.commit?.hex ?? "")
                    < (rhs.principal?.rawValue ?? "", rhs.path, rhs.commit?.hex ?? "")
            }
        }
    }

    package static func tallyApprovals(
        _ approvals: [ApprovalEvidence], intent: Intent, intentDigest: ContentDigest, tier: Tier,
        governance: GovernanceState, now: Date, cache: VerificationCache? = nil
    ) -> Tally {
        var tally = Tally()
        var valid: [ApprovalCheck.Valid] = []
        // The same record re-committed (or re-listed) counts once: dedupe by
        // (key, record digest), never by commit id, which extra headers change.
        var seen = Set<[UInt8]>()
        for evidence in approvals {
            switch ApprovalCheck.check(
                evidence, intent: intent, intentDigest: intentDigest, tier: tier, governance: governance, now: now,
                cache: cache)
            {
            case .discarded(let discarded):
                // Only discarded records are parsed again, to tell a review apart.
                if let record = try? ApprovalRecord.parse(evidence.bytes, expectedPath: evidence.path),
                    record.decision.isReview
                {
                    tally.reviewDiscarded.append(discarded)
                } else {
                    tally.discarded.append(discarded)
                }
            case .valid(let record):
                switch record.record.decision {
                case .deny:
                    tally.denials.append(record)
                case .breakGlass:
                    tally.breakGlass.append(record)
                case .ratify, .reject:
                    tally.reviews.append(record)
                case .approve:
                    let identity = record.key.blob + Array(record.recordDigest.hex.utf8)
                    guard seen.insert(identity).inserted else { continue }
                    valid.append(record)
                }
            }
        }
        tally.denials.sort { ($0.record.approver, $0.evidence.path) < ($1.record.approver, $1.evidence.path) }
        valid.sort { ($0.record.approver, $0.evidence.path) < ($1.record.approver, $1.evidence.path) }
        tally.valid = valid

        let rule = governance.policy.rule(for: tier)
        let quorum = countQuorum(
            valid, rule: rule ?? Policy.Rule(approvals: 0, roles: []), policy: governance.policy)
        tally.tierCounted = quorum.tier.count
        tally.firstUnmetGroup = quorum.groups.firstUnmet
        let chosen = Set(quorum.tier + quorum.groups.groups.joined())
        let countedPrincipals = Set(chosen.map { valid[$0].record.approver })
        for (index, record) in valid.enumerated() {
            if chosen.contains(index) {
                tally.counted.append(
                    CountedApproval(
                        approver: record.record.approver, commit: record.evidence.commit,
                        recordDigest: record.recordDigest))
            } else if !countedPrincipals.contains(record.record.approver) {
                // A valid record that adds nothing: its key already counts for another principal.
                tally.discarded.append(
                    DiscardedRecord(
                        kind: .approval, path: record.evidence.path, commit: record.evidence.commit,
                        principal: record.record.approver, reason: .notApproved,
                        detail: "signed with key \(record.key.fingerprint), which already counts for another principal")
                )
            }
        }
        for (group, assigned) in zip(rule?.require ?? [], quorum.groups.groups) {
            let holders = Set(group.roles.flatMap { governance.policy.principals(inRole: $0) })
            tally.groups.append(
                GroupTally(
                    group: group, counted: assigned.map { valid[$0].record.approver }.sorted(),
                    mayApprove: holders.filter { !countedPrincipals.contains($0) && $0 != intent.proposer }.sorted()))
        }
        return tally
    }

    /// A quorum as counted from valid approvals (SPEC §4 rule 4, §4.6).
    package struct Quorum: Sendable, Equatable {
        /// Indices (into the approvals given) counted towards the tier's own count.
        package let tier: [Int]
        /// Indices assigned to each `require` group, and the first unmet group.
        package let groups: RoleGroupMatching.Assignment
        /// The rule's own count.
        package let required: Int

        /// Whether the tier's own count and every group are met.
        package var met: Bool { tier.count >= required && groups.met }
    }

    /// Counts `valid` (valid `approve` records, each record version once)
    /// against `rule`: the tier's own count is distinct principals with
    /// distinct keys among those holding one of `rule.roles`
    /// (``DistinctSignerMatching``); each `require` group is then filled by
    /// ``RoleGroupMatching`` from the principals holding one of its roles.
    /// The two counts are independent: a principal (or key) may count once
    /// towards the tier and once in at most one group, so one person who
    /// holds both `admin` and `security` meets "1 admin, require 1 of
    /// [security]", and two groups always need two people. With `extras`
    /// false, groups take no more than they need (enough to answer "met?").
    package static func countQuorum(
        _ valid: [ApprovalCheck.Valid], rule: Policy.Rule, policy: Policy, extras: Bool = true
    ) -> Quorum {
        // Deterministic whatever order the caller gives: principal, then path.
        let order = valid.indices.sorted {
            (valid[$0].record.approver, valid[$0].evidence.path, $0)
                < (valid[$1].record.approver, valid[$1].evidence.path, $1)
        }
        func holders(_ roles: [String]) -> Set<Principal> { Set(roles.flatMap { policy.principals(inRole: $0) }) }
        let tierHolders = holders(rule.roles)
        let tierOrder = order.filter { tierHolders.contains(valid[$0].record.approver) }
        let tier = DistinctSignerMatching.match(
            tierOrder.map { .init(principal: valid[$0].record.approver, key: valid[$0].key.blob) }
        ).map { tierOrder[$0] }.sorted()
        let assignment = RoleGroupMatching.assign(
            order.map { .init(principal: valid[$0].record.approver, key: valid[$0].key.blob) },
            to: rule.require.map { .init(approvals: $0.approvals, eligible: holders($0.roles)) }, extras: extras)
        return Quorum(
            tier: tier,
            groups: RoleGroupMatching.Assignment(
                groups: assignment.groups.map { $0.map { order[$0] }.sorted() }, firstUnmet: assignment.firstUnmet),
            required: rule.approvals)
    }

    /// Whether `valid` (valid `approve` records, each record version once,
    /// in any order) meets `rule`: its own count and every `require` group.
    /// The one predicate rule 4 and the wait (step 4w) both ask, so that the
    /// quorum a wait counts from ("which governance commit completed the
    /// quorum") is the quorum that lets the intent run.
    package static func quorumMet(_ valid: [ApprovalCheck.Valid], rule: Policy.Rule, policy: Policy) -> Bool {
        countQuorum(valid, rule: rule, policy: policy, extras: false).met
    }

}
