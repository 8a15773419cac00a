import Foundation

/// The approval flow on the ops repo's forge (`[transport] approval_prs`):
/// for a medium or high intent waiting for approval, one pull request from
/// `approval/<id>` into the governance branch, whose body shows what the
/// approvers sign and the exact `writ approve` command, and one
/// notification comment; when the intent settles, one final comment with
/// its outcome. Every body carries the writ marker, so a crashed or
/// repeated poll adopts what is there instead of adding to it. Merging the
/// pull request is the operators' act, never writ's.
struct ApprovalNotifier {
    let client: ForgeClient
    let transport: TransportConfig
    let opsRepo: RepoSlug
    let governanceRef: String

    /// What the approvers see of one waiting intent.
    struct Waiting {
        let id: IntentID
        let intent: Intent
        let tier: Tier
        let digest: ContentDigest
        let counted: Int
        let required: Int
        let roles: [String]
    }

    static func branch(_ id: IntentID) -> String { "approval/\(id.rawValue)" }

    /// Opens or adopts the pull request and its notification; returns the
    /// pull request's number. Writes only what is missing or changed.
    func open(_ waiting: Waiting) throws(WritError) -> Int {
        try TestProcessGuard.check(opsRepo, sandbox: transport.sandboxRepos, operation: .pullRequest)
        let key = "approval:\(waiting.id.rawValue)"
        let body = ForgeWriter.marked(Self.body(waiting), intent: waiting.id, key: key)
        let title = "Approve \(waiting.intent.kind) \(waiting.id.rawValue) (\(waiting.tier.rawValue))"
        let pull = try client.adoptOrCreatePullRequest(
            opsRepo, head: Self.branch(waiting.id), base: governanceRef, title: title, body: body, key: key)
        guard let number = pull["number"] as? Int else {
            throw WritError(.remoteError, "the forge's pull request for \(Self.branch(waiting.id)) has no number")
        }
        let noticeKey = key + ":notice"
        if try client.comment(carrying: noticeKey, on: opsRepo, issue: number) == nil {
            let notice =
                waiting.tier == .high
                ? "blocked until \(waiting.required) \(waiting.roles.joined(separator: " or ")) approvals"
                : "pending async review"
            _ = try client.createComment(
                opsRepo, issue: number, body: ForgeWriter.marked(notice, intent: waiting.id, key: noticeKey))
        }
        return number
    }

    /// The final comment on settling, once.
    func settle(_ id: IntentID, number: Int, outcome: String) throws(WritError) {
        try TestProcessGuard.check(opsRepo, sandbox: transport.sandboxRepos, operation: .comment)
        let key = "approval:\(id.rawValue):outcome"
        guard try client.comment(carrying: key, on: opsRepo, issue: number) == nil else { return }
        _ = try client.createComment(opsRepo, issue: number, body: ForgeWriter.marked(outcome, intent: id, key: key))
    }

    /// The pull request body: the intent as the approvers sign it, what is
    /// still needed, and the command.
    static func body(_ waiting: Waiting) -> String {
        let intent = waiting.intent
        var lines = [
            "**\(intent.kind)** intent `\(waiting.id.rawValue)`, tier **\(waiting.tier.rawValue)**", "",
            "| | |", "|---|---|",
            "| summary | \(cell(intent.summary)) |",
            "| target | `\(cell(intent.target.repo))`" + (intent.target.branch.map { " (`\(cell($0))`)" } ?? "") + " |",
        ]
        for (name, value) in intent.params.sorted(by: { $0.key < $1.key }) {
            lines.append("| param `\(cell(name))` | `\(cell(value))` |")
        }
        lines += [
            "| digest | `\(waiting.digest)` |", "",
            "Approvals: \(waiting.counted) of \(waiting.required), from "
                + (waiting.roles.isEmpty ? "no role" : waiting.roles.joined(separator: " or ")) + ".", "",
            "To approve, from a clone of this repository:", "",
            "```", "writ approve \(waiting.id.rawValue) --push", "```", "",
            "Merging this pull request into the governance branch is the operators' act; writ never merges.",
        ]
        return lines.joined(separator: "\n")
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
