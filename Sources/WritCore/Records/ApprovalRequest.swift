/// `approvals/<aa>/<intent-id>/request.toml`: what `writ propose` files on
/// the governance branch so reviewers see what they are asked to approve.
///
/// It is informational (it grants nothing and is never signed), but it is
/// checked like every record: `intent_digest` must be the digest of
/// `intent_toml`, so a request can never show one text and name another.
/// Fields (decided here, see docs/records.md): `schema`, `intent`,
/// `intent_digest`, `kind`, `tier`, `proposer`, `summary`, `created_at`,
/// `approvals_required`, `roles` (the roles the tier accepts) and
/// `intent_toml` (the intent file's exact text).
package struct ApprovalRequest: Sendable, Equatable {
    package let schema: Int
    package let intent: IntentID
    package let intentDigest: ContentDigest
    package let kind: String
    package let tier: Tier
    package let proposer: Principal
    package let summary: String
    package let createdAt: Timestamp
    package let approvalsRequired: Int
    package let roles: [String]
    let intentTOML: String

    /// Builds a request, checking the same rules as parsing (`approval_malformed`).
    package init(
        intent: IntentID, kind: String, tier: Tier, proposer: Principal, summary: String, createdAt: Timestamp,
        approvalsRequired: Int, roles: [String], intentTOML: String
    ) throws {
        func fail(_ field: String, _ message: String) -> WritError {
            WritError(.approvalMalformed, "approval request: field '\(field)' \(message)")
        }
        guard RecordName.isValid(kind) else { throw fail("kind", "is not a valid kind name: \(quoted: kind)") }
        guard !summary.isEmpty, RecordName.isSingleLine(summary) else {
            throw fail("summary", "must be one non-empty line")
        }
        guard approvalsRequired >= 0 else { throw fail("approvals_required", "must be 0 or more") }
        for role in roles where !RecordName.isValid(role) {
            throw fail("roles", "names an invalid role \(quoted: role)")
        }
        guard !intentTOML.unicodeScalars.contains("\0") else { throw fail("intent_toml", "contains a NUL character") }
        self.schema = 1
        self.intent = intent
        self.intentDigest = ContentDigest.sha256(of: Array(intentTOML.utf8))
        self.kind = kind
        self.tier = tier
        self.proposer = proposer
        self.summary = summary
        self.createdAt = createdAt
        self.approvalsRequired = approvalsRequired
        self.roles = roles
        self.intentTOML = intentTOML
    }

    /// The request for `intent`, whose file bytes are `intentBytes`, under `policy`.
    package init(for intent: Intent, intentBytes: some Collection<UInt8>, policy: Policy, createdAt: Timestamp) throws {
        guard let text = String(validating: Array(intentBytes), as: UTF8.self) else {
            throw WritError(.approvalMalformed, "approval request: the intent is not valid UTF-8")
        }
        let tier = intent.effectiveTier(policy)
        let rule = policy.rule(for: tier)
        try self.init(
            intent: intent.id, kind: intent.kind, tier: tier, proposer: intent.proposer, summary: intent.summary,
            createdAt: createdAt, approvalsRequired: rule?.approvals ?? 0, roles: rule?.roles ?? [], intentTOML: text)
    }

    /// Where the request lives on the governance branch.
    package var path: GovernancePath { .request(intent) }

    /// Parses request bytes; throws `WritError(.approvalMalformed, ...)`.
    ///
    /// With `expectedPath`, the path must be `approvals/<aa>/<intent>/request.toml`.
    package static func parse(_ bytes: some Collection<UInt8>, expectedPath: String? = nil) throws -> ApprovalRequest {
        let root = try TOMLRecordReader.parse(bytes, reason: .approvalMalformed, record: "approval request")
        try root.rejectUnknownKeys(allowing: [
            "schema", "intent", "intent_digest", "kind", "tier", "proposer", "summary", "created_at",
            "approvals_required", "roles", "intent_toml",
        ])
        try root.requireSchemaOne()
        let statedDigest = try root.requiredDigest("intent_digest")
        let request = try ApprovalRequest(
            intent: try root.requiredIntentID("intent"),
            kind: try root.requiredString("kind"),
            tier: try root.requiredTier("tier"),
            proposer: try root.requiredPrincipal("proposer"),
            summary: try root.requiredString("summary"),
            createdAt: try root.requiredTimestamp("created_at"),
            approvalsRequired: try root.requiredInt("approvals_required"),
            roles: try root.stringArray("roles") ?? [],
            intentTOML: try root.requiredRecordText("intent_toml"))
        guard request.intentDigest == statedDigest else {
            throw WritError(
                .approvalMalformed,
                "approval request: field 'intent_digest' is \(statedDigest) but intent_toml hashes to \(request.intentDigest)"
            )
        }
        if let expectedPath {
            switch GovernancePath.diagnose(expectedPath) {
            case .failure(let problem):
                throw WritError(.approvalMalformed, "approval request path \(quoted: expectedPath): \(problem.message)")
            case .success(.request(let id)):
                guard id == request.intent else {
                    throw WritError(
                        .approvalMalformed,
                        "approval request names intent \(quoted: request.intent.rawValue) but is filed under \(quoted: id.rawValue)"
                    )
                }
            case .success:
                throw WritError(.approvalMalformed, "path \(quoted: expectedPath) is not an approval request")
            }
        }
        return request
    }

    /// The canonical TOML of this request, which `parse` reads back unchanged.
    func canonicalTOML() -> String {
        var writer = TOMLWriter()
        writer.line("schema", schema)
        writer.line("intent", intent.rawValue)
        writer.line("intent_digest", intentDigest.description)
        writer.line("kind", kind)
        writer.line("tier", tier.rawValue)
        writer.line("proposer", proposer.rawValue)
        writer.line("summary", summary)
        writer.line("created_at", createdAt.rfc3339)
        writer.line("approvals_required", approvalsRequired)
        writer.line("roles", roles)
        writer.raw("intent_toml = " + TOMLWriter.multiline(intentTOML) + "\n")
        return writer.text
    }

    /// `canonicalTOML()` as UTF-8 bytes.
    package func canonicalBytes() -> [UInt8] { Array(canonicalTOML().utf8) }
}
