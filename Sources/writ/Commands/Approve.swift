import ArgumentParser
import Foundation
import WritCore
import WritGit
import WritOps

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign an approval (or, with --deny, a denial) of an intent onto its approval branch.",
        discussion: """
            --break-glass (with --note) signs a break-glass record: once merged the intent runs now, and its \
            review is due; --ratify or --reject signs that review. \
            With --merge, for set-ups with no forge, your record, its .sig and the intent's request.toml are \
            carried from the approval branch into the governance branch as one signed commit; anything else on \
            the branch (another principal's record, a policy.toml change) is listed and left there for its own \
            review. --merge refuses a governance branch that is checked out in a work tree, since writ never \
            updates an index or work tree: run it against a bare clone, or switch that work tree to another \
            branch first. It ends with how many have signed (counted once the branch is merged) and the next step: \
            who is still awaited, or the exact command that merges the branch.
            """)

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions
    @OptionGroup var pushOptions: PushOptions
    @OptionGroup var check: WriteCheckOptions

    @Flag(help: "Record a denial instead of an approval.")
    var deny = false

    @Flag(
        help: """
            Break glass: run the intent now, past its quorum, wait and freezes (never past a deny), for a \
            [break_glass] role; --note states the reason, and the run's review is due review_within after the merge.
            """)
    var breakGlass = false

    @Flag(help: "Review a break-glass run of the intent: ratify it (a [break_glass] review role, not who broke glass).")
    var ratify = false

    @Flag(help: "Review a break-glass run of the intent: reject it (a [break_glass] review role, not who broke glass).")
    var reject = false

    @Option(help: "Expiry: an RFC 3339 time or a duration such as 24h or 7d.")
    var expires: String?

    @Option(help: "A note for humans (decides nothing); with --break-glass, the required reason.")
    var note: String?

    @Option(help: "The branch to commit to (default approval/<id>).")
    var branch: String?

    @Flag(help: "Carry your record (and the request) from the branch into the governance branch.")
    var merge = false

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        let chosen = [("--deny", deny), ("--break-glass", breakGlass), ("--ratify", ratify), ("--reject", reject)]
            .filter(\.1).map(\.0)
        guard chosen.count <= 1 else {
            throw ValidationError("\(chosen.joined(separator: ", ")) exclude each other: give at most one")
        }
        if breakGlass, note?.allSatisfy(\.isWhitespace) ?? true {
            throw ValidationError("--break-glass needs --note \"reason\": the reason every view shows for the run")
        }
    }

    /// The decision the flags ask for.
    var decision: Decision {
        if deny { return .deny }
        if breakGlass { return .breakGlass }
        if ratify { return .ratify }
        if reject { return .reject }
        return .approve
    }

    func run() throws {
        let now = Date()
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        var options = Approver.Options()
        options.decision = decision
        if let expires {
            guard let deadline = DurationText.deadline(expires, from: Timestamp(now)) else {
                throw ValidationError("--expires takes an RFC 3339 time or a duration such as 24h")
            }
            options.expiresAt = deadline
        }
        options.note = note
        options.branch = branch
        options.merge = merge
        let settings = try repoOptions.operatorConfig()
        let ops = try repoOptions.open(settings)
        var approver = Approver(ops: ops)
        approver.pushes = pushOptions.push
        let writeGuard = try check.writeGuard(settings, in: ops)
        let approval = try approver.approve(
            intentID, options: options, as: try signer.identity(settings), now: now, check: writeGuard)
        // How many have signed now, and what is left to do. Best effort:
        // the record is written; a reading that fails only loses the hint.
        let progress = writeGuard.trustRoot.flatMap { trustRoot in
            try? ApprovalProgress(intentID, ops: ops, trustRoot: trustRoot, pushed: pushOptions.push)
        }
        if json {
            struct Answer: Encodable {
                let id: String, decision: String, tier: String, intent_digest: String, branch: String
                let branch_commit: String, merge_commit: String?, merged: [String], left_on_branch: [String]
                /// Branch → commit id pushed; empty without --push.
                let pushed: [String: String]
                let signed: Int?, required: Int?, next: String?
            }
            try Output.printJSON(
                Answer(
                    id: intentID.rawValue, decision: approval.record.decision.rawValue,
                    tier: approval.record.tier.rawValue,
                    intent_digest: approval.record.intentDigest.description, branch: approval.branch,
                    branch_commit: approval.branchCommit.hex, merge_commit: approval.mergeCommit?.hex,
                    merged: approval.merged, left_on_branch: approval.leftOnBranch,
                    pushed: pushOptions.push ? RepoOptions.pushedCommits(ops, [approval.branch]) : [:],
                    signed: progress?.signed, required: progress?.required, next: progress?.next))
            return
        }
        print(
            "Signed \(approval.record.decision.rawValue) of \(intentID) (tier \(approval.record.tier), \(approval.record.intentDigest))"
        )
        print("  on branch \(approval.branch) at \(approval.branchCommit.hex)")
        defer {
            if let line = RepoOptions.publishLine(ops, [approval.branch], pushed: pushOptions.push) { print(line) }
            if let progress { print(progress.line) }
        }
        guard merge else { return }
        if let mergeCommit = approval.mergeCommit {
            print("  merged into \(ops.governanceRef) at \(mergeCommit.hex):")
            for path in approval.merged { print("    \(path)") }
        } else {
            print("  already on \(ops.governanceRef); nothing new to merge")
        }
        if !approval.leftOnBranch.isEmpty {
            print("  left on \(approval.branch), not merged (review them on their own):")
            for path in approval.leftOnBranch { print("    \(path)") }
        }
    }
}

/// What `writ approve` says last: how many have signed (merged, or on the
/// approval branch with a record that would count) and the next step.
struct ApprovalProgress {
    /// Approvals that count once the branch is merged (merged ones included).
    let signed: Int
    let required: Int
    /// The next step: the merge command, who is still awaited, or the
    /// intent's state when approvals are not what it waits for.
    let next: String
    /// "2 of 2 signed: merge approval/<id>: git fetch …".
    let line: String

    init?(_ id: IntentID, ops: OpsRepo, trustRoot: ObjectID, pushed: Bool) throws {
        let status = try StatusEvaluator(ops: ops).evaluate(
            trustRoot: trustRoot, now: Date(), snapshot: StatusEvaluator.snapshotFile(of: ops))
        guard let row = status.intents.first(where: { $0.id == id }), let policy = status.policy,
            let verdict = status.verdicts[id]
        else { return nil }
        let branch = row.approvalBranch
        signed = branch?.approvalsIfMerged ?? row.approvals
        required = row.required
        let branchName = "approval/\(id.rawValue)"
        let merge = MergeRecipe.command(id, remote: ops.remote, governanceRef: ops.governanceRef)
        let pushFirst =
            !pushed && ops.remote != nil ? "push it (git push \(ops.remote ?? "") \(branchName)), then " : ""
        let count = "\(signed) of \(required) signed"
        if let branch, branch.reasonIfMerged == .denied {
            next = "merging \(branchName) denies it: \(pushFirst)\(merge)"
            line = "denied on \(branchName), not merged yet: \(next)"
            return
        }
        if row.state != .blocked || row.reason != .notApproved {
            next = "\(row.state.rawValue)" + (row.reason.map { " (\($0.rawValue))" } ?? "") + ": \(row.detail)"
            line = "\(count); \(next)"
            return
        }
        if let branch, branch.holdsQuorum {
            let then = branch.readyIfMerged ? "" : " (then still \(branch.reasonIfMerged?.rawValue ?? "blocked"))"
            next = "merge \(branchName)\(then): \(pushFirst)\(merge)"
            line = "\(count): \(next)"
            return
        }
        let awaited =
            row.tier.map { tier in
                policy.mayStillApprove(
                    tier: tier, proposer: verdict.intent?.proposer,
                    signed: Set(verdict.counted.map(\.approver) + (branch?.signers ?? [])))
            } ?? []
        let missing = required - signed
        let names = awaited.map(\.rawValue)
        if names.isEmpty {
            next = "no one else may approve it (tier \(row.tier?.rawValue ?? "?"))"
        } else if missing == 1 {
            next = "waiting for " + names.joined(separator: " or ")
        } else {
            next = "waiting for \(missing) more of " + names.joined(separator: ", ")
        }
        line = "\(count): \(next)"
    }
}
