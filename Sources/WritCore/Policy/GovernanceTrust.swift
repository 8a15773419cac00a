import Foundation

/// One first-parent governance commit's files; nil when a file is absent.
package struct GovernanceCommit: Sendable, Equatable {
    package let commit: ObjectID
    package let policyBytes: Data?
    package let signersBytes: Data?
    package init(commit: ObjectID, policyBytes: Data?, signersBytes: Data?) {
        self.commit = commit
        self.policyBytes = policyBytes
        self.signersBytes = signersBytes
    }
}

/// A governance record with its signatures, as read from one commit's tree.
package struct GovernanceRecordEvidence: Sendable, Equatable {
    /// `approvals/_governance/<digest-hex>/<principal>.toml`
    package let path: String
    package let bytes: Data
    /// The `.toml.sig` next to it, nil when absent.
    package let signature: Data?
    /// The `.toml.next.sig` next to it (the same bytes signed with the
    /// approver's new key, when the change rotates it), nil when absent.
    package let nextSignature: Data?

    package init(path: String, bytes: Data, signature: Data?, nextSignature: Data? = nil) {
        self.path = path
        self.bytes = bytes
        self.signature = signature
        self.nextSignature = nextSignature
    }
}

/// The outcome of walking the governance branch from the trust root.
package struct GovernanceVerdict: Sendable {
    /// The state to decide with; nil when nothing may run.
    package let trusted: GovernanceState?
    /// Nil when the head's state is trusted.
    package let reason: ReasonCode?
    package let detail: String
    /// The commits whose state became trusted, oldest first.
    package let adopted: [ObjectID]
    package init(trusted: GovernanceState?, reason: ReasonCode?, detail: String, adopted: [ObjectID]) {
        self.trusted = trusted
        self.reason = reason
        self.detail = detail
        self.adopted = adopted
    }
}

/// Governance trust (SPEC §5): which `policy.toml` and `allowed_signers`
/// decide, starting from a pinned trust root and rotating only on a quorum
/// of both the old and the new policy, as TUF rotates its root.
package enum GovernanceTrust {
    /// Walks `history` (the first-parent commits after `root`, oldest first,
    /// ending at the head), keeping the trusted state T.
    ///
    /// A commit whose files equal T's changes nothing. Any other commit's
    /// state becomes T only when its own tree holds, for its digest, a
    /// quorum per T (verified with T's signers) and a quorum per itself
    /// (verified with its own signers), both counting only records whose
    /// `replaces` names T's digest; otherwise it is pending, and a later
    /// commit may complete the quorum. Binding each record to the state it
    /// replaces is what stops a rollback: records that once adopted a state
    /// were made to replace an earlier T, so they never re-adopt it.
    ///
    /// If the head's files are not T's, the verdict is `policy_unapproved`
    /// and nothing is trusted. A malformed root is `policy_malformed`; a
    /// malformed later state is only pending.
    ///
    /// `records(commit, digest)` reads `approvals/_governance/<digest-hex>/`
    /// in that commit's tree; its errors (I/O) propagate.
    package static func evaluate(
        root: GovernanceCommit, history: [GovernanceCommit],
        records: (ObjectID, ContentDigest) throws -> [GovernanceRecordEvidence], now: Date,
        cache: VerificationCache? = nil
    ) rethrows -> GovernanceVerdict {
        let rootState: GovernanceState
        do {
            guard let policy = root.policyBytes else {
                throw WritError(.policyMalformed, "policy.toml is missing at the trust root")
            }
            guard let signers = root.signersBytes else {
                throw WritError(.policyMalformed, "allowed_signers is missing at the trust root")
            }
            rootState = try GovernanceState(commit: root.commit, policyBytes: policy, signersBytes: signers)
        } catch {
            let detail = (error as? WritError)?.detail ?? "the trust root's governance files do not parse"
            return GovernanceVerdict(
                trusted: nil, reason: .policyMalformed, detail: "trust root \(root.commit): \(detail)", adopted: [])
        }

        var trusted = rootState
        var adopted: [ObjectID] = []
        var lastPending: String?
        for commit in history {
            if commit.policyBytes == trusted.policyBytes && commit.signersBytes == trusted.signersBytes {
                lastPending = nil
                continue
            }
            guard let policyBytes = commit.policyBytes, let signersBytes = commit.signersBytes else {
                lastPending = "commit \(commit.commit) lacks policy.toml or allowed_signers"
                continue
            }
            let candidate: GovernanceState
            do {
                candidate = try GovernanceState(
                    commit: commit.commit, policyBytes: policyBytes, signersBytes: signersBytes)
            } catch {
                let detail = (error as? WritError)?.detail ?? "governance files do not parse"
                lastPending = "commit \(commit.commit) is pending and malformed: \(detail)"
                continue
            }
            // Digests alone can repeat (T0 → T1 → T0 → T1): a change is
            // adoptable only at the next version, as TUF root versions are.
            if let problem = versionProblem(candidate, after: trusted) {
                lastPending = "commit \(commit.commit) (\(candidate.digest)) is pending: \(problem)"
                continue
            }
            let found = try records(commit.commit, candidate.digest)
            let old = quorum(
                for: candidate.digest, replacing: trusted.digest, records: found, under: trusted, now: now,
                cache: cache)
            let new = quorum(
                for: candidate.digest, replacing: trusted.digest, records: found, under: candidate, now: now,
                cache: cache)
            if old.met && new.met {
                trusted = candidate
                adopted.append(commit.commit)
                lastPending = nil
            } else {
                var detail =
                    "commit \(commit.commit) (\(candidate.digest)) is pending: "
                    + "quorum of the trusted policy \(old.met ? "met" : "not met") (\(old.counted.count) of \(trusted.policy.governance.approvals)), "
                    + "of the new policy \(new.met ? "met" : "not met") (\(new.counted.count) of \(candidate.policy.governance.approvals))"
                // Say so when records were made for another transition: the
                // usual cause is a return to an earlier state with its old records.
                let stale = Set(old.discarded.filter { $0.reason == .digestMismatch }.map(\.path)).count
                if stale > 0 {
                    detail +=
                        "; \(stale) record\(stale == 1 ? " replaces" : "s replace") another state than the trusted "
                        + "\(trusted.digest) and cannot count (a return to an earlier state needs fresh records)"
                }
                lastPending = detail
            }
        }

        let head = history.last ?? root
        guard head.policyBytes == trusted.policyBytes && head.signersBytes == trusted.signersBytes else {
            return GovernanceVerdict(
                trusted: nil, reason: .policyUnapproved,
                detail: lastPending
                    ?? "the governance head \(head.commit) differs from the trusted state of \(trusted.commit)",
                adopted: adopted)
        }
        return GovernanceVerdict(
            trusted: trusted, reason: nil,
            detail: "trusted governance state of commit \(trusted.commit) (\(trusted.digest))",
            adopted: adopted)
    }

    /// Why `candidate` cannot replace `trusted` whatever records it holds:
    /// its `[governance] version` is not exactly the trusted one's + 1. Nil
    /// when the version is the next one.
    package static func versionProblem(_ candidate: GovernanceState, after trusted: GovernanceState) -> String? {
        let next = trusted.policy.governanceVersion + 1
        let version = candidate.policy.governanceVersion
        guard version != next else { return nil }
        return "its [governance] version is \(version), and a change of the trusted state (version "
            + "\(trusted.policy.governanceVersion)) is adoptable only as version \(next)"
            + (version <= trusted.policy.governanceVersion ? " (an earlier state is never adopted again)" : "")
    }

    /// Whether `records` hold a quorum for the transition from `replaced`
    /// to `digest` per `state`'s `[governance]`: that many distinct
    /// principals with distinct keys, each holding a governance role, each
    /// record an `approve` of exactly `digest` whose `replaces` is exactly
    /// `replaced`, filed under its approver, with its `.sig` or its
    /// `.next.sig` (whichever verifies) signed under `writ-governance` by a
    /// key `state`'s allowed_signers trusts at `now`.
    ///
    /// The two signature files let a principal whose own key the change
    /// rotates count in both quorums: the old key's `.sig` under the old
    /// signers, the new key's `.next.sig` under the new ones. Each verified
    /// key is a candidate for the one principal, so a principal still counts
    /// once and a key still counts once.
    ///
    /// A record for another transition (its `replaces` differs) is discarded
    /// as `digest_mismatch`: it binds to a state other than the one being
    /// replaced, as an approval whose `intent_digest` differs binds to other
    /// intent bytes (docs/records.md).
    ///
    /// `counted` is sorted; `discarded` lists every record that does not count.
    package static func quorum(
        for digest: ContentDigest, replacing replaced: ContentDigest, records: [GovernanceRecordEvidence],
        under state: GovernanceState, now: Date, cache: VerificationCache? = nil
    ) -> (met: Bool, counted: [Principal], discarded: [DiscardedRecord]) {
        var discarded: [DiscardedRecord] = []
        var candidates: [DistinctSignerMatching.Candidate] = []
        for evidence in records {
            let filedUnder: Principal? =
                if case .governanceRecord(_, let principal) = GovernancePath(evidence.path) { principal } else { nil }
            func discard(_ reason: ReasonCode, _ detail: String) {
                discarded.append(
                    DiscardedRecord(
                        kind: .governance, path: evidence.path, commit: nil, principal: filedUnder, reason: reason,
                        detail: detail))
            }
            guard case .governanceRecord(let pathDigest, _) = GovernancePath(evidence.path) else {
                discard(.approvalMalformed, "\(quoted: evidence.path) is not a governance record path")
                continue
            }
            guard pathDigest == digest else {
                discard(.approvalMalformed, "record is filed under \(pathDigest), not \(digest)")
                continue
            }
            let record: GovernanceRecord
            do {
                record = try GovernanceRecord.parse(evidence.bytes, expectedPath: evidence.path)
            } catch {
                discard(.approvalMalformed, (error as? WritError)?.detail ?? "governance record does not parse")
                continue
            }
            guard record.replaces == replaced else {
                discard(
                    .digestMismatch,
                    "record replaces \(record.replaces), but the state being replaced is \(replaced): it was made for another transition"
                )
                continue
            }
            let signatures = [(evidence.signature, ".sig"), (evidence.nextSignature, ".next.sig")]
                .compactMap { signature, suffix in signature.map { ($0, suffix) } }
            guard !signatures.isEmpty else {
                discard(.approvalSignatureInvalid, "\(evidence.path).sig is missing")
                continue
            }
            var keys: [[UInt8]] = []
            var failures: [(reason: ReasonCode, detail: String)] = []
            for (signature, suffix) in signatures {
                do {
                    let verified = try SignatureVerifier.verify(
                        armored: signature, message: evidence.bytes, principal: record.approver.rawValue,
                        namespace: GovernanceRecord.signatureNamespace, allowedSigners: state.signers, at: now,
                        cache: cache)
                    if !keys.contains(verified.key.blob) { keys.append(verified.key.blob) }
                } catch {
                    failures.append(
                        (
                            error.reasonCode(namespace: GovernanceRecord.signatureNamespace),
                            "\(record.approver.rawValue).toml\(suffix): \(error.description)"
                        ))
                }
            }
            guard !keys.isEmpty else {
                // Neither file verifies: the first failure (the `.sig`'s when
                // there is one) names the reason; the detail gives both.
                discard(failures[0].reason, failures.map(\.detail).joined(separator: "; "))
                continue
            }
            guard state.policy.isGovernor(record.approver) else {
                discard(.signerNotAuthorized, "\(quoted: record.approver.rawValue) holds no [governance] role")
                continue
            }
            guard record.decision == .approve else {
                discard(.denied, "\(quoted: record.approver.rawValue) decided \(record.decision)")
                continue
            }
            candidates += keys.map { .init(principal: record.approver, key: $0) }
        }
        let chosen = DistinctSignerMatching.match(candidates)
        let counted = chosen.map { candidates[$0].principal }.sorted()
        return (counted.count >= state.policy.governance.approvals, counted, discarded)
    }
}
