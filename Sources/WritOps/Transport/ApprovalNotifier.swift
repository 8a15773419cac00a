import Foundation
import WritCore
import WritGit

/// The approval flow on the ops repo's forge (`[transport] approval_prs`):
/// for a medium or high intent waiting for approval, one pull request from
/// `approval/<id>` into the governance branch, whose body (recomputed on
/// every poll) shows what the approvers sign, who has signed (merged, and
/// on the branch but not merged yet), who may still approve and the exact
/// `writ approve` command, and one notification comment; when the intent
/// settles, one final comment naming the run that executed it. Every body
/// carries the writ marker, so a crashed or repeated poll adopts what is
/// there instead of adding to it. Merging the pull request is the
/// operators' act, never writ's. Every text taken from records, events or
/// the policy goes through `UntrustedText` (SPEC §3).
struct ApprovalNotifier {
    let client: ForgeClient
    let transport: TransportConfig
    package let opsRepo: RepoSlug
    package let governanceRef: String

    /// What the approvers see of one waiting intent.
    struct Waiting {
        package let id: IntentID
        package let intent: Intent
        package let tier: Tier
        package let digest: ContentDigest
        /// The merged approvals that count.
        package let counted: [CountedApproval]
        package let required: Int
        package let roles: [String]
        /// What the verdict was decided from, to judge the branch's
        /// records against (nil when built by hand).
        package var evidence: (intent: IntentEvidence, approvals: [ApprovalEvidence], events: [EventEvidence])? = nil
        /// Records signed on the approval branch, not merged yet, judged as if merged.
        package var branch: BranchApprovals? = nil
        /// Who may still approve, each with their `[members]` forge logins.
        package var mayApprove: [(principal: Principal, logins: [String])] = []
        /// The tier's own count (SPEC §4 rule 4), when it differs from
        /// `counted.count` (approvals assigned only to a group are listed
        /// in `counted` too); nil: `counted.count`.
        package var tierCounted: Int? = nil
        // SPEC §4.6 role groups.
        /// The tier's `require` groups as the merged records count them.
        package var groups: [GroupTally] = []
        /// `[members]` forge logins of the principals the groups name.
        package var logins: [Principal: [String]] = [:]
    }

    /// What the final comment reports: the run that executed the intent
    /// (its claim's `run_id`) and its outcome event, or who withdrew it.
    struct Settled {
        package let id: IntentID
        /// `succeeded`, `failed` or `withdrawn`.
        package let outcome: String
        package let runID: String?
        package let exitCode: Int?
        package let durationMs: Int?
        /// The ledger commit that recorded the outcome (or the withdrawal).
        package let commit: ObjectID?
        /// Who withdrew the intent, when it was withdrawn.
        package var withdrawnBy: Principal? = nil
        /// The withdrawal's note (untrusted text).
        package var note: String? = nil
    }

    package static func branch(_ id: IntentID) -> String { "approval/\(id.rawValue)" }

    static func title(_ waiting: Waiting) -> String {
        "Approve \(waiting.intent.kind) \(waiting.id.rawValue) (\(waiting.tier.rawValue))"
    }

    /// Opens or adopts the pull request (updating its body when it changed)
    /// and its notification; returns the pull request's number. Throws a
    /// `ForgeError`, or the test process guard's `WritError`.
    package func open(_ waiting: Waiting) throws -> Int {
        try TestProcessGuard.check(opsRepo, sandbox: transport.sandboxRepos, operation: .pullRequest)
        let key = "approval:\(waiting.id.rawValue)"
        let body = ForgeWriter.marked(Self.body(waiting, governanceRef: governanceRef), intent: waiting.id, key: key)
        let pull = try client.adoptOrCreatePullRequest(
            opsRepo, head: Self.branch(waiting.id), base: governanceRef, title: Self.title(waiting), body: body,
            intent: waiting.id, key: key)
        guard let number = pull["number"] as? Int else {
            throw ForgeError.malformedReply("the forge's pull request for \(Self.branch(waiting.id)) has no number")
        }
        let noticeKey = key + ":notice"
        if try client.comment(of: waiting.id, key: noticeKey, on: opsRepo, issue: number) == nil {
            let roles = waiting.roles.map(UntrustedText.markdown).joined(separator: " or ")
            let notice =
                waiting.tier == .high
                ? "blocked until \(waiting.required) \(roles) approvals"
                : "pending async review"
            _ = try client.createComment(
                opsRepo, issue: number, body: ForgeWriter.marked(notice, intent: waiting.id, key: noticeKey))
        }
        return number
    }

    /// The final comment on settling, once.
    func settle(_ settled: Settled, number: Int) throws {
        try TestProcessGuard.check(opsRepo, sandbox: transport.sandboxRepos, operation: .comment)
        let key = "approval:\(settled.id.rawValue):outcome"
        guard try client.comment(of: settled.id, key: key, on: opsRepo, issue: number) == nil else { return }
        _ = try client.createComment(
            opsRepo, issue: number, body: ForgeWriter.marked(Self.comment(settled), intent: settled.id, key: key))
    }

    /// The final comment's text: the outcome, the run that executed the
    /// intent, its exit code and duration, and the ledger commit.
    package static func comment(_ settled: Settled) -> String {
        var text = "writ: \(UntrustedText.markdownCode(settled.id.rawValue)) **\(settled.outcome)**"
        if let runID = settled.runID { text += " in run \(UntrustedText.markdownCode(runID))" }
        if let who = settled.withdrawnBy { text += " by \(UntrustedText.markdownCode(who.rawValue)), never run" }
        var facts: [String] = []
        if let note = settled.note, !note.isEmpty { facts.append("note " + UntrustedText.markdown(note)) }
        if let exitCode = settled.exitCode { facts.append("exit code \(exitCode)") }
        if let durationMs = settled.durationMs { facts.append("\(durationMs) ms") }
        if let commit = settled.commit { facts.append("ledger commit \(UntrustedText.markdownCode(commit.hex))") }
        if !facts.isEmpty { text += ": " + facts.joined(separator: ", ") }
        return text + "."
    }

    /// The pull request body: everything the approvers sign, who has signed
    /// (counted, and on the branch but not merged yet), who may still
    /// approve, the command, and what a forge review is worth.
    /// One line per `require` group (SPEC §4.6): who counted (merged), who
    /// signed on the branch and would count in it once merged, and who may
    /// still fill it, with their forge logins. Empty without groups.
    static func groupLines(_ waiting: Waiting) -> [String] {
        guard !waiting.groups.isEmpty else { return [] }
        let code = UntrustedText.markdownCode
        var lines = [
            "", "Role groups: each must be met too, and one person counts in at most one group:",
        ]
        for (index, group) in waiting.groups.enumerated() {
            let merged = Set(group.counted)
            let onBranch =
                index < (waiting.branch?.groupsIfMerged.count ?? 0)
                ? (waiting.branch?.groupsIfMerged[index].counted ?? []).filter { !merged.contains($0) } : []
            let signers = Set(waiting.branch?.signers ?? [])
            let still = group.mayApprove.filter { !signers.contains($0) }
            func who(_ principals: [Principal]) -> String {
                principals.isEmpty ? "none" : principals.map { code($0.rawValue) }.joined(separator: ", ")
            }
            let forge = still.map { principal -> String in
                let logins = waiting.logins[principal] ?? []
                return code(principal.rawValue)
                    + (logins.isEmpty ? "" : " (forge login " + logins.map(code).joined(separator: ", ") + ")")
            }
            lines.append(
                "- group \(index + 1) of \(waiting.groups.count), \(UntrustedText.markdown(group.group.label)): "
                    + (group.met ? "**met**" : "**not met**") + "; counted: \(who(group.counted))"
                    + "; signed on the branch: \(who(onBranch))"
                    + "; may still approve: " + (forge.isEmpty ? "none" : forge.joined(separator: ", ")))
        }
        return lines
    }

    package static func body(_ waiting: Waiting, governanceRef: String) -> String {
        let intent = waiting.intent
        let code = UntrustedText.markdownCode
        let text = UntrustedText.markdown
        var lines = [
            "**Approval requested**: \(code(intent.kind)) intent \(code(waiting.id.rawValue)), "
                + "tier **\(text(waiting.tier.rawValue))**", "",
            "What an approval signs:", "",
            "| | |", "|---|---|",
            "| summary | \(text(intent.summary)) |",
            "| kind | \(code(intent.kind)) |",
            "| tier | \(code(waiting.tier.rawValue)) |",
            "| target | \(code(intent.target.repo))" + (intent.target.branch.map { " (branch \(code($0)))" } ?? "")
                + " |",
        ]
        for (name, value) in intent.params.sorted(by: { $0.key < $1.key }) {
            lines.append("| param \(code(name)) | \(code(value)) |")
        }
        lines += [
            "| proposer | \(code(intent.proposer.rawValue)) |",
            "| created | \(code(intent.createdAt.rfc3339)) |",
            "| expires | " + (intent.expiresAt.map { code($0.rfc3339) } ?? "never") + " |",
            "| digest | \(code(waiting.digest.description)) |", "",
        ]

        let roles = waiting.roles.isEmpty ? "no role" : waiting.roles.map(code).joined(separator: " or ")
        lines.append(
            "Approvals: \(waiting.tierCounted ?? waiting.counted.count) of \(waiting.required) counted (merged into "
                + "\(code(governanceRef))), from \(roles).")
        for approval in waiting.counted.sorted(by: { $0.approver < $1.approver }) {
            lines.append("- ✓ \(code(approval.approver.rawValue)), merged in \(code(approval.commit.hex))")
        }
        if let branch = waiting.branch {
            lines += ["", "Signed on \(code(branch.branch)), not merged yet (nothing counts until merged):"]
            for record in branch.records {
                let who = code(record.principal?.rawValue ?? record.path)
                if record.decision == .breakGlass && record.reason == nil {
                    // SPEC §4.7: the one record that runs the intent without its quorum.
                    lines.append("- ⚠ \(who): **break-glass**: \(text(record.detail))")
                } else if record.counts {
                    lines.append("- ✓ \(who): signature verified, counts once merged")
                } else {
                    let reason = record.reason.map { code($0.rawValue) } ?? "adds nothing"
                    lines.append("- ✗ \(who): \(reason): \(text(record.detail))")
                }
            }
        }
        lines += groupLines(waiting)
        let signed = waiting.branch?.approvalsIfMerged ?? waiting.tierCounted ?? waiting.counted.count
        lines.append("")
        if let branch = waiting.branch, branch.readyIfMerged,
            branch.records.contains(where: { $0.decision == .breakGlass && $0.reason == nil })
        {
            lines.append(
                "**Break-glass record signed**: merging this pull request runs the intent now, past its quorum; "
                    + "its review (ratify or reject records) is then due.")
        } else if let branch = waiting.branch, branch.holdsQuorum {
            lines.append(
                branch.readyIfMerged
                    ? "**\(signed) of \(waiting.required) signed, ready to merge**: merging this pull request makes "
                        + "the intent ready."
                    : "**\(signed) of \(waiting.required) signed, ready to merge**: merging completes the approvals; "
                        + "the intent then still waits (\(code(branch.reasonIfMerged?.rawValue ?? "blocked")))."
            )
        } else {
            let groups = waiting.branch?.groupsIfMerged ?? waiting.groups
            let unmet = groups.filter { !$0.met }.map { text($0.group.label) }
            lines.append(
                "**\(signed) of \(waiting.required) signed**: more approvals are needed before merging"
                    + (unmet.isEmpty ? "." : " (group(s) not met: " + unmet.joined(separator: ", ") + ")."))
        }
        if !waiting.mayApprove.isEmpty {
            lines += ["", "Who may still approve:"]
            for (principal, logins) in waiting.mayApprove {
                let forge = logins.isEmpty ? "" : " (forge login " + logins.map(code).joined(separator: ", ") + ")"
                lines.append("- \(code(principal.rawValue))\(forge)")
            }
        }
        lines += [
            "", "To approve, from a clone of this repository:", "",
            "```", "writ approve \(waiting.id.rawValue) --push", "```", "",
            "A forge review (the \"Approve\" button) does not count; only a signed record does.", "",
            "Merging this pull request into the governance branch is the operators' act; writ never merges.",
        ]
        return lines.joined(separator: "\n")
    }
}
