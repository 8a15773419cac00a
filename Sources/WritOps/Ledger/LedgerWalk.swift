import Foundation
import WritCore
import WritGit

/// Where a ledger walk stands after a commit: enough to resume it later
/// without reading anything before (the dispatcher persists it).
struct LedgerCursor: Codable, Sendable, Equatable {
    /// The last ledger commit walked.
    package var commit: ObjectID
    /// Its governance position P (a commit on the governance first-parent chain).
    var position: ObjectID
    /// The commit whose files are T(P), the state trusted at that position.
    package var trusted: ObjectID
    /// τ, the ledger clock at the commit, taken from governance committer times.
    package var clock: Timestamp
}

/// How a ledger commit is signed, as judged under the governance trusted at its position.
package enum LedgerSignature: String, Sendable, Encodable {
    /// An SSH signature by a key T(P)'s allowed_signers lists for a principal, valid at τ.
    case trusted
    /// No (strictly parsed) `gpgsig` header.
    case unsigned
    /// A signature that does not verify, or by a key T(P) does not trust at τ.
    case untrusted
}

/// One file a ledger commit added under `intents/` or `audit/`.
struct LedgerAddition: Sendable {
    package let path: String
    let ledgerPath: LedgerPath
    package let blob: ObjectID
    /// The file's bytes (at most `RecordBytes.maximumSize` + 1); nil when
    /// the walk was asked not to read them.
    package let bytes: Data?
}

/// One audit event a ledger commit added, and whether it counts.
struct LedgerEventRead: Sendable {
    package let file: LedgerAddition
    package let intent: IntentID
    package let sequence: Int
    package let kind: AuditEventKind
    /// Whether the event counts (SPEC §3 event authority, docs/audit.md).
    package var counts: Bool { whyNot == nil }
    /// Why it does not count; nil when it does.
    package let whyNot: String?
}

/// One ledger commit as the walk read it.
struct LedgerCommitRead: Sendable {
    /// An append-only problem of the commit (SPEC §3): `ledger_violation`.
    struct Problem: Sendable {
        /// The path it is about; nil for the whole commit (a merge, a malformed tree).
        package let path: String?
        package let detail: String
    }

    package let id: ObjectID
    /// Its index on the walked first-parent history, from the walk's start.
    package let index: Int
    /// Its committer time as recorded: chosen by the committer, decides nothing.
    let committerTime: Date
    let problems: [Problem]
    /// Intent files and their signatures the commit added.
    package let intents: [LedgerAddition]
    /// Audit events it added, in sequence then path order.
    package let events: [LedgerEventRead]
    /// Its `Writ-Governance` trailer, when it has exactly one.
    let anchor: ObjectID?
    /// Whether `anchor` names a commit off the timeline's first-parent
    /// chain (a tip a merge such as `git pull` took off it, or no commit
    /// here at all); the position then comes from where the anchor's own
    /// first-parent chain joins the timeline. False for an anchor that
    /// moved back (`regression`): such a commit is not judged at its anchor.
    let anchorOffChain: Bool
    /// Whether the commit has no usable anchor (none, or one that names no
    /// commit joining the governance chain): it was judged under the newest
    /// trusted state, the timeline's head, and did not move the position.
    let unanchored: Bool
    /// Set when the anchor names a governance commit older than the
    /// position the ledger had already reached (the previous anchored
    /// commit's): a violation that `writ verify` reports. The commit was
    /// judged at that position, never at its older anchor.
    let regression: AnchorRegression?
    /// The point whose trusted state judged the commit: P(c), or for an
    /// unanchored commit the timeline's head; nil when no governance is
    /// trusted at all (then nothing counts).
    let position: GovernanceTimeline.Point?
    /// The clock the commit was judged at: τ(c), or for an unanchored
    /// commit max(τ(parent), the head's time).
    package let clock: Date
    package let signature: LedgerSignature
    /// A sentence about the signature.
    let signatureDetail: String
    /// Principals whose key T(P) lists (valid at τ) made the signature, sorted.
    package let signers: Set<Principal>
}

/// A ledger commit whose anchor names a governance commit older than the
/// ledger position already reached: anchors only move forward.
struct AnchorRegression: Sendable {
    /// The commit's own anchor.
    let anchor: ObjectID
    /// The position the ledger had reached: the newest anchor before it.
    let reached: ObjectID

    /// A sentence for `writ verify`.
    package func detail(_ commit: ObjectID) -> String {
        "ledger commit \(commit.hex) is anchored at governance commit \(anchor.hex), older than governance commit "
            + "\(reached.hex) that an earlier ledger commit was anchored at: Writ-Governance anchors never move back; "
            + "its events were judged under \(reached.hex), never under the older anchor"
    }
}

/// The one ledger walk (docs/audit.md): every reader that asks which ledger
/// events count — `writ status`, `show`, `log`, `verify` and the
/// dispatcher — walks the ledger through this type, so they cannot differ.
///
/// It walks the ledger's first-parent history oldest first, diffing each
/// commit against its first parent (cost follows what is new, not tree
/// size), and gives each commit a governance position: P(c) is the commit's
/// anchor when that names a commit of the governance chain at or after
/// P(parent), otherwise P(parent); the walk starts at the timeline's start.
/// A commit whose anchor lies before P(parent) keeps P(parent) and is an
/// anchor regression, a violation `writ verify` reports. A commit without a
/// usable anchor keeps P(parent) for the commits after it, but is itself
/// judged under the newest state the walker trusts (the timeline's head),
/// never an older one: honest writers always anchor, so only a writer that
/// left its anchor out could gain from an older position, such as a key
/// rotated out since, signing under the state before the rotation.
/// An anchor off the chain (the governance tip a writer read before a
/// merge such as `git pull` took it off the first-parent chain) counts as
/// the newest chain commit on its own first-parent chain, under the same
/// at-or-after rule: a commit the writer could have named itself, so it
/// gives no writer more than an on-chain anchor would (within
/// `GovernanceTimeline.anchorReach` first-parent steps; farther, it is no
/// anchor).
/// Key validity is checked at τ(c) = max(τ(parent), committer time of
/// P(c)) (of the head, for an unanchored commit); signers are verified
/// under T(P(c)), and an event counts only when a signer is entitled to its
/// kind under T(P(c))'s policy.
package struct LedgerWalk {
    package let ops: OpsRepo
    /// Nil when governance cannot be trusted at all: nothing counts.
    let timeline: GovernanceTimeline?

    init(ops: OpsRepo, timeline: GovernanceTimeline?) {
        self.ops = ops
        self.timeline = timeline
    }

    /// Walks the commits after `cursor` (from the ledger's first commit when
    /// nil) up to `tip`, oldest first, calling `visit` for each; returns the
    /// cursor after the last one (`cursor` itself when nothing is new, nil
    /// when no governance is trusted). `readBytes` false leaves
    /// `LedgerAddition.bytes` nil, for a reader that reads files later.
    @discardableResult
    func walk(
        after cursor: LedgerCursor?, to tip: ObjectID, readBytes: Bool = true,
        _ visit: (LedgerCommitRead) throws -> Void
    ) throws -> LedgerCursor? {
        let repository = ops.repository
        let commits: [ObjectID]
        do {
            commits = try repository.firstParentHistory(from: tip, to: cursor?.commit, order: .oldestFirst)
        } catch GitUsageError.notOnFirstParentChain {
            throw WritError(
                .historyRewritten,
                "the ledger tip \(tip.hex) does not have \(cursor?.commit.hex ?? "") on its first-parent history")
        }
        var position: GovernanceTimeline.Point?
        if let timeline {
            if let cursor {
                guard let resumed = timeline.point(cursor.position) else {
                    throw WritError(
                        .historyRewritten,
                        "governance commit \(cursor.position.hex), the ledger's last position, is not on the governance first-parent history"
                    )
                }
                position = resumed
            } else {
                position = timeline.start
            }
        }
        var clock = cursor?.clock.date ?? .distantPast
        var last = cursor
        var projections: [ObjectID: GovernanceTimeline.Projection] = [:]
        for (index, id) in commits.enumerated() {
            let read = try self.read(
                id, index: index, after: &position, clock: &clock, projections: &projections, readBytes: readBytes)
            if let position {
                last = LedgerCursor(
                    commit: id, position: position.commit, trusted: position.trusted.commit, clock: Timestamp(clock))
            }
            try visit(read)
        }
        return position == nil ? nil : last
    }

    private func read(
        _ id: ObjectID, index: Int, after position: inout GovernanceTimeline.Point?, clock: inout Date,
        projections: inout [ObjectID: GovernanceTimeline.Projection], readBytes: Bool
    ) throws -> LedgerCommitRead {
        let repository = ops.repository
        let commit = try repository.commit(id)
        var problems: [LedgerCommitRead.Problem] = []
        if commit.parents.count > 1 {
            problems.append(
                .init(path: nil, detail: "ledger commit \(id.hex) is a merge; the ledger is fast-forward only"))
        }
        var changes: [TreeChange] = []
        do {
            changes = try repository.diff(from: commit.parents.first, to: id)
        } catch GitUsageError.malformedTree(let tree, let problem) {
            problems.append(
                .init(path: nil, detail: "ledger commit \(id.hex) holds a malformed tree \(tree.hex): \(problem)"))
        }

        // Position and clock, before anything is judged.
        let anchor = GovernanceAnchor.parse(commit.message)
        var anchorOffChain = false
        var anchored: GovernanceTimeline.Point?
        var regression: AnchorRegression?
        if let timeline, let current = position, let anchor {
            anchored = timeline.point(anchor)
            if anchored == nil {
                anchorOffChain = true
                anchored = try timeline.projection(
                    of: anchor, in: repository, reach: GovernanceTimeline.anchorReach, memo: &projections)
            }
            if let point = anchored {
                if point.index >= current.index {
                    position = point
                } else {
                    // Positions never move back: judged where the ledger
                    // stands, and reported.
                    regression = AnchorRegression(anchor: anchor, reached: current.commit)
                    anchorOffChain = false
                }
            }
        }
        if let position { clock = max(clock, position.time) }
        // Judged at the position; a commit without a usable anchor under the
        // newest trusted state, at a clock never earlier than that state's.
        let unanchored = timeline != nil && anchored == nil
        var judgedAt = position
        var judgedClock = clock
        if unanchored, let head = timeline?.head {
            judgedAt = head
            judgedClock = max(clock, head.time)
        }

        var intents: [LedgerAddition] = []
        var events: [(addition: LedgerAddition, id: IntentID, sequence: Int, kind: AuditEventKind)] = []
        for change in changes {
            if let problem = Self.appendProblem(change) {
                problems.append(
                    .init(path: change.path, detail: "ledger commit \(id.hex) \(problem); the ledger is append-only"))
            }
            guard change.kind == .added, let entry = change.new, entry.kind == .blob, let path = LedgerPath(change.path)
            else { continue }
            let bytes = readBytes ? try repository.blob(entry.id, limit: RecordBytes.maximumSize) : nil
            let addition = LedgerAddition(path: change.path, ledgerPath: path, blob: entry.id, bytes: bytes)
            switch path {
            case .intent, .intentSignature:
                intents.append(addition)
            case .auditEvent(let intent, let sequence, let kind):
                events.append((addition, intent, sequence, kind))
            }
        }
        events.sort { ($0.sequence, $0.addition.path) < ($1.sequence, $1.addition.path) }

        var signature = LedgerSignature.unsigned
        var signatureDetail = "not read"
        var signers = Set<Principal>()
        var judged: [LedgerEventRead] = []
        if !events.isEmpty {
            if let trusted = judgedAt?.trusted {
                (signature, signers, signatureDetail) = try Self.signature(
                    of: id, in: repository, trusted: trusted.signers, at: judgedClock, cache: ops.verificationCache)
            } else {
                (signature, signatureDetail) = (.untrusted, "no governance state is trusted")
            }
            for event in events {
                let whyNot = try judge(
                    event.kind, intent: event.id, commit: commit, signature: signature,
                    signatureDetail: signatureDetail,
                    signers: signers, under: judgedAt, unanchored: unanchored)
                judged.append(
                    LedgerEventRead(
                        file: event.addition, intent: event.id, sequence: event.sequence, kind: event.kind,
                        whyNot: whyNot))
            }
        }
        return LedgerCommitRead(
            id: id, index: index, committerTime: commit.committer.date, problems: problems, intents: intents,
            events: judged, anchor: anchor, anchorOffChain: anchorOffChain, unanchored: unanchored,
            regression: regression, position: judgedAt, clock: judgedClock, signature: signature,
            signatureDetail: signatureDetail, signers: signers)
    }

    /// Why an event of `kind` in `commit` does not count, or nil when it
    /// does: the one place that decides it (SPEC §3).
    private func judge(
        _ kind: AuditEventKind, intent: IntentID, commit: CommitInfo, signature: LedgerSignature,
        signatureDetail: String,
        signers: Set<Principal>, under position: GovernanceTimeline.Point?, unanchored: Bool
    ) throws -> String? {
        guard let position else {
            return "\(kind) event in ledger commit \(commit.id.hex) does not count: no governance state is trusted"
        }
        let policy = position.trusted.policy
        // Only `resolved` and `withdrawn` depend on the intent (its tier, its
        // proposer): read it as it stood in the commit's own tree, under the
        // policy of its position. A malformed intent has neither: nobody.
        var tier: Tier?
        var proposer: Principal?
        if kind == .resolved || kind == .withdrawn {
            let path = LedgerPath.intent(intent).path
            // No intent file, or one that does not parse, is neither; one
            // that cannot be read throws.
            let parsed = try repository.recordIfPresent(at: path, inTree: commit.tree)
                .flatMap { try? Intent.parse($0, expectedPath: path) }
            tier = parsed?.effectiveTier(policy)
            proposer = parsed?.proposer
        }
        guard !EventAuthority.isEntitled(signers, toWrite: kind, tier: tier, proposer: proposer, policy: policy) else {
            return nil
        }
        let under =
            unanchored
            ? "under governance \(position.commit.hex), the newest trusted (the commit has no usable Writ-Governance "
                + "anchor)"
            : "under governance \(position.commit.hex)"
        switch signature {
        case .unsigned:
            return "unsigned \(kind) event: ledger commit \(commit.id.hex) is not signed (\(signatureDetail))"
        case .untrusted:
            return
                "forged \(kind) event: ledger commit \(commit.id.hex) is not signed by a trusted key \(under) (\(signatureDetail))"
        case .trusted:
            let who = signers.map(\.rawValue).sorted().joined(separator: ", ")
            return
                "unentitled \(kind) event: ledger commit \(commit.id.hex) is signed by \(who), who may not write \(kind) \(under)"
        }
    }

    private var repository: Repository { ops.repository }

    /// Why a change breaks the ledger's append-only rule, or nil when it is a
    /// plain addition of a regular file at a ledger path.
    static func appendProblem(_ change: TreeChange) -> String? {
        switch change.kind {
        case .removed: return "removes \(change.path)"
        case .modified: return "changes \(change.path)"
        case .added:
            guard let entry = change.new, entry.kind == .blob else {
                return
                    "adds \(change.path) as a \(change.new?.kind.rawValue ?? "non-file"); only regular files belong on the ledger"
            }
            guard LedgerPath(change.path) != nil else {
                return "adds \(change.path), which is not an intents/ or audit/ path"
            }
            return nil
        }
    }

    /// The signature state of a ledger commit under `trusted`, with key
    /// validity checked at `date` (τ, never the commit's own dates), through
    /// `cache` (the run's ``VerificationCache``; nil for none).
    package static func signature(
        of commit: ObjectID, in repository: Repository, trusted: AllowedSigners, at date: Date,
        cache: VerificationCache?
    ) throws -> (LedgerSignature, Set<Principal>, String) {
        switch try repository.commitSignature(commit) {
        case .unsigned(let reason):
            return (.unsigned, [], reason.rawValue)
        case .signed(let armored, let payload):
            do {
                let found = try SignatureVerifier.signers(
                    armored: Array(armored.utf8), message: payload, namespace: SignatureNamespace.commit,
                    allowedSigners: trusted, at: date, cache: cache)
                let principals = Set(found.principals.compactMap(Principal.init))
                guard !principals.isEmpty else {
                    return (.untrusted, [], "the key is trusted only under a pattern, not a principal")
                }
                return (
                    .trusted, principals, "signed by " + principals.map(\.rawValue).sorted().joined(separator: ", ")
                )
            } catch {
                return (.untrusted, [], error.description)
            }
        }
    }
}
