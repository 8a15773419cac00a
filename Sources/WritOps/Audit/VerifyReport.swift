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
    /// Where each intent on the ledger stands after the replay, by id.
    package var intents: [IntentLine] = []

    /// One intent's state as `writ verify` replays it: an entry
    /// `{"id","state","reason"}` of `intent_states` in `--json`'s summary.
    package struct IntentLine: Sendable, Equatable, Encodable {
        package let id: IntentID
        package let state: IntentState
        /// The one reason code of a blocked or withdrawn intent; nil otherwise.
        package let reason: ReasonCode?

        package init(id: IntentID, state: IntentState, reason: ReasonCode?) {
            self.id = id
            self.state = state
            self.reason = reason
        }

        private enum CodingKeys: String, CodingKey { case id, state, reason }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(state, forKey: .state)
            // Present and null when there is none, as in `writ status --json`.
            try container.encode(reason, forKey: .reason)
        }
    }

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
