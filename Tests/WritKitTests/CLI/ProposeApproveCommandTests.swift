import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ propose` and `writ approve` through the binary, with git as witness.
@Suite struct ProposeApproveCommandTests {
    @Test func proposeGeneratesAnIdAndApproveMergesASignedRecord() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let sandbox = try OpsSandbox(at: dir, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        let repo = sandbox.ops.repository.gitDirectory
        let proposed = try CLI.run(
            "propose", "--repo", repo, "--kind", "dev", "--target", "github.com/example/app", "--param", "n=1",
            "--as", "agent-1@example.com", "--key", sandbox.keyPath("agent-1@example.com"), "--trust",
            sandbox.trustRoot.hex, "--json")
        #expect(proposed.status == 0, "\(proposed.stderr)")
        #expect(try proposed.jsonObject()["schema"] as? Int == 1)
        let answer = try JSONDecoder().decode([String: JSONValue].self, from: Data(proposed.stdout.utf8))
        let id = try #require(answer["id"]?.string)
        #expect(id.range(of: #"^dev-[0-9a-f]{8}$"#, options: .regularExpression) != nil, "generated id \(id)")
        #expect(answer["tier"]?.string == "medium")
        #expect(answer["approval_branch"]?.string == "approval/\(id)")
        let request = try GitTestSupport.git(
            URL(fileURLWithPath: repo), "show", "approval/\(id):approvals/\(FanOut.prefix(for: id))/\(id)/request.toml")
        #expect(request.contains("approvals_required = 1"))

        let before = try GitTestSupport.git(URL(fileURLWithPath: repo), "rev-parse", "main")
        let approved = try CLI.run(
            "approve", id, "--repo", repo, "--as", "bob@example.com", "--key", sandbox.keyPath("bob@example.com"),
            "--trust", sandbox.trustRoot.hex,
            "--merge")
        #expect(approved.status == 0, "\(approved.stderr)")
        // The record lands as one signed commit on the governance head, and verifies with ssh-keygen.
        let parents = try GitTestSupport.git(URL(fileURLWithPath: repo), "rev-list", "--parents", "-n", "1", "main")
        #expect(parents.split(separator: " ").dropFirst() == [Substring(before)])
        let record = "approvals/\(FanOut.prefix(for: id))/\(id)/bob@example.com.toml"
        let recordFile = dir.appendingPathComponent("record.toml")
        let signatureFile = dir.appendingPathComponent("record.toml.sig")
        try Data(try GitTestSupport.git(URL(fileURLWithPath: repo), "show", "main:\(record)").utf8 + [0x0a]).write(
            to: recordFile)
        try Data((try GitTestSupport.git(URL(fileURLWithPath: repo), "show", "main:\(record).sig") + "\n").utf8).write(
            to: signatureFile)
        let witness = try GitTestSupport.run(
            "/usr/bin/ssh-keygen",
            [
                "-Y", "verify", "-f", dir.appendingPathComponent("allowed_signers").path, "-I", "bob@example.com",
                "-n", "writ-approval", "-s", signatureFile.path,
            ],
            stdin: try Data(contentsOf: recordFile))
        #expect(witness.status == 0, "\(witness.stderr)")
        #expect(try sandbox.status().intents.first { $0.id.rawValue == id }?.state == .ready)
    }

    @Test func approveRefusesWhatItCannotEstablish() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let sandbox = try OpsSandbox(at: dir, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        let repo = sandbox.ops.repository.gitDirectory
        let missing = try CLI.run(
            "approve", "no-such-intent", "--repo", repo, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex)
        // An id naming nothing is a usage error, not a judgement of an intent.
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no intent no-such-intent"), "\(missing.stderr)")
        let branches = try GitTestSupport.git(URL(fileURLWithPath: repo), "branch", "--list", "approval/*")
        #expect(branches.isEmpty, "nothing may be written: \(branches)")
        let badID = try CLI.run(
            "approve", "../escape", "--repo", repo, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex)
        #expect(badID.status == 2)
    }

    /// A proposed `dev` intent (tier medium) and the sandbox it lives in.
    private func proposedDev(_ dir: URL, _ name: String) throws -> (OpsSandbox, Proposer.Proposal) {
        let sandbox = try OpsSandbox(at: dir, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        var request = Proposer.Request(kind: "dev", target: Intent.Target(repo: "github.com/example/app"))
        request.id = try #require(IntentID(name))
        request.summary = "test \(name)"
        return (sandbox, try sandbox.propose(request, as: "agent-1@example.com"))
    }

    @Test func approveMergeCarriesOnlyTheApproversOwnRecordAndListsTheRest() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let (sandbox, proposal) = try proposedDev(dir, "dev-crowded")
        let id = proposal.intent.id
        let repo = URL(fileURLWithPath: sandbox.ops.repository.gitDirectory)
        let policyBefore = try GitTestSupport.git(repo, "rev-parse", "main:policy.toml")
        // Someone pushed a policy change and carol's own (valid, unmerged) record to the approval branch.
        let policy = try #require(try sandbox.ops.repository.blob(at: "policy.toml", in: "main"))
        try BranchAppender(repository: sandbox.ops.repository).append(
            ["policy.toml": policy + Data("# slipped in on an approval branch\n".utf8)], to: "approval/\(id)",
            message: "tweak\n", signer: try sandbox.identity("alice@example.com"), at: Date(), overwrite: true)
        let carol = try ApprovalRecord(
            intent: id, intentDigest: proposal.digest, tier: proposal.tier, decision: .approve,
            approver: try #require(Principal("carol@example.com")), createdAt: Timestamp(Date()))
        try sandbox.file(carol, signedBy: "carol@example.com", merge: false)

        let approved = try CLI.run(
            "approve", id.rawValue, "--repo", repo.path, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex, "--merge", "--json")
        #expect(approved.status == 0, "\(approved.stderr)")
        let folder = "approvals/\(id.fanOut)/\(id)"
        struct Lists: Decodable { let merged: [String], left_on_branch: [String] }
        #expect(try approved.jsonObject()["schema"] as? Int == 1)
        let lists = try JSONDecoder().decode(Lists.self, from: Data(approved.stdout.utf8))
        #expect(
            lists.merged == [
                "\(folder)/bob@example.com.toml", "\(folder)/bob@example.com.toml.sig", "\(folder)/request.toml",
            ])
        #expect(
            lists.left_on_branch == [
                "\(folder)/carol@example.com.toml", "\(folder)/carol@example.com.toml.sig", "policy.toml",
            ])

        let onMain = try GitTestSupport.git(repo, "ls-tree", "-r", "--name-only", "main").split(separator: "\n")
        #expect(onMain.contains(Substring("\(folder)/bob@example.com.toml")))
        #expect(!onMain.contains(Substring("\(folder)/carol@example.com.toml")))
        #expect(try GitTestSupport.git(repo, "rev-parse", "main:policy.toml") == policyBefore)
        // Governance is still trusted, and bob's approval counts.
        let status = try sandbox.status()
        #expect(status.governance.trusted, "\(status.governance)")
        #expect(status.intents.first { $0.id == id }?.state == .ready)
        // What was left is still unmerged against the governance branch, for its own review.
        let pending = try GitTestSupport.git(repo, "diff", "--name-only", "main", "approval/\(id)")
        #expect(pending.contains("policy.toml") && pending.contains("carol@example.com.toml"))

        // The human output names what was left too, on every run.
        let again = try CLI.run(
            "approve", id.rawValue, "--repo", repo.path, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex, "--merge")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(
            again.stdout.contains("left on approval/\(id)") && again.stdout.contains("policy.toml"), "\(again.stdout)")
        #expect(try GitTestSupport.git(repo, "rev-parse", "main:policy.toml") == policyBefore)
    }

    @Test func approveMergeRefusesAGovernanceBranchCheckedOutInAWorkTree() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let (sandbox, proposal) = try proposedDev(dir, "dev-checked-out")
        let id = proposal.intent.id
        let bare = sandbox.ops.repository.gitDirectory
        // A non-bare clone with main checked out and every branch local.
        let work = dir.appendingPathComponent("work")
        let cloned = try GitTestSupport.run("/usr/bin/git", ["clone", "-q", "-b", "main", bare, work.path])
        try #require(cloned.status == 0, "\(cloned.stderr)")
        for branch in ["writ/ledger", "approval/\(id)"] {
            _ = try GitTestSupport.run("/usr/bin/git", ["-C", work.path, "branch", branch, "origin/\(branch)"])
        }
        let head = try GitTestSupport.git(URL(fileURLWithPath: work.path + "/.git"), "rev-parse", "main")

        let refused = try CLI.run(
            "approve", id.rawValue, "--repo", work.path, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex, "--merge")
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("checked out") && refused.stderr.contains("bare"), "\(refused.stderr)")
        #expect(try GitTestSupport.git(URL(fileURLWithPath: work.path + "/.git"), "rev-parse", "main") == head)
        // git itself sees nothing staged or deleted: `git add -A` would change nothing.
        let status = try GitTestSupport.run("/usr/bin/git", ["-C", work.path, "status", "--porcelain"])
        #expect(status.status == 0 && status.trimmed.isEmpty, "\(status.stdout)")

        // A linked work tree of the bare repo holding main is refused the same way.
        let linked = dir.appendingPathComponent("linked")
        let added = try GitTestSupport.run(
            "/usr/bin/git", ["--git-dir", bare, "worktree", "add", "-q", linked.path, "main"])
        try #require(added.status == 0, "\(added.stderr)")
        let refusedLinked = try CLI.run(
            "approve", id.rawValue, "--repo", bare, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex, "--merge")
        #expect(refusedLinked.status == 3)
        #expect(refusedLinked.stderr.contains(linked.lastPathComponent), "\(refusedLinked.stderr)")
        // Near miss: once that work tree is on another branch, the same command merges.
        _ = try GitTestSupport.run("/usr/bin/git", ["-C", linked.path, "switch", "-q", "--detach"])
        let merged = try CLI.run(
            "approve", id.rawValue, "--repo", bare, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex, "--merge")
        #expect(merged.status == 0, "\(merged.stderr)")
    }

    @Test func approveMergeRefusesAnOversizedFileWithoutCarryingIt() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let (sandbox, proposal) = try proposedDev(dir, "dev-huge")
        let id = proposal.intent.id
        let repo = URL(fileURLWithPath: sandbox.ops.repository.gitDirectory)
        let before = try GitTestSupport.git(repo, "rev-parse", "main")
        // A request.toml of 4 MiB, pushed to the approval branch.
        try BranchAppender(repository: sandbox.ops.repository).append(
            [GovernancePath.request(id).path: Data(repeating: UInt8(ascii: "a"), count: 4 << 20)],
            to: "approval/\(id)", message: "huge\n", signer: try sandbox.identity("agent-1@example.com"), at: Date(),
            overwrite: true)
        let refused = try CLI.run(
            "approve", id.rawValue, "--repo", repo.path, "--as", "bob@example.com", "--key",
            sandbox.keyPath("bob@example.com"), "--trust", sandbox.trustRoot.hex, "--merge")
        #expect(refused.status == 3)
        #expect(
            refused.stderr.contains("approval_malformed") && refused.stderr.contains("65536-byte limit"),
            "\(refused.stderr)")
        #expect(try GitTestSupport.git(repo, "rev-parse", "main") == before)
    }
}

/// Just enough JSON to read a command's answer.
enum JSONValue: Decodable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null, other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else {
            self = .other
        }
    }

    var string: String? { if case .string(let text) = self { text } else { nil } }
}
