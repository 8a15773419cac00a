import Foundation
import WritCore

/// The check before a ledger or governance write (``WriteCheck``) with the
/// reading around it: which governance the trust root leads to, and how the
/// intent stands under it. `writ propose`, `approve`, `resolve` and `gate`
/// pass one to the writer; library callers that pass none write unchecked.
///
/// Without `force`, a record that would not count is refused
/// (``WriteRefused``) and a trust root that is missing or leads to no
/// trusted state stops the command with its contract error. With `force`,
/// both are written anyway after a warning line that names the reason.
package struct WriteGuard: Sendable {
    /// The pinned governance commit the checks are made under.
    package let trustRoot: ObjectID?
    /// Write even what would not count, after a warning.
    package let force: Bool
    private let warn: @Sendable (String) -> Void

    /// A guard checking under `trustRoot`; `warn` receives the one-line
    /// warning of a forced write.
    package init(trustRoot: ObjectID?, force: Bool, warn: @escaping @Sendable (String) -> Void) {
        self.trustRoot = trustRoot
        self.force = force
        self.warn = warn
    }

    /// Refuses (or, forced, warns about) an intent `propose` would append
    /// with `signature` as its `.sig`.
    func checkProposal(_ intent: Intent, bytes: Data, signature: String, ops: OpsRepo, now: Date) throws {
        guard let governance = try trusted(ops: ops, now: now) else { return }
        let finding =
            try WriteCheck.propose(
                intent: intent, bytes: bytes, signature: signature, governance: governance, now: now,
                cache: ops.verificationCache) ?? quotaFinding(intent, governance: governance, ops: ops, now: now)
        try enforce(finding, .propose(intent), governance)
    }

    /// `[limits]` (SPEC §4.8): whether the intent would be over a limit as
    /// the next proposal on the ledger, by the count `writ status` makes
    /// (resumed from its snapshot, so this reads what is new); nil when the
    /// trusted policy has no limits.
    private func quotaFinding(_ intent: Intent, governance: GovernanceState, ops: OpsRepo, now: Date) throws
        -> WritError?
    {
        guard governance.policy.limits != nil else { return nil }
        let status = try StatusEvaluator(ops: ops).evaluate(
            trustRoot: trustRoot, now: now, snapshot: StatusEvaluator.snapshotFile(of: ops))
        guard let quota = status.quota, quota.limits == governance.policy.limits else {
            // The ledger could not be counted (its own problem is reported by status).
            try unchecked(
                WritError(
                    status.ledger.reason ?? .ledgerViolation,
                    "the ledger cannot be counted for [limits]: \(status.ledger.detail)"))
            return nil
        }
        return quota.check(intent.proposer, createdAt: intent.createdAt)
    }

    /// Refuses (or, forced, warns about) an approval or denial record.
    func checkApproval(_ record: ApprovalRecord, bytes: Data, signature: String, ops: OpsRepo, now: Date) throws {
        guard let (governance, verdict) = try judge(record.intent, ops: ops, now: now) else { return }
        try enforce(
            WriteCheck.approve(
                record: record, bytes: bytes, signature: signature, verdict: verdict, governance: governance, now: now,
                cache: ops.verificationCache),
            .approve(record, verdict), governance)
    }

    /// Refuses (or, forced, warns about) a `resolved` event by `signer`.
    func checkResolution(
        _ id: IntentID, _ resolution: AuditEvent.Resolution, signer: SigningIdentity, ops: OpsRepo, now: Date
    ) throws {
        guard let (governance, verdict) = try judge(id, ops: ops, now: now) else { return }
        let probe = try signer.sign(WriteCheck.probe, namespace: SignatureNamespace.commit)
        try enforce(
            WriteCheck.resolve(
                resolution, by: signer.principal, probeSignature: probe, verdict: verdict, governance: governance,
                now: now, cache: ops.verificationCache),
            .resolve(signer.principal, verdict), governance)
    }

    /// Refuses (or, forced, warns about) a `withdrawn` event by `signer`.
    func checkWithdrawal(_ id: IntentID, signer: SigningIdentity, ops: OpsRepo, now: Date) throws {
        guard let (governance, verdict) = try judge(id, ops: ops, now: now) else { return }
        let probe = try signer.sign(WriteCheck.probe, namespace: SignatureNamespace.commit)
        try enforce(
            WriteCheck.withdraw(
                by: signer.principal, probeSignature: probe, verdict: verdict, governance: governance, now: now,
                cache: ops.verificationCache),
            .withdraw(signer.principal, verdict), governance)
    }

    /// A withdrawal being rebuilt after a lost race found `finding` on the
    /// new tip (a claim that won): refused, or under `force` a warning.
    func raceLost(_ finding: WritError, advice: String) throws {
        guard force else { throw WriteRefused(finding: finding, advice: advice) }
        warn(
            "warning: --force: writing a record that will not count (\(finding.reason.rawValue): \(finding.detail))")
    }

    /// Refuses (or, forced, warns about) a `gate` event by `signer`.
    func checkGate(_ id: IntentID, signer: SigningIdentity, ops: OpsRepo, now: Date) throws {
        guard let governance = try trusted(ops: ops, now: now) else { return }
        let probe = try signer.sign(WriteCheck.probe, namespace: SignatureNamespace.commit)
        try enforce(
            WriteCheck.gate(
                by: signer.principal, probeSignature: probe, governance: governance, now: now,
                cache: ops.verificationCache),
            .gate(signer.principal, id), governance)
    }

    /// The trusted governance state, or nil when there is none and `force`
    /// lets the write go ahead unchecked.
    private func trusted(ops: OpsRepo, now: Date) throws -> GovernanceState? {
        do {
            guard let trustRoot else {
                throw WritError(
                    .trustRootMissing, "no trust root given (--trust): cannot check the record before writing")
            }
            let verdict = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false)
                .verdict
            guard let state = verdict.trusted else {
                throw WritError(verdict.reason ?? .policyUnapproved, verdict.detail)
            }
            return state
        } catch let error as WritError {
            try unchecked(error)
            return nil
        }
    }

    /// The trusted governance and the verdict on `id` under it, from the same
    /// reading `writ status` makes; nil when unchecked under `force`.
    private func judge(_ id: IntentID, ops: OpsRepo, now: Date) throws -> (GovernanceState, Verdict)? {
        guard let governance = try trusted(ops: ops, now: now) else { return nil }
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: now)
        if let verdict = status.verdicts[id] { return (governance, verdict) }
        if try ops.blob(LedgerPath.intent(id).path, in: ops.ledgerHead()) == nil {
            throw ops.unknownIntent(id)
        }
        // The intent is there but was not judged: the ledger could not be read.
        try unchecked(
            WritError(status.ledger.reason ?? .ledgerViolation, "the ledger cannot be judged: \(status.ledger.detail)"))
        return nil
    }

    /// A check that cannot be made: the contract error, or under `force` a warning.
    private func unchecked(_ error: WritError) throws {
        guard force else { throw error }
        warn("warning: --force: writing without the check (\(error.reason.rawValue): \(error.detail))")
    }

    private func enforce(_ finding: WritError?, _ attempt: WriteCheckAdvice.Attempt, _ governance: GovernanceState)
        throws
    {
        guard let finding else { return }
        guard force else {
            throw WriteRefused(
                finding: finding,
                advice: WriteCheckAdvice.advice(for: finding, attempt: attempt, governance: governance))
        }
        warn(
            "warning: --force: writing a record that will not count (\(finding.reason.rawValue): \(finding.detail))")
    }
}

/// A record refused before it was written because it would not count; the
/// finding names the reason code. `writ` exits 1 (docs/reasons.md).
package struct WriteRefused: Error, Sendable, CustomStringConvertible {
    /// Why the record would not count.
    package let finding: WritError
    /// What to do instead: who can make the record, what to re-propose,
    /// which setting to fix (``WriteCheckAdvice``).
    package let advice: String

    package var description: String {
        "\(finding.reason.rawValue): \(finding.detail) (refused before writing: it would not count); next: \(advice)"
    }
}
