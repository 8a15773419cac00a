/// An approval or denial, `approvals/<aa>/<intent-id>/<principal>.toml` on
/// the governance branch (SPEC §2), signed next to it under namespace
/// `writ-approval`.
///
/// `note` is free text and decides nothing; like all record text it holds
/// no control character (SPEC §3), so it is one line.
public struct ApprovalRecord: Sendable, Equatable {
    package let schema: Int
    public let intent: IntentID
    public let intentDigest: ContentDigest
    public let tier: Tier
    public let decision: Decision
    public let approver: Principal
    package let createdAt: Timestamp
    package let expiresAt: Timestamp?
    package let note: String?

    /// The signature namespace of approval records.
    public static let signatureNamespace = SignatureNamespace.approval

    /// Builds a record, checking the same rules as parsing (`approval_malformed`).
    public init(
        intent: IntentID, intentDigest: ContentDigest, tier: Tier, decision: Decision, approver: Principal,
        createdAt: Timestamp, expiresAt: Timestamp? = nil, note: String? = nil
    ) throws {
        guard approver.rawValue != GovernancePath.reservedPrincipal else {
            throw WritError(.approvalMalformed, "approval record: the principal name \"request\" is reserved")
        }
        if let note, let problem = RecordText.problem(in: note) {
            throw WritError(.approvalMalformed, "approval record: field 'note' \(problem)")
        }
        // SPEC §4.7: a break-glass record states its reason, which the
        // `break_glass` event and every view repeat.
        if decision == .breakGlass, note?.allSatisfy(\.isWhitespace) ?? true {
            throw WritError(
                .approvalMalformed,
                "approval record: a break_glass decision needs a non-empty 'note' stating its reason")
        }
        self.schema = 1
        self.intent = intent
        self.intentDigest = intentDigest
        self.tier = tier
        self.decision = decision
        self.approver = approver
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.note = note
    }

    /// Where this record lives on the governance branch.
    package var path: GovernancePath { .approval(intent, approver) }

    /// Where its signature lives.
    package var signaturePath: GovernancePath { .approvalSignature(intent, approver) }

    /// Parses record bytes; throws `WritError(.approvalMalformed, ...)`.
    ///
    /// With `expectedPath`, the path must be
    /// `approvals/<aa>/<intent>/<approver>.toml` for this record's intent and
    /// approver: a record filed under another principal's name is refused.
    package static func parse(_ bytes: some Collection<UInt8>, expectedPath: String? = nil) throws -> ApprovalRecord {
        let root = try TOMLRecordReader.parse(bytes, reason: .approvalMalformed, record: "approval record")
        try root.rejectUnknownKeys(allowing: [
            "schema", "intent", "intent_digest", "tier", "decision", "approver", "created_at", "expires_at", "note",
        ])
        try root.requireSchemaOne()
        let record = try ApprovalRecord(
            intent: try root.requiredIntentID("intent"),
            intentDigest: try root.requiredDigest("intent_digest"),
            tier: try root.requiredTier("tier"),
            decision: try root.requiredDecision("decision"),
            approver: try root.requiredPrincipal("approver"),
            createdAt: try root.requiredTimestamp("created_at"),
            expiresAt: try root.timestamp("expires_at"),
            note: try root.string("note"))
        if let expectedPath {
            switch GovernancePath.diagnose(expectedPath) {
            case .failure(let problem):
                throw WritError(.approvalMalformed, "approval record path \(quoted: expectedPath): \(problem.message)")
            case .success(.approval(let id, let principal)):
                guard id == record.intent else {
                    throw WritError(
                        .approvalMalformed,
                        "approval record names intent \(quoted: record.intent.rawValue) but is filed under \(quoted: id.rawValue)"
                    )
                }
                guard principal == record.approver else {
                    throw WritError(
                        .approvalMalformed,
                        "approval record: approver \(quoted: record.approver.rawValue) does not match the file name's principal \(quoted: principal.rawValue)"
                    )
                }
            case .success:
                throw WritError(.approvalMalformed, "path \(quoted: expectedPath) is not an approval record")
            }
        }
        return record
    }

    /// The canonical TOML of this record, which `parse` reads back unchanged.
    func canonicalTOML() -> String {
        var writer = TOMLWriter()
        writer.line("schema", schema)
        writer.line("intent", intent.rawValue)
        writer.line("intent_digest", intentDigest.description)
        writer.line("tier", tier.rawValue)
        writer.line("decision", decision.rawValue)
        writer.line("approver", approver.rawValue)
        writer.line("created_at", createdAt.rfc3339)
        writer.line("expires_at", optional: expiresAt?.rfc3339)
        writer.line("note", optional: note)
        return writer.text
    }

    /// `canonicalTOML()` as UTF-8 bytes, the bytes that get signed.
    public func canonicalBytes() -> [UInt8] { Array(canonicalTOML().utf8) }
}
