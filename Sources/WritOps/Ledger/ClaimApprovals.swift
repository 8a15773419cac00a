import Foundation
import WritCore
import WritGit

/// The approvals that counted when an intent was claimed: the counting
/// `claimed` event's `approvals` list, which the ledger walk judged under
/// the governance trusted at its commit. A settled intent is shown by
/// these, never by a tally of its records under today's governance: after
/// a key rotation or revocation that tally is "0 of 1, signer_unknown" for
/// an intent that ran properly (docs/status.md, "Settled intents").
package struct ClaimApprovals: Sendable, Equatable {
    /// One approval the claim relied on.
    package struct Entry: Sendable, Equatable {
        package let approver: Principal
        /// The governance commit that brought the record version in.
        package let commit: ObjectID
        package let recordDigest: ContentDigest
        /// The `SHA256:` fingerprint of the key that signed the record, nil
        /// when the record's signature cannot be read at `commit`.
        package let keyFingerprint: String?
        /// Set when the trusted allowed_signers no longer lists that key
        /// for the approver.
        package let keyChange: KeyChange?
    }

    /// What became of an approval's key after the claim.
    package struct KeyChange: Sendable, Equatable {
        package enum Kind: String, Sendable, Equatable {
            /// The approver holds another key now.
            case rotated
            /// The approver holds no key now.
            case revoked
        }
        package let kind: Kind
        /// The adopted governance commit that dropped the key; nil when the
        /// timeline from the trust root never listed it.
        package let commit: ObjectID?

        /// "bob's key was rotated later in <commit>", the approver escaped.
        package func sentence(for approver: Principal) -> String {
            let who = TerminalText.escape(approver.rawValue)
            guard let commit else {
                return "\(who)'s key is no longer in the trusted allowed_signers (\(kind.rawValue))"
            }
            return "\(who)'s key was \(kind.rawValue) later in \(commit.hex.prefix(12))"
        }
    }

    /// The ledger commit of the claim.
    package let claimCommit: ObjectID
    package let runID: String
    /// The tier the claim names.
    package let tier: Tier
    /// What that tier required under the governance the claim was anchored
    /// to (its `Writ-Governance` trailer), else under today's policy.
    package let required: Int
    package let entries: [Entry]

    /// The latest counting claim of a claimed or settled verdict.
    static func latestClaim(_ verdict: Verdict) -> (event: CountingEvent, claim: AuditEvent.Claim)? {
        switch verdict.state {
        case .claimed, .succeeded, .failed, .inDoubt: break
        case .ready, .blocked, .withdrawn: return nil
        }
        for counting in verdict.events.reversed() {
            if case .claimed(let claim) = counting.event.payload { return (counting, claim) }
        }
        return nil
    }

    /// How many approvals the claim lists and what its tier required then,
    /// for a status row; nil when the verdict has no counting claim.
    /// `governance` gives the state trusted at a governance commit.
    package static func counts(
        _ verdict: Verdict, repository: Repository, governance: (ObjectID) -> GovernanceState?,
        fallback: GovernanceState?
    ) throws -> (counted: Int, required: Int)? {
        guard let (event, claim) = latestClaim(verdict) else { return nil }
        // A claim that lists no approval needed none (low) or is a finding
        // of verify: no commit is read for it.
        guard !claim.approvals.isEmpty else { return (0, verdict.approvalsRequired) }
        let state = try anchoredState(event.commit, repository: repository, governance: governance) ?? fallback
        let required = state?.policy.rule(for: claim.tier)?.approvals ?? verdict.approvalsRequired
        return (Set(claim.approvals.map(\.approver)).count, required)
    }

    /// The governance state the claim commit's anchor names, when the
    /// timeline knows it. The claim commit is on the ledger: one that
    /// cannot be read throws.
    private static func anchoredState(
        _ commit: ObjectID, repository: Repository, governance: (ObjectID) -> GovernanceState?
    ) throws -> GovernanceState? {
        guard let anchor = GovernanceAnchor.parse(try repository.commit(commit).message) else { return nil }
        return governance(anchor)
    }

    /// The claim's approvals with each key's fate under `current` (the
    /// governance trusted now), the commit that dropped it found on
    /// `timeline`. Nil when the verdict has no counting claim.
    package static func read(
        _ verdict: Verdict, id: IntentID, repository: Repository, timeline: GovernanceTimeline,
        current: GovernanceState
    ) throws -> ClaimApprovals? {
        guard let (event, claim) = latestClaim(verdict) else { return nil }
        // As in `counts`: a claim that lists no approval reads no commit.
        let state =
            claim.approvals.isEmpty
            ? nil : try anchoredState(event.commit, repository: repository) { timeline.point($0)?.trusted }
        let required =
            claim.approvals.isEmpty
            ? verdict.approvalsRequired
            : (state ?? current).policy.rule(for: claim.tier)?.approvals ?? verdict.approvalsRequired
        let entries = try claim.approvals.map { approval -> Entry in
            let commit = ObjectID(hex: approval.commit)
            let key = try commit.flatMap {
                try signingKey(
                    id: id, approver: approval.approver, digest: approval.recordDigest, at: $0, in: repository)
            }
            return Entry(
                approver: approval.approver, commit: commit ?? current.commit, recordDigest: approval.recordDigest,
                keyFingerprint: key?.fingerprint,
                keyChange: key.flatMap { keyChange($0, of: approval.approver, current: current, timeline: timeline) })
        }
        return ClaimApprovals(
            claimCommit: event.commit, runID: claim.runID, tier: claim.tier, required: required, entries: entries)
    }

    /// The key whose signature sits beside the record at `commit`, when the
    /// record there is the version the claim names. The commit comes from
    /// the claim's payload: one this repository does not hold, a record or
    /// signature not there, or a signature that does not parse is no key;
    /// one that is there and cannot be read throws.
    private static func signingKey(
        id: IntentID, approver: Principal, digest: ContentDigest, at commit: ObjectID, in repository: Repository
    ) throws -> SSHPublicKey? {
        let path = ApprovalFolder.path(of: id) + "/" + approver.rawValue + ".toml"
        guard let tree = try repository.commitIfPresent(commit)?.tree,
            let record = try repository.recordIfPresent(at: path, inTree: tree),
            ContentDigest.sha256(of: record) == digest,
            let signature = try repository.recordIfPresent(at: path + ".sig", inTree: tree),
            // A signature that does not parse names no key: a verdict
            // elsewhere, nothing to show here.
            let parsed = try? SSHSignature(armored: Array(signature))
        else { return nil }
        return parsed.publicKey
    }

    /// Whether `signers` lists `key` for `principal` (any namespace, any time).
    private static func lists(_ signers: AllowedSigners, _ key: SSHPublicKey, for principal: Principal) -> Bool {
        signers.entries.contains { $0.key == key && $0.matches(principal: principal.rawValue) }
    }

    /// Nil while `current` still lists the key; otherwise whether the
    /// principal still holds another key, and the latest adopted state
    /// along the timeline that stopped listing it.
    package static func keyChange(
        _ key: SSHPublicKey, of principal: Principal, current: GovernanceState, timeline: GovernanceTimeline
    ) -> KeyChange? {
        guard !lists(current.signers, key, for: principal) else { return nil }
        let holdsAnother = current.signers.entries.contains { $0.matches(principal: principal.rawValue) }
        var dropped: ObjectID?
        var held = false
        var last: ObjectID?
        for point in timeline.points where point.trusted.commit != last {
            last = point.trusted.commit
            let listed = lists(point.trusted.signers, key, for: principal)
            if held && !listed { dropped = point.trusted.commit }
            held = listed
        }
        return KeyChange(kind: holdsAnother ? .rotated : .revoked, commit: dropped)
    }
}
