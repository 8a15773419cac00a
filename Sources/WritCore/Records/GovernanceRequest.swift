/// `approvals/_governance/<digest-hex>/request.toml`: what
/// `writ governance propose` files next to a proposed governance change, so
/// reviewers see what they are asked to approve and from which trusted state.
///
/// It is informational (it grants nothing and is never signed; a governance
/// record's own `replaces` is what binds), but it is checked like every
/// record: `governance_digest` must be the SPEC §5 digest of
/// `policy_digest` and `allowed_signers_digest`, so a request can never name
/// one state and describe another. Fields (decided here, see
/// docs/records.md): `schema`, `governance_digest`, `replaces`,
/// `replaces_commit`, `policy_digest`, `allowed_signers_digest`, `changes`
/// (which of `policy.toml` and `allowed_signers` differ from the replaced
/// state), `proposer`, `created_at`, `note` (optional).
package struct GovernanceRequest: Sendable, Equatable {
    /// The two governance files, in the order `changes` lists them.
    package static let fileNames = ["policy.toml", "allowed_signers"]

    package let schema: Int
    package let governanceDigest: ContentDigest
    /// The digest of the trusted state the change was proposed against.
    package let replaces: ContentDigest
    /// The governance commit that state was read from.
    package let replacesCommit: ObjectID
    /// sha256 of the proposed `policy.toml`.
    package let policyDigest: ContentDigest
    /// sha256 of the proposed `allowed_signers`.
    package let allowedSignersDigest: ContentDigest
    /// The files that differ from the replaced state, in `fileNames` order.
    package let changes: [String]
    package let proposer: Principal
    package let createdAt: Timestamp
    package let note: String?

    /// Builds a request, checking the same rules as parsing (`approval_malformed`).
    package init(
        replaces: ContentDigest, replacesCommit: ObjectID, policyDigest: ContentDigest,
        allowedSignersDigest: ContentDigest, changes: [String], proposer: Principal, createdAt: Timestamp,
        note: String? = nil
    ) throws {
        func fail(_ field: String, _ message: String) -> WritError {
            WritError(.approvalMalformed, "governance request: field '\(field)' \(message)")
        }
        let digest = GovernanceDigest.compute(fileDigests: policyDigest, allowedSignersDigest)
        guard replaces != digest else { throw fail("replaces", "equals the proposed state's digest \(digest)") }
        // One canonical spelling: a non-empty, ordered subset of the two names.
        guard !changes.isEmpty, changes == Self.fileNames.filter(changes.contains), Set(changes).count == changes.count
        else {
            throw fail("changes", "must list \"policy.toml\" and/or \"allowed_signers\", in that order, once each")
        }
        if let note, let problem = RecordText.problem(in: note) { throw fail("note", problem) }
        self.schema = 1
        self.governanceDigest = digest
        self.replaces = replaces
        self.replacesCommit = replacesCommit
        self.policyDigest = policyDigest
        self.allowedSignersDigest = allowedSignersDigest
        self.changes = changes
        self.proposer = proposer
        self.createdAt = createdAt
        self.note = note
    }

    /// Where the request lives on the governance branch.
    package var path: GovernancePath { .governanceRequest(governanceDigest) }

    /// Parses request bytes; throws `WritError(.approvalMalformed, ...)`.
    ///
    /// With `expectedPath`, the path must be `approvals/_governance/<digest-hex>/request.toml`
    /// for this request's digest.
    package static func parse(_ bytes: some Collection<UInt8>, expectedPath: String? = nil) throws -> GovernanceRequest
    {
        let root = try TOMLRecordReader.parse(bytes, reason: .approvalMalformed, record: "governance request")
        try root.rejectUnknownKeys(allowing: [
            "schema", "governance_digest", "replaces", "replaces_commit", "policy_digest", "allowed_signers_digest",
            "changes", "proposer", "created_at", "note",
        ])
        try root.requireSchemaOne()
        let stated = try root.requiredDigest("governance_digest")
        let commitText = try root.requiredString("replaces_commit")
        guard let commit = ObjectID(hex: commitText) else {
            throw root.fail("replaces_commit", "is not a 40-digit commit id")
        }
        guard let changes = try root.stringArray("changes") else { throw root.fail("changes", "is missing") }
        let request = try GovernanceRequest(
            replaces: try root.requiredDigest("replaces"), replacesCommit: commit,
            policyDigest: try root.requiredDigest("policy_digest"),
            allowedSignersDigest: try root.requiredDigest("allowed_signers_digest"), changes: changes,
            proposer: try root.requiredPrincipal("proposer"), createdAt: try root.requiredTimestamp("created_at"),
            note: try root.string("note"))
        guard request.governanceDigest == stated else {
            throw WritError(
                .approvalMalformed,
                "governance request: field 'governance_digest' is \(stated) but the file digests give \(request.governanceDigest)"
            )
        }
        if let expectedPath {
            switch GovernancePath.diagnose(expectedPath) {
            case .failure(let problem):
                throw WritError(
                    .approvalMalformed, "governance request path \(quoted: expectedPath): \(problem.message)")
            case .success(.governanceRequest(let digest)):
                guard digest == request.governanceDigest else {
                    throw WritError(
                        .approvalMalformed,
                        "governance request names \(request.governanceDigest) but is filed under \(digest.hex)")
                }
            case .success:
                throw WritError(.approvalMalformed, "path \(quoted: expectedPath) is not a governance request")
            }
        }
        return request
    }

    /// The canonical TOML of this request, which `parse` reads back unchanged.
    package func canonicalTOML() -> String {
        var writer = TOMLWriter()
        writer.line("schema", schema)
        writer.line("governance_digest", governanceDigest.description)
        writer.line("replaces", replaces.description)
        writer.line("replaces_commit", replacesCommit.hex)
        writer.line("policy_digest", policyDigest.description)
        writer.line("allowed_signers_digest", allowedSignersDigest.description)
        writer.line("changes", changes)
        writer.line("proposer", proposer.rawValue)
        writer.line("created_at", createdAt.rfc3339)
        writer.line("note", optional: note)
        return writer.text
    }

    /// `canonicalTOML()` as UTF-8 bytes.
    package func canonicalBytes() -> [UInt8] { Array(canonicalTOML().utf8) }
}
