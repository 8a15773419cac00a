import Foundation

/// Whether a record a person is about to write would count, decided before
/// it is written: the ledger is append-only and an approval merged into the
/// governance branch stays in its history, so a record that would never
/// count is refused rather than left there for good (docs/decisions.md,
/// "Before writing").
///
/// The rules are the readers' own (SPEC §3, §4), applied to the one record
/// `writ propose`, `approve`, `resolve` or `gate` makes, under the trusted
/// governance. Pure: the caller passes the trusted state, the intent's
/// verdict under it, the signature the signer made and the clock. Each
/// check returns nil when the record would count, or the one reason it
/// would not.
package enum WriteCheck {
    /// What a ledger writer signs under namespace `git` to show which key it
    /// holds, before its commit is made; never written anywhere.
    package static let probe = Data("writ: pre-write check probe\n".utf8)

    /// An intent `writ propose` is about to append, with its `.sig`.
    package static func propose(
        intent: Intent, bytes: Data, signature: String, governance: GovernanceState, now: Date,
        cache: VerificationCache? = nil
    ) -> WritError? {
        if let problem = keyProblem(
            intent.proposer, signature: signature, message: bytes, namespace: SignatureNamespace.intent,
            governance: governance, now: now, cache: cache)
        {
            return problem
        }
        guard governance.policy.isProposer(intent.proposer) else {
            return WritError(
                .proposerNotAuthorized,
                "\(quoted: intent.proposer.rawValue) holds no [proposers] role in the trusted policy")
        }
        if let expiresAt = intent.expiresAt, hasPassed(expiresAt, now) {
            return WritError(.intentExpired, "the expiry \(expiresAt) is not in the future")
        }
        return nil
    }

    /// An approval or denial record `writ approve` is about to commit, with
    /// its `.sig`, for the intent judged by `verdict`.
    package static func approve(
        record: ApprovalRecord, bytes: Data, signature: String, verdict: Verdict, governance: GovernanceState,
        now: Date, cache: VerificationCache? = nil
    ) -> WritError? {
        let who = record.approver
        if let problem = keyProblem(
            who, signature: signature, message: bytes, namespace: ApprovalRecord.signatureNamespace,
            governance: governance, now: now, cache: cache)
        {
            return problem
        }
        guard let intent = verdict.intent, let tier = verdict.tier else {
            return WritError(.intentMalformed, "intent \(record.intent) is malformed: \(verdict.detail)")
        }
        if record.decision == .approve || record.decision == .deny {
            if let problem = roleForTier(who, tier, governance.policy) { return problem }
        } else if let refusal = ApprovalCheck.roleRefusal(record.decision, who, tier: tier, policy: governance.policy) {
            return WritError(.signerNotAuthorized, "\(refusal) in the trusted policy")
        }
        guard who != intent.proposer else {
            return WritError(.selfApproval, "\(quoted: who.rawValue) proposed \(intent.id) and cannot decide on it")
        }
        if record.decision.isReview {
            // SPEC §4.7: a review reviews a break-glass run, never one's own.
            guard let run = verdict.breakGlass else {
                return WritError(
                    .notApproved,
                    "\(intent.id) has no break-glass run to review: a \(record.decision) record would count for nothing"
                )
            }
            guard run.approver != who else {
                return WritError(
                    .selfApproval,
                    "\(quoted: who.rawValue) broke glass on \(intent.id): the break-glass approver cannot review their own run"
                )
            }
        }
        guard record.intentDigest == verdict.intentDigest else {
            return WritError(
                .digestMismatch, "the record names \(record.intentDigest), the intent is \(verdict.intentDigest)")
        }
        guard record.tier == tier else {
            return WritError(.tierMismatch, "the record names tier \(record.tier), the trusted policy makes it \(tier)")
        }
        // A review comes after the run: a settled or expired intent is what it reviews.
        if !record.decision.isReview {
            guard !verdict.state.isSettled else {
                return WritError(
                    .alreadyExecuted, "intent \(intent.id) is already \(verdict.state.rawValue): \(verdict.detail)")
            }
            if let expiresAt = intent.expiresAt, hasPassed(expiresAt, now) {
                return WritError(.intentExpired, "intent \(intent.id) expired at \(expiresAt)")
            }
        }
        if let expiresAt = record.expiresAt, hasPassed(expiresAt, now) {
            return WritError(.approvalExpired, "the expiry \(expiresAt) is not in the future")
        }
        return nil
    }

    /// A `resolved` event `writ resolve` is about to append, by the holder of
    /// the key that made `probeSignature` over ``probe``.
    package static func resolve(
        _ resolution: AuditEvent.Resolution, by who: Principal, probeSignature: String, verdict: Verdict,
        governance: GovernanceState, now: Date, cache: VerificationCache? = nil
    ) -> WritError? {
        if let problem = ledgerKeyProblem(who, probeSignature, governance: governance, now: now, cache: cache) {
            return problem
        }
        guard let intent = verdict.intent, let tier = verdict.tier else {
            return WritError(.intentMalformed, "the intent is malformed: \(verdict.detail)")
        }
        if let problem = roleForTier(who, tier, governance.policy) { return problem }
        // The replay's table (docs/decisions.md, "State machine"): retry
        // re-opens only an in-doubt intent; succeeded and failed settle a
        // claimed or in-doubt one; anything else is discarded.
        let applies =
            switch (verdict.state, resolution) {
            case (.inDoubt, _), (.claimed, .succeeded), (.claimed, .failed): true
            default: false
            }
        guard applies else {
            let state = verdict.state.isSettled ? verdict.state.rawValue : "open (never claimed, or retried)"
            return WritError(
                .ledgerViolation,
                "resolved(\(resolution.rawValue)) does not apply to \(intent.id), which is \(state); "
                    + "only an intent in doubt (or, for succeeded and failed, a claimed one) can be resolved")
        }
        return nil
    }

    /// A `withdrawn` event `writ withdraw` is about to append, by the holder
    /// of the key that made `probeSignature` over ``probe``: it counts only
    /// from the intent's proposer or a role of its tier, and only while the
    /// intent is open (never claimed, or re-opened by `resolved(retry)`).
    package static func withdraw(
        by who: Principal, probeSignature: String, verdict: Verdict, governance: GovernanceState, now: Date,
        cache: VerificationCache? = nil
    ) -> WritError? {
        if let problem = ledgerKeyProblem(who, probeSignature, governance: governance, now: now, cache: cache) {
            return problem
        }
        guard let intent = verdict.intent, let tier = verdict.tier else {
            return WritError(
                .intentMalformed, "the intent is malformed, so it has no proposer or tier: \(verdict.detail)")
        }
        guard who == intent.proposer || governance.policy.acceptsForTier(who, tier) else {
            let roles = governance.policy.rule(for: tier)?.roles.joined(separator: ", ") ?? "none"
            return WritError(
                .signerNotAuthorized,
                "\(quoted: who.rawValue) is neither the proposer of \(intent.id) (\(quoted: intent.proposer.rawValue)) "
                    + "nor holds a role tier \(tier) accepts (\(roles)) in the trusted policy")
        }
        switch verdict.state {
        case .ready, .blocked:
            return nil
        case .withdrawn:
            return WritError(.withdrawn, "\(intent.id) is already withdrawn: \(verdict.detail)")
        case .claimed, .succeeded, .failed, .inDoubt:
            return WritError(
                .alreadyExecuted,
                "\(intent.id) is already \(verdict.state.rawValue) (\(verdict.detail)); only an intent not yet "
                    + "claimed can be withdrawn")
        }
    }

    /// A `gate` event `writ gate` is about to append, by the holder of the
    /// key that made `probeSignature` over ``probe``.
    package static func gate(
        by who: Principal, probeSignature: String, governance: GovernanceState, now: Date,
        cache: VerificationCache? = nil
    ) -> WritError? {
        if let problem = ledgerKeyProblem(who, probeSignature, governance: governance, now: now, cache: cache) {
            return problem
        }
        guard governance.policy.isGateAttester(who) else {
            return WritError(
                .signerNotAuthorized,
                "\(quoted: who.rawValue) holds no [gates] role in the trusted policy; its gate events would not count")
        }
        return nil
    }

    /// Why the key that made `probeSignature` over ``probe`` could not sign
    /// a ledger commit (namespace `git`) as `who`: the check every ledger
    /// event a person appends (`resolved`, `withdrawn`, `gate`) starts with.
    private static func ledgerKeyProblem(
        _ who: Principal, _ probeSignature: String, governance: GovernanceState, now: Date,
        cache: VerificationCache?
    ) -> WritError? {
        keyProblem(
            who, signature: probeSignature, message: probe, namespace: SignatureNamespace.commit,
            governance: governance, now: now, cache: cache)
    }

    /// Why `signature` does not show a key the trusted `allowed_signers`
    /// lists for `who` under `namespace` and valid now, or nil when it does.
    private static func keyProblem(
        _ who: Principal, signature: String, message: Data, namespace: String, governance: GovernanceState, now: Date,
        cache: VerificationCache?
    ) -> WritError? {
        do {
            _ = try SignatureVerifier.verify(
                armored: Array(signature.utf8), message: message, principal: who.rawValue, namespace: namespace,
                allowedSigners: governance.signers, at: now, cache: cache)
            return nil
        } catch {
            return WritError(
                error.reasonCode(namespace: namespace),
                "the key is not trusted for \(quoted: who.rawValue) under namespace \(quoted: namespace) now, in the "
                    + "allowed_signers of governance commit \(governance.commit.hex): \(error.description)")
        }
    }

    private static func roleForTier(_ who: Principal, _ tier: Tier, _ policy: Policy) -> WritError? {
        guard policy.acceptsForTier(who, tier) else {
            let roles = policy.rule(for: tier)?.roles.joined(separator: ", ") ?? "none: the policy has no such tier"
            return WritError(
                .signerNotAuthorized,
                "\(quoted: who.rawValue) holds no role tier \(tier) accepts (\(roles)) in the trusted policy")
        }
        return nil
    }

    private static func hasPassed(_ expiry: Timestamp, _ now: Date) -> Bool {
        expiry <= Timestamp(secondsSinceEpochOf: now)
    }
}
