import Foundation
import MCP
import WritCore
import WritGit
import WritOps

/// The tools `writ mcp` offers (SPEC §8). There is deliberately no tool
/// that approves, denies, resolves, gates, merges or changes governance:
/// an agent proposes, reads, waits, and withdraws its own intents.
package enum AgentTools {
    /// The names, in the order they are listed.
    package static let names = [
        "writ_policy", "writ_propose", "writ_status", "writ_show", "writ_wait", "writ_list", "writ_withdraw",
    ]

    private static func schema(_ properties: [String: Value], required: [String] = []) -> Value {
        .object([
            "type": "object",
            "properties": .object(properties),
            "required": .array(required.map(Value.string)),
            "additionalProperties": false,
        ])
    }

    private static func text(_ description: String) -> Value {
        .object(["type": "string", "description": .string(description)])
    }

    private static let idProperty = text("The intent id, as writ_propose returned it.")

    /// Every tool with its JSON input schema.
    package static let list: [Tool] = [
        Tool(
            name: "writ_policy",
            description: """
                What the trusted policy asks before an intent runs: each kind's tier (a kind not listed is high), \
                what each tier needs (approvals, and from which roles and principals), your own principal and \
                roles and whether you may propose, and the [limits] on you. Call it before proposing, to pick a \
                low-risk kind or to tell your user how long the wait may be.
                """,
            inputSchema: schema(["kind": text("A kind to classify: its tier and who must approve it.")]),
            annotations: .init(readOnlyHint: true, openWorldHint: false)),
        Tool(
            name: "writ_propose",
            description: """
                Propose an intent: a signed file appended to the ledger and pushed, exactly as \
                `writ propose --push` does, with this server's own key. Low-tier kinds run on the next dispatcher \
                poll; medium and high wait for approvals merged on the governance branch. A refusal names its \
                reason code (tier_mismatch when blast_radius would lower the tier, intent_expired, \
                proposer_not_authorized, quota_exceeded ...).
                """,
            inputSchema: schema(
                [
                    "kind": text("The kind of action, e.g. triage or release (writ_policy lists them)."),
                    "target": text("The target repository, e.g. github.com/org/app."),
                    "branch": text("The target branch."),
                    "params": .object([
                        "type": "object", "additionalProperties": .object(["type": "string"]),
                        "description": "Parameters for the executor: names to string values.",
                    ]),
                    "summary": text("One line for the humans who approve it."),
                    "expires_at": text("Expiry: an RFC 3339 time or a duration such as 24h or 7d."),
                    "idempotency_key": text("The key handed to the executor (default: the id)."),
                    "blast_radius": .object([
                        "type": "string", "enum": ["low", "medium", "high"],
                        "description": "Raise the tier (never lower it below the kind's).",
                    ]),
                    "id": text("The intent id (generated from the kind when left out)."),
                ], required: ["kind", "target"]),
            annotations: .init(
                readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true)),
        Tool(
            name: "writ_status",
            description: """
                Fetch and decide one intent: its state, the reason it does not run yet, approvals counted and \
                required, approvals signed on its approval branch but not merged, its outcome, and the next step.
                """,
            inputSchema: schema(["id": idProperty], required: ["id"]),
            annotations: .init(readOnlyHint: true, openWorldHint: true)),
        Tool(
            name: "writ_show",
            description: """
                writ_status plus the intent as signed: kind, tier, target, params, summary, proposer, times, \
                digest, and who counted and who may still approve.
                """,
            inputSchema: schema(["id": idProperty], required: ["id"]),
            annotations: .init(readOnlyHint: true, openWorldHint: true)),
        Tool(
            name: "writ_wait",
            description: """
                Wait for an intent: fetch and decide it every interval, send a progress notification when its \
                state changes (approvals counted or signed on the branch, claimed, settled), and return when it \
                settles (succeeded, failed, withdrawn), can never run, or the timeout passes. Cancel the request to \
                stop waiting.
                """,
            inputSchema: schema(
                [
                    "id": idProperty,
                    "timeout_seconds": .object([
                        "type": "number", "minimum": 0, "maximum": 86_400,
                        "description": "How long to wait at most (default 300).",
                    ]),
                    "interval_seconds": .object([
                        "type": "number", "minimum": 0.2, "maximum": 3600,
                        "description": "How often to fetch and decide again (default 5).",
                    ]),
                ], required: ["id"]),
            annotations: .init(readOnlyHint: true, openWorldHint: true)),
        Tool(
            name: "writ_list",
            description: "Your own intents (proposed with this server's principal), each with its state and reason.",
            inputSchema: schema([
                "open_only": .object([
                    "type": "boolean", "description": "Only intents not settled yet (default false).",
                ])
            ]),
            annotations: .init(readOnlyHint: true, openWorldHint: true)),
        Tool(
            name: "writ_withdraw",
            description: """
                Take back one of your own intents before a dispatcher claims it: a signed withdrawn event on the \
                ledger, pushed. It then never runs. Only intents you proposed can be withdrawn here.
                """,
            inputSchema: schema(
                ["id": idProperty, "note": text("Why, for the humans reading the trail.")], required: ["id"]),
            annotations: .init(
                readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true)),
    ]
}

extension AgentDesk {
    // MARK: writ_policy

    /// The trusted policy as an agent needs it.
    func policyAnswer(_ arguments: ToolArguments) throws -> ToolAnswer {
        try arguments.rejectUnknown(allowing: ["kind"])
        let kind = try arguments.string("kind")
        try fetch()
        let governance = try trustedGovernance()
        let policy = governance.state.policy
        let me = identity.principal
        var tiers: [Value] = []
        for tier in Tier.allCases {
            guard let rule = policy.rule(for: tier) else {
                tiers.append(.object(["tier": .string(tier.rawValue), "defined": false, "approvals": .null]))
                continue
            }
            let approvers = Set(rule.roles.flatMap(policy.principals(inRole:))).map(\.rawValue).sorted()
            tiers.append(
                .object([
                    "tier": .string(tier.rawValue), "defined": true, "approvals": .int(rule.approvals),
                    "roles": .array(rule.roles.map(Value.string)), "approvers": .array(approvers.map(Value.string)),
                    "runs_without_a_human": .bool(rule.approvals == 0),
                ]))
        }
        var kinds: [String: Value] = [:]
        for (name, tier) in policy.kinds { kinds[name] = .string(tier.rawValue) }
        var fields: [String: Value] = [
            "state": "ok", "reason": .null,
            "detail": .string(
                governance.headTrusted
                    ? "the trusted policy of \(governance.state.commit.hex)"
                    : "the last trusted policy (\(governance.state.commit.hex)); the governance head waits: "
                        + governance.detail),
            "governance_commit": .string(governance.state.commit.hex),
            "kinds": .object(kinds), "unlisted_kind_tier": "high", "tiers": .array(tiers),
            "caller": .object([
                "principal": .string(me.rawValue),
                "roles": .array(policy.roles(of: me).map(Value.string)),
                "may_propose": .bool(policy.mayPropose(me)),
                "proposer_roles": .array(policy.proposingRoles.map(Value.string)),
            ]),
            // Null: the policy sets no [limits].
            "limits": policy.limits.map { limits in
                .object([
                    "max_pending": limits.maxPending.map(Value.int) ?? .null,
                    "max_per_day": limits.maxPerDay.map(Value.int) ?? .null,
                ])
            } ?? .null,
        ]
        var lines = ["policy of governance \(governance.state.commit.hex.prefix(12))"]
        if let kind {
            let tier = policy.tier(forKind: kind)
            let listed = policy.kinds[kind] != nil
            let rule = policy.rule(for: tier)
            fields["kind"] = .object([
                "kind": .string(kind), "tier": .string(tier.rawValue), "listed": .bool(listed),
                "approvals": rule.map { .int($0.approvals) } ?? .null,
                "roles": .array((rule?.roles ?? []).map(Value.string)),
                "similar_kind": listed
                    ? .null : DidYouMean.closest(to: kind, among: policy.kinds.keys.sorted()).map(Value.string) ?? .null
                    ,
            ])
            lines.append(
                "kind \(UntrustedText.terminal(kind)): tier \(tier)"
                    + (listed ? "" : " (not listed: unlisted kinds are high)")
                    + "; needs \(rule?.approvals ?? 0) approval(s)"
                    + (rule.map { $0.roles.isEmpty ? "" : " from " + $0.roles.joined(separator: ", ") } ?? ""))
        }
        for tier in Tier.allCases {
            guard let rule = policy.rule(for: tier) else { continue }
            lines.append(
                "\(tier): \(rule.approvals) approval(s)"
                    + (rule.roles.isEmpty ? "" : " from " + rule.roles.joined(separator: ", ")))
        }
        lines.append("you: \(me), " + (policy.mayPropose(me) ? "may propose" : "may NOT propose"))
        fields["next"] = .string(
            policy.mayPropose(me)
                ? "propose with writ_propose; a low kind runs without a human"
                : "tell your operator: this principal holds no [proposers] role")
        return ToolAnswer(structured: .object(fields), text: lines.joined(separator: "\n"), isError: false)
    }

    // MARK: writ_propose

    /// Proposes through exactly the path of `writ propose --push`: the
    /// same request, the same pre-write check under the trust root
    /// (``WriteGuard``), the same signing, the same compare-and-swap push
    /// with a rebuild on a lost race (``Proposer`` with `pushes`).
    func propose(_ arguments: ToolArguments) throws -> ToolAnswer {
        try arguments.rejectUnknown(allowing: [
            "kind", "target", "branch", "params", "summary", "expires_at", "idempotency_key", "blast_radius", "id",
        ])
        let now = clock()
        let kind = try arguments.requiredString("kind")
        var request = Proposer.Request(
            kind: kind,
            target: Intent.Target(repo: try arguments.requiredString("target"), branch: try arguments.string("branch")))
        if let id = try arguments.string("id") {
            guard let parsed = IntentID(id) else {
                throw ArgumentError(detail: "id must match ^[a-z0-9][a-z0-9._-]{0,99}$")
            }
            request.id = parsed
        }
        request.params = try arguments.stringMap("params")
        request.summary = try arguments.string("summary")
        if let text = try arguments.string("blast_radius") {
            guard let tier = Tier(parsing: text) else {
                throw ArgumentError(detail: "blast_radius must be low, medium or high")
            }
            request.blastRadius = tier
        }
        if let text = try arguments.string("expires_at") {
            guard let deadline = DurationText.deadline(text, from: Timestamp(now)) else {
                throw ArgumentError(detail: "expires_at takes an RFC 3339 time or a duration such as 24h")
            }
            request.expiresAt = deadline
        }
        request.idempotencyKey = try arguments.string("idempotency_key")

        // What only an agent is held to, under the same trusted governance
        // the pre-write check reads: the key still may not decide (policy
        // may have changed since start-up), and blast_radius never lowers.
        try fetch()
        let governance = try trustedGovernance()
        try refuseDecidingKey(governance.state)
        if let lowering = WriteCheck.blastRadiusLowers(
            kind: kind, blastRadius: request.blastRadius, policy: governance.state.policy)
        {
            throw lowering
        }

        var proposer = Proposer(ops: ops)
        proposer.pushes = true
        let check = WriteGuard(trustRoot: trustRoot, force: false, warn: warn)
        let proposal = try proposer.propose(request, as: identity, now: now, check: check)

        let id = proposal.intent.id
        var notes: [String] = []
        if !proposal.kindListed {
            notes.append(
                "kind \(proposal.intent.kind) is not listed in [kinds] of the policy, so it is tier high"
                    + (proposal.similarKind.map { "; did you mean \($0)?" } ?? ""))
        }
        let next =
            proposal.approvalBranch == nil
            ? "wait: low tier, a dispatcher auto-approves and runs it on its next poll (writ_wait \(id))"
            : "wait: \(proposal.approvalsRequired) approval(s) needed; approvers sign on \(proposal.approvalBranch ?? "") "
                + "and merge it (writ_wait \(id))"
        let fields: [String: Value] = [
            "state": "proposed", "reason": .null,
            "detail": .string("proposed \(id) (\(proposal.intent.kind), tier \(proposal.tier)) and pushed"),
            "id": .string(id.rawValue), "kind": .string(proposal.intent.kind), "tier": .string(proposal.tier.rawValue),
            "kind_listed": .bool(proposal.kindListed),
            "similar_kind": proposal.similarKind.map(Value.string) ?? .null,
            "approvals_required": .int(proposal.approvalsRequired),
            "approval_branch": proposal.approvalBranch.map(Value.string) ?? .null,
            "digest": .string(proposal.digest.description), "ledger_commit": .string(proposal.ledgerCommit.hex),
            "notes": .array(notes.map(Value.string)), "next": .string(next),
        ]
        let text =
            ([
                "proposed \(id) (\(UntrustedText.terminal(proposal.intent.kind)), tier \(proposal.tier)) at \(proposal.ledgerCommit.hex.prefix(12))"
            ]
            + notes.map(UntrustedText.terminal) + ["next: \(UntrustedText.terminal(next))"]).joined(separator: "\n")
        return ToolAnswer(structured: .object(fields), text: text, isError: false)
    }

    // MARK: writ_status, writ_show

    func statusAnswer(_ arguments: ToolArguments, full: Bool) throws -> ToolAnswer {
        try arguments.rejectUnknown(allowing: ["id"])
        let report = try report(try arguments.intentID())
        return ToolAnswer(structured: report.value(full: full), text: report.text, isError: false)
    }

    // MARK: writ_list

    func listAnswer(_ arguments: ToolArguments) throws -> ToolAnswer {
        try arguments.rejectUnknown(allowing: ["open_only"])
        let openOnly = try arguments.bool("open_only") ?? false
        let status = try status(fetching: [])
        let me = identity.principal
        var rows: [Value] = []
        var lines: [String] = []
        for line in status.intents where status.verdicts[line.id]?.intent?.proposer == me {
            let report = IntentReport(status: status, line: line, governanceRef: ops.governanceRef)
            if openOnly, report.isFinal { continue }
            rows.append(report.value(full: false))
            lines.append(
                "\(line.id)  \(line.tier?.rawValue ?? "?")  \(line.state.rawValue)"
                    + (line.reason.map { "  \($0.rawValue)" } ?? ""))
        }
        let fields: [String: Value] = [
            "state": "ok", "reason": .null, "detail": .string("\(rows.count) intent(s) proposed by \(me)"),
            "principal": .string(me.rawValue), "intents": .array(rows),
            "next": .string(rows.isEmpty ? "propose with writ_propose" : "writ_wait on an open one"),
        ]
        return ToolAnswer(
            structured: .object(fields),
            text: lines.isEmpty ? "no intents proposed by \(me)" : lines.joined(separator: "\n"),
            isError: false)
    }

    // MARK: writ_withdraw

    /// Withdraws one of the caller's own intents: never another's, whatever
    /// a role of its tier could do (this server's key holds none).
    func withdrawAnswer(_ arguments: ToolArguments) throws -> ToolAnswer {
        try arguments.rejectUnknown(allowing: ["id", "note"])
        let id = try arguments.intentID()
        let note = try arguments.string("note") ?? "withdrawn by its proposer over MCP"
        try fetch(approvals: [id])
        guard let bytes = try intentBytes(id) else { throw ops.unknownIntent(id) }
        let intent = try Intent.parse(bytes, expectedPath: LedgerPath.intent(id).path)
        guard intent.proposer == identity.principal else {
            return ToolAnswer.refused(
                "refused", reason: .signerNotAuthorized,
                detail:
                    "\(id) was proposed by \(intent.proposer), not by \(identity.principal): an agent withdraws only "
                    + "its own intents",
                next: "ask its proposer or an approver of its tier")
        }
        var events = OperatorEvents(ops: ops)
        events.pushes = true
        let commit = try events.withdraw(
            id, note: note, as: identity, now: clock(),
            check: WriteGuard(trustRoot: trustRoot, force: false, warn: warn))
        let report = try report(id)
        var value = report.value(full: false)
        if case .object(var fields) = value {
            fields["ledger_commit"] = .string(commit.hex)
            value = .object(fields)
        }
        return ToolAnswer(structured: value, text: report.text, isError: false)
    }
}
