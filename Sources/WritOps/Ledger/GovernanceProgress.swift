import Foundation
import WritCore

/// `writ governance status`: the trusted governance state, and how far a
/// pending change has got toward its two quorums (SPEC §5).
///
/// The pending change is the governance head when its files are not the
/// trusted state, or the tip of a proposal branch when one is named. Both
/// quorums are counted by `GovernanceTrust.quorum`, the rule the trust walk
/// itself applies, over the records in that commit's own tree, and a
/// change whose `[governance] version` is not the trusted one + 1 is shown
/// as never adoptable, as the walk treats it.
package struct GovernanceProgress: Sendable {
    /// One quorum's count.
    package struct Quorum: Sendable {
        /// `trusted` (the policy in force) or `new` (the proposed one).
        package let policy: String
        package let required: Int
        package let met: Bool
        /// The principals counted, sorted.
        package let counted: [Principal]
        /// Principals of that policy's `[governance] roles` not counted yet, sorted.
        package let missing: [Principal]
    }

    /// A change waiting for its quorums.
    package struct Pending: Sendable {
        package let commit: ObjectID
        /// The branch named, nil for the governance head.
        package let branch: String?
        /// Nil when the commit lacks one of the two files.
        package let digest: ContentDigest?
        /// The digest every record must name in `replaces`: the trusted state's.
        package let replaces: ContentDigest
        /// Why the change cannot be judged (files missing or malformed), nil when it can.
        package let malformed: String?
        /// The change's `[governance] version`; nil when malformed.
        package let version: Int?
        /// Why the change can never be adopted whatever records it holds:
        /// its version is not the trusted one + 1 (SPEC §5). Nil when it is.
        package let versionProblem: String?
        /// The trusted policy's quorum, then the new policy's; empty when malformed.
        package let quorums: [Quorum]
        /// Records that count in neither or only one quorum, with the reason
        /// each quorum discards them (one entry per distinct path and reason).
        package let discarded: [DiscardedRecord]
        /// What the proposed policy changes against the trusted one, in
        /// words (`PolicyChange`); empty when malformed or when only
        /// `allowed_signers` changes.
        package var policyChanges: [String] = []

        /// Whether merging this commit (or its being the head) adopts it.
        package var adoptable: Bool { malformed == nil && versionProblem == nil && quorums.allSatisfy(\.met) }
    }

    /// The state trusted at the governance head (the previous one while the head is pending).
    package let trusted: GovernanceState
    package let head: ObjectID
    /// Whether the head's own files are trusted.
    package let headTrusted: Bool
    /// `policy_unapproved` while the head is not trusted.
    package let reason: ReasonCode?
    package let detail: String
    package let pending: Pending?

    /// Evaluates governance from `trustRoot` at `now`; with `branch`, the
    /// pending change is that branch's tip (a local branch, or else
    /// `origin/<branch>`).
    ///
    /// Throws the contract errors of the trust walk (`trust_root_missing`,
    /// `history_rewritten`, `policy_malformed` at the root).
    package static func evaluate(ops: OpsRepo, trustRoot: ObjectID, branch: String? = nil, now: Date) throws
        -> GovernanceProgress
    {
        let timeline = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false)
        let verdict = timeline.verdict
        let trusted = timeline.head.trusted
        var candidate: (commit: ObjectID, branch: String?)?
        if let branch {
            let tip =
                try ops.repository.resolve(OpsRepo.refName(branch))
                ?? ops.repository.resolve("refs/remotes/origin/" + branch)
            guard let tip else {
                throw RuntimeError(
                    "no branch '\(branch)' (nor origin/\(branch)) in the ops repo", fix: "--branch or fetch it first")
            }
            candidate = (tip, branch)
        } else if !timeline.head.headTrusted {
            candidate = (timeline.head.commit, nil)
        }
        let pending = try candidate.map {
            try Self.pending(ops: ops, commit: $0.commit, branch: $0.branch, trusted: trusted, now: now)
        }
        return GovernanceProgress(
            trusted: trusted, head: timeline.head.commit, headTrusted: timeline.head.headTrusted,
            reason: verdict.reason, detail: verdict.detail, pending: pending)
    }

    package static func pending(ops: OpsRepo, commit: ObjectID, branch: String?, trusted: GovernanceState, now: Date)
        throws -> Pending
    {
        guard let files = try GovernanceWriter(ops: ops).files(at: commit) else {
            return Pending(
                commit: commit, branch: branch, digest: nil, replaces: trusted.digest,
                malformed: "commit \(commit.hex) lacks policy.toml or allowed_signers", version: nil,
                versionProblem: nil, quorums: [], discarded: [])
        }
        let digest = GovernanceDigest.compute(policy: files.policy, allowedSigners: files.signers)
        let candidate: GovernanceState
        do {
            candidate = try GovernanceState(commit: commit, policyBytes: files.policy, signersBytes: files.signers)
        } catch let error as WritError {
            return Pending(
                commit: commit, branch: branch, digest: digest, replaces: trusted.digest,
                malformed: "\(error.reason.rawValue): \(error.detail)", version: nil, versionProblem: nil, quorums: [],
                discarded: [])
        }
        if candidate.sameFiles(as: trusted) {
            return Pending(
                commit: commit, branch: branch, digest: digest, replaces: trusted.digest,
                malformed: "commit \(commit.hex) holds the trusted state itself: there is no change", version: nil,
                versionProblem: nil, quorums: [], discarded: [])
        }
        let records = try GovernanceReader(ops: ops).records(in: commit, for: digest)
        var quorums: [Quorum] = []
        var discarded: [DiscardedRecord] = []
        for (name, state) in [("trusted", trusted), ("new", candidate)] {
            let count = GovernanceTrust.quorum(
                for: digest, replacing: trusted.digest, records: records, under: state, now: now,
                cache: ops.verificationCache)
            let governors = Set(
                state.policy.governance.roles.flatMap { state.policy.roles[$0] ?? [] })
            quorums.append(
                Quorum(
                    policy: name, required: state.policy.governance.approvals, met: count.met, counted: count.counted,
                    missing: governors.subtracting(count.counted).sorted()))
            for record in count.discarded
            where !discarded.contains(where: { $0.path == record.path && $0.reason == record.reason }) {
                discarded.append(record)
            }
        }
        return Pending(
            commit: commit, branch: branch, digest: digest, replaces: trusted.digest, malformed: nil,
            version: candidate.policy.governanceVersion,
            versionProblem: GovernanceTrust.versionProblem(candidate, after: trusted), quorums: quorums,
            discarded: discarded.sorted { ($0.path, $0.reason.rawValue) < ($1.path, $1.reason.rawValue) },
            policyChanges: PolicyChange(from: trusted.policy, to: candidate.policy).sentences)
    }
}
