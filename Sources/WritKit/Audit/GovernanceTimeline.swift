import Foundation

/// The governance state that was trusted at each point of the governance
/// branch's history, so that an old ledger commit is judged by the rules in
/// force when it was made rather than by today's.
///
/// Alignment rule (docs/audit.md): a branch's clock is the running maximum
/// of its first-parent committer times, so a commit can never move back
/// before a commit that precedes it. The governance in force at a moment
/// `t` is the longest first-parent prefix, from the trust root, whose
/// clock is at most `t` (the trust root itself when none is): its trusted
/// state is the state `GovernanceTrust` keeps after walking that prefix,
/// and it counts as trusted only when the prefix's last commit holds
/// exactly that state (otherwise governance was pending then, and nothing
/// could have been dispatched).
///
/// Quorum signatures on governance records are checked at the verifier's
/// clock, the same clock the head verdict uses, and each step reads its
/// records (`.sig` and `.next.sig`) through `GovernanceReader.records` and
/// judges them from the state trusted before it (so a record's `replaces`
/// is matched against the same T as in the head walk): the timeline ends in
/// the very state `GovernanceReader` trusts now.
public struct GovernanceTimeline {
    /// The governance at one first-parent commit.
    public struct Point: Sendable {
        /// The governance commit.
        public let commit: ObjectID
        /// Its position in `chain`.
        public let index: Int
        /// The branch clock at this commit (running maximum of committer times).
        public let clock: Date
        /// The state trusted after walking up to this commit.
        public let trusted: GovernanceState
        /// Whether this commit's own files are the trusted state; false while
        /// a change is pending its quorum.
        public let headTrusted: Bool
        /// Why the commit is pending, when it is.
        public let detail: String
    }

    /// The governance branch's whole first-parent history, oldest first.
    public let chain: [ObjectID]
    /// One point per commit from the trust root to the head.
    public let points: [Point]

    /// Builds the timeline; throws the contract errors of `GovernanceReader`
    /// (`trust_root_missing`, `history_rewritten`) and the head verdict's
    /// reason (`policy_unapproved`, `policy_malformed`) when the head is not
    /// trusted at `now`.
    public init(ops: OpsRepo, trustRoot: ObjectID, now: Date) throws {
        let reader = GovernanceReader(ops: ops)
        let result = try reader.evaluate(trustRoot: trustRoot, now: now)
        guard result.verdict.trusted != nil else {
            throw WritError(result.verdict.reason ?? .policyUnapproved, result.verdict.detail)
        }
        let repository = ops.repository
        let chain = try repository.firstParentHistory(from: result.head, to: nil, order: .oldestFirst)
        guard let rootIndex = chain.firstIndex(of: trustRoot) else {
            throw WritError(.historyRewritten, "the trust root \(trustRoot.hex) is not on the governance branch's first-parent history")
        }

        func files(_ commit: ObjectID) throws -> GovernanceCommit {
            let tree = try repository.commit(commit).tree
            return GovernanceCommit(
                commit: commit,
                policyBytes: try? repository.blob(at: GovernancePath.policy.path, inTree: tree, limit: RecordBytes.maximumSize),
                signersBytes: try? repository.blob(at: GovernancePath.allowedSigners.path, inTree: tree, limit: GovernanceState.maximumSignersSize))
        }

        let root = try files(trustRoot)
        guard let rootPolicy = root.policyBytes, let rootSigners = root.signersBytes else {
            throw WritError(.policyMalformed, "the trust root \(trustRoot.hex) lacks policy.toml or allowed_signers")
        }
        var trusted = try GovernanceState(commit: trustRoot, policyBytes: rootPolicy, signersBytes: rootSigners)
        var clock = try repository.commit(trustRoot).committer.date
        var points = [Point(commit: trustRoot, index: rootIndex, clock: clock, trusted: trusted, headTrusted: true, detail: "")]
        for index in chain.indices where index > rootIndex {
            let commit = chain[index]
            clock = max(clock, try repository.commit(commit).committer.date)
            // One step of the same walk GovernanceReader makes: the trusted
            // state so far as the root, this commit as the whole history.
            let verdict = try GovernanceTrust.evaluate(
                root: GovernanceCommit(commit: trusted.commit, policyBytes: trusted.policyBytes, signersBytes: trusted.signersBytes),
                history: [try files(commit)],
                records: { commit, digest in try reader.records(in: commit, for: digest) },
                now: now)
            if let next = verdict.trusted {
                trusted = next
                points.append(Point(commit: commit, index: index, clock: clock, trusted: trusted, headTrusted: true, detail: ""))
            } else {
                points.append(
                    Point(commit: commit, index: index, clock: clock, trusted: trusted, headTrusted: false, detail: verdict.detail))
            }
        }
        self.chain = chain
        self.points = points
    }

    /// The governance in force at `date`: the last point whose clock is at
    /// most `date`, or the trust root when every point is later.
    public func point(at date: Date) -> Point {
        // Clocks never decrease along `points`, so the points in force form a prefix.
        var low = 0
        var high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle].clock <= date { low = middle + 1 } else { high = middle }
        }
        return points[max(0, low - 1)]
    }
}
