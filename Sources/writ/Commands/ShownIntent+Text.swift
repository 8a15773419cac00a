import Foundation
import WritCore
import WritOps

extension ShownIntent {
    /// The human rendering: what an approver signs, then who approved it,
    /// what ran, and the next step.
    var text: String {
        var lines: [String] = []
        lines.append("\(id): \(summary ?? "(unreadable intent)")")
        if !governance.trusted {
            lines.append("  governance is untrusted: \(governance.reason ?? "?") — \(governance.detail)")
        }
        if !ledgerOK { lines.append("  the ledger is violated: see writ status") }
        lines.append("  state:    \(state)" + (reason.map { " (\($0))" } ?? "") + " — \(TerminalText.escape(detail))")
        // SPEC §4.6: when the wait ends, and the freeze holding it back.
        if let readyAt { lines.append("  wait:     ends at \(readyAt)") }
        if let freeze { lines.append("  frozen:   by " + freeze.sentence) }
        lines.append("  kind:     \(kind ?? "?"), tier \(tier ?? "?")")
        lines.append("  proposer: \(proposer ?? "?") at \(createdAt ?? "?")")
        if let target {
            lines.append("  target:   \(target.repo)" + (target.branch.map { " (branch \($0))" } ?? ""))
        }
        if params.isEmpty {
            lines.append("  params:   none")
        } else {
            lines.append("  params:")
            for (name, value) in params.sorted(by: { $0.key < $1.key }) { lines.append("    \(name) = \(value)") }
        }
        lines.append("  expires:  \(expiresAt ?? "never")")
        if let idempotencyKey { lines.append("  idempotency key: \(idempotencyKey)") }
        lines.append("  digest:   \(intentDigest ?? "?")")
        if gates.isEmpty {
            lines.append("  gates:    none required")
        } else {
            lines.append("  gates:")
            for gate in gates {
                lines.append(
                    "    \(gate.name): "
                        + (gate.status.map { "\($0) (commit \(gate.commit?.prefix(12) ?? "?"))" } ?? "no result yet"))
            }
        }
        lines.append(contentsOf: approvalLines)
        lines.append(contentsOf: breakGlassLines)
        lines.append("  events:   \(events.count)")
        for event in events {
            let name = event.event.map { "\($0.kind.rawValue) by \($0.actor)" } ?? "unreadable"
            let signers =
                event.signers.isEmpty ? "unsigned or untrusted" : "signed by " + event.signers.joined(separator: ", ")
            lines.append(
                "    \(event.path.split(separator: "/").last ?? ""): \(name), commit \(event.commit.prefix(12)), "
                    + signers + (event.counts ? "" : ", does not count"))
        }
        lines.append(contentsOf: outcomeLines)
        if let next { lines.append("  next:     \(next)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The break-glass run and its review (SPEC §4.7); the reason is untrusted.
    private var breakGlassLines: [String] {
        guard let run = breakGlass else { return [] }
        let state = run.code.map { "\(run.review.rawValue) (\($0.rawValue))" } ?? run.review.rawValue
        var lines = [
            "  break-glass: by \(TerminalText.escape(run.approver.rawValue)) (record merged in "
                + "\(run.recordCommit.hex.prefix(12))\(run.mergedAt.map { " at \($0)" } ?? ""))",
            "    reason:    \(TerminalText.escape(run.reason))",
            "    review:    \(run.review == .rejected ? "REJECTED" : state), due by "
                + "\(run.reviewBy.map { "\($0)" } ?? "unknown (treated as due)"), "
                + "\(run.ratifiedBy.count) of \(run.reviewApprovals) ratified",
        ]
        for who in run.ratifiedBy { lines.append("    ✓ ratified by \(TerminalText.escape(who.rawValue))") }
        for who in run.rejectedBy { lines.append("    ✗ REJECTED by \(TerminalText.escape(who.rawValue))") }
        return lines
    }

    private var approvalLines: [String] {
        if let claimApprovals { return claimApprovalLines(claimApprovals) }
        var lines: [String] = []
        let roles = approverRoles.isEmpty ? "" : " (roles \(approverRoles.joined(separator: ", ")))"
        lines.append("  approvals: \(approvals) of \(required)\(roles)")
        for approval in counted {
            lines.append(
                "    ✓ \(approval.approver) (signature verified), merged in \(approval.commit.hex.prefix(12)), "
                    + "record \(approval.recordDigest)")
        }
        if let branch = approvalBranch {
            lines.append("    \(branch.summary)")
            for record in branch.records where !record.counts {
                lines.append(
                    "      ✗ \(UntrustedText.terminal(record.path)) on \(record.ref): "
                        + "\(record.reason?.rawValue ?? "-") — \(UntrustedText.terminal(record.detail))")
            }
        }
        if approvals < required, state == IntentState.blocked.rawValue {
            let who = mayApprove.isEmpty ? "" : ": " + mayApprove.joined(separator: ", ")
            lines.append(
                "    still needed: \(required - approvals) more from "
                    + TerminalText.escape(approverRoles.joined(separator: ", ")) + who)
        }
        lines.append(contentsOf: groupLines)
        for record in discarded {
            lines.append("    ✗ \(record.kind.rawValue) \(record.path): \(record.reason.rawValue) — \(record.detail)")
        }
        return lines
    }

    /// Each `require` group (SPEC §4.6): who counted in it, and while the
    /// intent waits, who may still fill it. Role names are escaped.
    private var groupLines: [String] {
        groups.enumerated().map { index, group in
            let head =
                "  group \(index + 1) of \(groups.count): \(TerminalText.escape(group.group.label)), "
                + "\(group.counted.count) counted"
                + (group.counted.isEmpty ? "" : " (" + group.counted.map { "\($0) ✓" }.joined(separator: ", ") + ")")
            guard !group.met else { return head + ": met" }
            let who = group.mayApprove.isEmpty ? "nobody" : group.mayApprove.map(\.rawValue).joined(separator: ", ")
            return head + ": not met"
                + (state == IntentState.blocked.rawValue ? "; may still approve: \(who)" : "")
        }
    }

    /// A claimed or settled intent: the approvals its claim counted, each
    /// with what became of its key since; records discarded today for
    /// those approvers (a key rotated since) are not listed again.
    private func claimApprovalLines(_ claim: ClaimApprovalsJSON) -> [String] {
        var lines = [
            "  approvals: \(claim.approvals.count) of \(claim.required) at the claim "
                + "(ledger commit \(claim.claimCommit.prefix(12)), \(TerminalText.escape(claim.runID)))"
        ]
        for approval in claim.approvals {
            let key = approval.keyFingerprint.map { ", key \($0)" } ?? ""
            lines.append(
                "    ✓ \(TerminalText.escape(approval.approver)) (counted at the claim), merged in "
                    + "\(approval.commit.prefix(12)), record \(approval.recordDigest)\(key)"
                    + (approval.keyNote.map { " — \($0)" } ?? ""))
        }
        let approvers = Set(claim.approvals.map(\.approver))
        for record in discarded
        where !(record.kind == .approval && approvers.contains(record.principal?.rawValue ?? "")) {
            lines.append(
                "    ✗ \(record.kind.rawValue) \(record.path): \(record.reason.rawValue) — "
                    + TerminalText.escape(record.detail))
        }
        return lines
    }

    private var outcomeLines: [String] {
        if let withdrawal {
            // The note is untrusted: no control character reaches the terminal.
            return [
                "  outcome:  withdrawn by \(TerminalText.escape(withdrawal.by)) at \(withdrawal.at) (commit "
                    + "\(withdrawal.commit.prefix(12))); never run"
                    + (withdrawal.note.isEmpty ? "" : ": \(TerminalText.escape(withdrawal.note))")
            ]
        }
        if outcome == nil, let recorded {
            return [
                "  outcome:  \(RecordedProjection.notice) (\(TerminalText.escape(recorded.operation)) on "
                    + "\(TerminalText.escape(recorded.target)), projection at \(recorded.at), commit "
                    + "\(recorded.commit.prefix(12)))"
            ]
        }
        guard let outcome else { return ["  outcome:  none yet"] }
        var lines = [
            "  outcome:  \(outcome.event), exit \(outcome.exitCode) in \(outcome.durationMs) ms at \(outcome.at) "
                + "(commit \(outcome.commit.prefix(12)))"
        ]
        for (name, tail) in [("stdout", outcome.stdoutTail), ("stderr", outcome.stderrTail)] {
            guard !tail.isEmpty else {
                lines.append("    \(name) tail: empty")
                continue
            }
            lines.append("    \(name) tail (redacted):")
            // A tail usually ends in a newline; it does not make a line of its own.
            let body = tail.hasSuffix("\n") ? String(tail.dropLast()) : tail
            // Executor output is untrusted: no control character reaches the terminal.
            for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append("      | \(TerminalText.escape(String(line)))")
            }
        }
        return lines
    }
}
