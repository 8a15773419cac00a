import Foundation
import Testing
@testable import WritKit

/// `writ propose` and `writ approve` through the binary, with git as witness.
@Suite struct ProposeApproveCommandTests {
    @Test func proposeGeneratesAnIdAndApproveMergesASignedRecord() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let sandbox = try OpsSandbox(at: dir, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        let repo = sandbox.ops.repository.gitDirectory
        let proposed = try CLI.run(
            "propose", "--repo", repo, "--kind", "dev", "--target", "github.com/example/app", "--param", "n=1",
            "--as", "agent-1@example.com", "--key", sandbox.keyPath("agent-1@example.com"), "--json")
        #expect(proposed.status == 0, "\(proposed.stderr)")
        let answer = try JSONDecoder().decode([String: JSONValue].self, from: Data(proposed.stdout.utf8))
        let id = try #require(answer["id"]?.string)
        #expect(id.range(of: #"^dev-[0-9a-f]{8}$"#, options: .regularExpression) != nil, "generated id \(id)")
        #expect(answer["tier"]?.string == "medium")
        #expect(answer["approval_branch"]?.string == "approval/\(id)")
        let request = try GitTestSupport.git(
            URL(fileURLWithPath: repo), "show", "approval/\(id):approvals/\(FanOut.prefix(for: id))/\(id)/request.toml")
        #expect(request.contains("approvals_required = 1"))

        let approved = try CLI.run(
            "approve", id, "--repo", repo, "--as", "bob@example.com", "--key", sandbox.keyPath("bob@example.com"), "--merge")
        #expect(approved.status == 0, "\(approved.stderr)")
        // The merge is a real two-parent merge on the governance branch, and the record verifies with ssh-keygen.
        let parents = try GitTestSupport.git(URL(fileURLWithPath: repo), "rev-list", "--parents", "-n", "1", "main")
        #expect(parents.split(separator: " ").count == 3)
        let record = "approvals/\(FanOut.prefix(for: id))/\(id)/bob@example.com.toml"
        let recordFile = dir.appendingPathComponent("record.toml")
        let signatureFile = dir.appendingPathComponent("record.toml.sig")
        try Data(try GitTestSupport.git(URL(fileURLWithPath: repo), "show", "main:\(record)").utf8 + [0x0a]).write(to: recordFile)
        try Data((try GitTestSupport.git(URL(fileURLWithPath: repo), "show", "main:\(record).sig") + "\n").utf8).write(to: signatureFile)
        let witness = try GitTestSupport.run(
            "/usr/bin/ssh-keygen",
            ["-Y", "verify", "-f", dir.appendingPathComponent("allowed_signers").path, "-I", "bob@example.com",
             "-n", "writ-approval", "-s", signatureFile.path],
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
            "approve", "no-such-intent", "--repo", repo, "--as", "bob@example.com", "--key", sandbox.keyPath("bob@example.com"))
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("intent_malformed"))
        let branches = try GitTestSupport.git(URL(fileURLWithPath: repo), "branch", "--list", "approval/*")
        #expect(branches.isEmpty, "nothing may be written: \(branches)")
        let badID = try CLI.run(
            "approve", "../escape", "--repo", repo, "--as", "bob@example.com", "--key", sandbox.keyPath("bob@example.com"))
        #expect(badID.status == 2)
    }
}

/// Just enough JSON to read a command's answer.
enum JSONValue: Decodable {
    case string(String), number(Double), bool(Bool), null, other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let text = try? container.decode(String.self) { self = .string(text) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else { self = .other }
    }

    var string: String? { if case .string(let text) = self { text } else { nil } }
}
