import Foundation

/// The per-record checks of SPEC §4.3–4.4, shared by approvals and denials.
package enum ApprovalCheck {
    /// A record that passed every check.
    package struct Valid {
        package let evidence: ApprovalEvidence
        package let record: ApprovalRecord
        package let key: SSHPublicKey
        package let recordDigest: ContentDigest
    }

    /// A record's verdict: it counts, or it is discarded and why.
    package enum Outcome {
        case valid(Valid)
        case discarded(DiscardedRecord)
    }

    /// Checks one record version, in the contract's order: it parses and is
    /// filed under its approver and this intent (`approval_malformed`); its
    /// signature verifies under `writ-approval` for a trusted key at `now`
    /// (`approval_signature_invalid`, `signer_unknown`); the approver holds
    /// a role the tier accepts, for `break_glass` a `[break_glass]` role,
    /// for `ratify`/`reject` a review role (`signer_not_authorized`); the approver is
    /// not the proposer (`self_approval`); it names the intent's current
    /// digest (`digest_mismatch`) and tier (`tier_mismatch`); it has not
    /// expired (`approval_expired`).
    package static func check(
        _ evidence: ApprovalEvidence, intent: Intent, intentDigest: ContentDigest, tier: Tier,
        governance: GovernanceState, now: Date, cache: VerificationCache?
    ) -> Outcome {
        let filedUnder: Principal? =
            if case .approval(_, let principal) = GovernancePath(evidence.path) { principal } else { nil }
        func discard(_ reason: ReasonCode, _ detail: String, _ principal: Principal? = nil) -> Outcome {
            .discarded(
                DiscardedRecord(
                    kind: .approval, path: evidence.path, commit: evidence.commit, principal: principal ?? filedUnder,
                    reason: reason, detail: detail))
        }

        guard case .approval(let pathIntent, _) = GovernancePath(evidence.path) else {
            return discard(.approvalMalformed, "\(quoted: evidence.path) is not an approval record path")
        }
        guard pathIntent == intent.id else {
            return discard(
                .approvalMalformed,
                "record is filed for intent \(quoted: pathIntent.rawValue), not \(quoted: intent.id.rawValue)")
        }
        let record: ApprovalRecord
        do {
            record = try ApprovalRecord.parse(evidence.bytes, expectedPath: evidence.path)
        } catch let error as WritError {
            return discard(.approvalMalformed, error.detail)
        } catch {
            return discard(.approvalMalformed, "approval record does not parse")
        }
        let who = record.approver
        guard let signature = evidence.signature else {
            return discard(.approvalSignatureInvalid, "\(evidence.path).sig is missing", who)
        }
        let verified: SignatureVerifier.Verified
        do {
            verified = try SignatureVerifier.verify(
                armored: signature, message: evidence.bytes, principal: who.rawValue,
                namespace: ApprovalRecord.signatureNamespace, allowedSigners: governance.signers, at: now,
                cache: cache)
        } catch {
            return discard(error.reasonCode(namespace: ApprovalRecord.signatureNamespace), error.description, who)
        }
        if let refusal = roleRefusal(record.decision, who, tier: tier, policy: governance.policy) {
            return discard(.signerNotAuthorized, refusal, who)
        }
        guard who != intent.proposer else {
            return discard(.selfApproval, "\(quoted: who.rawValue) proposed this intent", who)
        }
        guard record.intentDigest == intentDigest else {
            return discard(
                .digestMismatch, "record names \(record.intentDigest), the intent is now \(intentDigest)", who)
        }
        guard record.tier == tier else {
            return discard(.tierMismatch, "record names tier \(record.tier), the intent's tier is now \(tier)", who)
        }
        if let expiresAt = record.expiresAt, expiresAt <= Timestamp(secondsSinceEpochOf: now) {
            return discard(.approvalExpired, "record expired at \(expiresAt)", who)
        }
        return .valid(
            Valid(
                evidence: evidence, record: record, key: verified.key,
                recordDigest: ContentDigest.sha256(of: evidence.bytes)))
    }
}

extension ApprovalCheck {
    /// Why `who` may not write a record of `decision` for a `tier` intent,
    /// or nil when they may: approvals and denials take a role the tier
    /// accepts; a break-glass record a `[break_glass]` role; its review a
    /// `review_roles` role (SPEC §4.7).
    package static func roleRefusal(_ decision: Decision, _ who: Principal, tier: Tier, policy: Policy) -> String? {
        switch decision {
        case .approve, .deny:
            guard !policy.acceptsForTier(who, tier) else { return nil }
            if policy.rule(for: tier) == nil {
                return "the policy has no [tiers.\(tier)] table: nobody can approve a \(tier) intent"
            }
            return "\(quoted: who.rawValue) holds no role that tier \(tier) accepts"
        case .breakGlass:
            guard !policy.mayBreakGlass(who) else { return nil }
            if policy.breakGlass == nil { return "the policy has no [break_glass] table: nobody may break glass" }
            return "\(quoted: who.rawValue) holds no [break_glass] role"
        case .ratify, .reject:
            guard !policy.mayReviewBreakGlass(who) else { return nil }
            if policy.breakGlass == nil {
                return "the policy has no [break_glass] table: there is no break-glass review"
            }
            return "\(quoted: who.rawValue) holds no [break_glass] review role"
        }
    }
}

extension Timestamp {
    /// `date` as a timestamp, keeping its fraction, so that comparisons
    /// against `now` are exact rather than truncated to the second.
    package init(secondsSinceEpochOf date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        let nanos = Int32(max(0, min(999_999_999, ((interval - seconds) * 1e9).rounded(.down))))
        self.init(secondsSinceEpoch: Int64(seconds), nanoseconds: nanos)
    }
}
