/// An intent, `intents/<aa>/<id>.toml` on the ledger branch (SPEC §3): an
/// action an agent proposes.
///
/// Where the SPEC is silent (docs/records.md): `summary` is one non-empty
/// line; `kind`, gate names in `requires` and parameter names are
/// `RecordName`s; `idempotency_key`, `target.repo` and `target.branch` are
/// non-empty single lines; `[params]` may be absent (no parameters);
/// `requires` may not repeat a gate.
public struct Intent: Sendable, Equatable {
    /// The intent's target repository.
    public struct Target: Sendable, Equatable {
        public let repo: String
        public let branch: String?

        public init(repo: String, branch: String? = nil) {
            self.repo = repo
            self.branch = branch
        }
    }

    package let schema: Int
    public let id: IntentID
    public let kind: String
    public let proposer: Principal
    public let createdAt: Timestamp
    public let summary: String
    public let expiresAt: Timestamp?
    package let blastRadius: Tier?
    public let idempotencyKey: String?
    package let requires: [String]?
    public let target: Target
    public let params: [String: String]

    /// Builds an intent, checking the same rules as parsing (`intent_malformed`).
    public init(
        id: IntentID, kind: String, proposer: Principal, createdAt: Timestamp, summary: String,
        expiresAt: Timestamp? = nil, blastRadius: Tier? = nil, idempotencyKey: String? = nil, requires: [String]? = nil,
        target: Target, params: [String: String] = [:]
    ) throws {
        func fail(_ field: String, _ message: String) -> WritError {
            WritError(.intentMalformed, "intent: field '\(field)' \(message)")
        }
        guard RecordName.isValid(kind) else { throw fail("kind", "is not a valid kind name: \(quoted: kind)") }
        // Record text holds no control or bidi-control character (SPEC §3).
        let texts =
            [("summary", summary), ("target.repo", target.repo)]
            + [("idempotency_key", idempotencyKey), ("target.branch", target.branch)].compactMap { name, value in
                value.map { (name, $0) }
            } + params.sorted { $0.key < $1.key }.map { ("params.\($0.key)", $0.value) }
        for (field, text) in texts {
            if let problem = RecordText.problem(in: text) { throw fail(field, problem) }
        }
        guard !summary.isEmpty, RecordName.isSingleLine(summary) else {
            throw fail("summary", "must be one non-empty line")
        }
        if let idempotencyKey {
            guard !idempotencyKey.isEmpty, idempotencyKey.utf8.count <= 200, RecordName.isSingleLine(idempotencyKey)
            else {
                throw fail("idempotency_key", "must be one non-empty line of at most 200 bytes")
            }
        }
        if let requires {
            for gate in requires where !RecordName.isValid(gate) {
                throw fail("requires", "names an invalid gate \(quoted: gate)")
            }
            guard Set(requires).count == requires.count else { throw fail("requires", "repeats a gate") }
        }
        guard !target.repo.isEmpty, RecordName.isSingleLine(target.repo), !target.repo.contains(" ") else {
            throw fail("target.repo", "must be one non-empty line without spaces")
        }
        if let branch = target.branch {
            guard !branch.isEmpty, RecordName.isSingleLine(branch), !branch.contains(" ") else {
                throw fail("target.branch", "must be one non-empty line without spaces")
            }
        }
        for name in params.keys.sorted() {
            guard RecordName.isValid(name) else {
                throw fail("params", "has an invalid parameter name \(quoted: name)")
            }
        }
        self.schema = 1
        self.id = id
        self.kind = kind
        self.proposer = proposer
        self.createdAt = createdAt
        self.summary = summary
        self.expiresAt = expiresAt
        self.blastRadius = blastRadius
        self.idempotencyKey = idempotencyKey
        self.requires = requires
        self.target = target
        self.params = params
    }

    /// The tier the intent runs at: the policy's tier for its kind (`high`
    /// when unlisted), raised, never lowered, by `blast_radius` (SPEC §4).
    public func effectiveTier(_ policy: Policy) -> Tier {
        max(policy.tier(forKind: kind), blastRadius ?? .low)
    }

    /// `idempotency_key`, defaulting to the id.
    package var effectiveIdempotencyKey: String { idempotencyKey ?? id.rawValue }

    /// The gates the intent requires; empty when `requires` is absent.
    public var requiredGates: [String] { requires ?? [] }

    /// The ledger path of this intent.
    package var path: LedgerPath { .intent(id) }

    /// The digest every approval binds to: sha256 of the exact file bytes.
    public static func digest(ofFileBytes bytes: some Collection<UInt8>) -> ContentDigest {
        ContentDigest.sha256(of: bytes)
    }

    /// Parses intent bytes; throws `WritError(.intentMalformed, ...)`.
    ///
    /// With `expectedPath`, the path must be `intents/<aa>/<id>.toml` for
    /// this intent's id, with the right fan-out.
    package static func parse(_ bytes: some Collection<UInt8>, expectedPath: String? = nil) throws -> Intent {
        let root = try TOMLRecordReader.parse(bytes, reason: .intentMalformed, record: "intent")
        try root.rejectUnknownKeys(allowing: [
            "schema", "id", "kind", "proposer", "created_at", "summary", "expires_at", "blast_radius",
            "idempotency_key", "requires", "target", "params",
        ])
        try root.requireSchemaOne()
        let targetTable = try root.requiredTable("target")
        try targetTable.rejectUnknownKeys(allowing: ["repo", "branch"])
        var params: [String: String] = [:]
        if let table = try root.table("params") {
            for name in table.keys {
                params[name] = try table.requiredString(name)
            }
        }
        let intent = try Intent(
            id: try root.requiredIntentID("id"),
            kind: try root.requiredString("kind"),
            proposer: try root.requiredPrincipal("proposer"),
            createdAt: try root.requiredTimestamp("created_at"),
            summary: try root.requiredString("summary"),
            expiresAt: try root.timestamp("expires_at"),
            blastRadius: try root.tier("blast_radius"),
            idempotencyKey: try root.string("idempotency_key"),
            requires: try root.stringArray("requires"),
            target: Target(repo: try targetTable.requiredString("repo"), branch: try targetTable.string("branch")),
            params: params)
        if let expectedPath {
            switch LedgerPath.diagnose(expectedPath) {
            case .failure(let problem):
                throw WritError(.intentMalformed, "intent path \(quoted: expectedPath): \(problem.message)")
            case .success(.intent(let pathID)):
                guard pathID == intent.id else {
                    throw WritError(
                        .intentMalformed,
                        "intent id \(quoted: intent.id.rawValue) does not match its file name \(quoted: expectedPath)")
                }
            case .success:
                throw WritError(.intentMalformed, "path \(quoted: expectedPath) is not an intent file")
            }
        }
        return intent
    }

    /// The canonical TOML of this intent, which `parse` reads back unchanged.
    func canonicalTOML() -> String {
        var writer = TOMLWriter()
        writer.line("schema", schema)
        writer.line("id", id.rawValue)
        writer.line("kind", kind)
        writer.line("proposer", proposer.rawValue)
        writer.line("created_at", createdAt.rfc3339)
        writer.line("summary", summary)
        writer.line("expires_at", optional: expiresAt?.rfc3339)
        writer.line("blast_radius", optional: blastRadius?.rawValue)
        writer.line("idempotency_key", optional: idempotencyKey)
        if let requires { writer.line("requires", requires) }
        writer.header("target")
        writer.line("repo", target.repo)
        writer.line("branch", optional: target.branch)
        if !params.isEmpty {
            writer.header("params")
            for (name, value) in params.sorted(by: { $0.key < $1.key }) {
                writer.line(name, value)
            }
        }
        return writer.text
    }

    /// `canonicalTOML()` as UTF-8 bytes: what `writ propose` writes and signs.
    public func canonicalBytes() -> [UInt8] { Array(canonicalTOML().utf8) }
}
