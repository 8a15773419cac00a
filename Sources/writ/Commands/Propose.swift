import ArgumentParser
import Foundation
import WritCore
import WritGit
import WritOps

struct Propose: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Propose an intent: a signed file appended to the ledger branch.",
        discussion:
            "Medium and high tiers also get an approval/<id> branch holding request.toml, to open an approval PR from.")

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions
    @OptionGroup var pushOptions: PushOptions
    @OptionGroup var check: WriteCheckOptions

    @Option(help: "The kind of action, e.g. triage or release.")
    var kind: String

    @Option(help: "The target repository, e.g. github.com/org/app.")
    var target: String

    @Option(help: "The target branch.")
    var branch: String?

    @Option(name: .customLong("param"), help: "A parameter as name=value (repeatable).")
    var params: [String] = []

    @Option(help: "The intent id (generated when omitted).")
    var id: String?

    @Option(help: "One line for humans.")
    var summary: String?

    @Option(help: "Raise the tier: low, medium or high (never lowers policy's tier).")
    var blastRadius: String?

    @Option(name: .customLong("requires"), help: "A gate that must PASS first (repeatable).")
    var requires: [String] = []

    @Option(help: "Expiry: an RFC 3339 time or a duration such as 24h or 7d.")
    var expires: String?

    @Option(help: "The idempotency key handed to the executor (default: the id).")
    var idempotencyKey: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let now = Date()
        var request = Proposer.Request(kind: kind, target: Intent.Target(repo: target, branch: branch))
        if let id {
            guard let parsed = IntentID(id) else {
                throw ValidationError("--id must match ^[a-z0-9][a-z0-9._-]{0,99}$")
            }
            request.id = parsed
        }
        for param in params {
            guard let equals = param.firstIndex(of: "=") else {
                throw ValidationError("--param takes name=value, got \(param)")
            }
            let name = String(param[..<equals])
            guard request.params[name] == nil else { throw ValidationError("--param \(name) given twice") }
            request.params[name] = String(param[param.index(after: equals)...])
        }
        request.summary = summary
        if let blastRadius {
            guard let tier = Tier(parsing: blastRadius) else {
                throw ValidationError("--blast-radius must be low, medium or high")
            }
            request.blastRadius = tier
        }
        request.requires = requires
        if let expires {
            guard let deadline = DurationText.deadline(expires, from: Timestamp(now)) else {
                throw ValidationError("--expires takes an RFC 3339 time or a duration such as 24h")
            }
            request.expiresAt = deadline
        }
        request.idempotencyKey = idempotencyKey
        let settings = try repoOptions.operatorConfig()
        let ops = try repoOptions.open(settings)
        var proposer = Proposer(ops: ops)
        proposer.pushes = pushOptions.push
        let proposal = try proposer.propose(
            request, as: try signer.identity(settings), now: now,
            check: try check.writeGuard(settings, in: ops))

        if !proposal.kindListed {
            Output.printError(
                "writ: warning: kind \"\(proposal.intent.kind)\" is not listed in [kinds] of the policy, so it is "
                    + "tier high" + (proposal.similarKind.map { "; did you mean \"\($0)\"?" } ?? ""))
        }
        if json {
            struct Answer: Encodable {
                let id: String, tier: String, digest: String, ledger_commit: String
                let approvals_required: Int, approval_branch: String?
                /// Branch → commit id pushed; empty without --push.
                let pushed: [String: String]
            }
            let branches = [ops.ledgerRef] + (proposal.approvalBranch.map { [$0] } ?? [])
            try Output.printJSON(
                Answer(
                    id: proposal.intent.id.rawValue, tier: proposal.tier.rawValue, digest: proposal.digest.description,
                    ledger_commit: proposal.ledgerCommit.hex, approvals_required: proposal.approvalsRequired,
                    approval_branch: proposal.approvalBranch,
                    pushed: pushOptions.push ? RepoOptions.pushedCommits(ops, branches) : [:]))
            return
        }
        print("Proposed \(proposal.intent.id) (\(proposal.intent.kind), tier \(proposal.tier))")
        print("  digest: \(proposal.digest)")
        print("  ledger commit: \(proposal.ledgerCommit.hex)")
        if let branch = proposal.approvalBranch {
            print("Next: \(proposal.approvalsRequired) approval(s) needed. Open an approval PR from '\(branch)',")
            print("  or: writ approve \(proposal.intent.id) [--push] [--merge]")
        } else {
            print("Next: low tier; a dispatcher will auto-approve and run it on its next poll.")
        }
        if let line = RepoOptions.publishLine(
            ops, [ops.ledgerRef] + (proposal.approvalBranch.map { [$0] } ?? []), pushed: pushOptions.push)
        {
            print(line)
        }
    }
}
