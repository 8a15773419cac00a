import Foundation

/// What to do about a record the pre-write check refused (``WriteCheck``):
/// who can approve instead, what to re-propose, which setting to fix. Pure:
/// built from the finding, the write attempted and the trusted governance.
/// `--force` is offered only when nothing else would help, since a forced
/// record never counts.
package enum WriteCheckAdvice {
    /// The write that was refused.
    package enum Attempt {
        case propose(Intent)
        case approve(ApprovalRecord, Verdict)
        case resolve(Principal, Verdict)
        case gate(Principal, IntentID)
        case withdraw(Principal, Verdict)
    }

    /// One sentence saying what to do next.
    package static func advice(for finding: WritError, attempt: Attempt, governance: GovernanceState) -> String {
        let policy = governance.policy
        switch finding.reason {
        case .signerUnknown:
            return "check that --key (or key in the operator config) is the key allowed_signers lists for "
                + "\(quoted: attempt.signer.rawValue); a new or rotated key is added through "
                + "writ governance propose (docs/governance.md)"
        case .proposerNotAuthorized:
            return "an admin adds \(quoted: attempt.signer.rawValue) to a [proposers] role ("
                + list(policy.proposerRoles) + ") through writ governance propose; "
                + holders(policy.proposerRoles, policy, excluding: [], verb: "may propose")
        case .intentExpired:
            if case .propose = attempt { return "give --expires a time in the future (for example --expires 24h)" }
            return "the intent can no longer run: " + repropose(attempt)
        case .approvalExpired:
            return "give --expires a time in the future (for example --expires 7d), or leave it out"
        case .selfApproval, .signerNotAuthorized:
            return whoElse(attempt, policy)
        case .digestMismatch, .intentMalformed, .tierMismatch:
            return "git fetch and run the command again; if it is refused the same way, "
                + "check that trust_root is the one your dispatcher pins (writ governance status) or "
                + repropose(attempt)
        case .alreadyExecuted where attempt.isWithdrawal:
            return "the claim counts and the intent runs (or ran); writ show \(attempt.intentID?.rawValue ?? "ID") "
                + "shows it. A run is settled only by its outcome or by writ resolve"
        case .withdrawn:
            return "nothing is left to do: writ show \(attempt.intentID?.rawValue ?? "ID") shows who withdrew it"
        case .alreadyExecuted:
            return "nothing is left to decide: writ show \(attempt.intentID?.rawValue ?? "ID") shows the outcome"
        case .quotaExceeded:
            return "wait until a pending intent is claimed, settled or withdrawn (writ withdraw ID takes one back) "
                + "or until the window frees, as the detail says; --force writes the intent anyway, and it never runs"
        case .ledgerViolation:
            return "writ show \(attempt.intentID?.rawValue ?? "ID") shows its state; only an intent in doubt "
                + "(or, with --succeeded or --failed, a claimed one) can be resolved"
        default:
            return "writ show \(attempt.intentID?.rawValue ?? "ID") for the details; --force writes the record "
                + "anyway, and it will not count"
        }
    }

    /// Who may make this record instead of the signer.
    private static func whoElse(_ attempt: Attempt, _ policy: Policy) -> String {
        switch attempt {
        case .approve(let record, let verdict):
            guard let tier = verdict.tier, let rule = policy.rule(for: tier) else {
                return "the trusted policy has no [tiers] table for this tier: nobody can approve it"
            }
            var excluded = Set(verdict.counted.map(\.approver))
            excluded.insert(record.approver)
            if let proposer = verdict.intent?.proposer { excluded.insert(proposer) }
            return "tier \(tier) takes approvals from role(s) " + list(rule.roles) + ": "
                + holders(rule.roles, policy, excluding: excluded, verb: "can approve")
        case .resolve(let who, let verdict):
            guard let tier = verdict.tier, let rule = policy.rule(for: tier) else {
                return "the trusted policy has no [tiers] table for this tier"
            }
            return "a resolution of a \(tier) intent comes from role(s) " + list(rule.roles) + ": "
                + holders(rule.roles, policy, excluding: [who], verb: "can resolve it")
        case .withdraw(let who, let verdict):
            guard let intent = verdict.intent, let tier = verdict.tier else {
                return "a malformed intent has no proposer or tier: nobody can withdraw it"
            }
            let roles = policy.rule(for: tier)?.roles ?? []
            var others = Set(roles.flatMap { policy.principals(inRole: $0) })
            others.insert(intent.proposer)
            others.remove(who)
            return "a \(tier) intent is withdrawn by its proposer \(quoted: intent.proposer.rawValue) or by role(s) "
                + list(roles) + ": "
                + (others.isEmpty
                    ? "nobody else can" : others.sorted().map(\.rawValue).joined(separator: ", ") + " can withdraw it")
        case .gate(let who, _):
            return "gate results come from [gates] role(s) " + list(policy.gateRoles) + ": "
                + holders(policy.gateRoles, policy, excluding: [who], verb: "can attest it")
        case .propose(let intent):
            return "an admin adds \(quoted: intent.proposer.rawValue) to a role through writ governance propose"
        }
    }

    /// `alice, carol can approve`, or who to ask when nobody can.
    private static func holders(_ roles: [String], _ policy: Policy, excluding: Set<Principal>, verb: String)
        -> String
    {
        let names = Set(roles.flatMap { policy.principals(inRole: $0) }).subtracting(excluding).sorted()
        guard !names.isEmpty else {
            return "nobody else holds those roles now; an admin adds someone through writ governance propose"
        }
        return names.map(\.rawValue).joined(separator: ", ") + " " + verb
    }

    private static func repropose(_ attempt: Attempt) -> String {
        guard let intent = attempt.intent else { return "propose it again (writ propose)" }
        return "propose it again (writ propose --kind \(intent.kind) --target \(quoted: intent.target.repo) ...)"
    }

    private static func list(_ roles: [String]) -> String {
        roles.isEmpty ? "(none)" : roles.joined(separator: ", ")
    }
}

extension WriteCheckAdvice.Attempt {
    package var signer: Principal {
        switch self {
        case .propose(let intent): intent.proposer
        case .approve(let record, _): record.approver
        case .resolve(let who, _), .gate(let who, _), .withdraw(let who, _): who
        }
    }

    package var intent: Intent? {
        switch self {
        case .propose(let intent): intent
        case .approve(_, let verdict), .resolve(_, let verdict), .withdraw(_, let verdict): verdict.intent
        case .gate: nil
        }
    }

    package var intentID: IntentID? {
        switch self {
        case .propose(let intent): intent.id
        case .approve(let record, _): record.intent
        case .resolve(_, let verdict), .withdraw(_, let verdict): verdict.intent?.id
        case .gate(_, let id): id
        }
    }

    /// Whether the refused write is a withdrawal.
    package var isWithdrawal: Bool {
        if case .withdraw = self { true } else { false }
    }
}
