import Foundation

/// Records signed on an intent's approval branch (`approval/<id>`, local or
/// remote-tracking) and not merged into the governance branch yet, each
/// judged as if merged: the same §4 checks, under the same trusted
/// governance and clock, as the decision engine applies to merged records.
/// Nothing here ever counts: only a merged record does (SPEC §4 rule 4).
/// It tells approvers and operators what merging the branch would do.
package struct BranchApprovals: Sendable, Equatable, Codable {
    /// One record on the branch that the governance branch does not hold.
    package struct Record: Sendable, Equatable, Codable {
        /// The principal it is filed under (or signed as), when it can be told.
        package let principal: Principal?
        /// `approve` or `deny`; nil when the record does not parse.
        package let decision: Decision?
        /// Its governance-layout path.
        package let path: String
        /// The reference it was read from (`refs/heads/approval/<id>` or
        /// `refs/remotes/<remote>/approval/<id>`).
        package let ref: String
        /// That reference's tip.
        package let commit: ObjectID
        /// Whether, once merged, it would count towards the quorum.
        package let counts: Bool
        /// Why it would not count (a deny that would block is `denied`);
        /// nil when it counts or adds nothing new.
        package let reason: ReasonCode?
        package let detail: String

        package enum CodingKeys: String, CodingKey {
            case principal, decision, path, ref, commit, counts, reason, detail
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(principal, forKey: .principal)
            try container.encode(decision, forKey: .decision)
            try container.encode(path, forKey: .path)
            try container.encode(ref, forKey: .ref)
            try container.encode(commit, forKey: .commit)
            try container.encode(counts, forKey: .counts)
            try container.encode(reason, forKey: .reason)
            try container.encode(detail, forKey: .detail)
        }
    }

    /// `approval/<id>`.
    package let branch: String
    /// Sorted by principal, then path, then reference.
    package let records: [Record]
    /// The approvals that would count once the branch is merged (merged
    /// ones included).
    package let approvalsIfMerged: Int
    /// What the tier needs.
    package let required: Int
    /// Whether merging the branch would make the intent ready.
    package let readyIfMerged: Bool
    /// What would still block it after the merge; nil when it would be ready.
    package let reasonIfMerged: ReasonCode?
    /// The tier's `require` groups as they would be counted once the branch
    /// is merged (SPEC §4.6); empty when the tier has none.
    package var groupsIfMerged: [GroupTally] = []

    package enum CodingKeys: String, CodingKey {
        case branch, records, required
        case approvalsIfMerged = "approvals_if_merged"
        case readyIfMerged = "ready_if_merged"
        case reasonIfMerged = "reason_if_merged"
        case groupsIfMerged = "groups_if_merged"
    }

    package init(
        branch: String, records: [Record], approvalsIfMerged: Int, required: Int, readyIfMerged: Bool,
        reasonIfMerged: ReasonCode?, groupsIfMerged: [GroupTally] = []
    ) {
        self.branch = branch
        self.records = records
        self.approvalsIfMerged = approvalsIfMerged
        self.required = required
        self.readyIfMerged = readyIfMerged
        self.reasonIfMerged = reasonIfMerged
        self.groupsIfMerged = groupsIfMerged
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        branch = try container.decode(String.self, forKey: .branch)
        records = try container.decode([Record].self, forKey: .records)
        approvalsIfMerged = try container.decode(Int.self, forKey: .approvalsIfMerged)
        required = try container.decode(Int.self, forKey: .required)
        readyIfMerged = try container.decode(Bool.self, forKey: .readyIfMerged)
        reasonIfMerged = try container.decodeIfPresent(ReasonCode.self, forKey: .reasonIfMerged)
        // A status snapshot written before groups existed has none.
        groupsIfMerged = try container.decodeIfPresent([GroupTally].self, forKey: .groupsIfMerged) ?? []
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(branch, forKey: .branch)
        try container.encode(records, forKey: .records)
        try container.encode(approvalsIfMerged, forKey: .approvalsIfMerged)
        try container.encode(required, forKey: .required)
        try container.encode(readyIfMerged, forKey: .readyIfMerged)
        try container.encode(reasonIfMerged, forKey: .reasonIfMerged)
        try container.encode(groupsIfMerged, forKey: .groupsIfMerged)
    }

    /// Whether the branch holds the quorum: merging it completes the
    /// approvals, the tier's own count and every `require` group.
    package var holdsQuorum: Bool { approvalsIfMerged >= required && groupsIfMerged.allSatisfy(\.met) }

    /// The groups merging the branch would still leave unmet, as
    /// `1 of [security]`, in policy order.
    package var unmetGroupsIfMerged: [String] { groupsIfMerged.filter { !$0.met }.map(\.group.label) }

    /// The principals whose records on the branch would count once merged.
    package var signers: [Principal] { records.filter(\.counts).compactMap(\.principal) }

    /// "signed on approval/<id>, not merged yet: alice ✓ carol ✓ → merging
    /// makes it ready", for terminal views (principals are validated, a
    /// path stands in escaped, reason codes are from the closed vocabulary).
    package var summary: String {
        let marks = records.map { record in
            let who = record.principal?.rawValue ?? UntrustedText.terminal(record.path)
            if record.counts { return "\(who) ✓" }
            if record.decision == .deny, record.reason == .denied { return "\(who) ✗ deny" }
            return "\(who) ✗ \(record.reason?.rawValue ?? "adds nothing")"
        }
        return "signed on \(branch), not merged yet: " + marks.joined(separator: " ") + " → " + outcome
    }

    /// What merging the branch would do, in words.
    package var outcome: String {
        if readyIfMerged { return "merging makes it ready" }
        if let reasonIfMerged, reasonIfMerged == .denied { return "merging it would deny the intent" }
        if holdsQuorum {
            return "merging completes the approvals (\(approvalsIfMerged) of \(required)); then still "
                + (reasonIfMerged?.rawValue ?? "blocked")
        }
        let groups = unmetGroupsIfMerged
        return "merging gives \(approvalsIfMerged) of \(required) approvals"
            + (groups.isEmpty
                ? "" : "; group(s) still unmet: " + UntrustedText.terminal(groups.joined(separator: ", ")))
    }
}

extension DecisionEngine {
    /// What merging an intent's approval branch would change: `branch`
    /// holds the records read from its references, `merged` the records the
    /// governance branch holds (the ones the verdict was decided from). A
    /// branch record whose bytes are merged already is left out; the rest
    /// are judged by the same checks, together with the merged ones, as if
    /// the branch were merged now. Nil when nothing on the branch is new or
    /// the intent does not parse.
    package static func projectMerge(
        _ id: IntentID, governance: GovernanceState, intent evidence: IntentEvidence, merged: [ApprovalEvidence],
        branch: [(evidence: ApprovalEvidence, ref: String)], events: [EventEvidence], now: Date
    ) -> BranchApprovals? {
        let mergedBytes = Set(merged.map { ContentDigest.sha256(of: $0.bytes) })
        let pending = branch.filter { !mergedBytes.contains(ContentDigest.sha256(of: $0.evidence.bytes)) }
        guard !pending.isEmpty else { return nil }
        // Merged now, a record would land now at the earliest: a tier's
        // `wait` (SPEC §4.6) counts from then, never from when the record
        // was committed on the branch.
        let landing = pending.map {
            ApprovalEvidence(
                path: $0.evidence.path, bytes: $0.evidence.bytes, signature: $0.evidence.signature,
                commit: $0.evidence.commit, committedAt: max($0.evidence.committedAt ?? now, now))
        }
        let projected = decide(
            governance: governance, intent: evidence, approvals: merged + landing, events: events, now: now)
        guard projected.intent != nil, projected.tier != nil else { return nil }
        // Each record's verdict is read off the projected decision (its
        // counted and discarded lists), so no signature is checked twice.
        let countedPrincipals = Set(projected.counted.map(\.approver))
        let records = pending.map { item -> BranchApprovals.Record in
            let evidence = item.evidence
            let parsed = try? ApprovalRecord.parse(evidence.bytes, expectedPath: evidence.path)
            func record(_ principal: Principal?, _ counts: Bool, _ reason: ReasonCode?, _ detail: String)
                -> BranchApprovals.Record
            {
                BranchApprovals.Record(
                    principal: principal, decision: parsed?.decision, path: evidence.path, ref: item.ref,
                    commit: evidence.commit, counts: counts, reason: reason, detail: detail)
            }
            if let discarded = projected.discarded.first(where: {
                $0.kind == .approval && $0.path == evidence.path && $0.commit == evidence.commit
            }) {
                return record(discarded.principal ?? parsed?.approver, false, discarded.reason, discarded.detail)
            }
            // Not discarded: it parsed and passed every check.
            guard let parsed else {
                return record(nil, false, .approvalMalformed, "approval record does not parse")
            }
            let who = parsed.approver
            if parsed.decision == .deny {
                return record(who, false, .denied, "\(quoted: who.rawValue) denies it: merging blocks it")
            }
            // SPEC §4.7: break-glass never counts toward the quorum; say what merging it does.
            if parsed.decision == .breakGlass {
                return projected.breakGlass?.approver == who
                    ? record(
                        who, false, nil,
                        "break-glass by \(quoted: who.rawValue): merging runs the intent now, past its quorum; "
                            + "the review is due after the merge")
                    : projected.breakGlass == nil
                        ? record(
                            who, false, projected.reason ?? .notApproved,
                            "merging it does not run the intent: \(projected.detail)")
                        : record(who, false, .notApproved, "an earlier break-glass record already counts")
            }
            if parsed.decision.isReview, projected.breakGlass?.reviewers.contains(where: { $0.approver == who }) == true
            {
                return record(who, false, nil, "a \(parsed.decision) review of the break-glass run; counts once merged")
            }
            if countedPrincipals.contains(who) {
                return record(who, true, nil, "signature verified; counts once merged")
            }
            return record(who, false, .notApproved, "adds no approval the merged records do not already give")
        }
        .sorted {
            ($0.principal?.rawValue ?? "", $0.path, $0.ref) < ($1.principal?.rawValue ?? "", $1.path, $1.ref)
        }
        return BranchApprovals(
            branch: "approval/\(id.rawValue)", records: records, approvalsIfMerged: projected.approvalsCounted,
            required: projected.approvalsRequired, readyIfMerged: projected.state == .ready,
            reasonIfMerged: projected.state == .ready ? nil : projected.reason,
            groupsIfMerged: projected.groupTallies)
    }
}
