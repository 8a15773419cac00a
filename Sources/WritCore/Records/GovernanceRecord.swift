/// An approval of a governance change,
/// `approvals/_governance/<digest-hex>/<principal>.toml` (SPEC §2, §5),
/// signed next to it under namespace `writ-governance`.
///
/// A record approves one transition, from the trusted state named by
/// `replaces` to the state named by `governanceDigest`, so it can never be
/// reused to re-adopt that state later from another trusted state (a
/// rollback needs fresh signatures).
package struct GovernanceRecord: Sendable, Equatable {
    package let schema: Int
    /// The governance digest of the `policy.toml` and `allowed_signers` pair approved.
    package let governanceDigest: ContentDigest
    /// The governance digest of the trusted state this change replaces.
    package let replaces: ContentDigest
    package let decision: Decision
    package let approver: Principal
    package let createdAt: Timestamp
    package let note: String?

    /// The signature namespace of governance records.
    package static let signatureNamespace = SignatureNamespace.governance

    /// Builds a record, checking the same rules as parsing (`approval_malformed`).
    package init(
        governanceDigest: ContentDigest, replaces: ContentDigest, decision: Decision, approver: Principal,
        createdAt: Timestamp, note: String? = nil
    ) throws {
        // A state cannot replace itself: a commit whose files equal the
        // trusted state's changes nothing and is never put to a quorum.
        guard replaces != governanceDigest else {
            throw WritError(
                .approvalMalformed, "governance record: field 'replaces' equals 'governance_digest' (\(replaces))")
        }
        if let note, let problem = RecordText.problem(in: note) {
            throw WritError(.approvalMalformed, "governance record: field 'note' \(problem)")
        }
        // Break-glass and its review are decisions about an intent, never about governance.
        guard decision == .approve || decision == .deny else {
            throw WritError(
                .approvalMalformed, "governance record: field 'decision' must be approve or deny, found \(decision)")
        }
        self.schema = 1
        self.governanceDigest = governanceDigest
        self.replaces = replaces
        self.decision = decision
        self.approver = approver
        self.createdAt = createdAt
        self.note = note
    }

    /// Where this record lives on the governance branch.
    package var path: GovernancePath { .governanceRecord(governanceDigest, approver) }

    /// Where its signature lives.
    package var signaturePath: GovernancePath { .governanceSignature(governanceDigest, approver) }

    /// Where its second signature lives, made with the approver's new key
    /// when the change also rotates that key (SPEC §5).
    package var nextSignaturePath: GovernancePath { .governanceNextSignature(governanceDigest, approver) }

    /// Parses record bytes; throws `WritError(.approvalMalformed, ...)`.
    ///
    /// With `expectedPath`, the path must be
    /// `approvals/_governance/<digest-hex>/<approver>.toml` for this record.
    package static func parse(_ bytes: some Collection<UInt8>, expectedPath: String? = nil) throws -> GovernanceRecord {
        let root = try TOMLRecordReader.parse(bytes, reason: .approvalMalformed, record: "governance record")
        try root.rejectUnknownKeys(allowing: [
            "schema", "governance_digest", "replaces", "decision", "approver", "created_at", "note",
        ])
        try root.requireSchemaOne()
        let record = try GovernanceRecord(
            governanceDigest: try root.requiredDigest("governance_digest"),
            replaces: try root.requiredDigest("replaces"),
            decision: try root.requiredDecision("decision", allowing: [.approve, .deny]),
            approver: try root.requiredPrincipal("approver"),
            createdAt: try root.requiredTimestamp("created_at"),
            note: try root.string("note"))
        if let expectedPath {
            switch GovernancePath.diagnose(expectedPath) {
            case .failure(let problem):
                throw WritError(
                    .approvalMalformed, "governance record path \(quoted: expectedPath): \(problem.message)")
            case .success(.governanceRecord(let digest, let principal)):
                guard digest == record.governanceDigest else {
                    throw WritError(
                        .approvalMalformed,
                        "governance record names \(record.governanceDigest) but is filed under \(digest.hex)")
                }
                guard principal == record.approver else {
                    throw WritError(
                        .approvalMalformed,
                        "governance record: approver \(quoted: record.approver.rawValue) does not match the file name's principal \(quoted: principal.rawValue)"
                    )
                }
            case .success:
                throw WritError(.approvalMalformed, "path \(quoted: expectedPath) is not a governance record")
            }
        }
        return record
    }

    /// The canonical TOML of this record, which `parse` reads back unchanged.
    func canonicalTOML() -> String {
        var writer = TOMLWriter()
        writer.line("schema", schema)
        writer.line("governance_digest", governanceDigest.description)
        writer.line("replaces", replaces.description)
        writer.line("decision", decision.rawValue)
        writer.line("approver", approver.rawValue)
        writer.line("created_at", createdAt.rfc3339)
        writer.line("note", optional: note)
        return writer.text
    }

    /// `canonicalTOML()` as UTF-8 bytes, the bytes that get signed.
    package func canonicalBytes() -> [UInt8] { Array(canonicalTOML().utf8) }
}
