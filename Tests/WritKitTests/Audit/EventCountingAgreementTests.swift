import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// One history with forged, unsigned, wrong-role and rotated-key events of
/// every kind: `writ status`, `writ show`, `writ log`, `writ verify` and a
/// dispatcher poll must agree, event by event, on which count
/// (docs/audit.md, "Which governance judges a ledger commit").
@Suite("Event counting: every reader agrees, judged by ledger position")
struct EventCountingAgreementTests {
    static let successor = "dispatch-2@example.com"
    static let kinds: [AuditEventKind] = [
        .claimed, .succeeded, .failed, .inDoubt, .blocked, .autoApproved, .resolved, .gate, .withdrawn, .breakGlass,
    ]

    /// An event of `kind` for `id` with plausible fields.
    static func event(_ kind: AuditEventKind, _ id: IntentID, digest: ContentDigest, actor: String, at date: Date)
        throws
        -> AuditEvent
    {
        let empty = ContentDigest.sha256(of: [UInt8]())
        let outcome = AuditEvent.Outcome(
            exitCode: kind == .failed ? 1 : 0, durationMs: 1, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "",
            stderrTail: "")
        let payload: AuditEvent.Payload
        switch kind {
        case .claimed:
            payload = .claimed(.init(tier: .medium, runID: "run-forged", idempotencyKey: id.rawValue, approvals: []))
        case .succeeded: payload = .succeeded(outcome)
        case .failed: payload = .failed(outcome)
        case .inDoubt: payload = .inDoubt(claimedAt: Timestamp(date), detail: "by hand")
        case .blocked: payload = .blocked(reason: .notApproved, detail: "by hand")
        case .autoApproved: payload = .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote)
        case .resolved: payload = .resolved(resolution: .retry, note: "by hand")
        case .gate: payload = .gate(name: "verification", status: .pass)
        case .projection: payload = .projection(operation: "comment", target: "github.com/example/app", key: "k")
        case .withdrawn: payload = .withdrawn(note: "by hand")
        case .breakGlass: payload = .breakGlass(reason: "by hand", reviewBy: Timestamp(date.addingTimeInterval(3600)))
        }
        return try AuditEvent(
            intent: id, intentDigest: digest, at: Timestamp(date), actor: try #require(Principal(actor)),
            payload: payload)
    }

    /// Adds one event of `kind` in its own commit, signed by `signer`
    /// (nil: unsigned), with `message`; returns its path.
    static func plant(
        _ sandbox: OpsSandbox, _ kind: AuditEventKind, _ id: IntentID, signer: String?, message: String, at date: Date
    ) throws -> String {
        let (digest, path) = try AuditTestSupport.next(sandbox, id, kind)
        let bytes = Data(
            try event(kind, id, digest: digest, actor: signer ?? AuditTestSupport.dispatcher, at: date).canonicalJSON())
        if let signer {
            try sandbox.appendToLedger([path: bytes], as: signer, message: message, at: date)
        } else {
            let repository = sandbox.ops.repository
            let tip = try sandbox.ops.ledgerHead()
            let tree = try repository.insert([path: bytes], into: try repository.commit(tip).tree, overwrite: false)
            let who = GitIdentity(name: "someone", email: "someone@example.com", date: date)
            let commit = try repository.createCommit(
                tree: tree, parents: [tip], author: who, committer: who, message: message)
            try repository.updateRef("refs/heads/" + sandbox.ops.ledgerRef, to: commit, expecting: tip)
        }
        return path
    }

    /// Merges a governance change, with both quorums, that gives the
    /// dispatcher role to the successor and removes dispatch-1's key.
    static func rotateDispatcher(_ sandbox: OpsSandbox, at date: Date) throws -> ObjectID {
        let repository = sandbox.ops.repository
        let tree = try repository.commit(try sandbox.ops.governanceHead()).tree
        let oldSigners = String(
            decoding: try #require(try repository.blob(at: "allowed_signers", inTree: tree)), as: UTF8.self)
        let signers = Data(
            oldSigners.split(separator: "\n").filter { !$0.hasPrefix(AuditTestSupport.dispatcher) }
                .map { $0 + "\n" }.joined().utf8)
        let policy = Data(
            withGovernanceVersion(
                2,
                OpsSandbox.demoPolicy.replacingOccurrences(
                    of: "dispatcher = [\"dispatch-1@example.com\"]", with: "dispatcher = [\"\(successor)\"]")
            ).utf8)
        let digest = GovernanceDigest.compute(policy: policy, allowedSigners: signers)
        let replaced = GovernanceDigest.compute(
            policy: try #require(try repository.blob(at: "policy.toml", inTree: tree)),
            allowedSigners: Data(oldSigners.utf8))
        var files: [String: Data] = ["policy.toml": policy, "allowed_signers": signers]
        for admin in ["alice@example.com", "carol@example.com"] {
            let record = try GovernanceRecord(
                governanceDigest: digest, replaces: replaced, decision: .approve,
                approver: try #require(Principal(admin)),
                createdAt: Timestamp(date))
            let bytes = Data(record.canonicalBytes())
            let path = "approvals/_governance/\(digest.hex)/\(admin).toml"
            files[path] = bytes
            files[path + ".sig"] = Data(
                try sandbox.identity(admin).sign(bytes, namespace: GovernanceRecord.signatureNamespace).utf8)
        }
        return try BranchAppender(repository: repository).append(
            files, to: sandbox.ops.governanceRef, message: "rotate the dispatcher\n",
            signer: try sandbox.identity("alice@example.com"), at: date, overwrite: true)
    }

    static func successorConfig(_ sandbox: OpsSandbox) throws -> DispatcherConfig {
        try AuditTestSupport.config(sandbox)
        let root = sandbox.directory
        let text = try String(contentsOf: root.appendingPathComponent("dispatcher.toml"), encoding: .utf8)
            .replacingOccurrences(
                of: "identity = \"\(AuditTestSupport.dispatcher)\"", with: "identity = \"\(successor)\""
            )
            .replacingOccurrences(of: sandbox.keyPath(AuditTestSupport.dispatcher), with: sandbox.keyPath(successor))
            .replacingOccurrences(
                of: root.appendingPathComponent("state").path, with: root.appendingPathComponent("state-2").path)
        return try DispatcherConfig.parse(Data(text.utf8))
    }

    /// The dispatcher's remembered verdicts, from its state dir.
    static func dispatcherCounts(_ config: DispatcherConfig, _ ids: [IntentID]) throws -> [String: Bool] {
        let store = StateStore(stateDir: config.stateDir, profile: config.profile)
        var counts: [String: Bool] = [:]
        for id in ids {
            for event in try store.loadIntent(id).events { counts[event.path] = event.counts == true }
        }
        return counts
    }

    @Test("status, show, log, verify and dispatch agree on a history with forged events of every kind")
    func agreementTable() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try OpsSandbox(
            at: directory, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals + [Self.successor],
            unlisted: [AuditTestSupport.stranger])
        let start = Date().addingTimeInterval(-3600)
        let target = try AuditTestSupport.id("dev-1")
        try AuditTestSupport.propose(sandbox, "dev", target.rawValue, at: start)
        let root = sandbox.trustRoot
        let anchoredAtRoot = GovernanceAnchor.message("by hand\n", anchoredAt: root)

        // expected[path] = counts?
        var expected: [String: Bool] = [:]
        var clock = start
        func tick() -> Date {
            clock = clock.addingTimeInterval(1)
            return clock
        }
        // Before the rotation: honest events by entitled writers count ...
        for kind in Self.kinds {
            // A withdrawal comes from the proposer (or a role of the tier).
            let honest =
                kind == .resolved
                ? AuditTestSupport.operatorPrincipal
                : kind == .withdrawn ? AuditTestSupport.agent : AuditTestSupport.dispatcher
            expected[try Self.plant(sandbox, kind, target, signer: honest, message: anchoredAtRoot, at: tick())] = true
        }
        // ... unsigned, unknown-key and wrong-role events do not.
        for kind in Self.kinds {
            expected[try Self.plant(sandbox, kind, target, signer: nil, message: anchoredAtRoot, at: tick())] = false
            expected[
                try Self.plant(
                    sandbox, kind, target, signer: AuditTestSupport.stranger, message: anchoredAtRoot, at: tick())] =
                false
            // An agent may write none of them but its own withdrawal; an
            // operator may not claim; a dispatcher may not withdraw.
            let wrongRole =
                kind == .claimed
                ? AuditTestSupport.operatorPrincipal
                : kind == .withdrawn ? AuditTestSupport.dispatcher : AuditTestSupport.agent
            expected[try Self.plant(sandbox, kind, target, signer: wrongRole, message: anchoredAtRoot, at: tick())] =
                false
        }

        // Admins rotate dispatch-1 out; an honest writer anchors after it.
        let rotation = try Self.rotateDispatcher(sandbox, at: tick())
        try AuditTestSupport.propose(sandbox, "triage", "triage-after", at: tick())

        // The rotated key writes every kind, backdated and anchored at the trust root.
        for kind in Self.kinds {
            let backdated = start.addingTimeInterval(-86_400)
            expected[
                try Self.plant(
                    sandbox, kind, target, signer: AuditTestSupport.dispatcher, message: anchoredAtRoot, at: backdated)] =
                false
        }

        // A poll by the successor dispatcher judges the same ledger.
        let config = try Self.successorConfig(sandbox)
        _ = try AuditTestSupport.poll(config, at: Date())
        let ids = [target, try AuditTestSupport.id("triage-after")]
        let dispatch = try Self.dispatcherCounts(config, ids)

        // writ status / show, in process (the events both print) ...
        let status = try sandbox.status()
        #expect(status.governance.trusted && status.governance.commit == rotation, "\(status.governance.detail)")
        let statusCounts = Dictionary(
            (status.events[target] ?? []).map { ($0.path, $0.counts == true) }, uniquingKeysWith: { first, _ in first })
        // ... and from the command line.
        let ops = directory.appendingPathComponent("ops.git").path
        let show = try CLI.run("show", target.rawValue, "--repo", ops, "--trust", root.hex, "--json")
        let shown = try show.jsonObject()
        var showCounts: [String: Bool] = [:]
        for event in shown["events"] as? [[String: Any]] ?? [] {
            showCounts[event["path"] as? String ?? ""] = event["counts"] as? Bool
        }
        let log = try CLI.run("log", "--repo", ops, "--trust", root.hex, "--json")
        let logged = try log.jsonLines()
        var logCounts: [String: Bool] = [:]
        for event in logged { logCounts[event["path"] as? String ?? ""] = event["counts"] as? Bool }
        let verify = try CLI.run("verify", "--repo", ops, "--trust", root.hex, "--json")
        #expect(verify.status == 1)
        let verified = try verify.jsonLines()
        let authorityFindings = Set(
            verified.filter { $0["type"] as? String == "finding" }.compactMap { finding -> String? in
                let detail = finding["detail"] as? String ?? ""
                let forged = ["unsigned ", "forged ", "unentitled "].contains { detail.hasPrefix($0) }
                return forged && finding["reason"] as? String == "ledger_violation" ? finding["path"] as? String : nil
            })

        // The table: every planted event, every reader.
        for (path, counts) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(statusCounts[path] == counts, "status: \(path)")
            #expect(showCounts[path] == counts, "show: \(path)")
            #expect(logCounts[path] == counts, "log: \(path)")
            #expect(dispatch[path] == counts, "dispatch: \(path)")
            #expect(authorityFindings.contains(path) == !counts, "verify: \(path)")
        }
        // And on everything else on the ledger (the dispatcher's own events too).
        for (path, counts) in logCounts where path.contains("/\(target.rawValue)/") {
            #expect(statusCounts[path] == counts, "status agrees with log on \(path)")
            #expect(dispatch[path] == counts, "dispatch agrees with log on \(path)")
        }
        #expect(expected.count == Self.kinds.count * 5)
    }

    @Test("a rotated-out dispatcher key backdates a claim and a success after the rotation: verify reports both")
    func backdatedAfterRotation() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory)
        let start = Date().addingTimeInterval(-7200)
        let id = try AuditTestSupport.id("triage-9")
        try AuditTestSupport.propose(sandbox, "triage", id.rawValue, at: start)

        // The rotation is merged with the forge's clock; the next honest
        // ledger writer's clock runs an hour behind, so ledger committer
        // times never pass the rotation's.
        let rotation = start.addingTimeInterval(3600)
        _ = try Self.rotateDispatcher(sandbox, at: rotation)
        let skewed = rotation.addingTimeInterval(-1800)
        try AuditTestSupport.propose(sandbox, "triage", "triage-10", at: skewed)

        let (digest, claimPath) = try AuditTestSupport.next(sandbox, id, .claimed)
        try sandbox.appendToLedger(
            [claimPath: Data(try AuditTestSupport.claimed(id, digest: digest, tier: .low, at: skewed).canonicalJSON())],
            as: AuditTestSupport.dispatcher, message: "writ: claim\n", at: skewed.addingTimeInterval(1))
        let (_, successPath) = try AuditTestSupport.next(sandbox, id, .succeeded)
        try sandbox.appendToLedger(
            [successPath: Data(try AuditTestSupport.succeeded(id, digest: digest, at: skewed).canonicalJSON())],
            as: AuditTestSupport.dispatcher, message: "writ: succeeded\n", at: skewed.addingTimeInterval(2))

        let report = try AuditTestSupport.verify(sandbox)
        #expect(!report.isClean)
        #expect(report.claims == 0)
        let reported = Set(
            report.findings.filter { $0.reason == .ledgerViolation && $0.detail.hasPrefix("forged ") }.compactMap(
                \.path))
        #expect(reported == [claimPath, successPath], "\(AuditTestSupport.describe(report))")
        // status agrees: neither counts, and the intent is still ready to run.
        let status = try sandbox.status()
        #expect((status.events[id] ?? []).allSatisfy { $0.counts == false })
    }

    @Test("the anchor trailer: exactly one well-formed line, or none")
    func anchorParsing() throws {
        let id = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        #expect(GovernanceAnchor.parse(GovernanceAnchor.message("writ: claim x\n", anchoredAt: id)) == id)
        #expect(GovernanceAnchor.parse("writ: claim x\n") == nil)
        let twice = GovernanceAnchor.message(GovernanceAnchor.message("x\n", anchoredAt: id), anchoredAt: id)
        #expect(GovernanceAnchor.parse(twice) == nil)
        #expect(GovernanceAnchor.parse("x\n\nWrit-Governance: \(id.hex.uppercased())\n") == nil)
        #expect(GovernanceAnchor.parse("x\n\nWrit-Governance: \(id.hex.prefix(39))\n") == nil)
    }
}
