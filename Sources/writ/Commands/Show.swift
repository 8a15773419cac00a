import ArgumentParser
import Foundation
import WritCore
import WritOps

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one intent: what an approver signs, who approved it, what ran, and the next step.",
        discussion: """
            Prints the intent's kind, tier, target, params, summary, expiry, required gates (with their latest \
            result that counts) and digest; the approvals counted and still needed, and from which roles; the records \
            signed on the approval branch and not merged yet, judged as if merged (they never count until merged); every \
            ledger event and whether it counts; the outcome with its exit code, duration and redacted output tails; \
            and the command to run next. A settled intent stays settled when governance is untrusted now: the \
            header says so. Exits 3 (still printing) when governance is not trusted or the ledger is violated.
            """)

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var trustOptions: TrustOptions

    @Flag(help: "Print JSON: one line (docs/json.md).")
    var json = false

    func run() throws {
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        let (ops, trustRoot) = try trustOptions.resolve(repoOptions)
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: Date())
        guard let summary = status.intents.first(where: { $0.id == intentID }) else {
            // On the ledger but not judged: the ledger could not be read.
            guard try !ops.holdsIntent(intentID) else {
                let detail = "intent \(intentID) is on the ledger but was not judged: \(status.ledger.detail)"
                // The ledger's own verdict explains it; without one nothing
                // was decided, and no reason code may stand in for that.
                guard let reason = status.ledger.reason else {
                    throw RuntimeError(detail, fix: "the ledger branch '\(ops.ledgerRef)' (writ verify)")
                }
                throw WritError(reason, detail)
            }
            throw ops.unknownIntent(intentID)
        }
        // A dispatcher.toml as --config supplies no signer: the flags stay.
        // Only a hint is lost on an error: the config was read without one
        // to find the repo and the trust root above.
        let settings = try? repoOptions.operatorConfig()
        let shown = ShownIntent(
            status: status, summary: summary, signerFlags: SignerOptions.flagsHint(settings),
            mergeCommand: MergeRecipe.command(intentID, remote: ops.remote, governanceRef: ops.governanceRef))
        if json {
            try Output.printJSON(shown)
        } else {
            print(shown.text, terminator: "")
        }
        if !status.isHealthy { throw ExitCode(ExitStatus.runtime) }
    }
}

/// Everything `writ show` prints about one intent, built from one status
/// evaluation; `text` is the human rendering, `Encodable` the JSON line.
struct ShownIntent: Encodable {
    struct Target: Encodable {
        let repo: String
        let branch: String?
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(repo, forKey: .repo)
            try container.encode(branch, forKey: .branch)
        }
        enum CodingKeys: String, CodingKey { case repo, branch }
    }

    /// A required gate and its latest result that counts, for the current digest.
    struct GateResult: Encodable {
        let name: String
        /// "PASS", "FAIL", or nil when no counting result exists.
        let status: String?
        let commit: String?
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(status, forKey: .status)
            try container.encode(commit, forKey: .commit)
        }
        enum CodingKeys: String, CodingKey { case name, status, commit }
    }

    struct Event: Encodable {
        let path: String
        let commit: String
        let signers: [String]
        /// Whether the event counts, as the one ledger walk judged it.
        let counts: Bool
        let event: AuditEvent?
    }

    /// What ran: the last `succeeded` or `failed` event that counts.
    struct Outcome: Encodable {
        let event: String
        let at: String
        let commit: String
        let exitCode: Int
        let durationMs: Int
        let stdoutTail: String
        let stderrTail: String
        enum CodingKeys: String, CodingKey {
            case event, at, commit
            case exitCode = "exit_code"
            case durationMs = "duration_ms"
            case stdoutTail = "stdout_tail"
            case stderrTail = "stderr_tail"
        }
    }

    /// Who took the intent back: the `withdrawn` event that settled it.
    struct Withdrawal: Encodable {
        let by: String
        let at: String
        let commit: String
        /// Untrusted text: escaped wherever it is printed.
        let note: String
    }

    struct Governance: Encodable {
        let trusted: Bool
        let reason: String?
        let detail: String
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(trusted, forKey: .trusted)
            try container.encode(reason, forKey: .reason)
            try container.encode(detail, forKey: .detail)
        }
        enum CodingKeys: String, CodingKey { case trusted, reason, detail }
    }

    let id: String
    let summary: String?
    let kind: String?
    let tier: String?
    let proposer: String?
    let createdAt: String?
    let expiresAt: String?
    let idempotencyKey: String?
    let target: Target?
    let params: [String: String]
    let intentDigest: String?
    let state: String
    let reason: String?
    let detail: String
    let governance: Governance
    let ledgerOK: Bool
    let gates: [GateResult]
    let approvals: Int
    let required: Int
    /// The roles whose members' approvals count for this tier.
    let approverRoles: [String]
    /// Members of those roles whose approval does not count yet.
    let mayApprove: [String]
    let counted: [CountedApproval]
    /// The tier's `require` groups (SPEC §4.6), in policy order: each with
    /// who counted in it and who may still fill it (not the proposer, nor
    /// anyone who counts or has signed on the approval branch).
    let groups: [GroupTally]
    let discarded: [DiscardedRecord]
    /// Records signed on the approval branch and not merged yet, judged as
    /// if merged (never counted until merged); nil when there are none.
    let approvalBranch: BranchApprovals?
    let events: [Event]
    let outcome: Outcome?
    /// For a withdrawn intent: who withdrew it, when, and why.
    let withdrawal: Withdrawal?
    /// For a claimed or settled intent: the approvals its claim counted.
    let claimApprovals: ClaimApprovalsJSON?
    /// For a ready intent: why a dispatcher did not run it.
    let dispatchBlocked: DispatchBlockJSON?
    /// A remote write made in record mode: its projection, nothing sent.
    let recorded: RecordedJSON?
    /// When the tier's `wait` ends (SPEC §4.6), passed or not, once the
    /// quorum is met; nil (left out) when no wait applies.
    let readyAt: String?
    /// The `[[freeze]]` window blocking the intent; nil (left out) unless frozen.
    let freeze: FreezeView?
    /// The command to run next, or a sentence when no command helps.
    let next: String?
    /// The intent's break-glass run and its review (SPEC §4.7), when it has one.
    let breakGlass: BreakGlassStatus?

    enum CodingKeys: String, CodingKey {
        case id, summary, kind, tier, proposer, target, params, state, reason, detail, governance, gates
        case approvals, required, counted, groups, discarded, events, outcome, next, recorded, withdrawal
        case claimApprovals = "claim_approvals"
        case dispatchBlocked = "dispatch_blocked"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case idempotencyKey = "idempotency_key"
        case intentDigest = "intent_digest"
        case ledgerOK = "ledger_ok"
        case approverRoles = "approver_roles"
        case mayApprove = "may_approve"
        case breakGlass = "break_glass"
        case approvalBranch = "approval_branch"
        case readyAt = "ready_at"
        case freeze
    }

    /// `signerFlags` is what a suggested writer command adds for the signer
    /// (``SignerOptions/flagsHint(_:)``): nothing when the operator config names both.
    /// `mergeCommand` is the linear merge recipe, suggested once the
    /// approval branch holds the quorum.
    init(
        status: OpsStatus, summary line: OpsStatus.IntentStatus, signerFlags: String = " --as PRINCIPAL --key KEY",
        mergeCommand: String? = nil
    ) {
        let verdict = status.verdicts[line.id]
        let intent = verdict?.intent
        id = line.id.rawValue
        summary = intent?.summary
        kind = line.kind ?? intent?.kind
        tier = (line.tier ?? verdict?.tier)?.rawValue
        proposer = intent?.proposer.rawValue
        createdAt = intent?.createdAt.rfc3339
        expiresAt = intent?.expiresAt?.rfc3339
        idempotencyKey = intent?.idempotencyKey
        target = intent.map { Target(repo: $0.target.repo, branch: $0.target.branch) }
        params = intent?.params ?? [:]
        intentDigest = verdict?.intentDigest.description
        state = line.state.rawValue
        reason = line.reason?.rawValue
        detail = line.detail
        governance = Governance(
            trusted: status.governance.trusted, reason: status.governance.reason?.rawValue,
            detail: status.governance.detail)
        ledgerOK = status.ledger.ok

        let counting = verdict?.events ?? []
        gates = (intent?.requiredGates ?? []).map { name in
            let latest = counting.last { event in
                if case .gate(let gate, _) = event.event.payload { gate == name } else { false }
            }
            guard let latest, case .gate(_, let result) = latest.event.payload else {
                return GateResult(name: name, status: nil, commit: nil)
            }
            return GateResult(name: name, status: result.rawValue, commit: latest.commit.hex)
        }

        approvals = line.approvals
        required = line.required
        counted = verdict?.counted ?? []
        discarded = verdict?.discarded ?? []
        let rule = (line.tier ?? verdict?.tier).flatMap { status.policy?.rule(for: $0) }
        approverRoles = rule?.roles ?? []
        approvalBranch = line.approvalBranch
        // Whoever counts, or has signed a record on the branch that would,
        // need not be asked again; nor may the proposer approve.
        let approved = Set(counted.map(\.approver) + (approvalBranch?.signers ?? []))
        mayApprove = Set(approverRoles.flatMap { status.policy?.principals(inRole: $0) ?? [] })
            .filter { !approved.contains($0) && $0 != intent?.proposer }.map(\.rawValue).sorted()
        groups = (verdict?.groupTallies ?? []).map { tally in
            GroupTally(
                group: tally.group, counted: tally.counted,
                mayApprove: tally.mayApprove.filter { !approved.contains($0) })
        }

        events = (status.events[line.id] ?? []).map { evidence in
            Event(
                path: evidence.path, commit: evidence.commit.hex,
                signers: evidence.signers.map(\.rawValue).sorted(), counts: evidence.counts ?? false,
                event: try? AuditEvent.parse(evidence.bytes, expectedPath: evidence.path))
        }
        outcome = verdict?.outcome.map { ran in
            Outcome(
                event: ran.event, at: ran.at.rfc3339, commit: ran.commit.hex, exitCode: ran.exitCode,
                durationMs: ran.durationMs, stdoutTail: ran.stdoutTail, stderrTail: ran.stderrTail)
        }
        withdrawal =
            line.state == .withdrawn
            ? counting.last { $0.event.kind == .withdrawn }.map { event in
                Withdrawal(
                    by: event.event.actor.rawValue, at: event.event.at.rfc3339, commit: event.commit.hex,
                    note: event.event.payload.withdrawnNote ?? "")
            } : nil
        breakGlass = line.breakGlass ?? verdict?.breakGlass.map(BreakGlassStatus.init)
        claimApprovals = status.claims[line.id].map(ClaimApprovalsJSON.init)
        dispatchBlocked = status.dispatchBlock(line.id).map(DispatchBlockJSON.init)
        recorded = outcome == nil ? status.recordedProjection(line.id).map(RecordedJSON.init) : nil
        readyAt = verdict?.readyAt?.rfc3339
        freeze = verdict?.freeze.map(FreezeView.init)
        if line.reason == .waitingPeriod, let readyAt {
            next =
                "nothing to sign: a dispatcher claims it on its first poll at or after \(readyAt), unless a deny "
                + "is merged first"
        } else if line.reason == .frozen, let freeze {
            next =
                "nothing to sign: a dispatcher claims it on its first poll at or after \(freeze.end), when the "
                + "freeze ends"
        } else if let block = dispatchBlocked {
            next = "\(block.reason) is for the dispatcher's host to fix (docs/dispatch.md); it tries again every poll"
        } else if let branch = line.approvalBranch, branch.holdsQuorum, line.reason == .notApproved, let mergeCommand {
            // The branch holds the quorum: merging it is what is left to do.
            next = "merge \(branch.branch): \(mergeCommand)"
        } else {
            next = Self.nextStep(
                id: line.id.rawValue, state: line.state, reason: line.reason, trusted: status.governance.trusted,
                missingApprovals: line.approvals < line.required || groups.contains { !$0.met },
                missingGate: gates.first { $0.status != "PASS" }?.name,
                signerFlags: signerFlags)
        }
    }

    /// The hint for the next step: a command when one helps, a sentence
    /// otherwise, nil when nothing is left to do.
    static func nextStep(
        id: String, state: IntentState, reason: ReasonCode?, trusted: Bool, missingApprovals: Bool,
        missingGate: String?, signerFlags: String = " --as PRINCIPAL --key KEY"
    ) -> String? {
        switch state {
        case .succeeded, .failed, .withdrawn:
            return nil
        case .inDoubt:
            return "writ resolve \(id) --retry|--succeeded|--failed --note WHY" + signerFlags
        case .claimed:
            return "a dispatcher is running it; if its lease runs out it goes in doubt"
        case .ready:
            return "a dispatcher claims it on its next poll"
        case .blocked:
            guard trusted else { return "governance must be trusted again before anything runs (writ verify)" }
            switch reason {
            case .gateMissing:
                return "writ gate \(id) --name \(missingGate ?? "GATE") --status pass" + signerFlags
            case .intentExpired, .denied, .intentMalformed, .intentSignatureInvalid, .proposerNotAuthorized:
                return nil
            case .quotaExceeded:
                // Approving it changes nothing: the count at its proposal commit stands.
                return "it never runs: it was over [limits] when proposed; propose it again once a slot or the "
                    + "window frees (the detail says when; docs/limits.md)"
            default:
                return missingApprovals ? "writ approve \(id)" + signerFlags : nil
            }
        }
    }
}

/// `writ show --json`'s `claim_approvals`.
struct ClaimApprovalsJSON: Encodable {
    struct Approval: Encodable {
        let approver: String
        let commit: String
        let recordDigest: String
        let keyFingerprint: String?
        /// `rotated` or `revoked`, when the trusted allowed_signers no longer lists the key.
        let keyChange: String?
        /// The adopted governance commit that dropped the key.
        let keyChangedIn: String?
        /// "bob's key was rotated later in <commit>", escaped.
        let keyNote: String?

        enum CodingKeys: String, CodingKey {
            case approver, commit
            case recordDigest = "record_digest"
            case keyFingerprint = "key_fingerprint"
            case keyChange = "key_change"
            case keyChangedIn = "key_changed_in"
            case keyNote = "key_note"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(approver, forKey: .approver)
            try container.encode(commit, forKey: .commit)
            try container.encode(recordDigest, forKey: .recordDigest)
            try container.encode(keyFingerprint, forKey: .keyFingerprint)
            try container.encode(keyChange, forKey: .keyChange)
            try container.encode(keyChangedIn, forKey: .keyChangedIn)
            try container.encode(keyNote, forKey: .keyNote)
        }
    }
    let claimCommit: String
    let runID: String
    let tier: String
    let required: Int
    let approvals: [Approval]

    enum CodingKeys: String, CodingKey {
        case tier, required, approvals
        case claimCommit = "claim_commit"
        case runID = "run_id"
    }

    init(_ claim: ClaimApprovals) {
        claimCommit = claim.claimCommit.hex
        runID = claim.runID
        tier = claim.tier.rawValue
        required = claim.required
        approvals = claim.entries.map { entry in
            Approval(
                approver: entry.approver.rawValue, commit: entry.commit.hex,
                recordDigest: entry.recordDigest.description, keyFingerprint: entry.keyFingerprint,
                keyChange: entry.keyChange?.kind.rawValue, keyChangedIn: entry.keyChange?.commit?.hex,
                keyNote: entry.keyChange?.sentence(for: entry.approver))
        }
    }
}

/// `writ show --json`'s `dispatch_blocked`.
struct DispatchBlockJSON: Encodable {
    let actor: String
    let reason: String
    let detail: String
    let at: String
    let commit: String
    /// "ready per policy, blocked on …", escaped.
    let text: String

    init(_ block: DispatchBlock) {
        actor = block.actor.rawValue
        reason = block.reason.rawValue
        detail = block.detail
        at = block.at.rfc3339
        commit = block.commit.hex
        text = block.sentence
    }
}

/// `writ show --json`'s `recorded`.
struct RecordedJSON: Encodable {
    let operation: String
    let target: String
    let key: String
    let at: String
    let commit: String
    let note: String

    init(_ recorded: RecordedProjection) {
        operation = recorded.operation
        target = recorded.target
        key = recorded.key
        at = recorded.at.rfc3339
        commit = recorded.commit.hex
        note = RecordedProjection.notice
    }
}
