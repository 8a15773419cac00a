import Foundation
import WritCore

/// A break-glass run as `writ status`, `writ show` and the report give it
/// (SPEC §4.7; docs/json.md, `break_glass`): who broke glass and why, when
/// the review is due, and where it stands. `reason` is untrusted text,
/// escaped by every human view.
package struct BreakGlassStatus: Sendable, Codable, Equatable {
    package let approver: Principal
    package let reason: String
    /// The governance commit that merged the break-glass record.
    package let recordCommit: ObjectID
    package let mergedAt: Timestamp?
    package let reviewBy: Timestamp?
    /// `pending`, `overdue`, `ratified` or `rejected`.
    package let review: BreakGlassRun.Review
    /// `review_overdue` when the review is overdue, else nil: derived from `review`.
    package var code: ReasonCode? { review == .overdue ? .reviewOverdue : nil }
    package let reviewApprovals: Int
    package let ratifiedBy: [Principal]
    package let rejectedBy: [Principal]

    package init(_ run: BreakGlassRun) {
        approver = run.approver
        reason = run.reason
        recordCommit = run.recordCommit
        mergedAt = run.mergedAt
        reviewBy = run.reviewBy
        review = run.review
        reviewApprovals = run.reviewsRequired
        ratifiedBy = run.ratifiedBy
        rejectedBy = run.rejectedBy
    }

    private enum Keys: String, CodingKey {
        case approver, reason, review, code
        case recordCommit = "record_commit"
        case mergedAt = "merged_at"
        case reviewBy = "review_by"
        case reviewApprovals = "review_approvals"
        case ratifiedBy = "ratified_by"
        case rejectedBy = "rejected_by"
    }

    // Explicit, so that absent values are `null` rather than missing keys.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(approver, forKey: .approver)
        try container.encode(reason, forKey: .reason)
        try container.encode(recordCommit, forKey: .recordCommit)
        try container.encode(mergedAt, forKey: .mergedAt)
        try container.encode(reviewBy, forKey: .reviewBy)
        try container.encode(review, forKey: .review)
        try container.encode(code, forKey: .code)
        try container.encode(reviewApprovals, forKey: .reviewApprovals)
        try container.encode(ratifiedBy, forKey: .ratifiedBy)
        try container.encode(rejectedBy, forKey: .rejectedBy)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        approver = try container.decode(Principal.self, forKey: .approver)
        reason = try container.decode(String.self, forKey: .reason)
        recordCommit = try container.decode(ObjectID.self, forKey: .recordCommit)
        mergedAt = try container.decodeIfPresent(Timestamp.self, forKey: .mergedAt)
        reviewBy = try container.decodeIfPresent(Timestamp.self, forKey: .reviewBy)
        review = try container.decode(BreakGlassRun.Review.self, forKey: .review)
        reviewApprovals = try container.decode(Int.self, forKey: .reviewApprovals)
        ratifiedBy = try container.decode([Principal].self, forKey: .ratifiedBy)
        rejectedBy = try container.decode([Principal].self, forKey: .rejectedBy)
    }

    /// One line for a terminal (escaped by the caller): the review state,
    /// its code when overdue, the deadline, the reviewers and the reason.
    package var summary: String {
        let state = code.map { "\(review.rawValue) (\($0.rawValue))" } ?? review.rawValue
        let due = reviewBy.map { "\($0)" } ?? "unknown"
        var text =
            "break-glass by \(approver.rawValue): review \(state), due by \(due), "
            + "\(ratifiedBy.count) of \(reviewApprovals) ratified"
        if !ratifiedBy.isEmpty { text += " (" + ratifiedBy.map(\.rawValue).joined(separator: ", ") + ")" }
        if !rejectedBy.isEmpty { text += "; REJECTED by " + rejectedBy.map(\.rawValue).joined(separator: ", ") }
        return text + "; reason \(quoted: reason)"
    }
}
