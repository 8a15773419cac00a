import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Issue 8's governance commands end to end, with the built `writ` binary
/// and stock `git` only: a key rotation proposed, approved (old key and new
/// key), followed with `writ governance status` and adopted by a stock-git
/// merge; the anti-rollback rule (SPEC §5) through the same commands; the
/// digest against `printf | sha256sum`; and the `allowed_signers` lint.
@Suite struct GovernanceCommandsTests {
    typealias Replaces = GovernanceRotationReplacesEndToEndTests

    /// The ops repo, a stock-git clone of it and a directory for files and keys.
    struct Setup {
        let repo: E2ERepo
        let work: URL
        let files: URL
        var ops: String { repo.opsURL.path }
        var root: String { repo.sandbox.trustRoot.hex }

        init(_ name: String = #function) throws {
            repo = try E2ERepo(name)
            work = repo.directory.appendingPathComponent("work")
            files = repo.directory.appendingPathComponent("files")
            try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
            try GitTestSupport.git(repo.directory, "clone", "-q", "-b", "main", repo.opsURL.path, work.path)
        }

        /// Runs `writ` and returns its output, requiring exit status `status`.
        @discardableResult
        func writ(_ arguments: [String], status: Int32 = 0) throws -> GitTestSupport.Output {
            let output = try CLI.runArgs(arguments)
            try #require(
                output.status == status,
                "writ \(arguments.joined(separator: " ")) exited \(output.status): \(output.stdout) \(output.stderr)")
            return output
        }

        /// Runs `writ ... --json` and returns the decoded object.
        func json(_ arguments: [String], status: Int32 = 0) throws -> [String: Any] {
            let output = try writ(arguments + ["--json"], status: status)
            let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(output.stdout)")
        }

        /// Writes `bytes` to a fresh file and returns its path.
        func file(_ name: String, _ bytes: Data) throws -> String {
            let url = files.appendingPathComponent("\(name)-\(UUID().uuidString)")
            try bytes.write(to: url)
            return url.path
        }

        /// `writ governance propose` as `principal`; the proposal's JSON.
        func propose(policy: Data, signers: Data, as principal: String, key: String) throws -> [String: Any] {
            try json([
                "governance", "propose", "--repo", ops, "--trust", root, "--policy", file("policy", policy),
                "--signers", file("signers", signers), "--as", principal, "--key", key,
            ])
        }

        /// `writ governance approve DIGEST`; the approval's JSON.
        @discardableResult
        func approve(_ digest: String, as principal: String, key: String, nextKey: String? = nil) throws
            -> [String: Any]
        {
            try json(
                ["governance", "approve", digest, "--repo", ops, "--trust", root, "--as", principal, "--key", key]
                    + (nextKey.map { ["--next-key", $0] } ?? []))
        }

        /// `writ governance status`, optionally judging `branch`.
        func status(branch: String? = nil, status: Int32 = 0) throws -> [String: Any] {
            try json(
                ["governance", "status", "--repo", ops, "--trust", root] + (branch.map { ["--branch", $0] } ?? []),
                status: status)
        }

        /// Merges `branch` of the central repo into main with stock git and pushes, as a reviewer would.
        func stockMerge(_ branch: String) throws {
            try GitTestSupport.git(work, "fetch", "-q", "origin")
            try GitTestSupport.git(work, "pull", "-q", "--no-rebase", "origin", "main")
            try GitTestSupport.git(work, "merge", "-q", "--no-ff", "-m", "Merge \(branch)", "origin/\(branch)")
            try GitTestSupport.git(work, "push", "-q", "origin", "main")
        }

        /// The files at the governance head of the central repo.
        func headFiles() throws -> (policy: Data, signers: Data) {
            let repository = repo.sandbox.ops.repository
            return (
                try #require(try repository.blob(at: "policy.toml", in: "refs/heads/main")),
                try #require(try repository.blob(at: "allowed_signers", in: "refs/heads/main"))
            )
        }
    }

    static func quorums(_ status: [String: Any]) throws -> [String: [String: Any]] {
        let pending = try #require(status["pending"] as? [String: Any], "no pending change: \(status)")
        let list = try #require(pending["quorums"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["policy"] as? String ?? "?", $0) })
    }

    @Test func keyRotationWithTheGovernanceCommandsOnly() throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let alice = E2ERepo.alice
        let carol = E2ERepo.carol
        let aliceOld = setup.repo.sandbox.keyPath(alice)
        let carolKey = setup.repo.sandbox.keyPath(carol)
        let aliceNew = try CLI.makeKey(in: setup.files, name: "alice-next")

        // N: alice's allowed_signers line carries her new key.
        let root = try setup.headFiles()
        let signersN = Replaces.signers(root.signers, replacing: alice, with: try CLI.publicKey(aliceNew))
        let proposal = try setup.propose(policy: root.policy, signers: signersN, as: alice, key: aliceOld)
        // The proposed policy carries the trusted version + 1 (the root's is 1).
        let policyN = Data(withGovernanceVersion(2, String(decoding: root.policy, as: UTF8.self)).utf8)
        let digestN = GovernanceDigest.compute(policy: policyN, allowedSigners: signersN)
        let rootDigest = GovernanceDigest.compute(policy: root.policy, allowedSigners: root.signers)
        #expect(proposal["digest"] as? String == digestN.description)
        #expect(proposal["replaces"] as? String == rootDigest.description)
        #expect(proposal["changes"] as? [String] == ["allowed_signers"])
        #expect(proposal["version"] as? Int == 2)
        let branchN = try #require(proposal["branch"] as? String)
        #expect(branchN == "governance/" + digestN.hex.prefix(12))
        #expect((proposal["push"] as? String)?.hasSuffix("push origin \(branchN)") == true)
        let request = try #require(
            try setup.repo.sandbox.ops.repository.blob(
                at: "approvals/_governance/\(digestN.hex)/request.toml", in: "refs/heads/" + branchN))
        #expect(try GovernanceRequest.parse(request).replaces == rootDigest)

        // Nothing counted yet: both quorums list both admins as still to sign.
        let proposed = try Self.quorums(setup.status(branch: branchN))
        #expect(proposed["trusted"]?["met"] as? Bool == false)
        #expect(proposed["new"]?["missing"] as? [String] == [alice, carol])

        // alice signs with her old key and her new one; carol with hers.
        let aliceApproval = try setup.approve(digestN.description, as: alice, key: aliceOld, nextKey: aliceNew)
        #expect(aliceApproval["replaces"] as? String == rootDigest.description)
        #expect(aliceApproval["counts_under_trusted"] as? Bool == true)
        #expect(aliceApproval["counts_under_new"] as? Bool == true)
        let half = try Self.quorums(setup.status(branch: branchN))
        #expect(half["trusted"]?["met"] as? Bool == false)
        #expect(half["trusted"]?["counted"] as? [String] == [alice])
        #expect(half["trusted"]?["missing"] as? [String] == [carol])
        try setup.approve(digestN.hex, as: carol, key: carolKey)
        let full = try setup.status(branch: branchN)
        let met = try Self.quorums(full)
        #expect(met["trusted"]?["met"] as? Bool == true)
        #expect(met["new"]?["met"] as? Bool == true)
        #expect(met["new"]?["counted"] as? [String] == [alice, carol])
        #expect((full["pending"] as? [String: Any])?["adoptable"] as? Bool == true)

        // A stock-git merge adopts it; `writ status` trusts the new state.
        try setup.stockMerge(branchN)
        try setup.writ(["status", "--repo", setup.ops, "--trust", setup.root])
        let adopted = try setup.status()
        #expect(adopted["trusted_digest"] as? String == digestN.description)
        #expect(adopted["head_trusted"] as? Bool == true)
        #expect(adopted["pending"] == nil || adopted["pending"] is NSNull)

        // M: a policy change on top, adopted the same way (alice now signs with her new key).
        let policyM = Data(
            String(decoding: root.policy, as: UTF8.self).replacingOccurrences(
                of: "release = \"high\"", with: "release = \"high\"\ndocs = \"low\""
            ).utf8)
        let proposalM = try setup.propose(policy: policyM, signers: signersN, as: carol, key: carolKey)
        let digestM = try #require(proposalM["digest"] as? String)
        #expect(proposalM["replaces"] as? String == digestN.description)
        try setup.approve(digestM, as: alice, key: aliceNew)
        try setup.approve(digestM, as: carol, key: carolKey)
        try setup.stockMerge(try #require(proposalM["branch"] as? String))
        #expect(try setup.status()["trusted_digest"] as? String == digestM)

        // Anti-rollback: N's files restored with stock git, N's old records
        // (which replace the root state) still in the tree: not adopted.
        try GitTestSupport.git(setup.work, "pull", "-q", "--no-rebase", "origin", "main")
        let mergeN = try GitTestSupport.git(setup.work, "rev-parse", "HEAD~1")
        try GitTestSupport.git(setup.work, "checkout", mergeN, "--", "policy.toml", "allowed_signers")
        try GitTestSupport.git(setup.work, "commit", "-q", "-m", "restore the previous policy")
        try GitTestSupport.git(setup.work, "push", "-q", "origin", "main")
        let refused = try setup.writ(["status", "--repo", setup.ops, "--trust", setup.root], status: 3)
        #expect(refused.stdout.contains("policy_unapproved"), "\(refused.stdout)")
        let rolledBack = try setup.status(status: 3)
        #expect(rolledBack["reason"] as? String == "policy_unapproved")
        let pending = try #require(rolledBack["pending"] as? [String: Any])
        #expect(pending["digest"] as? String == digestN.description)
        #expect(pending["replaces"] as? String == digestM)
        let stale = try #require(pending["discarded"] as? [[String: Any]])
        #expect(Set(stale.compactMap { $0["reason"] as? String }) == ["digest_mismatch"], "\(stale)")
        #expect(Set(stale.compactMap { $0["principal"] as? String }) == [alice, carol])
        // N's version (2) is not M's + 1: it is never adopted again, whatever records it holds.
        #expect(pending["version"] as? Int == 2)
        #expect((pending["version_problem"] as? String)?.contains("adoptable only as version 4") == true)
        #expect(pending["adoptable"] as? Bool == false)

        // Fresh records for N's exact files are refused before anything is written.
        let refusedApproval = try setup.writ(
            [
                "governance", "approve", digestN.description, "--repo", setup.ops, "--trust", setup.root, "--as",
                alice, "--key", aliceNew,
            ], status: 3)
        #expect(refusedApproval.stderr.contains("policy_unapproved"), "\(refusedApproval.stderr)")

        // A real return to N: its files proposed again (at version 4), fresh
        // records replacing M, merged: adopted.
        let proposalN4 = try setup.propose(policy: root.policy, signers: signersN, as: alice, key: aliceNew)
        #expect(proposalN4["replaces"] as? String == digestM)
        #expect(proposalN4["version"] as? Int == 4)
        let digestN4 = try #require(proposalN4["digest"] as? String)
        let branchN4 = try #require(proposalN4["branch"] as? String)
        let fresh = try setup.approve(digestN4, as: alice, key: aliceNew)
        #expect(fresh["replaces"] as? String == digestM)
        #expect(fresh["branch"] as? String == branchN4)
        try setup.approve(digestN4, as: carol, key: carolKey)
        #expect(try Self.quorums(setup.status(branch: branchN4, status: 3))["trusted"]?["met"] as? Bool == true)
        try setup.stockMerge(branchN4)
        try setup.writ(["status", "--repo", setup.ops, "--trust", setup.root])
        #expect(try setup.status()["trusted_digest"] as? String == digestN4)
    }

    /// `--push` from an ordinary clone: the proposal branch and then the
    /// approval reach the central repo, with no `git push` to type.
    @Test func proposeAndApproveWithPushFromAClone() throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let alice = E2ERepo.alice
        let key = setup.repo.sandbox.keyPath(alice)
        let root = try setup.headFiles()
        let policy = Data((String(decoding: root.policy, as: UTF8.self) + "\n# reviewed\n").utf8)
        let proposal = try setup.json([
            "governance", "propose", "--repo", setup.work.path, "--trust", setup.root, "--push",
            "--policy", setup.file("policy", policy), "--signers", setup.file("signers", root.signers),
            "--as", alice, "--key", key,
        ])
        let branch = try #require(proposal["branch"] as? String)
        let central = setup.repo.opsURL
        let pushed = try GitTestSupport.git(central, "rev-parse", "refs/heads/" + branch)
        #expect(pushed == proposal["commit"] as? String, "the proposal branch reached the central repo")

        let digest = try #require(proposal["digest"] as? String)
        let approval = try setup.json([
            "governance", "approve", digest, "--repo", setup.work.path, "--trust", setup.root, "--push",
            "--as", alice, "--key", key,
        ])
        let record = "approvals/_governance/\(digest.dropFirst("sha256:".count))/\(alice).toml"
        #expect(try GitTestSupport.git(central, "rev-parse", "refs/heads/" + branch) == approval["commit"] as? String)
        #expect(try !GitTestSupport.git(central, "cat-file", "-p", "refs/heads/\(branch):\(record)").isEmpty)
    }

    @Test func approveRefusesADigestThatIsNotTheBranchsFiles() throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let alice = E2ERepo.alice
        let root = try setup.headFiles()
        let signers = root.signers + Data("# a comment\n".utf8)
        let proposal = try setup.propose(
            policy: root.policy, signers: signers, as: alice, key: setup.repo.sandbox.keyPath(alice))
        let branch = try #require(proposal["branch"] as? String)
        let other = GovernanceDigest.compute(policy: root.policy, allowedSigners: signers + Data("\n".utf8))

        let refused = try setup.writ(
            [
                "governance", "approve", other.description, "--branch", branch, "--repo", setup.ops, "--trust",
                setup.root, "--as", alice, "--key", setup.repo.sandbox.keyPath(alice),
            ], status: 3)
        #expect(refused.stderr.contains("digest_mismatch"), "\(refused.stderr)")

        // Near miss: an unlisted key for a listed admin is refused before writing (signer_unknown).
        let stranger = try CLI.makeKey(in: setup.files, name: "stranger")
        let unknown = try setup.writ(
            [
                "governance", "approve", try #require(proposal["digest"] as? String), "--repo", setup.ops, "--trust",
                setup.root, "--as", alice, "--key", stranger,
            ], status: 3)
        #expect(unknown.stderr.contains("signer_unknown"), "\(unknown.stderr)")
        #expect(try Self.quorums(setup.status(branch: branch))["trusted"]?["counted"] as? [String] == [])

        // Without a trust root nothing is signed: replaces cannot be computed.
        let untrusted = try setup.writ(
            [
                "governance", "approve", try #require(proposal["digest"] as? String), "--repo", setup.ops,
                "--as", alice, "--key", setup.repo.sandbox.keyPath(alice),
            ], status: 3)
        #expect(untrusted.stderr.contains("trust_root_missing"), "\(untrusted.stderr)")
    }

    @Test func digestEqualsTheSpecFormulaComputedWithCoreutils() throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let policy = try setup.file("policy", try setup.headFiles().policy)
        let signers = try setup.file("signers", try setup.headFiles().signers)
        let expected = try StockToolsTests.shell(
            "printf 'policy.toml\\n%s\\nallowed_signers\\n%s\\n' "
                + "\"$(sha256sum < '\(policy)' | cut -c1-64)\" \"$(sha256sum < '\(signers)' | cut -c1-64)\" "
                + "| sha256sum | cut -c1-64", in: setup.files)
        let fromFiles = try setup.writ(["governance", "digest", "--policy", policy, "--signers", signers])
        #expect(fromFiles.trimmed == "sha256:" + expected)
        let fromHead = try setup.writ(["governance", "digest", "--repo", setup.ops])
        #expect(fromHead.trimmed == "sha256:" + expected)
        let fromRoot = try setup.json(["governance", "digest", "--repo", setup.ops, "--rev", setup.root])
        #expect(fromRoot["digest"] as? String == "sha256:" + expected)

        // Near miss: one byte more in allowed_signers is another digest.
        let changed = try setup.file("signers", try setup.headFiles().signers + Data("\n".utf8))
        let other = try setup.writ(["governance", "digest", "--policy", policy, "--signers", changed])
        #expect(other.trimmed != "sha256:" + expected)
    }

    @Test func allowedSignersLint() throws {
        let setup = try Setup()
        defer { setup.repo.remove() }
        let one = try CLI.publicKey(try CLI.makeKey(in: setup.files, name: "one"))
        let two = try CLI.publicKey(try CLI.makeKey(in: setup.files, name: "two"))
        let three = try CLI.publicKey(try CLI.makeKey(in: setup.files, name: "three"))
        func lint(_ text: String, status: Int32) throws -> [String: Any] {
            let directory = setup.files.appendingPathComponent(UUID().uuidString)
            try GitTestSupport.write(text, to: directory.appendingPathComponent("allowed_signers"))
            return try setup.json(
                ["validate", directory.appendingPathComponent("allowed_signers").path], status: status)
        }
        func findings(_ report: [String: Any]) -> [String] {
            (report["findings"] as? [[String: Any]] ?? []).map {
                "\($0["line"] as? Int ?? 0):\($0["severity"] as? String ?? "?"):\($0["code"] as? String ?? "?")"
            }
        }

        let clean = try lint("alice@example.com \(one)\n# a comment\n\ncarol@example.com \(two)\n", status: 0)
        #expect(clean["valid"] as? Bool == true)
        #expect(findings(clean) == [])

        let text = """
            alice@example.com \(one)
            alice@example.com namespaces="writ-approval" \(one)
            carol@example.com \(one)
            bob@example.com valid-before="20200101" \(two)
            *@example.com cert-authority \(two)
            dave@example.com bogus="1" \(two)
            erin@example.com valid-after="20300101" valid-before="20200101" \(two)
            frank@example.com valid-before="29990101" \(three)

            """
        let report = try lint(text, status: 1)
        #expect(report["valid"] as? Bool == false)
        #expect(
            findings(report) == [
                "2:error:duplicate_key", "3:warning:shared_key", "4:error:expired", "5:error:cert_authority",
                "6:error:malformed", "7:error:malformed",
            ])
        let messages = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains("bogus") }, "\(messages)")

        // Text output names the file and line.
        let directory = setup.files.appendingPathComponent("text")
        let path = directory.appendingPathComponent("allowed_signers").path
        try GitTestSupport.write("alice@example.com \(one)\nalice@example.com \(one)\n", to: URL(fileURLWithPath: path))
        let output = try setup.writ(["validate", path], status: 1)
        #expect(output.stdout.contains("\(path):2: error: duplicate_key"), "\(output.stdout)")
        // The same key for one principal, with --kind on another file name.
        let renamed = directory.appendingPathComponent("signers.txt").path
        try FileManager.default.copyItem(atPath: path, toPath: renamed)
        try setup.writ(["validate", "--kind", "allowed_signers", renamed], status: 1)
    }

    @Test func governanceRequestIsStrictAndRoundTrips() throws {
        let policy = ContentDigest.sha256(of: Array("p".utf8))
        let signers = ContentDigest.sha256(of: Array("s".utf8))
        let replaced = ContentDigest.sha256(of: Array("old".utf8))
        let commit = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let request = try GovernanceRequest(
            replaces: replaced, replacesCommit: commit, policyDigest: policy, allowedSignersDigest: signers,
            changes: ["policy.toml", "allowed_signers"], proposer: E2ERepo.principal(E2ERepo.alice),
            createdAt: Timestamp(Date(timeIntervalSince1970: 1_800_000_000)), note: "rotate")
        #expect(
            request.governanceDigest
                == GovernanceDigest.compute(policy: Array("p".utf8), allowedSigners: Array("s".utf8)))
        let text = request.canonicalTOML()
        #expect(try GovernanceRequest.parse(Array(text.utf8), expectedPath: request.path.path) == request)
        #expect(GovernancePath(request.path.path) == .governanceRequest(request.governanceDigest))
        let validated = try RecordValidator.validate(path: "/x/" + request.path.path, bytes: Array(text.utf8))
        #expect(validated.kind == .governanceRequest)

        func refused(_ mutated: String, path: String? = nil) -> Bool {
            do {
                _ = try GovernanceRequest.parse(Array(mutated.utf8), expectedPath: path)
                return false
            } catch let error as WritError {
                return error.reason == .approvalMalformed
            } catch {
                return false
            }
        }
        #expect(refused(text.replacingOccurrences(of: policy.hex, with: replaced.hex)), "digest no longer agrees")
        #expect(refused(text + "extra = 1\n"), "unknown key")
        #expect(
            refused(
                text.replacingOccurrences(
                    of: "[\"policy.toml\", \"allowed_signers\"]", with: "[\"allowed_signers\", \"policy.toml\"]")))
        #expect(refused(text.replacingOccurrences(of: "[\"policy.toml\", \"allowed_signers\"]", with: "[]")))
        #expect(refused(text, path: "approvals/_governance/\(replaced.hex)/request.toml"), "filed under another digest")
        #expect(!refused(text, path: request.path.path))
    }
}
