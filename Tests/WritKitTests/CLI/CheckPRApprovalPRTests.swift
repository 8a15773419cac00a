import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ check-pr` on the approval pull requests of SPEC §7 and §9: records
/// judged by their signatures, not by who opened the pull request, a
/// `request.toml` matched with the intent on the ledger, and non-file
/// entries as results, never errors.
@Suite struct CheckPRApprovalPRTests {
    typealias Repo = CheckPRTests.Repo

    static let intentText = """
        schema = 1
        id = "deploy-1"
        kind = "dev"
        proposer = "agent-1@example.com"
        created_at = "2026-12-01T09:00:00Z"
        summary = "deploy the app"
        [target]
        repo = "github.com/org/app"

        """

    /// The `request.toml` `writ propose` files for `intentText`.
    static func request(_ intentText: String = intentText, intent: String = CheckPRTests.intent) throws -> String {
        try ApprovalRequest(
            intent: try #require(IntentID(intent)), kind: "dev", tier: .medium,
            proposer: try #require(Principal("agent-1@example.com")), summary: "deploy the app",
            createdAt: Timestamp(secondsSinceEpoch: 1_796_115_600), approvalsRequired: 1,
            roles: ["operator", "admin"], intentTOML: intentText
        ).canonicalTOML()
    }

    /// Puts `text` at the intent's ledger path on `writ/ledger`, or only on
    /// `refs/remotes/origin/writ/ledger` (a fresh clone) when `remoteOnly`.
    static func ledger(_ repo: Repo, intent text: String, remoteOnly: Bool = false) throws {
        let work = repo.work
        try GitTestSupport.git(work, "checkout", "-q", "--orphan", "writ/ledger")
        try GitTestSupport.git(work, "rm", "-rfq", ".")
        let path = LedgerPath.intent(try #require(IntentID(CheckPRTests.intent))).path
        try repo.write(path, text)
        try GitTestSupport.git(work, "add", "-A")
        try GitTestSupport.git(work, "commit", "-q", "-m", "propose")
        try GitTestSupport.git(work, "checkout", "-q", "-f", "main")
        if remoteOnly {
            try GitTestSupport.git(work, "update-ref", "refs/remotes/origin/writ/ledger", "writ/ledger")
            try GitTestSupport.git(work, "branch", "-q", "-D", "writ/ledger")
        }
    }

    /// `approval/deploy-1` as the dispatcher's flow builds it: the
    /// proposer's `request.toml`, then each admin's `approve --push`.
    static func approvalBranch(_ repo: Repo, request: String? = nil, records: [(String, String)]) throws -> String {
        try repo.branch("approval/\(CheckPRTests.intent)") { repo in
            try repo.write("\(CheckPRTests.folder)/request.toml", try request ?? Self.request())
            for (approver, signer) in records {
                let path = "\(CheckPRTests.folder)/\(approver).toml"
                try repo.write(path, CheckPRTests.record(approver))
                try repo.sign(path, as: signer)
            }
        }
    }

    /// Runs `check-pr --event` with a `pull_request` payload opened by `author`.
    static func checkEvent(_ repo: Repo, head: String, author: String) throws -> (
        status: Int32, report: [String: Any], stderr: String
    ) {
        let payload: [String: Any] = [
            "action": "opened",
            "number": 7,
            "pull_request": [
                "number": 7,
                "user": ["login": author],
                "base": ["sha": try GitTestSupport.git(repo.work, "rev-parse", "main"), "ref": "main"],
                "head": ["sha": try GitTestSupport.git(repo.work, "rev-parse", head), "ref": head],
            ],
            "sender": ["login": author],
        ]
        let event = repo.root.appendingPathComponent("event-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: payload).write(to: event)
        let run = try CLI.run("check-pr", "--repo", repo.work.path, "--event", event.path, "--json")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
            "\(run.stdout) \(run.stderr)")
        return (run.status, report, run.stderr)
    }

    static func reasons(_ report: [String: Any]) -> [String] {
        (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
    }

    static let admins = [("alice@example.com", "alice@example.com"), ("carol@example.com", "carol@example.com")]

    @Test(arguments: [
        ("writ-dispatch[bot]", "member"), ("bob", "member"), ("writ-agent[bot]", "member"), ("alice", "admin"),
    ])
    func anApprovalPRCarryingTwoAdminsValidRecordsPassesWhoeverOpenedIt(author: String, role: String) throws {
        let repo = try Repo("approvalpr-\(author.filter(\.isLetter))")
        defer { repo.remove() }
        try Self.ledger(repo, intent: Self.intentText)
        let head = try Self.approvalBranch(repo, records: Self.admins)
        let (status, report, stderr) = try Self.checkEvent(repo, head: head, author: author)
        #expect(report["status"] as? String == "pass", "\(report) \(stderr)")
        #expect(report["role"] as? String == role)
        #expect(report["actor"] as? String == author)
        #expect(report["number"] as? Int == 7)
        #expect(report["close_recommended"] as? Bool == false)
        #expect(Self.reasons(report).isEmpty)
        #expect(status == 0)
    }

    /// Near miss of the above: the same pull request with carol's record
    /// signed by alice is a record signed in another's name.
    @Test func aRecordSignedByOnePrincipalUnderAnothersPathIsNotOwn() throws {
        let repo = try Repo()
        defer { repo.remove() }
        try Self.ledger(repo, intent: Self.intentText)
        let head = try Self.approvalBranch(
            repo, records: [("alice@example.com", "alice@example.com"), ("carol@example.com", "alice@example.com")])
        for author in ["writ-dispatch[bot]", "bob", "alice"] {
            let (status, report, _) = try Self.checkEvent(repo, head: head, author: author)
            #expect(report["status"] as? String == "blocked", "\(author): \(report)")
            #expect(Self.reasons(report) == ["record_not_own"], "\(author)")
            let finding = try #require((report["findings"] as? [[String: Any]])?.first)
            #expect(finding["path"] as? String == "\(CheckPRTests.folder)/carol@example.com.toml.sig")
            #expect(report["close_recommended"] as? Bool == true)
            #expect(status == 1)
        }
    }

    /// An unknown author still carries nothing but their own join request,
    /// and a blocked one nothing, however valid the records.
    @Test func unknownAndBlockedAuthorsStayLimited() throws {
        let repo = try Repo()
        defer { repo.remove() }
        let head = try Self.approvalBranch(repo, records: Self.admins)
        let unknown = try Self.checkEvent(repo, head: head, author: "dana")
        #expect(unknown.report["status"] as? String == "blocked")
        #expect(Set(Self.reasons(unknown.report)) == ["actor_unknown"])
        #expect(unknown.status == 1)
        let blocked = try Self.checkEvent(repo, head: head, author: "mallory")
        #expect(Self.reasons(blocked.report) == ["actor_blocked"])
        #expect(blocked.status == 1)
    }

    /// `request.toml` must match the intent on the ledger (id and digest)
    /// when the ledger is readable: the local branch, or the
    /// remote-tracking one a fresh clone holds.
    @Test func theRequestMustMatchTheIntentOnTheLedger() throws {
        // No ledger at all: the request is judged on its own.
        do {
            let repo = try Repo("request-noledger")
            defer { repo.remove() }
            let head = try Self.approvalBranch(repo, records: [])
            let (status, report, _) = try Self.checkEvent(repo, head: head, author: "writ-dispatch[bot]")
            #expect(report["status"] as? String == "pass", "\(report)")
            #expect(status == 0)
        }
        for remoteOnly in [false, true] {
            // The ledger holds another text under the same id.
            let repo = try Repo("request-mismatch-\(remoteOnly)")
            defer { repo.remove() }
            try Self.ledger(
                repo, intent: Self.intentText.replacingOccurrences(of: "deploy the app", with: "drop the db"),
                remoteOnly: remoteOnly)
            let head = try Self.approvalBranch(repo, records: Self.admins)
            let (status, report, _) = try Self.checkEvent(repo, head: head, author: "writ-dispatch[bot]")
            #expect(report["status"] as? String == "blocked", "\(report)")
            #expect(Self.reasons(report) == ["digest_mismatch"], "remote only: \(remoteOnly)")
            #expect(status == 1)
        }
        // The ledger does not hold the intent at all.
        let repo = try Repo("request-absent")
        defer { repo.remove() }
        try Self.ledger(repo, intent: Self.intentText)
        let otherRequest = try Self.request(
            Self.intentText.replacingOccurrences(of: "deploy-1", with: "deploy-2"), intent: "deploy-2")
        let head = try repo.branch("approval/deploy-2") { repo in
            let folder = "approvals/\(try #require(IntentID("deploy-2")).fanOut)/deploy-2"
            try repo.write("\(folder)/request.toml", otherRequest)
        }
        let (status, report, _) = try Self.checkEvent(repo, head: head, author: "bob")
        #expect(Self.reasons(report) == ["approval_malformed"], "\(report)")
        #expect(report["close_recommended"] as? Bool == false)
        #expect(status == 1)
    }

    enum NonFile: String, CaseIterable, Sendable {
        case symlinkRecord, gitlinkRecord, symlinkSignature, directoryRecord
    }

    /// A symlink, submodule or directory where a record or its signature
    /// belongs is a `path_admin_only` result (exit 1), never an error
    /// (exit 3, `notABlob`): for a member and for an admin.
    @Test(arguments: NonFile.allCases, ["bob", "alice"])
    func aNonFileEntryAtARecordPathIsABlockedResult(_ entry: NonFile, actor: String) throws {
        let repo = try Repo("nonfile-\(entry)-\(actor)")
        defer { repo.remove() }
        let record = "\(CheckPRTests.folder)/bob@example.com.toml"
        let head = try repo.branch("pr") { repo in
            try CheckPRTests.fileRecord("bob@example.com")(repo)
            let target = entry == .symlinkSignature ? record + ".sig" : record
            let url = repo.work.appendingPathComponent(target)
            try FileManager.default.removeItem(at: url)
            switch entry {
            case .symlinkRecord, .symlinkSignature:
                try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: "../../../README.md")
            case .gitlinkRecord:
                try GitTestSupport.git(repo.work, "add", "-A")
                let commit = try GitTestSupport.git(repo.work, "rev-parse", "HEAD")
                try GitTestSupport.git(repo.work, "update-index", "--add", "--cacheinfo", "160000,\(commit),\(target)")
                // Keep the work tree in step so `add -A` leaves the gitlink.
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            case .directoryRecord:
                try repo.write(target + "/inner.toml", CheckPRTests.record("bob@example.com"))
            }
        }
        let tree = try GitTestSupport.git(repo.work, "ls-tree", "-r", head, "--", CheckPRTests.folder)
        #expect(
            tree.contains(entry == .gitlinkRecord ? "160000 commit" : entry == .directoryRecord ? "inner" : "120000"))
        let run = try CLI.run(
            "check-pr", "--repo", repo.work.path, "--base", "main", "--head", head, "--actor", actor, "--json")
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(!run.stderr.contains("notABlob"), "\(run.stderr)")
        let report = try run.jsonObject()
        #expect(report["status"] as? String == "blocked")
        #expect(Self.reasons(report).contains("path_admin_only"), "\(report)")
        #expect(report["close_recommended"] as? Bool == true)
        // Without --json: a result on standard output too.
        let plain = try CLI.run(
            "check-pr", "--repo", repo.work.path, "--base", "main", "--head", head, "--actor", actor)
        #expect(plain.status == 1)
        #expect(plain.stdout.hasPrefix("blocked: \(actor)"), "\(plain.stdout) \(plain.stderr)")
    }
}
