import Foundation
import MCP
import WritCore
import WritOps

/// One intent as an agent needs to know it, from one status evaluation
/// (the same reading `writ status` and `writ show` make): its state and
/// the one reason it does not run, the approvals counted and required, the
/// records signed on its approval branch and not merged, what ran, and
/// the next step in words.
struct IntentReport: Sendable {
    let id: IntentID
    let state: String
    let reason: ReasonCode?
    let detail: String
    let kind: String?
    let tier: Tier?
    let approvals: Int
    let required: Int
    /// Principals whose approval counts (merged on the governance branch).
    let counted: [String]
    /// Principals whose records on `approval/<id>` would count once merged.
    let signedNotMerged: [String]
    /// The branch's summary line, when it holds records not merged.
    let branchSummary: String?
    let branchHoldsQuorum: Bool
    /// Roles and principals that may still approve.
    let approverRoles: [String]
    let mayApprove: [String]
    let outcome: IntentOutcome?
    let governanceTrusted: Bool
    let governanceRef: String
    /// The intent as recorded, for `writ_show`.
    let intent: Intent?
    let digest: String?

    init(status: OpsStatus, line: OpsStatus.IntentStatus, governanceRef: String) {
        let verdict = status.verdicts[line.id]
        id = line.id
        state = line.state.rawValue
        reason = line.reason
        detail = line.detail
        kind = line.kind ?? verdict?.intent?.kind
        tier = line.tier ?? verdict?.tier
        approvals = line.approvals
        required = line.required
        counted = (verdict?.counted ?? []).map(\.approver.rawValue).sorted()
        signedNotMerged = (line.approvalBranch?.signers ?? []).map(\.rawValue).sorted()
        branchSummary = line.approvalBranch?.summary
        branchHoldsQuorum = line.approvalBranch?.holdsQuorum ?? false
        let rule = tier.flatMap { status.policy?.rule(for: $0) }
        approverRoles = rule?.roles ?? []
        let signed = Set((verdict?.counted ?? []).map(\.approver) + (line.approvalBranch?.signers ?? []))
        mayApprove =
            tier.flatMap { tier in
                status.policy?.mayStillApprove(tier: tier, proposer: verdict?.intent?.proposer, signed: signed)
            }?.map(\.rawValue) ?? []
        outcome = verdict?.outcome
        governanceTrusted = status.governance.trusted
        self.governanceRef = governanceRef
        intent = verdict?.intent
        digest = verdict?.intentDigest.description
    }

    /// Reasons after which the intent never runs, whatever anyone does
    /// next: a wait ends on them as on a settled state.
    static let finalReasons: Set<String> = [
        ReasonCode.intentExpired.rawValue, ReasonCode.denied.rawValue, ReasonCode.intentMalformed.rawValue,
        ReasonCode.intentSignatureInvalid.rawValue, ReasonCode.proposerNotAuthorized.rawValue, "quota_exceeded",
        "withdrawn",
    ]

    /// Succeeded, failed or withdrawn: the intent has its outcome.
    var isSettled: Bool { ["succeeded", "failed", "withdrawn"].contains(state) }

    /// Settled, in doubt (an operator must settle it) or blocked for good.
    var isFinal: Bool {
        isSettled || state == "in_doubt"
            || (state == "blocked" && governanceTrusted
                && reason.map { Self.finalReasons.contains($0.rawValue) } == true)
    }

    /// What changes here is what a waiting agent is told about.
    var progressKey: String {
        [state, reason?.rawValue ?? "-", "\(approvals)/\(required)", signedNotMerged.joined(separator: ",")]
            .joined(separator: "|")
    }

    /// The one line a progress notification carries.
    var progressMessage: String {
        var line = "\(id): \(state)"
        if let reason { line += " (\(reason.rawValue))" }
        if required > 0 { line += "; approvals \(approvals) of \(required) counted" }
        if !signedNotMerged.isEmpty {
            line += "; signed on the branch, not merged: " + signedNotMerged.joined(separator: ", ")
        }
        if let outcome { line += "; exit code \(outcome.exitCode)" }
        return line
    }

    /// The next step, in words an agent can act on or pass to its user.
    var next: String {
        switch state {
        case "succeeded":
            return "nothing: it ran and succeeded"
        case "failed":
            return "nothing more will run: it failed (exit code \(outcome?.exitCode ?? -1)); propose again only "
                + "if the failure is understood"
        case "withdrawn":
            return "nothing: it was withdrawn and never runs"
        case "in_doubt":
            return "an operator must settle it (writ resolve): its run has no recorded outcome"
        case "claimed":
            return "wait: a dispatcher is running it (writ_wait)"
        case "ready":
            return "wait: a dispatcher claims it on its next poll (writ_wait)"
        default:
            break
        }
        guard governanceTrusted else {
            return "wait: governance is not trusted now, so nothing runs until an operator restores it"
        }
        switch reason {
        case .notApproved where branchHoldsQuorum:
            return "wait: the approval branch approval/\(id) holds the quorum and must be merged into "
                + "\(governanceRef) by an approver (writ_wait)"
        case .notApproved:
            let who = mayApprove.isEmpty ? "" : " (" + mayApprove.joined(separator: ", ") + ")"
            let signed =
                signedNotMerged.isEmpty
                ? "" : "; signed on the branch, not merged: " + signedNotMerged.joined(separator: ", ")
            return "wait: \(max(required - approvals, 0)) more approval(s) from role(s) "
                + approverRoles.joined(separator: ", ") + who + signed
                + "; an approver signs (writ approve \(id) --push) and merges approval/\(id) (writ_wait)"
        case .gateMissing:
            return "wait: a [gates] role must attest the required gate (writ_wait)"
        case .intentExpired:
            return "it never runs: it expired; propose again with a later expires_at if it is still wanted"
        case .denied:
            return "it never runs: an approver denied it; ask your user before proposing it again"
        case .intentMalformed, .intentSignatureInvalid, .proposerNotAuthorized:
            return "it never runs: \(reason?.rawValue ?? "") — tell your operator"
        case .some(let code) where code.rawValue == "quota_exceeded":
            return "it never runs: it is over the proposer's [limits]; wait for other intents to settle and "
                + "propose again"
        case .some(let code):
            return "wait: \(code.rawValue) is for the dispatcher's host or an operator to fix (writ_wait)"
        case .none:
            return "wait (writ_wait)"
        }
    }

    /// The structured result of `writ_status`, `writ_wait` and `writ_show`
    /// (`full` adds the intent's own fields).
    func value(full: Bool) -> Value {
        var fields: [String: Value] = [
            "id": .string(id.rawValue),
            "state": .string(state),
            "reason": reason.map { .string($0.rawValue) } ?? .null,
            "detail": .string(detail),
            "kind": kind.map(Value.string) ?? .null,
            "tier": tier.map { .string($0.rawValue) } ?? .null,
            "approvals": .int(approvals),
            "required": .int(required),
            "counted": .array(counted.map(Value.string)),
            "signed_not_merged": .array(signedNotMerged.map(Value.string)),
            "approval_branch": signedNotMerged.isEmpty && branchSummary == nil
                ? .null
                : .object([
                    "branch": .string("approval/\(id.rawValue)"),
                    "summary": branchSummary.map(Value.string) ?? .null,
                    "holds_quorum": .bool(branchHoldsQuorum),
                ]),
            "may_approve": .array(mayApprove.map(Value.string)),
            "approver_roles": .array(approverRoles.map(Value.string)),
            "settled": .bool(isSettled),
            "final": .bool(isFinal),
            "governance_trusted": .bool(governanceTrusted),
            "next": .string(next),
        ]
        if let outcome {
            fields["outcome"] = .object([
                "event": .string(outcome.event),
                "at": .string(outcome.at.rfc3339),
                "commit": .string(outcome.commit.hex),
                "exit_code": .int(outcome.exitCode),
                "duration_ms": .int(outcome.durationMs),
                "stdout_tail": .string(outcome.stdoutTail),
                "stderr_tail": .string(outcome.stderrTail),
            ])
        } else {
            fields["outcome"] = .null
        }
        if full, let intent {
            var params: [String: Value] = [:]
            for (name, value) in intent.params { params[name] = .string(value) }
            fields["intent"] = .object([
                "proposer": .string(intent.proposer.rawValue),
                "summary": .string(intent.summary),
                "created_at": .string(intent.createdAt.rfc3339),
                "expires_at": intent.expiresAt.map { .string($0.rfc3339) } ?? .null,
                "blast_radius": intent.blastRadius.map { .string($0.rawValue) } ?? .null,
                "idempotency_key": .string(intent.idempotencyKey ?? intent.id.rawValue),
                "target": .object([
                    "repo": .string(intent.target.repo),
                    "branch": intent.target.branch.map(Value.string) ?? .null,
                ]),
                "params": .object(params),
            ])
            fields["intent_digest"] = digest.map(Value.string) ?? .null
        }
        return .object(fields)
    }

    /// The short human text beside the structured result; record text is
    /// escaped for a terminal, as every human view of writ does.
    var text: String {
        var lines = ["\(id): \(state)" + (reason.map { " (\($0.rawValue))" } ?? "")]
        if required > 0 { lines.append("approvals: \(approvals) of \(required) counted") }
        if let branchSummary { lines.append(branchSummary) }
        if let outcome { lines.append("outcome: \(outcome.event), exit code \(outcome.exitCode)") }
        lines.append("detail: " + UntrustedText.terminal(detail))
        lines.append("next: " + UntrustedText.terminal(next))
        return lines.joined(separator: "\n")
    }
}
