import ArgumentParser
import Foundation
import WritCore
import WritGit
import WritOps

/// `writ check-pr` (SPEC §9): judges a pull request against the governance
/// branch from objects only, under the base revision's policy.
struct CheckPR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-pr",
        abstract: "Judge a pull request against the governance branch (reads objects only; never runs PR code).",
        discussion: """
            Roles come from the base revision's policy ([members], [roles]). Every actor the forge says touched the \
            pull request is judged: each --actor, and with --event the pull request's author and the event's sender \
            (the pusher of a synchronize), and with --commits the forge account of every commit's author and \
            committer; each must be allowed every change, so the least privileged decides. Every approval record is \
            judged by its signature, not by who opened the pull request: it must verify for the principal its path \
            names, so the approval PR the dispatcher's forge account opens (a [members] login) passes once its records \
            verify. A base and head with more than one merge base (a criss-cross history) are blocked \
            (history_rewritten). When the repository has the governance branch, the base must be its tip or an \
            ancestor of it (else trust_root_missing, exit 3). Prints the status (pass, blocked or pending), which \
            governance state judged (base commit and [governance] version), whether closing is recommended, and each \
            finding with its reason code and path. Exit 0 on pass and on pending, 1 when blocked.
            """)

    @Option(help: "The repository (a clone or a bare repository).")
    var repo: String = "."

    @Option(help: "The pull request's base revision (default: from --event).")
    var base: String?

    @Option(help: "The pull request's head revision (default: from --event).")
    var head: String?

    @Option(
        help: ArgumentHelp(
            "A forge login that touched the pull request (repeatable; added to those --event and --commits name).",
            valueName: "login"))
    var actor: [String] = []

    @Option(help: "A pull_request or pull_request_target event payload (GitHub or Forgejo) to read them from.")
    var event: String?

    @Option(
        help: ArgumentHelp(
            "A JSON commits list of the pull request, as the forge's API lists them (every commit's author and committer is judged, and every commit must be on it).",
            valueName: "file"))
    var commits: String?

    @Option(
        help: ArgumentHelp(
            "The governance branch the base must be the tip of, or an ancestor of, when the repository has it (the local branch, or <remote>/<branch> when that is newer).",
            valueName: "branch"))
    var governanceRef: String = OpsRepoDefaults.governanceRef

    @Option(
        help: ArgumentHelp(
            "The ledger branch each request.toml is matched against (the local branch, or <remote>/<branch> when that is newer).",
            valueName: "branch"))
    var ledgerRef: String = OpsRepoDefaults.ledgerRef

    @Option(
        help:
            "The remote whose remote-tracking governance and ledger branches stand in for missing or older local ones.")
    var remote: String = "origin"

    @Flag(help: "Print one JSON line (docs/json.md).")
    var json = false

    /// The governance state that judged: the base commit and its version.
    struct JudgedBy: Encodable {
        let commit: String
        let version: Int
        let governanceTip: String?

        private enum Keys: String, CodingKey {
            case commit, version
            case governanceTip = "governance_tip"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(commit, forKey: .commit)
            try container.encode(version, forKey: .version)
            try container.encode(governanceTip, forKey: .governanceTip)
        }
    }

    struct Report: Encodable {
        let status: PullRequestCheck.Status
        let closeRecommended: Bool
        let actor: String
        let role: String
        let principal: String?
        let number: Int?
        let base: JudgedBy
        let actors: [PullRequestCheck.JudgedActor]
        let findings: [PullRequestCheck.Finding]

        private enum Keys: String, CodingKey {
            case status, actor, role, principal, number, base, actors, findings
            case closeRecommended = "close_recommended"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(status, forKey: .status)
            try container.encode(closeRecommended, forKey: .closeRecommended)
            try container.encode(actor, forKey: .actor)
            try container.encode(role, forKey: .role)
            try container.encode(principal, forKey: .principal)
            try container.encode(number, forKey: .number)
            try container.encode(base, forKey: .base)
            try container.encode(actors, forKey: .actors)
            try container.encode(findings, forKey: .findings)
        }
    }

    func run() throws {
        let payload = try event.map(EventPayload.read)
        var actors = actor.map { PullRequestCheck.Actor(login: $0, touches: [.named]) }
        actors += payload?.actors ?? []
        guard let base = base ?? payload?.base, let head = head ?? payload?.head, !actors.isEmpty else {
            throw ValidationError("give --base, --head and --actor, or an --event payload that holds them")
        }
        var listed = payload?.commits
        if let commits {
            let data = try FileInput.readRequired(commits, option: "--commits", limit: EventPayload.maximumSize)
            guard data.count <= EventPayload.maximumSize, let value = try? JSONSerialization.jsonObject(with: data)
            else {
                throw RuntimeError("cannot read the commits list \(commits) as JSON", fix: "--commits")
            }
            listed = (listed ?? []) + (try PullRequestCheck.ListedCommit.parse(value, source: "--commits \(commits)"))
        }
        let repository: Repository
        do {
            repository = try Repository.open(at: repo)
        } catch {
            throw RuntimeError("cannot open the repository at \(repo): \(error)", fix: "--repo")
        }
        let review = try PullRequestReview.check(
            repository: repository, base: base, head: head, actors: actors, commits: listed, now: Date(),
            governanceRef: governanceRef, ledgerRef: ledgerRef, remote: remote)
        let verdict = review.verdict
        let report = Report(
            status: verdict.status, closeRecommended: verdict.closeRecommended, actor: verdict.actor,
            role: verdict.role.rawValue, principal: verdict.principal?.rawValue, number: payload?.number,
            base: JudgedBy(
                commit: review.base.hex, version: review.governanceVersion, governanceTip: review.governanceTip?.hex),
            actors: verdict.actors, findings: verdict.findings)
        if json {
            try Output.printJSON(report, type: "check-pr")
        } else {
            // Logins, paths and messages come from the event and the
            // pull request: escaped for the terminal.
            let text = UntrustedText.terminal
            print(
                "\(verdict.status.rawValue): \(text(verdict.actor)) (\(verdict.role.rawValue))"
                    + (verdict.closeRecommended ? "; closing is recommended" : ""))
            let tip =
                review.governanceTip.map {
                    $0 == review.base ? ", the governance branch's tip" : ", behind the governance tip \($0.hex)"
                } ?? ""
            print("  judged by governance version \(review.governanceVersion) at base \(review.base.hex)\(tip)")
            if verdict.actors.count > 1 {
                let all = verdict.actors.map { actor in
                    "\(text(actor.login)) (\(actor.role.rawValue); \(actor.touches.sorted().map(\.rawValue).joined(separator: ", ")))"
                }
                print("  actors: \(all.joined(separator: ", "))")
            }
            for finding in verdict.findings {
                let who = finding.actor.map { " [\(text($0))]" } ?? ""
                print(
                    "  \(finding.reason.rawValue)\(finding.path.isEmpty ? "" : " \(text(finding.path))")\(who): "
                        + text(finding.message))
            }
        }
        if verdict.status == .blocked { throw ExitCode(ExitStatus.findings) }
    }

    /// What a GitHub or Forgejo `pull_request(_target)` payload says.
    struct EventPayload {
        static let maximumSize = 16 * 1024 * 1024

        let number: Int?
        let base: String?
        let head: String?
        /// The pull request's author and the event's sender.
        let actors: [PullRequestCheck.Actor]
        /// The commits the payload lists (a push-shaped `commits` array), if any.
        let commits: [PullRequestCheck.ListedCommit]?

        static func read(_ path: String) throws -> EventPayload {
            guard let data = FileManager.default.contents(atPath: path), data.count <= maximumSize,
                let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                throw RuntimeError("cannot read the event payload \(path) as a JSON object", fix: "--event")
            }
            let pull = root["pull_request"] as? [String: Any]
            func login(_ account: Any?) -> String? { (account as? [String: Any])?["login"] as? String }
            var actors: [PullRequestCheck.Actor] = []
            if let author = login(pull?["user"]) { actors.append(.init(login: author, touches: [.prAuthor])) }
            if let sender = login(root["sender"]) { actors.append(.init(login: sender, touches: [.sender])) }
            return EventPayload(
                number: pull?["number"] as? Int ?? root["number"] as? Int,
                base: (pull?["base"] as? [String: Any])?["sha"] as? String,
                head: (pull?["head"] as? [String: Any])?["sha"] as? String,
                actors: actors,
                commits: try root["commits"].map {
                    try PullRequestCheck.ListedCommit.parse($0, source: "--event \(path)")
                })
        }
    }
}
