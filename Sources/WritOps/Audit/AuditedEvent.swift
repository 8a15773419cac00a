import Foundation
import WritCore

/// One audit event on the ledger as `writ log` shows it: where and when it
/// was committed, who verifiably signed that commit, and whether it counts.
package struct AuditedEvent: Sendable, Encodable {
    /// How a ledger commit is signed, as judged by the governance trusted at its ledger position.
    package typealias Signature = LedgerSignature

    /// `audit/<aa>/<intent>/<seq>-<event>.json`.
    package let path: String
    /// From the path, so that even a malformed event is attributed.
    package let intent: IntentID
    package let kind: AuditEventKind
    package let sequence: Int
    /// The ledger commit that added the file.
    package let commit: ObjectID
    /// Its committer time as recorded (chosen by the committer).
    package let commitTime: Timestamp
    package let signature: Signature
    /// Principals whose trusted key made the commit's signature, sorted.
    package let signers: [Principal]
    /// The commit's governance position P (docs/audit.md), whose trusted
    /// state judged the signature and the writer's entitlement.
    package let governance: ObjectID
    /// Whether the event counts (SPEC §3 event authority).
    package let counts: Bool
    /// Why it does not count; nil when it does.
    package let whyNot: String?
    /// The parsed event; nil when the file is malformed.
    package let event: AuditEvent?
    /// One line for humans; made when asked for (`writ verify` never asks).
    package var summary: String {
        event.map(Self.summarize) ?? Self.oneLine("\(kind) \(intent): \(whyNot ?? "malformed")")
    }
    /// The file's bytes, for replaying decisions.
    package let bytes: Data
    /// The file's blob, to read it again once `bytes` is let go.
    package let blob: ObjectID
    /// The commit's position on the ledger's first-parent history.
    let commitIndex: Int
    /// τ: the ledger clock at the commit, from governance committer times.
    package let clock: Date
    /// The index of `governance` on the governance timeline.
    let positionIndex: Int
    let verifiedSigners: Set<Principal>
    /// The commit's `Writ-Governance` anchor when it names a commit off the
    /// governance head's first-parent chain (`writ verify` then judges a
    /// claim at the anchor itself, SPEC §5); nil otherwise.
    var offChainAnchor: ObjectID? = nil

    private enum Keys: String, CodingKey {
        case path, intent, event, sequence, commit, signature, signers, governance, counts, summary, at, actor
        case commitTime = "commit_time"
        case whyNot = "why_not"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(path, forKey: .path)
        try container.encode(intent, forKey: .intent)
        try container.encode(kind, forKey: .event)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(commit, forKey: .commit)
        try container.encode(commitTime, forKey: .commitTime)
        try container.encode(signature, forKey: .signature)
        try container.encode(signers, forKey: .signers)
        try container.encode(governance, forKey: .governance)
        try container.encode(counts, forKey: .counts)
        try container.encode(whyNot, forKey: .whyNot)
        try container.encode(summary, forKey: .summary)
        try container.encode(event?.at, forKey: .at)
        try container.encode(event?.actor, forKey: .actor)
    }

    /// The scalars `Character.isNewline` holds true for.
    private static let lineBreaks: Set<Unicode.Scalar> = [
        "\n", "\u{0B}", "\u{0C}", "\r", "\u{85}", "\u{2028}", "\u{2029}",
    ]

    /// "claimed release-1 by dispatch-1@example.com: tier high, run r-1, 2 approval(s)".
    static func summarize(_ event: AuditEvent) -> String {
        let fields: String
        switch event.payload {
        case .autoApproved(let tier, _):
            fields = "tier \(tier)"
        case .claimed(let claim):
            fields = "tier \(claim.tier), run \(claim.runID), \(claim.approvals.count) approval(s)"
        case .succeeded(let outcome), .failed(let outcome):
            fields = "exit \(outcome.exitCode) in \(outcome.durationMs) ms"
        case .blocked(let reason, let detail):
            fields = "\(reason.rawValue): \(detail)"
        case .inDoubt(let claimedAt, _):
            fields = "claimed at \(claimedAt)"
        case .resolved(let resolution, let note):
            fields = note.isEmpty ? resolution.rawValue : "\(resolution.rawValue): \(note)"
        case .projection(let operation, let target, let key):
            fields = "\(operation) \(target) key \(key)"
        case .gate(let name, let status):
            fields = "\(name) \(status.rawValue)"
        case .withdrawn(let note):
            fields = note.isEmpty ? "taken back before a claim" : note
        case .breakGlass(let reason, let reviewBy):
            fields = "review due by \(reviewBy); reason \(quoted: reason)"
        }
        return oneLine("\(event.kind) \(event.intent) by \(event.actor): \(fields)")
    }

    /// `line` with each run of line breaks made one space: a detail or note
    /// with a newline must not break the log. Most lines have none, and
    /// splitting by characters is not cheap.
    static func oneLine(_ line: String) -> String {
        guard line.unicodeScalars.contains(where: lineBreaks.contains) else { return line }
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
