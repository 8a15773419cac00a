import Foundation

/// A break-glass run of an intent (SPEC §4.7): who broke glass, why, and
/// where the review that is due afterwards stands.
///
/// The engine fills it for every intent with a valid `break_glass` record,
/// open or settled: the run happened (or is about to), and the review is
/// judged after it, at the reader's clock.
public struct BreakGlassRun: Sendable, Equatable {
    /// Where the review stands.
    public enum Review: String, Sendable, Hashable, Codable, CaseIterable {
        /// Not complete, and `review_by` has not come.
        case pending
        /// Not complete at or after `review_by` (`review_overdue`).
        case overdue
        /// `review_approvals` distinct principals with distinct keys ratified it, and nobody rejected it.
        case ratified
        /// A reviewer who counts rejected it.
        case rejected
    }

    /// One review record that counts.
    public struct Reviewer: Sendable, Equatable {
        public let approver: Principal
        /// `ratify` or `reject`.
        public let decision: Decision
        /// The governance commit that introduced the record.
        package let commit: ObjectID
    }

    /// The principal whose `break_glass` record counts.
    public let approver: Principal
    /// The record's note: untrusted text, escaped by every view.
    public let reason: String
    /// The record's path on the governance branch.
    package let recordPath: String
    /// The governance commit that introduced the record.
    package let recordCommit: ObjectID
    /// When that commit landed (governance time); nil when unknown.
    public let mergedAt: Timestamp?
    /// When the review is due: the merge time plus `review_within`, or the
    /// counting `break_glass` event's `review_by` when that is earlier; nil
    /// when neither is known (then the review counts as due already).
    public let reviewBy: Timestamp?
    /// The counting `break_glass` event's path, once the dispatcher wrote it.
    package let eventPath: String?
    public let review: Review
    /// How many ratify records complete the review (`review_approvals`).
    public let reviewsRequired: Int
    /// Every review record that counts, by principal.
    public let reviewers: [Reviewer]

    package init(
        approver: Principal, reason: String, recordPath: String, recordCommit: ObjectID, mergedAt: Timestamp?,
        reviewBy: Timestamp?, eventPath: String?, review: Review, reviewsRequired: Int, reviewers: [Reviewer]
    ) {
        self.approver = approver
        self.reason = reason
        self.recordPath = recordPath
        self.recordCommit = recordCommit
        self.mergedAt = mergedAt
        self.reviewBy = reviewBy
        self.eventPath = eventPath
        self.review = review
        self.reviewsRequired = reviewsRequired
        self.reviewers = reviewers
    }

    /// The principals who ratified it.
    public var ratifiedBy: [Principal] { reviewers.filter { $0.decision == .ratify }.map(\.approver) }
    /// The principals who rejected it.
    public var rejectedBy: [Principal] { reviewers.filter { $0.decision == .reject }.map(\.approver) }
    /// Whether the review is complete (ratified or rejected).
    public var isReviewed: Bool { review == .ratified || review == .rejected }
}

/// The pure rules of a break-glass run and its review (SPEC §4.7).
package enum BreakGlassReview {
    /// The break-glass record that counts among valid ones: the earliest
    /// merged (by governance time, an unknown time last), then by path.
    package static func counting(_ records: [ApprovalCheck.Valid]) -> ApprovalCheck.Valid? {
        records.min { lhs, rhs in
            let left = lhs.evidence.committedAt ?? .distantFuture
            let right = rhs.evidence.committedAt ?? .distantFuture
            return (left, lhs.evidence.path) < (right, rhs.evidence.path)
        }
    }

    /// The run of `record`, its review judged at `now` from the valid
    /// `reviews` (ratify and reject records that passed `ApprovalCheck`).
    /// A review by the break-glass approver is discarded (`self_approval`);
    /// so is a second copy of one record. `event` is the counting
    /// `break_glass` event, when the dispatcher wrote it.
    package static func run(
        _ record: ApprovalCheck.Valid, reviews: [ApprovalCheck.Valid], event: CountingEvent?, rule: BreakGlassRule?,
        now: Date
    ) -> (run: BreakGlassRun, discarded: [DiscardedRecord]) {
        let approver = record.record.approver
        let mergedAt = record.evidence.committedAt.map(Timestamp.init(secondsSinceEpochOf:))
        let computed = mergedAt.flatMap { merged in rule.map { merged.adding(seconds: $0.reviewWithin) } }
        let recorded = event?.event.payload.breakGlassReview?.reviewBy
        // Fail closed: the event's deadline and the policy's agree when both
        // are honest; when they do not, the earlier one holds.
        let reviewBy: Timestamp? =
            switch (computed, recorded) {
            case (let a?, let b?): min(a, b)
            case (let a?, nil): a
            case (nil, let b?): b
            case (nil, nil): nil
            }

        var discarded: [DiscardedRecord] = []
        var seen = Set<[UInt8]>()
        var valid: [ApprovalCheck.Valid] = []
        for review in reviews.sorted(by: {
            ($0.record.approver, $0.evidence.path) < ($1.record.approver, $1.evidence.path)
        }) {
            guard review.record.approver != approver else {
                discarded.append(
                    DiscardedRecord(
                        kind: .approval, path: review.evidence.path, commit: review.evidence.commit,
                        principal: review.record.approver, reason: .selfApproval,
                        detail: "the break-glass approver cannot review their own run"))
                continue
            }
            guard seen.insert(review.key.blob + Array(review.recordDigest.hex.utf8)).inserted else { continue }
            valid.append(review)
        }
        // Distinct principals with distinct keys, as for a quorum; a reject
        // that counts settles the review as rejected whatever the ratify count.
        let chosen = DistinctSignerMatching.match(
            valid.map { .init(principal: $0.record.approver, key: $0.key.blob) })
        var reviewers: [BreakGlassRun.Reviewer] = []
        for index in chosen {
            let review = valid[index]
            reviewers.append(
                BreakGlassRun.Reviewer(
                    approver: review.record.approver, decision: review.record.decision,
                    commit: review.evidence.commit))
        }
        for (index, review) in valid.enumerated() where !chosen.contains(index) {
            discarded.append(
                DiscardedRecord(
                    kind: .approval, path: review.evidence.path, commit: review.evidence.commit,
                    principal: review.record.approver, reason: .notApproved,
                    detail:
                        "review signed with key \(review.key.fingerprint), which already counts for another principal"))
        }
        reviewers.sort { ($0.approver, $0.decision.rawValue) < ($1.approver, $1.decision.rawValue) }

        let required = rule?.reviewApprovals ?? 1
        let ratified = reviewers.filter { $0.decision == .ratify }.count
        let state: BreakGlassRun.Review
        if reviewers.contains(where: { $0.decision == .reject }) {
            state = .rejected
        } else if ratified >= required {
            state = .ratified
        } else if let reviewBy, Timestamp(secondsSinceEpochOf: now) < reviewBy {
            state = .pending
        } else {
            state = .overdue
        }
        let run = BreakGlassRun(
            approver: approver, reason: record.record.note ?? "", recordPath: record.evidence.path,
            recordCommit: record.evidence.commit, mergedAt: mergedAt, reviewBy: reviewBy, eventPath: event?.path,
            review: state, reviewsRequired: required, reviewers: reviewers)
        return (run, discarded)
    }
}
