import Foundation
import WritCore

/// One governance commit whose files the trust walk adopted, with who
/// committed it and how it is signed.
package struct GovernanceAdoption: Sendable, Encodable {
    package let commit: ObjectID
    /// The governance digest of the state it adopted.
    package let digest: ContentDigest
    package let attestation: CommitAttestation

    private enum Keys: String, CodingKey { case commit, digest, committer }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(commit, forKey: .commit)
        try container.encode(digest, forKey: .digest)
        try container.encode(attestation, forKey: .committer)
    }
}

/// The governance an auditor checks by hand: the trusted allowed_signers
/// key by key, and every adoption with its committer and signature
/// (`writ governance status`, the report, `writ log --all`).
package struct GovernanceAudit: Sendable {
    /// The governance commit `signers` is read from: the trusted head, or
    /// the last trusted state when the head is not.
    package let signersCommit: ObjectID
    package let signers: [SignerListing]
    /// Adopted commits after the trust root, oldest first.
    package let adoptions: [GovernanceAdoption]

    package init(ops: OpsRepo, trustRoot: ObjectID, now: Date) throws {
        try self.init(
            ops: ops, timeline: GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: now, requireTrustedHead: false))
    }

    init(ops: OpsRepo, timeline: GovernanceTimeline) throws {
        let state = timeline.head.trusted
        signersCommit = state.commit
        signers = SignerListing.read(String(decoding: state.signersBytes, as: UTF8.self))
        var adoptions: [GovernanceAdoption] = []
        for (previous, point) in zip(timeline.points, timeline.points.dropFirst())
        where point.headTrusted && point.trusted.commit == point.commit && previous.trusted.commit != point.commit {
            adoptions.append(
                GovernanceAdoption(
                    commit: point.commit, digest: point.trusted.digest,
                    attestation: try CommitAttestation.read(
                        point.commit, in: ops.repository, signers: [previous.trusted.signers, point.trusted.signers],
                        cache: ops.verificationCache)))
        }
        self.adoptions = adoptions
    }
}

/// `writ log --all`: the ledger's events with what led to them on both
/// branches, in one timeline: proposals (intent files as the ledger
/// received them), approval and denial records with the governance merge
/// that brought each version in (`ApprovalAttribution`), and governance
/// adoptions. Newest first.
package enum AuditTimeline {
    /// An intent file as the ledger received it.
    package struct Proposal: Sendable, Encodable {
        package let intent: IntentID
        package let path: String
        /// The ledger commit that added it, and that commit's time.
        package let commit: ObjectID
        package let commitTime: Timestamp
        /// Nil when the file does not parse.
        package let proposer: Principal?
        package let kind: String?
        package let summary: String?
        package let createdAt: Timestamp?

        private enum Keys: String, CodingKey {
            case intent, path, commit, proposer, kind, summary
            case commitTime = "commit_time"
            case createdAt = "created_at"
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(intent, forKey: .intent)
            try container.encode(path, forKey: .path)
            try container.encode(commit, forKey: .commit)
            try container.encode(commitTime, forKey: .commitTime)
            try container.encode(proposer, forKey: .proposer)
            try container.encode(kind, forKey: .kind)
            try container.encode(summary, forKey: .summary)
            try container.encode(createdAt, forKey: .createdAt)
        }
    }

    /// An approval or denial record version brought in by a first-parent
    /// governance commit (or removed by one: `decision` is then nil and
    /// `removed` true).
    package struct Approval: Sendable, Encodable {
        package let intent: IntentID
        /// From the record's file name.
        package let principal: String
        package let path: String
        /// `approve` or `deny`; nil when removed or unreadable.
        package let decision: String?
        package let removed: Bool
        /// The governance merge that brought it in, who committed it and
        /// how it is signed.
        package let merge: CommitAttestation

        private enum Keys: String, CodingKey { case intent, principal, path, decision, removed, merge }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(intent, forKey: .intent)
            try container.encode(principal, forKey: .principal)
            try container.encode(path, forKey: .path)
            try container.encode(decision, forKey: .decision)
            try container.encode(removed, forKey: .removed)
            try container.encode(merge, forKey: .merge)
        }
    }

    package enum Entry: Sendable {
        case event(AuditedEvent)
        case proposal(Proposal)
        case approval(Approval)
        case adoption(GovernanceAdoption)

        /// The JSON line's `type`.
        package var type: String {
            switch self {
            case .event: "event"
            case .proposal: "proposal"
            case .approval: "approval"
            case .adoption: "adoption"
            }
        }

        /// The commit time the timeline is ordered by.
        package var time: Timestamp {
            switch self {
            case .event(let event): event.commitTime
            case .proposal(let proposal): proposal.commitTime
            case .approval(let approval): approval.merge.committedAt
            case .adoption(let adoption): adoption.attestation.committedAt
            }
        }

        /// The commit the entry came in with.
        package var commit: ObjectID {
            switch self {
            case .event(let event): event.commit
            case .proposal(let proposal): proposal.commit
            case .approval(let approval): approval.merge.commit
            case .adoption(let adoption): adoption.commit
            }
        }

        /// Encodes the entry's own object (the CLI adds `type`).
        package func encode(with body: (any Encodable) throws -> Void) rethrows {
            switch self {
            case .event(let event): try body(event)
            case .proposal(let proposal): try body(proposal)
            case .approval(let approval): try body(approval)
            case .adoption(let adoption): try body(adoption)
            }
        }

        /// `writ log --all`'s text line after the commit and time: who, what
        /// and, for governance, the committer and signature; escaped.
        package var text: String {
            switch self {
            case .event(let event):
                let signers =
                    event.signers.isEmpty
                    ? event.signature.rawValue : event.signers.map(\.rawValue).joined(separator: ",")
                return "\(TerminalText.escape(signers))  \(event.counts ? "counts" : "IGNORED")  "
                    + TerminalText.escape(event.summary)
            case .proposal(let proposal):
                let who = proposal.proposer?.rawValue ?? "?"
                let what =
                    proposal.kind.map { "\($0): \(proposal.summary ?? "")" } ?? "malformed intent file \(proposal.path)"
                return TerminalText.escape("\(who)  proposal  proposed \(proposal.intent) (\(what))")
            case .approval(let approval):
                let what =
                    approval.removed
                    ? "record of \(approval.principal) for \(approval.intent) removed"
                    : "\(approval.decision ?? "unreadable record") of \(approval.intent) by \(approval.principal)"
                return TerminalText.escape(approval.principal) + "  approval  " + TerminalText.escape(what)
                    + ", merged by \(approval.merge.committer), \(approval.merge.signatureText)"
            case .adoption(let adoption):
                return "\(TerminalText.escape(adoption.attestation.committerEmail))  adoption  governance "
                    + "\(adoption.digest) adopted, committed by \(adoption.attestation.committer), "
                    + adoption.attestation.signatureText
            }
        }
    }

    /// Every entry, newest first. The ledger's entries keep their ledger
    /// order and the governance branch's their chain order; the two are
    /// merged by commit time (committer clocks are their writers', so
    /// neither branch's own order is ever changed by them).
    package static func entries(audit: LedgerAudit, ops: OpsRepo) throws -> [Entry] {
        let repository = ops.repository
        // The ledger: each intent file before the events of the same commit.
        var proposalsAt: [Int: [Proposal]] = [:]
        for (id, file) in audit.intents {
            let commit = audit.chain[file.index]
            let intent = try? Intent.parse(file.bytes, expectedPath: LedgerPath.intent(id).path)
            proposalsAt[file.index, default: []].append(
                Proposal(
                    intent: id, path: LedgerPath.intent(id).path, commit: commit,
                    commitTime: Timestamp(try repository.commit(commit).committer.date), proposer: intent?.proposer,
                    kind: intent?.kind, summary: intent?.summary, createdAt: intent?.createdAt))
        }
        var ledger: [Entry] = []
        var eventIndex = 0
        for index in audit.chain.indices {
            for proposal in (proposalsAt[index] ?? []).sorted(by: { $0.intent < $1.intent }) {
                ledger.append(.proposal(proposal))
            }
            while eventIndex < audit.events.count, audit.events[eventIndex].commitIndex == index {
                ledger.append(.event(audit.events[eventIndex]))
                eventIndex += 1
            }
        }
        ledger += audit.events[eventIndex...].map(Entry.event)

        // The governance branch: records by their merge, adoptions.
        let timeline = audit.governance
        var governance: [Entry] = []
        var attestations: [ObjectID: CommitAttestation] = [:]
        func attest(_ commit: ObjectID) throws -> CommitAttestation {
            if let known = attestations[commit] { return known }
            let point = timeline.point(commit)
            let before = point.map { timeline.points[max(0, $0.index - 1)].trusted } ?? timeline.start.trusted
            let attested = try CommitAttestation.read(
                commit, in: repository, signers: [before.signers, (point?.trusted ?? before).signers],
                cache: ops.verificationCache)
            attestations[commit] = attested
            return attested
        }
        let adopted = Dictionary(
            try GovernanceAudit(ops: ops, timeline: timeline).adoptions.map { ($0.commit, $0) },
            uniquingKeysWith: { first, _ in first })
        var arrivals: [ObjectID: [ApprovalAttribution.Arrival]] = [:]
        let chain = try ApprovalAttribution.walk(repository, after: nil, to: timeline.head.commit) { arrival in
            arrivals[arrival.commit, default: []].append(arrival)
        }
        for commit in chain {
            for arrival in arrivals[commit] ?? [] {
                // Absent at the merge is a removal; a record that cannot be
                // read throws, never reported as removed.
                let bytes = try repository.recordIfPresent(
                    at: arrival.record, inTree: try repository.commitTree(commit))
                let record = bytes.flatMap { try? ApprovalRecord.parse($0, expectedPath: arrival.record) }
                let name = arrival.record.split(separator: "/").last.map { String($0.dropLast(".toml".count)) } ?? ""
                governance.append(
                    .approval(
                        Approval(
                            intent: arrival.intent, principal: name, path: arrival.record,
                            decision: record?.decision.rawValue, removed: bytes == nil, merge: try attest(commit))))
            }
            if let adoption = adopted[commit] { governance.append(.adoption(adoption)) }
        }

        // Oldest first, merged by time; then newest first.
        var merged: [Entry] = []
        merged.reserveCapacity(ledger.count + governance.count)
        var left = 0
        var right = 0
        while left < ledger.count || right < governance.count {
            if right == governance.count || (left < ledger.count && ledger[left].time <= governance[right].time) {
                merged.append(ledger[left])
                left += 1
            } else {
                merged.append(governance[right])
                right += 1
            }
        }
        return merged.reversed()
    }
}
