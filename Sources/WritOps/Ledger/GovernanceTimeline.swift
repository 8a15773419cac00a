import Foundation
import WritCore
import WritGit

/// The governance state trusted at each point of the governance branch's
/// first-parent chain, from a start (the trust root, or a dispatcher's
/// remembered ledger position) to a head: the `T(P)` of docs/audit.md.
///
/// Built in one walk of the chain, one `GovernanceTrust` step per commit,
/// so a history of N commits is read once however many ledger commits are
/// judged against it. Positions are chain indices; a ledger commit's
/// position only ever moves forward along them (see `LedgerWalk`).
package struct GovernanceTimeline {
    /// The governance at one first-parent commit.
    package struct Point: Sendable {
        /// The governance commit.
        package let commit: ObjectID
        /// Its index in `chain`.
        package let index: Int
        /// Its committer time: the governance clock at this point. Admins
        /// merge governance, so this clock is not chosen by a ledger signer;
        /// a date beyond the processing host's clock does not move it
        /// (`clockTime`).
        package let time: Date
        /// The state trusted after walking the chain up to this commit.
        package let trusted: GovernanceState
        /// Whether this commit's own files are the trusted state; false while
        /// a change is pending its quorum (then `trusted` is the previous T).
        package let headTrusted: Bool
        /// Why the commit is pending, when it is.
        package let detail: String
    }

    /// The first-parent chain from the start to the head, oldest first.
    let chain: [ObjectID]
    /// One point per element of `chain`.
    package let points: [Point]
    private let indices: [ObjectID: Int]

    /// The whole timeline from `trustRoot` to the governance head, in one
    /// walk of the chain. Throws the contract errors (`trust_root_missing`,
    /// `history_rewritten`, `policy_malformed` for a malformed trust root)
    /// and, when `requireTrustedHead`, the head verdict's reason
    /// (`policy_unapproved`) when the head is not trusted at `now`.
    package init(ops: OpsRepo, trustRoot: ObjectID, now: Date, requireTrustedHead: Bool = true) throws {
        let repository = ops.repository
        let head = try GovernanceReader.head(of: ops)
        try GovernanceReader.requireDescendant(head, of: trustRoot, in: repository)
        let files = try Self.files(trustRoot, in: repository)
        let root: GovernanceState
        do {
            guard let policy = files.policyBytes else {
                throw WritError(.policyMalformed, "policy.toml is missing at the trust root")
            }
            guard let signers = files.signersBytes else {
                throw WritError(.policyMalformed, "allowed_signers is missing at the trust root")
            }
            root = try GovernanceState(commit: trustRoot, policyBytes: policy, signersBytes: signers)
        } catch {
            let detail = (error as? WritError)?.detail ?? "the trust root's governance files do not parse"
            throw WritError(.policyMalformed, "trust root \(trustRoot.hex): \(detail)")
        }
        do {
            try self.init(ops: ops, start: trustRoot, trusted: root, head: head, now: now)
        } catch let error as WritError where error.reason == .historyRewritten {
            throw WritError(
                .historyRewritten,
                "the trust root \(trustRoot.hex) is not on the first-parent history of the governance head "
                    + "\(head.hex): the governance branch was rewritten below it; restore it, or pin a trust root "
                    + "on the new history after checking it (docs/dispatch.md, \"History rewritten\")")
        }
        if requireTrustedHead, let reason = verdict.reason {
            throw WritError(reason, verdict.detail)
        }
    }

    /// The timeline from `start`, where `trusted` is the state trusted, to
    /// `head`. `history_rewritten` when `start` is not on `head`'s
    /// first-parent chain.
    init(ops: OpsRepo, start: ObjectID, trusted: GovernanceState, head: ObjectID, now: Date) throws {
        let repository = ops.repository
        let chain: [ObjectID]
        do {
            chain = try repository.firstParentHistory(from: head, to: start, order: .oldestFirst)
        } catch GitUsageError.notOnFirstParentChain {
            throw WritError(
                .historyRewritten,
                "governance commit \(start.hex) is not on the governance branch's first-parent history")
        }
        let reader = GovernanceReader(ops: ops)
        var state = trusted
        var points = [
            Point(
                commit: start, index: 0,
                time: Self.clockTime(try repository.commit(start).committer.date, after: nil, now: now), trusted: state,
                headTrusted: true, detail: "")
        ]
        for commit in chain where commit != start {
            // One step of the same walk GovernanceReader makes: the trusted
            // state so far as the root, this commit as the whole history.
            let verdict = try GovernanceTrust.evaluate(
                root: GovernanceCommit(
                    commit: state.commit, policyBytes: state.policyBytes, signersBytes: state.signersBytes),
                history: [try Self.files(commit, in: repository)],
                records: { commit, digest in try reader.records(in: commit, for: digest) },
                now: now, cache: ops.verificationCache)
            if let next = verdict.trusted { state = next }
            points.append(
                Point(
                    commit: commit, index: points.count,
                    time: Self.clockTime(
                        try repository.commit(commit).committer.date, after: points.last?.time, now: now),
                    trusted: state, headTrusted: verdict.trusted != nil,
                    detail: verdict.trusted == nil ? verdict.detail : ""))
        }
        self.chain = points.map(\.commit)
        self.points = points
        self.indices = Dictionary(points.map { ($0.commit, $0.index) }, uniquingKeysWith: { first, _ in first })
    }

    /// How far a committer date may lie ahead of the processing host's
    /// clock and still count (SPEC §4.4): ordinary skew between machines.
    static let allowedSkew: TimeInterval = 5 * 60

    /// The governance clock at a commit dated `committed`: its date, unless
    /// that lies beyond the processing host's clock (`now` + skew), in which
    /// case the clock does not move (`previous`, or `now` at the start). One
    /// merge made on a machine whose clock said 2099 would otherwise move
    /// the clock past every key's `valid-before`, so that a dispatcher's
    /// own claims stopped counting and an HA partner ran them again.
    static func clockTime(_ committed: Date, after previous: Date?, now: Date) -> Date {
        guard committed > now.addingTimeInterval(allowedSkew) else { return committed }
        return previous ?? now
    }

    /// The start of the timeline (the trust root, for a full timeline).
    package var start: Point { points[0] }
    /// The head the timeline ends at.
    package var head: Point { points[points.count - 1] }

    /// The verdict on the head (SPEC §5): trusted when the head's own files
    /// are the state trusted after the walk, `policy_unapproved` otherwise.
    package var verdict: GovernanceVerdict {
        let adopted = points.dropFirst().filter { $0.headTrusted && $0.trusted.commit == $0.commit }.map(\.commit)
        guard head.headTrusted else {
            return GovernanceVerdict(trusted: nil, reason: .policyUnapproved, detail: head.detail, adopted: adopted)
        }
        return GovernanceVerdict(
            trusted: head.trusted, reason: nil,
            detail: "trusted governance state of commit \(head.trusted.commit) (\(head.trusted.digest))",
            adopted: adopted)
    }

    /// The point for governance commit `commit`, nil when it is not on the chain.
    func point(_ commit: ObjectID) -> Point? {
        indices[commit].map { points[$0] }
    }

    /// What `projection` learnt of one commit: the index of the timeline
    /// commit its first-parent chain meets first (nil: never), and how
    /// many first-parent steps away that is.
    struct Projection: Sendable {
        package let index: Int?
        package let distance: Int
    }

    /// How far a ledger walk follows an anchor's first-parent chain to find
    /// where it meets the timeline. A `git pull` takes off the chain only
    /// the commits merged since the puller's last fetch, a handful; the
    /// bound keeps an anchor on the chain but before a resumed walk's start
    /// (a proposal from a stale clone) from costing a walk to the root on
    /// every poll. The answer depends only on the history, never on what
    /// was walked before, so every reader agrees.
    static let anchorReach = 1_024

    /// The newest point of the timeline on `commit`'s first-parent chain
    /// (`commit` itself when it is on the timeline): where a commit off the
    /// chain, such as the tip a `git pull` merge took off it, joins it.
    /// Nil when the chain never meets the timeline, meets it farther than
    /// `reach` steps away (nil: no bound), or `commit` is not a commit here.
    /// Every commit walked is remembered in `memo` with its distance, so
    /// commits sharing a chain are walked once.
    func projection(
        of commit: ObjectID, in repository: Repository, reach: Int? = nil, memo: inout [ObjectID: Projection]
    ) throws -> Point? {
        var walked: [ObjectID] = []
        var current: ObjectID? = commit
        var answer: Projection?
        while let id = current {
            if let point = indices[id] {
                answer = Projection(index: point, distance: 0)
                break
            }
            if let known = memo[id] {
                answer = known
                break
            }
            // Too far to decide within the reach: nothing is remembered.
            if let reach, walked.count > reach { return nil }
            walked.append(id)
            // An id that names no commit here ends the walk; a commit that
            // cannot be read throws, never taken for a root.
            current = try repository.commitParentsIfPresent(id)?.first
        }
        // The walk ended at a root commit (or at no commit): never meets.
        let found = answer ?? Projection(index: nil, distance: 0)
        for (offset, id) in walked.reversed().enumerated() {
            memo[id] = Projection(index: found.index, distance: found.distance + offset + 1)
        }
        guard let index = found.index else { return nil }
        if let reach, found.distance + walked.count > reach { return nil }
        return points[index]
    }

    private static func files(_ commit: ObjectID, in repository: Repository) throws -> GovernanceCommit {
        try GovernanceCommit.read(commit, in: repository)
    }
}
