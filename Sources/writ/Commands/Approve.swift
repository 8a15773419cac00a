import ArgumentParser
import Foundation
import WritKit

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign an approval (or, with --deny, a denial) of an intent onto its approval branch.",
        discussion: """
            With --merge, for set-ups with no forge, your record, its .sig and the intent's request.toml are \
            carried from the approval branch into the governance branch as one signed commit; anything else on \
            the branch (another principal's record, a policy.toml change) is listed and left there for its own \
            review. --merge refuses a governance branch that is checked out in a work tree, since writ never \
            updates an index or work tree: run it against a bare clone, or switch that work tree to another \
            branch first.
            """)

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions
    @OptionGroup var pushOptions: PushOptions
    @OptionGroup var check: WriteCheckOptions

    @Flag(help: "Record a denial instead of an approval.")
    var deny = false

    @Option(help: "Expiry: an RFC 3339 time or a duration such as 24h or 7d.")
    var expires: String?

    @Option(help: "A note for humans (decides nothing).")
    var note: String?

    @Option(help: "The branch to commit to (default approval/<id>).")
    var branch: String?

    @Flag(help: "Carry your record (and the request) from the branch into the governance branch.")
    var merge = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let now = Date()
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        var options = Approver.Options()
        options.decision = deny ? .deny : .approve
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
        let approval = try approver.approve(
            intentID, options: options, as: try signer.identity(settings), now: now,
            check: try check.writeGuard(settings, in: ops))
        if json {
            struct Answer: Encodable {
                let id: String, decision: String, tier: String, intent_digest: String, branch: String
                let branch_commit: String, merge_commit: String?, merged: [String], left_on_branch: [String]
                /// Branch → commit id pushed; empty without --push.
                let pushed: [String: String]
            }
            try Output.printJSON(
                Answer(
                    id: intentID.rawValue, decision: approval.record.decision.rawValue,
                    tier: approval.record.tier.rawValue,
                    intent_digest: approval.record.intentDigest.description, branch: approval.branch,
                    branch_commit: approval.branchCommit.hex, merge_commit: approval.mergeCommit?.hex,
                    merged: approval.merged, left_on_branch: approval.leftOnBranch,
                    pushed: pushOptions.push ? RepoOptions.pushedCommits(ops, [approval.branch]) : [:]))
            return
        }
        print(
            "Signed \(approval.record.decision.rawValue) of \(intentID) (tier \(approval.record.tier), \(approval.record.intentDigest))"
        )
        print("  on branch \(approval.branch) at \(approval.branchCommit.hex)")
        defer {
            if let line = RepoOptions.publishLine(ops, [approval.branch], pushed: pushOptions.push) { print(line) }
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
