import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// No silent states: a host-preflight block is counted on every poll and
/// shown in `status` and `show` while it lasts; a settled intent keeps the
/// approvals its claim counted after a key rotation or revocation; a
/// record-mode write says that nothing was sent.
@Suite struct SilentStatesTests {
    /// The intent's `blocked` event files on the ledger.
    static func blockedEvents(_ fixture: DispatchFixture, _ id: String) throws -> [Substring] {
        try GitTestSupport.git(
            URL(fileURLWithPath: fixture.sandbox.ops.repository.gitDirectory), "ls-tree", "-r", "--name-only",
            "writ/ledger", "audit/"
        ).split(separator: "\n").filter { $0.contains("/\(id)/") && $0.hasSuffix("-blocked.json") }
    }

    @Test func aMissingExecutorFailsEveryPollAndShowsInStatusAndShowWhileItLasts() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
            .replacingOccurrences(of: "[\"/bin/sh\", \"-c\"", with: "[\"/nonexistent/bin/sh\", \"-c\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        try fixture.proposeLow("triage-stuck")
        let sentence = "ready per policy, blocked on dispatch-1@example.com: executor_missing: "
        for poll in 1...3 {
            let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once", "--json")
            #expect(cli.status == 1, "poll \(poll): \(cli.stdout) \(cli.stderr)")
            let intents = try cli.jsonObject()["intents"] as? [[String: Any]] ?? []
            #expect(
                intents.contains {
                    $0["id"] as? String == "triage-stuck" && $0["result"] as? String == "blocked"
                        && $0["reason"] as? String == "executor_missing"
                }, "poll \(poll): \(cli.stdout)")

            let status = try CLI.run("status", "--config", fixture.configPath)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("triage-stuck: " + sentence), "poll \(poll): \(status.stdout)")
            let json = try CLI.run("status", "--config", fixture.configPath, "--json").jsonLines()
            let line = try #require(json.first { $0["id"] as? String == "triage-stuck" })
            #expect(line["state"] as? String == "ready")
            #expect((line["detail"] as? String)?.hasPrefix(sentence) == true, "\(line)")

            let show = try CLI.run("show", "triage-stuck", "--config", fixture.configPath)
            #expect(show.stdout.contains(sentence), "poll \(poll): \(show.stdout)")
            #expect(show.stdout.contains("/nonexistent/bin/sh"), "\(show.stdout)")
            #expect(!show.stdout.contains("a dispatcher claims it on its next poll"), "\(show.stdout)")
            let shown = try CLI.run("show", "triage-stuck", "--config", fixture.configPath, "--json").jsonObject()
            let blocked = try #require(shown["dispatch_blocked"] as? [String: Any])
            #expect(blocked["reason"] as? String == "executor_missing")
            #expect(blocked["actor"] as? String == "dispatch-1@example.com")
        }
        // The event is written once, when the reason first appeared.
        #expect(try Self.blockedEvents(fixture, "triage-stuck").count == 1)
        #expect(fixture.runs().isEmpty)
        // In process too: the report of a later poll still needs attention.
        let report = try fixture.dispatcher().poll()
        #expect(report.needsAttention.map(\.id.rawValue) == ["triage-stuck"])

        // Fixed on the host: it runs, and the status no longer says blocked.
        try Data(
            try String(contentsOfFile: fixture.configPath, encoding: .utf8)
                .replacingOccurrences(of: "/nonexistent/bin/sh", with: "/bin/sh").utf8
        ).write(to: URL(fileURLWithPath: fixture.configPath))
        let fixed = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
        #expect(fixed.status == 0, "\(fixed.stdout) \(fixed.stderr)")
        #expect(fixture.runs() == ["triage-stuck"])
        let status = try CLI.run("status", "--config", fixture.configPath)
        #expect(!status.stdout.contains("blocked on"), "\(status.stdout)")
    }

    @Test func aBlockOnApprovalsStaysOneEventAndDoesNotFailThePoll() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(fixture.request("dev", "dev-waiting"), as: "agent-1@example.com")
        for _ in 1...2 {
            let cli = try CLI.run("dispatch", "--config", fixture.configPath, "--once")
            #expect(cli.status == 0, "\(cli.stdout) \(cli.stderr)")
        }
        // Reported when it changed, not on every poll.
        #expect(try fixture.dispatcher().poll().intents.isEmpty)
        #expect(try Self.blockedEvents(fixture, "dev-waiting").count == 1)
        let status = try CLI.run("status", "--config", fixture.configPath)
        #expect(!status.stdout.contains("blocked on"), "\(status.stdout)")
    }

    @Test func whatABlockedEventSaysIsEscapedForTheTerminal() throws {
        let block = DispatchBlock(
            actor: try #require(Principal("dispatch-1@example.com")), reason: .cloneMissing,
            detail: "no clone at /srv/\u{1B}[2Jx\u{202E}y\\z\u{85}", at: Timestamp(Date()),
            commit: try #require(ObjectID(hex: String(repeating: "a", count: 40))))
        #expect(
            block.sentence
                == "ready per policy, blocked on dispatch-1@example.com: clone_missing: "
                + "no clone at /srv/\\u{1b}[2Jx\\u{202e}y\\\\z\\u{85}")
        #expect(!block.sentence.unicodeScalars.contains { TerminalText.isUnsafe($0) })
        // Printable text, non-ASCII included, passes as it is.
        #expect(TerminalText.escape("déploiement ✓ 発行") == "déploiement ✓ 発行")
    }

    @Test func anExecutorsOutputReachesTheTerminalEscaped() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        // In the TOML string `\\033` is `\033`: printf writes ESC.
        try fixture.thenRun("printf '\\\\033[2Jred\\\\n'")
        try fixture.proposeLow("triage-loud")
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-loud"])
        let show = try CLI.run("show", "triage-loud", "--config", fixture.configPath)
        #expect(show.stdout.contains("      | \\u{1b}[2Jred"), "\(show.stdout)")
        #expect(!show.stdout.unicodeScalars.contains("\u{1B}"))
    }

    // MARK: Settled intents after a key rotation or revocation.

    /// Merges into the governance branch a change of allowed_signers to
    /// `signers`, with records by both admins (the old and the new quorum),
    /// and returns the governance head after it: the adopted merge.
    /// With `policy`, the policy changes too (the same quorum adopts it).
    static func changeSigners(_ sandbox: OpsSandbox, to signers: String? = nil, policy newPolicy: String? = nil)
        throws -> ObjectID
    {
        let repository = sandbox.ops.repository
        let policy = try #require(try repository.blob(at: "policy.toml", in: "refs/heads/main"))
        let current = try #require(try repository.blob(at: "allowed_signers", in: "refs/heads/main"))
        let newSigners = signers.map { Data($0.utf8) } ?? current
        // A change is adoptable only at the trusted [governance] version + 1.
        let changedPolicy = try PolicyVersion.setting(
            try Policy.parse(policy).governanceVersion + 1, in: newPolicy.map { Data($0.utf8) } ?? policy)
        let digest = GovernanceDigest.compute(policy: changedPolicy, allowedSigners: newSigners)
        let replaces = GovernanceDigest.compute(policy: policy, allowedSigners: current)
        var files: [String: Data] = ["allowed_signers": newSigners, "policy.toml": changedPolicy]
        for approver in ["alice@example.com", "carol@example.com"] {
            let record = try GovernanceRecord(
                governanceDigest: digest, replaces: replaces, decision: .approve,
                approver: try #require(Principal(approver)), createdAt: Timestamp(Date()))
            let bytes = Data(record.canonicalBytes())
            files[record.path.path] = bytes
            files[record.signaturePath.path] = Data(
                try sandbox.identity(approver).sign(bytes, namespace: GovernanceRecord.signatureNamespace).utf8)
        }
        let alice = try sandbox.identity("alice@example.com")
        try BranchAppender(repository: repository).append(
            files, to: "governance/signers", message: "change allowed_signers\n", signer: alice, at: Date(),
            createBranchFrom: try sandbox.ops.governanceHead(), overwrite: true)
        return try #require(
            try GovernanceMerger(ops: sandbox.ops).merge(branch: "governance/signers", as: alice, now: Date()))
    }

    /// `type base64` of a sandbox private key's public half, from
    /// `ssh-keygen -y` (its comment left out).
    static func publicKey(_ sandbox: OpsSandbox, _ principal: String) throws -> String {
        let derived = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-y", "-f", sandbox.keyPath(principal)])
        try #require(derived.status == 0, "\(derived.stderr)")
        return derived.stdout.split(whereSeparator: \.isWhitespace).prefix(2).joined(separator: " ")
    }

    @Test(arguments: [true, false])
    func aSettledIntentKeepsTheApprovalsItsClaimCounted(rotated: Bool) throws {
        let fixture = try DispatchFixture("settled-\(rotated ? "rotated" : "revoked")")
        defer { fixture.remove() }
        let sandbox = fixture.sandbox
        try sandbox.propose(fixture.request("dev", "dev-by-bob"), as: "agent-1@example.com")
        try sandbox.approve(try #require(IntentID("dev-by-bob")), as: "bob@example.com")
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["dev-by-bob"])

        // Bob's key is replaced by another (rotation) or dropped (revocation).
        let current = String(
            decoding: try #require(try sandbox.ops.repository.blob(at: "allowed_signers", in: "refs/heads/main")),
            as: UTF8.self)
        var lines = current.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("bob@example.com ") }
        if rotated { lines.append("bob@example.com " + (try Self.publicKey(sandbox, "mallory@example.com"))) }
        let adopted = try Self.changeSigners(sandbox, to: lines.joined(separator: "\n") + "\n")
        let note = "bob@example.com's key was \(rotated ? "rotated" : "revoked") later in \(adopted.hex.prefix(12))"

        let status = try CLI.run("status", "--config", fixture.configPath)
        #expect(status.status == 0, "\(status.stderr)")
        let row = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("dev-by-bob ") })
        #expect(row.contains("succeeded") && row.contains("1/1") && !row.contains("0/1"), "\(status.stdout)")
        let json = try CLI.run("status", "--config", fixture.configPath, "--json").jsonLines()
        let line = try #require(json.first { $0["id"] as? String == "dev-by-bob" })
        #expect(line["approvals"] as? Int == 1 && line["required"] as? Int == 1, "\(line)")

        let show = try CLI.run("show", "dev-by-bob", "--config", fixture.configPath)
        #expect(show.stdout.contains("approvals: 1 of 1 at the claim"), "\(show.stdout)")
        #expect(show.stdout.contains("✓ bob@example.com (counted at the claim)"), "\(show.stdout)")
        #expect(show.stdout.contains(note), "\(show.stdout)")
        #expect(!show.stdout.contains("signer_unknown") && !show.stdout.contains("0 of 1"), "\(show.stdout)")
        let shown = try CLI.run("show", "dev-by-bob", "--config", fixture.configPath, "--json").jsonObject()
        let claim = try #require(shown["claim_approvals"] as? [String: Any])
        let approval = try #require((claim["approvals"] as? [[String: Any]])?.first)
        #expect(approval["approver"] as? String == "bob@example.com")
        #expect(approval["key_change"] as? String == (rotated ? "rotated" : "revoked"))
        #expect(approval["key_changed_in"] as? String == adopted.hex)

        let report = try AuditReport.build(ops: sandbox.ops, trustRoot: sandbox.trustRoot, since: nil, now: Date())
        let entry = try #require(report.intents.first { $0.id.rawValue == "dev-by-bob" })
        #expect(entry.approvalsCounted == 1 && entry.approvalsRequired == 1 && entry.countedAtClaim)
        #expect(entry.counted.map(\.approver.rawValue) == ["bob@example.com"])
        #expect(entry.counted.first?.keyNote == note)
        #expect(entry.discarded.isEmpty, "\(entry.discarded)")
        let html = HTMLReportRenderer.render(report)
        #expect(html.contains("1 of 1 at the claim"))
        #expect(html.contains(HTMLReportRenderer.escape(note)))
        #expect(!html.contains("signer_unknown"))
    }

    @Test func aSettledIntentIsCountedAgainstWhatItsTierRequiredAtTheClaim() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.sandbox.propose(fixture.request("dev", "dev-before"), as: "agent-1@example.com")
        try fixture.sandbox.approve(try #require(IntentID("dev-before")), as: "bob@example.com")
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["dev-before"])
        // Medium now needs two approvals; the claim was made when it needed one.
        let stricter = OpsSandbox.demoPolicy.replacingOccurrences(
            of: "[tiers.medium]\napprovals = 1", with: "[tiers.medium]\napprovals = 2")
        #expect(stricter != OpsSandbox.demoPolicy)
        _ = try SilentStatesTests.changeSigners(fixture.sandbox, policy: stricter)
        let json = try CLI.run("status", "--config", fixture.configPath, "--json").jsonLines()
        let line = try #require(json.first { $0["id"] as? String == "dev-before" })
        #expect(line["state"] as? String == "succeeded")
        #expect(line["approvals"] as? Int == 1 && line["required"] as? Int == 1, "\(line)")
        // A new intent of the same kind is held to the new policy.
        try fixture.sandbox.propose(fixture.request("dev", "dev-after"), as: "agent-1@example.com")
        try fixture.sandbox.approve(try #require(IntentID("dev-after")), as: "bob@example.com")
        let after = try CLI.run("status", "--config", fixture.configPath, "--json").jsonLines()
        let open = try #require(after.first { $0["id"] as? String == "dev-after" })
        #expect(open["approvals"] as? Int == 1 && open["required"] as? Int == 2, "\(open)")
    }

    // MARK: Record mode.

    @Test func aRecordedWriteSaysNothingIsSentInShowAndTheReport() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        var config = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "[executors.triage]\n", with: "[executors.triage-shell]\n")
        config += "\n[executors.triage]\nbuiltin = \"forge.comment\"\n"
        config += "\n[transport]\nmode = \"record\"\nallow_repos = [\"\(DispatchFixture.target)\"]\n"
        try Data(config.utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        let clone = fixture.directory.appendingPathComponent("clones/\(DispatchFixture.target)")
        try GitTestSupport.git(clone, "remote", "add", "origin", "git@github.com:example/app.git")
        var request = try fixture.request("triage", "comment-1")
        request.params = ["number": "7", "body": "hi"]
        try fixture.sandbox.propose(request, as: "agent-1@example.com")
        #expect(try fixture.dispatcher().poll().intents.first?.result == .recorded)

        let notice = "recorded: nothing is sent until [transport] mode = live"
        let show = try CLI.run("show", "comment-1", "--config", fixture.configPath)
        #expect(show.stdout.contains("outcome:  " + notice), "\(show.stdout)")
        #expect(show.stdout.contains("forge.comment on \(DispatchFixture.target)#7"), "\(show.stdout)")
        let shown = try CLI.run("show", "comment-1", "--config", fixture.configPath, "--json").jsonObject()
        #expect((shown["recorded"] as? [String: Any])?["note"] as? String == notice)

        let report = try AuditReport.build(
            ops: fixture.sandbox.ops, trustRoot: fixture.sandbox.trustRoot, since: nil, now: Date())
        let entry = try #require(report.intents.first { $0.id.rawValue == "comment-1" })
        #expect(entry.recorded?.hasPrefix(notice) == true, "\(String(describing: entry.recorded))")
        #expect(HTMLReportRenderer.render(report).contains(HTMLReportRenderer.escape(notice)))
    }

    @Test func aLiveClaimAfterARecordedProjectionIsNoLongerRecorded() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let id = try #require(IntentID("x-1"))
        let digest = ContentDigest.sha256(of: [UInt8]())
        let actor = try #require(Principal("dispatch-1@example.com"))
        func counting(_ sequence: Int, _ payload: AuditEvent.Payload) throws -> CountingEvent {
            let event = try AuditEvent(
                intent: id, intentDigest: digest, at: Timestamp(Date()), actor: actor, payload: payload)
            return CountingEvent(
                path: event.path(sequence: sequence).path, sequence: sequence, commit: fixture.sandbox.trustRoot,
                event: event)
        }
        let projection = AuditEvent.Payload.projection(operation: "forge.comment", target: "a/b#1", key: "x-1")
        func verdict(_ events: [CountingEvent], _ state: IntentState) -> Verdict {
            Verdict(
                state: state, reason: nil, detail: "", intent: nil, intentDigest: digest, tier: .low,
                approvalsCounted: 0, approvalsRequired: 0, counted: [], discarded: [], events: events)
        }
        let recorded = [try counting(1, projection)]
        #expect(RecordedProjection.of(verdict(recorded, .ready))?.operation == "forge.comment")
        let claim = AuditEvent.Payload.claimed(.init(tier: .low, runID: "r", idempotencyKey: "x-1", approvals: []))
        let live = recorded + [try counting(2, claim), try counting(3, projection)]
        #expect(RecordedProjection.of(verdict(live, .claimed)) == nil)
    }
}
