/// The closed vocabulary of reasons writ gives for every non-success.
///
/// The set is fixed by the contract (SPEC §10): adding a case is a change to
/// the contract, its docs (`docs/reasons.md`) and `writ reasons`, never an
/// improvisation at a call site.
public enum ReasonCode: String, CaseIterable, Sendable, Codable, Hashable {
    // Governance and ledger integrity (SPEC §3, §5).
    case policyMalformed = "policy_malformed"
    case policyUnapproved = "policy_unapproved"
    case trustRootMissing = "trust_root_missing"
    case historyRewritten = "history_rewritten"
    case ledgerViolation = "ledger_violation"

    // The intent itself (SPEC §4.2).
    case intentMalformed = "intent_malformed"
    case intentExpired = "intent_expired"
    case intentSignatureInvalid = "intent_signature_invalid"
    case proposerNotAuthorized = "proposer_not_authorized"

    // Approvals and denials (SPEC §4.3, §4.4).
    case denied = "denied"
    case notApproved = "not_approved"
    case approvalMalformed = "approval_malformed"
    case approvalSignatureInvalid = "approval_signature_invalid"
    case signerUnknown = "signer_unknown"
    case signerNotAuthorized = "signer_not_authorized"
    case selfApproval = "self_approval"
    case digestMismatch = "digest_mismatch"
    case tierMismatch = "tier_mismatch"
    case approvalExpired = "approval_expired"

    // Execution preconditions (SPEC §4.5, §6).
    case gateMissing = "gate_missing"
    case executorMissing = "executor_missing"
    case envMismatch = "env_mismatch"
    case registryAuthMissing = "registry_auth_missing"
    case cloneMissing = "clone_missing"
    case alreadyExecuted = "already_executed"
    case lockContended = "lock_contended"

    // Remote writes (SPEC §7).
    case transportDisabled = "transport_disabled"
    case repoNotAllowlisted = "repo_not_allowlisted"
    case remoteMismatch = "remote_mismatch"
    case forbiddenOperation = "forbidden_operation"
    case authInsufficient = "auth_insufficient"
    case rateLimited = "rate_limited"
    case timeout = "timeout"
    case remoteError = "remote_error"

    // Pull requests against the governance branch (SPEC §9).
    case actorBlocked = "actor_blocked"
    case actorUnknown = "actor_unknown"
    case pathAdminOnly = "path_admin_only"
    case recordNotOwn = "record_not_own"

    // Limits and withdrawal (SPEC §4.8).
    case quotaExceeded = "quota_exceeded"
    case withdrawn = "withdrawn"

    // Freezes, waiting periods and break-glass review (SPEC §4.6–4.7).
    case frozen = "frozen"
    case waitingPeriod = "waiting_period"
    case reviewOverdue = "review_overdue"

    /// One sentence for humans: what the code means and what to look at.
    public var summary: String {
        switch self {
        case .policyMalformed:
            "policy.toml or allowed_signers does not parse or breaks the schema; nothing is dispatched"
        case .policyUnapproved:
            "the governance head differs from the trusted state and lacks the old and new governance quorum"
        case .trustRootMissing: "no trust root is configured, or it does not name a governance commit"
        case .historyRewritten:
            "a governance or ledger tip does not descend (through any parents) from the last one processed, or the "
                + "trust root is not on the governance head's first-parent chain"
        case .ledgerViolation:
            "a ledger commit changes or removes a path, writes outside intents/ and audit/, holds a malformed event, "
                + "or names a governance anchor older than an earlier ledger commit's"
        case .intentMalformed: "the intent does not parse, breaks the schema, or its id does not match its path"
        case .intentExpired: "the intent's expires_at has passed"
        case .intentSignatureInvalid: "the intent's .sig does not verify for its proposer under namespace writ-intent"
        case .proposerNotAuthorized: "the proposer holds no role listed in [proposers]"
        case .denied: "a valid deny record from a principal authorised for the tier exists"
        case .notApproved: "fewer valid approvals than the tier requires, and none was discarded"
        case .approvalMalformed: "an approval or governance record does not parse or breaks the schema"
        case .approvalSignatureInvalid: "an approval's signature does not verify under its namespace"
        case .signerUnknown: "no trusted allowed_signers entry holds this principal and key for this namespace and time"
        case .signerNotAuthorized: "the signer holds no role that the tier accepts"
        case .selfApproval: "the proposer cannot approve its own intent"
        case .digestMismatch:
            "an approval names a digest other than the intent's current bytes, or a governance record replaces a state "
                + "other than the trusted one"
        case .tierMismatch: "the approval names a tier other than the intent's current tier"
        case .approvalExpired: "the approval's expires_at has passed"
        case .gateMissing: "a required gate has no PASS event for the current intent digest"
        case .executorMissing: "the dispatcher has no executor for this kind"
        case .envMismatch: "the executor's platform or required environment variables are not satisfied"
        case .registryAuthMissing: "a secret the executor declares is not available"
        case .cloneMissing: "the target clone does not exist under clone_root (writ never clones)"
        case .alreadyExecuted: "the intent was already claimed or run; it is never run twice"
        case .lockContended: "another dispatcher holds this profile's lock"
        case .transportDisabled: "transport mode is off: no remote write is made"
        case .repoNotAllowlisted: "the target repository is not in transport.allow_repos"
        case .remoteMismatch:
            "the local clone's remote URL or branch does not match the target exactly, or a remote's ssh host key or "
                + "TLS certificate is not the trusted one"
        case .forbiddenOperation: "merge, force push, deletion, closing and state moves are never expressible"
        case .authInsufficient:
            "the forge answered 401 or 403, or the git remote refused every credential or a push for lack of permission"
        case .rateLimited: "the forge answered 429 or a rate-limit reply"
        case .timeout: "the operation did not finish in time (a remote that never answers is abandoned)"
        case .remoteError:
            "the forge answered with a server error, or the git remote failed otherwise (refused connection, unknown "
                + "host)"
        case .actorBlocked:
            "an account that touched the pull request (author, sender, a commit's author or committer) is blocked in "
                + "[members] of the base policy"
        case .actorUnknown:
            "an account that touched the pull request is not a member (only a join request of its own login is "
                + "accepted), or who made a commit of it is not known"
        case .pathAdminOnly: "the pull request changes a path only an admin may change"
        case .recordNotOwn: "a record in the pull request is filed or signed in another principal's name"
        case .quotaExceeded:
            "the proposer already has max_pending intents open, or proposed max_per_day in the last day ([limits]); "
                + "the intent never runs"
        case .withdrawn:
            "the proposer or a role of the intent's tier withdrew it before it was claimed; it never runs"
        case .frozen: "a [[freeze]] window of the policy covers the intent's tier or kind at the dispatcher's clock"
        case .waitingPeriod:
            "the quorum is met, but the tier's wait after the governance commit that completed it has not passed"
        case .reviewOverdue:
            "a break-glass run has not had its review_approvals ratify or reject records by its review_by time"
        }
    }
}

/// An error that carries exactly one reason code and a human detail.
///
/// Every failure that reaches a user or an event goes through this type, so
/// "exactly one reason code per non-success" holds by construction.
public struct WritError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: ReasonCode
    public let detail: String

    public init(_ reason: ReasonCode, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
