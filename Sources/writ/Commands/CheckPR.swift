import ArgumentParser
import Foundation
import WritKit

/// `writ check-pr` (SPEC §9): judges a pull request against the governance
/// branch from objects only, under the base revision's policy.
struct CheckPR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-pr",
        abstract: "Judge a pull request against the governance branch (reads objects only; never runs PR code).",
        discussion: """
            Roles come from the base revision's policy ([members], [roles]). Every approval record is judged by its \
            signature, not by who opened the pull request: it must verify for the principal its path names, so the \
            approval PR the dispatcher's forge account opens (a [members] login) passes once its records verify. \
            Prints the status (pass, blocked or pending), whether closing is recommended, and each finding with its \
            reason code and path. Exit 0 on pass and on pending, 1 when blocked.
            """)

    @Option(help: "The repository (a clone or a bare repository).")
    var repo: String = "."

    @Option(help: "The pull request's base revision (default: from --event).")
    var base: String?

    @Option(help: "The pull request's head revision (default: from --event).")
    var head: String?

    @Option(help: "The forge login of the pull request's author (default: from --event).")
    var actor: String?

    @Option(help: "A pull_request or pull_request_target event payload (GitHub or Forgejo) to read them from.")
    var event: String?

    @Option(
        help: ArgumentHelp(
            "The ledger branch each request.toml is matched against (the local branch, or <remote>/<branch> when that is newer).",
            valueName: "branch"))
    var ledgerRef: String = OpsRepoDefaults.ledgerRef

    @Option(help: "The remote whose remote-tracking ledger branch stands in for a missing local one.")
    var remote: String = "origin"

    @Flag(help: "Print one JSON line (docs/json.md).")
    var json = false

    struct Report: Encodable {
        let status: PullRequestCheck.Status
        let closeRecommended: Bool
        let actor: String
        let role: String
        let principal: String?
        let number: Int?
        let findings: [PullRequestCheck.Finding]

        private enum Keys: String, CodingKey {
            case status, actor, role, principal, number, findings
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
            try container.encode(findings, forKey: .findings)
        }
    }

    func run() throws {
        let payload = try event.map(EventPayload.read)
        guard let base = base ?? payload?.base, let head = head ?? payload?.head, let actor = actor ?? payload?.actor
        else {
            throw ValidationError("give --base, --head and --actor, or an --event payload that holds them")
        }
        let repository: Repository
        do {
            repository = try Repository.open(at: repo)
        } catch {
            throw RuntimeError("cannot open the repository at \(repo): \(error)", fix: "--repo")
        }
        let verdict = try PullRequestReview.check(
            repository: repository, base: base, head: head, actor: actor, now: Date(), ledgerRef: ledgerRef,
            remote: remote)
        let report = Report(
            status: verdict.status, closeRecommended: verdict.closeRecommended, actor: actor,
            role: verdict.role.rawValue, principal: verdict.principal?.rawValue, number: payload?.number,
            findings: verdict.findings)
        if json {
            try Output.printJSON(report, type: "check-pr")
        } else {
            print(
                "\(verdict.status.rawValue): \(actor) (\(verdict.role.rawValue))"
                    + (verdict.closeRecommended ? "; closing is recommended" : ""))
            for finding in verdict.findings {
                print(
                    "  \(finding.reason.rawValue)\(finding.path.isEmpty ? "" : " \(finding.path)"): \(finding.message)")
            }
        }
        if verdict.status == .blocked { throw ExitCode(ExitStatus.findings) }
    }

    /// What a GitHub or Forgejo `pull_request(_target)` payload says.
    struct EventPayload {
        let number: Int?
        let base: String?
        let head: String?
        let actor: String?

        static func read(_ path: String) throws -> EventPayload {
            guard let data = FileManager.default.contents(atPath: path), data.count <= 16 * 1024 * 1024,
                let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else {
                throw RuntimeError("cannot read the event payload \(path) as a JSON object", fix: "--event")
            }
            let pull = root["pull_request"] as? [String: Any]
            let user = (pull?["user"] as? [String: Any])?["login"] as? String
            return EventPayload(
                number: pull?["number"] as? Int ?? root["number"] as? Int,
                base: (pull?["base"] as? [String: Any])?["sha"] as? String,
                head: (pull?["head"] as? [String: Any])?["sha"] as? String,
                actor: user ?? (root["sender"] as? [String: Any])?["login"] as? String)
        }
    }
}
