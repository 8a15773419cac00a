import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The auditor's view: allowed_signers keys by the fingerprint
/// `ssh-keygen -lf` prints, who committed each governance adoption and
/// whether it is signed, and `writ log --all`'s timeline.
@Suite struct AuditorViewTests {
    /// Keys made once with `ssh-keygen` (public halves only), their
    /// comments included; `Golden/report-signers.html` holds the
    /// fingerprints `ssh-keygen -lf` printed for them.
    static let fixedSigners = """
        alice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGyvYHVlZH0MD8SZwh6C/yfgplZK77cBNodg8M47yfnH alice laptop
        carol@example.com namespaces="writ-approval,writ-governance,git" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILIPe7UNn6aimwH+XqaoXLmHc/9xpQyk4sDapAi4UJwC carol yubikey <2026>
        bob@example.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFX1ksli/8ehuYDyyGrFpsB7sCHprguGH1ZY21rVwotFpjaTOHZz7qgSVLVNvvbLfCELx0FIsq7M0V5531Bo4Yc=
        dispatch-1@example.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDEyhKlACEoGGZjEuKmW30egXFbcy2/wbJ7ku2GchC25H9Fe5Jlm6/kvAI5xciyiDFIGeLLPE/9fbZgn2mXpUAjQMmkjOIXWztfty5ncPvawo7I9TwwLSsiZ1LdTHJ2gBKPxbcMhEmFgrCWHruvqk9ur3WLB9KLXmmGdSZvxWPDwknWbVGUz+/WLd5RiSfARU3SaAJdLAJe9XTsnYklTvl0FuTdc1I4wMlGa65GyEuGJ8iU1FFPmSdarzhB1tV0ipKEt4zVhhKU7/QMVZImSEHypDY7K9u4+GgQsAyMO3oKMs4P7ln90UO3ZTP+o+GynrCVGTh/Oc6OTmkHwwXxF8Q3 dispatch-1 host

        """

    /// `ssh-keygen -lf` of a public key line: its `SHA256:` field.
    static func sshKeygenFingerprint(_ publicLine: String, in directory: URL) throws -> String {
        let file = directory.appendingPathComponent("key-\(UUID().uuidString).pub")
        try Data((publicLine + "\n").utf8).write(to: file)
        let listed = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-lf", file.path])
        try #require(listed.status == 0, "\(listed.stderr)")
        let fields = listed.stdout.split(separator: " ")
        return String(try #require(fields.dropFirst().first))
    }

    @Test func signerFingerprintsAreWhatSSHKeygenPrints() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let listed = SignerListing.read(Self.fixedSigners)
        #expect(
            listed.map(\.principals) == [
                "alice@example.com", "carol@example.com", "bob@example.com", "dispatch-1@example.com",
            ])
        #expect(listed.map(\.comment) == ["alice laptop", "carol yubikey <2026>", "", "dispatch-1 host"])
        #expect(listed[1].options == "namespaces=\"writ-approval,writ-governance,git\"")
        #expect(listed.map(\.line) == [1, 2, 3, 4])
        for (signer, line) in zip(listed, Self.fixedSigners.split(separator: "\n")) {
            let key = line.split(separator: " ").drop { !$0.hasPrefix("ssh-") && !$0.hasPrefix("ecdsa-") }
                .prefix(2).joined(separator: " ")
            #expect(signer.fingerprint == (try Self.sshKeygenFingerprint(key, in: directory)), "\(line)")
        }
        // Fresh keys too, not only the ones the golden file holds.
        let sandbox = try AuditTestSupport.sandbox(directory.appendingPathComponent("ops"))
        for principal in OpsSandbox.demoPrincipals {
            let key = try SilentStatesTests.publicKey(sandbox, principal)
            let signer = try #require(SignerListing.parse("\(principal) \(key) a comment"))
            #expect(signer.fingerprint == (try Self.sshKeygenFingerprint(key, in: directory)))
            #expect(signer.comment == "a comment" && signer.text.hasSuffix(" \(signer.fingerprint) a comment"))
        }
    }

    /// The report's `<section id="signers">`, its commit made a placeholder.
    static func signersSection(_ html: String, commit: ObjectID) throws -> String {
        let start = try #require(html.range(of: "<section id=\"signers\">"))
        let end = try #require(html.range(of: "</section>\n", range: start.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound]).replacingOccurrences(of: commit.hex, with: "<commit>")
    }

    @Test func theReportsSignersSectionMatchesTheGoldenFile() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        var initializer = OpsRepoInitializer()
        initializer.policy = Data(OpsSandbox.demoPolicy.utf8)
        initializer.allowedSigners = Data(Self.fixedSigners.utf8)
        let root = try initializer.initialize(at: directory.appendingPathComponent("ops.git").path, bare: true)
            .trustRoot
        let ops = try OpsRepo(path: directory.appendingPathComponent("ops.git").path)
        let report = try AuditReport.build(ops: ops, trustRoot: root, since: nil, now: Date())
        let section = try Self.signersSection(HTMLReportRenderer.render(report), commit: root)
        let golden = RepoRoot.url.appendingPathComponent("Tests/WritKitTests/Audit/Golden/report-signers.html")
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(section == expected, "got:\n\(section)")
        #expect(!section.contains("AAAAC3NzaC1l"))
    }

    @Test func governanceChangesShowFingerprintsAndWhoCommittedAndSignedThem() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let sandbox = repo.sandbox
        let current = String(
            decoding: try #require(try sandbox.ops.repository.blob(at: "allowed_signers", in: "refs/heads/main")),
            as: UTF8.self)
        let mallory = try SilentStatesTests.publicKey(sandbox, E2ERepo.mallory)
        let added = "\(E2ERepo.mallory) \(mallory) mallory's new laptop"
        let adopted = try SilentStatesTests.changeSigners(sandbox, to: current + added + "\n")
        let malloryPrint = try Self.sshKeygenFingerprint(mallory, in: repo.directory)
        let alicePrint = try Self.sshKeygenFingerprint(
            try SilentStatesTests.publicKey(sandbox, E2ERepo.alice), in: repo.directory)

        // The report: the diff by fingerprint, the committer and signature.
        let report = try AuditReport.build(ops: sandbox.ops, trustRoot: sandbox.trustRoot, since: nil, now: Date())
        let change = try #require(report.governanceChanges.first { $0.commit == adopted })
        #expect(change.signersAdded == ["\(E2ERepo.mallory) ssh-ed25519 \(malloryPrint) mallory's new laptop"])
        #expect(change.attestation?.committerEmail == E2ERepo.alice)
        #expect(
            change.attestation?.signature
                == .trusted(principals: [try E2ERepo.principal(E2ERepo.alice)], fingerprint: alicePrint))
        let html = HTMLReportRenderer.render(report)
        #expect(
            html.contains(
                "committed by \(E2ERepo.alice) &lt;\(E2ERepo.alice)&gt; · signed by \(E2ERepo.alice) (\(alicePrint))"))
        #expect(!html.contains("AAAAC3NzaC1l"))
        #expect(report.signers.contains { $0.fingerprint == malloryPrint && $0.comment == "mallory's new laptop" })

        // `writ governance status`: every trusted key by fingerprint, each adoption's committer.
        let args = ["governance", "status", "--repo", repo.opsURL.path, "--trust", sandbox.trustRoot.hex]
        let text = try CLI.runArgs(args)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains("  \(E2ERepo.mallory)  ssh-ed25519 \(malloryPrint)  mallory's new laptop"),
            "\(text.stdout)")
        #expect(text.stdout.contains("  \(E2ERepo.alice)  ssh-ed25519 \(alicePrint)"), "\(text.stdout)")
        #expect(
            text.stdout.contains(
                "\(adopted.hex.prefix(12)) at ")
                && text.stdout.contains(
                    "committed by \(E2ERepo.alice) <\(E2ERepo.alice)>, signed by \(E2ERepo.alice) (\(alicePrint))"),
            "\(text.stdout)")
        let json = try CLI.runArgs(args + ["--json"]).jsonObject()
        let adoptions = try #require(json["adoptions"] as? [[String: Any]])
        #expect(adoptions.count == 1 && adoptions.first?["commit"] as? String == adopted.hex)
        let committer = try #require(adoptions.first?["committer"] as? [String: Any])
        #expect(committer["signed"] as? String == "trusted" && committer["key_fingerprint"] as? String == alicePrint)
        #expect(
            (json["signers"] as? [[String: Any]])?.contains { $0["fingerprint"] as? String == malloryPrint } == true)
    }

    @Test func aHostileCommitterIsEscapedAndAnUnsignedCommitSaysSo() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        let head = try repo.sandbox.ops.governanceHead()
        let name = "Eve \u{1B}[2J\u{202E}evil"
        let made = try GitTestSupport.run(
            "/usr/bin/env",
            [
                "GIT_COMMITTER_NAME=\(name)", "GIT_COMMITTER_EMAIL=eve@example.com", "GIT_AUTHOR_NAME=eve",
                "GIT_AUTHOR_EMAIL=eve@example.com", "git", "--git-dir", repo.opsURL.path, "commit-tree",
                "\(head.hex)^{tree}", "-p", head.hex, "-m", "hostile",
            ])
        try #require(made.status == 0, "\(made.stderr)")
        let commit = try #require(ObjectID(hex: made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let attested = try CommitAttestation.read(commit, in: repo.sandbox.ops.repository, signers: [])
        #expect(attested.committerName == name)
        #expect(attested.signature == .unsigned(.noSignatureHeader))
        #expect(attested.signatureText == "unsigned")
        #expect(attested.committer == "Eve \\u{1b}[2J\\u{202e}evil <eve@example.com>")
        #expect(!attested.committer.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
    }

    @Test func logAllAddsProposalsApprovalsWithTheirMergeAndAdoptions() throws {
        let repo = try E2ERepo()
        defer { repo.remove() }
        try repo.propose("dev", "dev-1")
        let approval = try repo.approve("dev-1", as: E2ERepo.bob)
        let merge = try #require(approval.mergeCommit)
        let current = String(
            decoding: try #require(try repo.sandbox.ops.repository.blob(at: "allowed_signers", in: "refs/heads/main")),
            as: UTF8.self)
        let adopted = try SilentStatesTests.changeSigners(repo.sandbox, to: current + "# a comment line\n")
        let args = ["log", "--all", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex]

        let lines = try CLI.runArgs(args + ["--json"]).jsonLines()
        let proposal = try #require(lines.first { $0["type"] as? String == "proposal" })
        #expect(proposal["intent"] as? String == "dev-1" && proposal["proposer"] as? String == E2ERepo.agent)
        #expect(proposal["kind"] as? String == "dev")
        let record = try #require(lines.first { $0["type"] as? String == "approval" })
        #expect(record["intent"] as? String == "dev-1" && record["principal"] as? String == E2ERepo.bob)
        #expect(record["decision"] as? String == "approve")
        let merged = try #require(record["merge"] as? [String: Any])
        #expect(merged["commit"] as? String == merge.hex)
        #expect(merged["signed"] as? String == "trusted" && merged["email"] as? String == E2ERepo.bob)
        // The report says who merged the record, and how that merge is signed.
        let report = try AuditReport.build(
            ops: repo.sandbox.ops, trustRoot: repo.sandbox.trustRoot, since: nil, now: Date())
        let entry = try #require(report.intents.first { $0.id.rawValue == "dev-1" })
        let counted = try #require(entry.counted.first)
        #expect(counted.commit == merge && counted.merge?.committerEmail == E2ERepo.bob)
        if case .trusted(let principals, _)? = counted.merge?.signature {
            #expect(principals.map(\.rawValue) == [E2ERepo.bob])
        } else {
            Issue.record("the approval's merge is not trusted: \(String(describing: counted.merge))")
        }
        #expect(
            HTMLReportRenderer.render(report).contains(
                "by \(E2ERepo.bob) &lt;\(E2ERepo.bob)&gt; (signed by \(E2ERepo.bob) (SHA256:"))
        let adoption = try #require(lines.first { $0["type"] as? String == "adoption" })
        #expect(adoption["commit"] as? String == adopted.hex)
        #expect((adoption["committer"] as? [String: Any])?["signed"] as? String == "trusted")
        // Newest first: the adoption came last.
        #expect(lines.first?["type"] as? String == "adoption", "\(lines)")

        let text = try CLI.runArgs(args)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("proposal  proposed dev-1 (dev: dev dev-1)"), "\(text.stdout)")
        #expect(
            text.stdout.contains(
                "approval  approve of dev-1 by \(E2ERepo.bob), merged by \(E2ERepo.bob) <\(E2ERepo.bob)>, signed by \(E2ERepo.bob)"
            ),
            "\(text.stdout)")
        #expect(text.stdout.contains("adoption  governance sha256:"), "\(text.stdout)")
        // Without --all the log is the events alone, as before.
        let events = try CLI.runArgs([
            "log", "--json", "--repo", repo.opsURL.path, "--trust", repo.sandbox.trustRoot.hex,
        ])
        #expect(!events.stdout.contains("\"type\":\"proposal\""))
    }
}
