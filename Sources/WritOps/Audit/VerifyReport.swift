import WritCore

/// What `writ verify` proved, or the findings that stop it from proving it.
package struct VerifyReport: Sendable, Encodable {
    package let ledgerHead: ObjectID
    package let governanceHead: ObjectID
    /// Ledger commits replayed.
    package let commits: Int
    /// Governance commits replayed (the whole first-parent history).
    package let governanceCommits: Int
    /// Audit events read.
    package let events: Int
    /// `claimed` events that count.
    package let claims: Int
    /// Every violation, in ledger order; empty when the history is clean.
    package let findings: [AuditFinding]
    /// Information about an honest history (`anchor_off_chain`), in ledger
    /// order; notes never make the history unclean.
    package var notes: [AuditNote] = []

    package var isClean: Bool { findings.isEmpty }

    /// One line per note: "note: anchor_off_chain <commit> <path> <detail>".
    package var noteLines: [String] {
        notes.map { "note: \($0.kind.rawValue)  \($0.commit.hex)  \($0.path ?? "-")  \($0.detail)" }
    }

    /// "verified: N commits, M events, K claims".
    package var summaryLine: String { "verified: \(commits) commits, \(events) events, \(claims) claims" }

    private enum Keys: String, CodingKey {
        case ok, commits, events, claims, findings, notes
        case ledgerHead = "ledger_head"
        case governanceHead = "governance_head"
        case governanceCommits = "governance_commits"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(isClean, forKey: .ok)
        try container.encode(ledgerHead, forKey: .ledgerHead)
        try container.encode(governanceHead, forKey: .governanceHead)
        try container.encode(commits, forKey: .commits)
        try container.encode(governanceCommits, forKey: .governanceCommits)
        try container.encode(events, forKey: .events)
        try container.encode(claims, forKey: .claims)
        try container.encode(findings, forKey: .findings)
        try container.encode(notes, forKey: .notes)
    }
}
