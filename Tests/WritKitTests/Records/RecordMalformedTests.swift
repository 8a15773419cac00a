import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// One malformed input and the reason code it must be rejected with.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    let name: String
    let kind: RecordKind
    let bytes: [UInt8]
    let path: String?
    let reason: ReasonCode
    /// A word the detail must contain, so the error names the right field.
    let mentions: String?

    var testDescription: String { name }

    init(_ name: String, _ kind: RecordKind, _ bytes: [UInt8], path: String? = nil, mentions: String? = nil) {
        self.name = name
        self.kind = kind
        self.bytes = bytes
        self.path = path
        self.reason = kind.malformedReason
        self.mentions = mentions
    }

    init(_ name: String, _ kind: RecordKind, _ text: String, path: String? = nil, mentions: String? = nil) {
        self.init(name, kind, Array(text.utf8), path: path, mentions: mentions)
    }

    func parse() throws {
        switch kind {
        case .policy: _ = try Policy.parse(bytes)
        case .intent: _ = try Intent.parse(bytes, expectedPath: path)
        case .approval: _ = try ApprovalRecord.parse(bytes, expectedPath: path)
        case .governance: _ = try GovernanceRecord.parse(bytes, expectedPath: path)
        case .governanceRequest: _ = try GovernanceRequest.parse(bytes, expectedPath: path)
        case .request: _ = try ApprovalRequest.parse(bytes, expectedPath: path)
        case .auditEvent: _ = try AuditEvent.parse(bytes, expectedPath: path)
        case .joinRequest: _ = try JoinRequest.parse(bytes)
        }
    }
}

private func edit(_ text: String, _ old: String, _ new: String) -> String {
    precondition(text.contains(old), "fixture does not contain \(old)")
    return text.replacingOccurrences(of: old, with: new)
}

private let P = RecordFixtures.policy
private let I = RecordFixtures.intent
private let IP = RecordFixtures.intentPath
private let A = RecordFixtures.approval
private let AP = RecordFixtures.approvalPath
private let G = RecordFixtures.governance
private let GP = RecordFixtures.governancePath
private let E = RecordFixtures.event
private let EP = RecordFixtures.eventPath

private let policyCases: [MalformedCase] = [
    .init("policy: unknown top-level key", .policy, "extra = 1\n" + P, mentions: "extra"),
    .init(
        "policy: unknown key in tiers.low", .policy, edit(P, "approvals = 0", "approvals = 0\nquorum = 1"),
        mentions: "tiers.low.quorum"),
    .init(
        "policy: unknown key in governance", .policy, edit(P, "approvals = 2", "approvals = 2\nfoo = 1"),
        mentions: "governance.foo"),
    .init(
        "policy: unknown key in proposers", .policy, edit(P, "[proposers]\n", "[proposers]\nx = 1\n"),
        mentions: "proposers.x"),
    .init(
        "policy: tier name outside low/medium/high", .policy, P + "[tiers.urgent]\napprovals = 1\n",
        mentions: "tiers.urgent"),
    .init(
        "policy: kind with a bad tier", .policy, edit(P, "triage = \"low\"", "triage = \"LOW\""),
        mentions: "kinds.triage"),
    .init("policy: kind mapped to a table", .policy, edit(P, "[kinds]", "[kinds.sub]"), mentions: "kinds.sub"),
    .init(
        "policy: approvals is a string", .policy, edit(P, "approvals = 0", "approvals = \"0\""),
        mentions: "tiers.low.approvals"),
    .init(
        "policy: approvals is a float", .policy, edit(P, "approvals = 0", "approvals = 0.0"),
        mentions: "tiers.low.approvals"),
    .init(
        "policy: negative approvals", .policy, edit(P, "approvals = 0", "approvals = -1"),
        mentions: "tiers.low.approvals"),
    .init(
        "policy: tier without approvals", .policy, edit(P, "[tiers.low]\napprovals = 0", "[tiers.low]"),
        mentions: "tiers.low.approvals"),
    .init(
        "policy: roles not an array", .policy,
        edit(P, "roles = [\"admin\"]\n\n[roles]", "roles = \"admin\"\n\n[roles]"), mentions: "tiers.high.roles"),
    .init(
        "policy: undefined role in a tier", .policy,
        edit(P, "roles = [\"operator\", \"admin\"]", "roles = [\"operator\", \"admins\"]"), mentions: "admins"),
    .init(
        "policy: undefined proposer role", .policy,
        edit(P, "roles = [\"agent\", \"operator\", \"admin\"]", "roles = [\"agents\"]"), mentions: "proposers.roles"),
    .init(
        "policy: invalid principal in a role", .policy,
        edit(P, "operator = [\"bob@example.com\"]", "operator = [\"bob smith\"]"), mentions: "roles.operator[0]"),
    .init("policy: schema 2", .policy, edit(P, "schema = 1", "schema = 2"), mentions: "schema"),
    .init("policy: schema as a string", .policy, edit(P, "schema = 1", "schema = \"1\""), mentions: "schema"),
    .init("policy: missing schema", .policy, edit(P, "schema = 1\n", ""), mentions: "schema"),
    .init(
        "policy: missing governance", .policy, edit(P, "[governance]\napprovals = 2\nroles = [\"admin\"]\n", ""),
        mentions: "governance"),
    .init(
        "policy: governance needs nobody", .policy, edit(P, "approvals = 2", "approvals = 0"),
        mentions: "governance.approvals"),
    .init(
        "policy: member neither principal nor blocked", .policy,
        edit(P, "mallory = \"blocked\"", "mallory = \"Blocked!\""), mentions: "members.mallory"),
    .init("policy: TOML syntax error", .policy, edit(P, "[roles]", "[roles"), mentions: "line"),
    .init(
        "policy: duplicate key", .policy, edit(P, "triage = \"low\"", "triage = \"low\"\ntriage = \"high\""),
        mentions: "parse"),
    .init("policy: NUL byte", .policy, Array(P.utf8) + [0], mentions: "NUL"),
    .init("policy: not UTF-8", .policy, Array(P.utf8) + [0xC3, 0x28], mentions: "UTF-8"),
]

private let intentCases: [MalformedCase] = [
    .init("intent: unknown top-level key", .intent, "extra = \"x\"\n" + I, path: IP, mentions: "extra"),
    .init(
        "intent: unknown key in target", .intent, edit(I, "branch = \"main\"", "branch = \"main\"\nforce = true"),
        path: IP, mentions: "target.force"),
    .init(
        "intent: unknown key in a params sub-table", .intent, I + "[params.nested]\nx = \"y\"\n", path: IP,
        mentions: "params.nested"),
    .init(
        "intent: non-string param", .intent, edit(I, "version = \"1.2.3\"", "version = 123"), path: IP,
        mentions: "params.version"),
    .init(
        "intent: boolean param", .intent, edit(I, "version = \"1.2.3\"", "version = true"), path: IP,
        mentions: "params.version"),
    .init("intent: id ../x", .intent, edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"../x\""), mentions: "id"),
    .init("intent: id a/b", .intent, edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"a/b\""), mentions: "id"),
    .init("intent: id ..", .intent, edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"..\""), mentions: "id"),
    .init("intent: id with ..", .intent, edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"a..b\""), mentions: "id"),
    .init(
        "intent: id starting with a dot", .intent, edit(I, "id = \"rotate-db-password-7f3a\"", "id = \".hidden\""),
        mentions: "id"),
    .init(
        "intent: upper-case id", .intent, edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"Rotate\""), mentions: "id"
    ),
    .init("intent: empty id", .intent, edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"\""), mentions: "id"),
    .init(
        "intent: id of 101 characters", .intent,
        edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"\(String(repeating: "a", count: 101))\""), mentions: "id"),
    .init("intent: id does not match the file name", .intent, I, path: "intents/eb/other-id.toml", mentions: "fan-out"),
    .init(
        "intent: id does not match the file stem", .intent,
        edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"triage-issue-42\""), path: "intents/f9/other.toml",
        mentions: "fan-out"),
    .init(
        "intent: id differs from a well-placed path", .intent,
        edit(I, "id = \"rotate-db-password-7f3a\"", "id = \"triage-issue-42\""), path: IP, mentions: "does not match"),
    .init(
        "intent: wrong fan-out directory", .intent, I, path: "intents/00/rotate-db-password-7f3a.toml",
        mentions: "fan-out"),
    .init("intent: traversal in the path", .intent, I, path: "intents/eb/../rotate-db-password-7f3a.toml"),
    .init("intent: path outside intents/", .intent, I, path: "audit/eb/rotate-db-password-7f3a.toml"),
    .init("intent: signature path", .intent, I, path: IP + ".sig", mentions: "not an intent file"),
    .init("intent: not UTF-8", .intent, Array(I.utf8) + [0xFF], mentions: "UTF-8"),
    .init("intent: NUL byte", .intent, edit(I, "one line", "one\u{0}line"), mentions: "NUL"),
    .init("intent: escaped NUL", .intent, edit(I, "one line", "one\\u0000line"), mentions: "NUL"),
    .init(
        "intent: more than 64 KiB", .intent, I + "# " + String(repeating: "x", count: 64 * 1024) + "\n",
        mentions: "limit"),
    .init(
        "intent: unquoted TOML date", .intent,
        edit(I, "created_at = \"2026-11-22T00:50:00Z\"", "created_at = 2026-11-22T00:50:00Z"), mentions: "created_at"),
    .init(
        "intent: impossible month", .intent, edit(I, "2026-11-22T00:50:00Z", "2026-13-22T00:50:00Z"),
        mentions: "created_at"),
    .init(
        "intent: 30 February", .intent, edit(I, "2026-11-22T00:50:00Z", "2026-02-30T00:50:00Z"), mentions: "created_at"),
    .init(
        "intent: space instead of T", .intent, edit(I, "2026-11-22T00:50:00Z", "2026-11-22 00:50:00Z"),
        mentions: "created_at"),
    .init("intent: no offset", .intent, edit(I, "2026-11-22T00:50:00Z", "2026-11-22T00:50:00"), mentions: "created_at"),
    .init(
        "intent: leap second", .intent, edit(I, "2026-11-22T00:50:00Z", "2026-11-22T00:50:60Z"), mentions: "created_at"),
    .init("intent: bad expires_at", .intent, edit(I, "2026-11-23T00:00:00Z", "tomorrow"), mentions: "expires_at"),
    .init(
        "intent: bad blast_radius", .intent, edit(I, "blast_radius = \"high\"", "blast_radius = \"critical\""),
        mentions: "blast_radius"),
    .init("intent: schema 2", .intent, edit(I, "schema = 1", "schema = 2"), mentions: "schema"),
    .init(
        "intent: missing target", .intent, edit(I, "[target]\nrepo = \"github.com/org/app\"\nbranch = \"main\"\n", ""),
        mentions: "target"),
    .init("intent: missing summary", .intent, edit(I, "summary = \"one line for humans\"\n", ""), mentions: "summary"),
    .init("intent: multi-line summary", .intent, edit(I, "one line for humans", "two\\nlines"), mentions: "summary"),
    .init("intent: bad proposer", .intent, edit(I, "agent-1@example.com", "agent 1"), mentions: "proposer"),
    .init(
        "intent: requires not an array", .intent,
        edit(I, "requires = [\"verification\"]", "requires = \"verification\""), mentions: "requires"),
    .init(
        "intent: requires with a number", .intent, edit(I, "requires = [\"verification\"]", "requires = [1]"),
        mentions: "requires[0]"),
    .init(
        "intent: params not a table", .intent,
        edit(I, "[params]\nversion = \"1.2.3\"\n", "").replacingOccurrences(
            of: "schema = 1\n", with: "schema = 1\nparams = \"x\"\n"), mentions: "params"),
]

private let approvalCases: [MalformedCase] = [
    .init("approval: unknown key", .approval, A + "weight = 2\n", path: AP, mentions: "weight"),
    .init(
        "approval: bad decision", .approval, edit(A, "decision = \"approve\"", "decision = \"maybe\""), path: AP,
        mentions: "decision"),
    .init(
        "approval: upper-case decision", .approval, edit(A, "decision = \"approve\"", "decision = \"APPROVE\""),
        path: AP, mentions: "decision"),
    .init("approval: bad tier", .approval, edit(A, "tier = \"high\"", "tier = \"urgent\""), path: AP, mentions: "tier"),
    .init(
        "approval: approver is not the file's principal", .approval, A,
        path: "approvals/eb/rotate-db-password-7f3a/bob@example.com.toml", mentions: "approver"),
    .init(
        "approval: filed under another intent", .approval, A,
        path: "approvals/f9/triage-issue-42/alice@example.com.toml", mentions: "intent"),
    .init(
        "approval: wrong fan-out", .approval, A, path: "approvals/00/rotate-db-password-7f3a/alice@example.com.toml",
        mentions: "fan-out"),
    .init("approval: filed as request.toml", .approval, A, path: "approvals/eb/rotate-db-password-7f3a/request.toml"),
    .init("approval: reserved principal", .approval, edit(A, "alice@example.com", "request")),
    .init(
        "approval: upper-case digest", .approval, edit(A, RecordFixtures.digest, RecordFixtures.digest.uppercased()),
        path: AP, mentions: "intent_digest"),
    .init(
        "approval: digest without prefix", .approval,
        edit(A, RecordFixtures.digest, String(RecordFixtures.digest.dropFirst(7))), path: AP, mentions: "intent_digest"),
    .init(
        "approval: short digest", .approval, edit(A, RecordFixtures.digest, "sha256:abcd"), path: AP,
        mentions: "intent_digest"),
    .init(
        "approval: bad created_at", .approval, edit(A, "2026-11-22T01:00:00Z", "2026-11-22T25:00:00Z"), path: AP,
        mentions: "created_at"),
    .init(
        "approval: unquoted expires_at", .approval,
        edit(A, "expires_at = \"2026-11-29T01:00:00Z\"", "expires_at = 2026-11-29T01:00:00Z"), path: AP,
        mentions: "expires_at"),
    .init("approval: schema 0", .approval, edit(A, "schema = 1", "schema = 0"), path: AP, mentions: "schema"),
    .init("approval: note as a number", .approval, edit(A, "note = \"text\"", "note = 5"), path: AP, mentions: "note"),
    .init(
        "approval: bad intent id", .approval, edit(A, "intent = \"rotate-db-password-7f3a\"", "intent = \"../../etc\""),
        mentions: "intent"),
    .init(
        "approval: missing approver", .approval, edit(A, "approver = \"alice@example.com\"\n", ""), mentions: "approver"
    ),
    .init("approval: a table where none belongs", .approval, A + "[extra]\nx = \"y\"\n", mentions: "extra"),
    .init("approval: NUL byte", .approval, [0] + Array(A.utf8), mentions: "NUL"),
    .init("governance: unknown key", .governance, G + "tier = \"high\"\n", path: GP, mentions: "tier"),
    .init(
        "governance: digest differs from its directory", .governance, G,
        path: "approvals/_governance/\(String(repeating: "cd", count: 32))/alice@example.com.toml", mentions: "filed"),
    .init(
        "governance: approver is not the file's principal", .governance, G, path: edit(GP, "alice", "bob"),
        mentions: "approver"),
    .init("governance: bad decision", .governance, edit(G, "\"approve\"", "\"yes\""), path: GP, mentions: "decision"),
    .init(
        "governance: upper-case directory", .governance, G,
        path: GP.uppercased().replacingOccurrences(of: "APPROVALS/_GOVERNANCE", with: "approvals/_governance")
            .replacingOccurrences(of: "ALICE@EXAMPLE.COM.TOML", with: "alice@example.com.toml")),
    .init("governance: schema 2", .governance, edit(G, "schema = 1", "schema = 2"), mentions: "schema"),
    .init(
        "governance: missing replaces", .governance,
        edit(G, "replaces = \"sha256:\(String(repeating: "ef", count: 32))\"\n", ""), path: GP, mentions: "replaces"),
    .init(
        "governance: replaces is not a digest", .governance,
        edit(G, "replaces = \"sha256:\(String(repeating: "ef", count: 32))\"", "replaces = \"sha256:abcd\""), path: GP,
        mentions: "replaces"),
    .init(
        "governance: replaces as a number", .governance,
        edit(G, "replaces = \"sha256:\(String(repeating: "ef", count: 32))\"", "replaces = 1"), path: GP,
        mentions: "replaces"),
    .init(
        "governance: replaces the state it approves", .governance,
        edit(
            G, "replaces = \"sha256:\(String(repeating: "ef", count: 32))\"", "replaces = \"\(RecordFixtures.digest)\""),
        path: GP, mentions: "replaces"),
    .init(
        "request: digest does not match the text", .request,
        "schema = 1\nintent = \"rotate-db-password-7f3a\"\nintent_digest = \"\(RecordFixtures.digest)\"\nkind = \"release\"\ntier = \"high\"\nproposer = \"agent-1@example.com\"\nsummary = \"s\"\ncreated_at = \"2026-11-22T00:50:00Z\"\napprovals_required = 1\nroles = [\"admin\"]\nintent_toml = \"x\"\n",
        mentions: "intent_digest"),
]

private let eventCases: [MalformedCase] = [
    .init(
        "event: name differs from the path", .auditEvent, E, path: "audit/eb/rotate-db-password-7f3a/0002-claimed.json",
        mentions: "file name"),
    .init(
        "event: filed under another intent", .auditEvent, E, path: "audit/f9/triage-issue-42/0002-gate.json",
        mentions: "filed"),
    .init(
        "event: wrong fan-out", .auditEvent, E, path: "audit/00/rotate-db-password-7f3a/0002-gate.json",
        mentions: "fan-out"),
    .init(
        "event: sequence 0000", .auditEvent, E, path: "audit/eb/rotate-db-password-7f3a/0000-gate.json",
        mentions: "sequence"),
    .init(
        "event: sequence 00002", .auditEvent, E, path: "audit/eb/rotate-db-password-7f3a/00002-gate.json",
        mentions: "sequence"),
    .init(
        "event: sequence 2", .auditEvent, E, path: "audit/eb/rotate-db-password-7f3a/2-gate.json", mentions: "sequence"),
    .init(
        "event: unknown event in the path", .auditEvent, E, path: "audit/eb/rotate-db-password-7f3a/0002-gated.json",
        mentions: "unknown"),
    .init(
        "event: unknown event name", .auditEvent, edit(E, "\"event\":\"gate\"", "\"event\":\"gated\""),
        mentions: "event"),
    .init("event: missing status", .auditEvent, edit(E, ",\"status\":\"PASS\"", ""), mentions: "status"),
    .init("event: lower-case status", .auditEvent, edit(E, "\"PASS\"", "\"pass\""), mentions: "status"),
    .init("event: missing actor", .auditEvent, edit(E, "\"actor\":\"dispatch-1@example.com\",", ""), mentions: "actor"),
    .init(
        "event: actor not a principal", .auditEvent, edit(E, "dispatch-1@example.com", "dispatch 1"), mentions: "actor"),
    .init("event: schema 2", .auditEvent, edit(E, "\"schema\":1", "\"schema\":2"), mentions: "schema"),
    .init("event: schema as a string", .auditEvent, edit(E, "\"schema\":1", "\"schema\":\"1\""), mentions: "schema"),
    .init("event: bad timestamp", .auditEvent, edit(E, "2026-11-22T01:02:00Z", "2026-11-22T01:02:00"), mentions: "at"),
    .init("event: bad digest", .auditEvent, edit(E, RecordFixtures.digest, "sha1:abc"), mentions: "intent_digest"),
    .init(
        "event: intent with traversal", .auditEvent,
        edit(E, "\"intent\":\"rotate-db-password-7f3a\"", "\"intent\":\"../x\""), mentions: "intent"),
    .init(
        "event: blocked with an unknown reason", .auditEvent,
        "{\"actor\":\"d@x\",\"at\":\"2026-11-22T01:02:00Z\",\"detail\":\"x\",\"event\":\"blocked\",\"intent\":\"a\",\"intent_digest\":\"\(RecordFixtures.digest)\",\"reason\":\"because\",\"schema\":1}",
        mentions: "reason"),
    .init(
        "event: auto_approved at tier medium", .auditEvent,
        "{\"actor\":\"d@x\",\"at\":\"2026-11-22T01:02:00Z\",\"event\":\"auto_approved\",\"intent\":\"a\",\"intent_digest\":\"\(RecordFixtures.digest)\",\"note\":\"n\",\"schema\":1,\"tier\":\"medium\"}",
        mentions: "tier"),
    .init(
        "event: exit_code as a string", .auditEvent,
        "{\"actor\":\"d@x\",\"at\":\"2026-11-22T01:02:00Z\",\"duration_ms\":1,\"event\":\"failed\",\"exit_code\":\"1\",\"intent\":\"a\",\"intent_digest\":\"\(RecordFixtures.digest)\",\"schema\":1,\"stderr_sha256\":\"\(RecordFixtures.digest)\",\"stderr_tail\":\"\",\"stdout_sha256\":\"\(RecordFixtures.digest)\",\"stdout_tail\":\"\"}",
        mentions: "exit_code"),
    .init(
        "event: claimed approval with a bad commit", .auditEvent,
        "{\"actor\":\"d@x\",\"approvals\":[{\"approver\":\"a@x\",\"commit\":\"HEAD\",\"record_digest\":\"\(RecordFixtures.digest)\"}],\"at\":\"2026-11-22T01:02:00Z\",\"event\":\"claimed\",\"idempotency_key\":\"k\",\"intent\":\"a\",\"intent_digest\":\"\(RecordFixtures.digest)\",\"run_id\":\"r\",\"schema\":1,\"tier\":\"high\"}",
        mentions: "approvals"),
    .init(
        "event: resolved with a bad resolution", .auditEvent,
        "{\"actor\":\"d@x\",\"at\":\"2026-11-22T01:02:00Z\",\"event\":\"resolved\",\"intent\":\"a\",\"intent_digest\":\"\(RecordFixtures.digest)\",\"note\":\"n\",\"resolution\":\"done\",\"schema\":1}",
        mentions: "resolution"),
    .init("event: not JSON", .auditEvent, "schema = 1\n"),
    .init("event: a JSON array", .auditEvent, "[1, 2]\n"),
    .init("event: NUL byte", .auditEvent, edit(E, "verification", "verif\u{0}ication"), mentions: "NUL"),
    .init("event: not UTF-8", .auditEvent, Array(E.utf8.dropLast(2)) + [0xE2, 0x82, 0x7D, 0x0A], mentions: "UTF-8"),
    .init(
        "event: duplicate key", .auditEvent,
        edit(E, ",\"status\":\"PASS\"", ",\"status\":\"PASS\",\"status\":\"FAIL\""), mentions: "duplicate"),
    .init(
        "event: duplicate key spelled with an escape", .auditEvent,
        edit(E, ",\"status\":\"PASS\"", ",\"status\":\"PASS\",\"st\\u0061tus\":\"FAIL\""), mentions: "duplicate"),
    .init(
        "event: duplicate key in an unknown nested field", .auditEvent,
        edit(E, "\"schema\":1", "\"schema\":1,\"x\":{\"a\":1,\"a\":2}"), mentions: "duplicate"),
    .init("event: schema 1.0", .auditEvent, edit(E, "\"schema\":1", "\"schema\":1.0"), mentions: "schema"),
    .init("event: schema 1e0", .auditEvent, edit(E, "\"schema\":1", "\"schema\":1e0"), mentions: "schema"),
    .init("event: text after the object", .auditEvent, E + "{}", mentions: "after"),
    .init("event: escaped NUL", .auditEvent, edit(E, "verification", "verif\\u0000ication"), mentions: "NUL"),
    .init("event: lone surrogate", .auditEvent, edit(E, "verification", "verif\\ud800ication"), mentions: "surrogate"),
    .init(
        "event: nested 100 deep", .auditEvent,
        edit(
            E, "\"schema\":1",
            "\"schema\":1,\"x\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)),
        mentions: "deeper"),
    .init("event: byte order mark", .auditEvent, [0xEF, 0xBB, 0xBF] + Array(E.utf8), mentions: "byte order mark"),
    .init("intent: byte order mark", .intent, [0xEF, 0xBB, 0xBF] + Array(I.utf8), mentions: "byte order mark"),
    .init(
        "event: more than 64 KiB", .auditEvent,
        edit(E, "verification", "verification\",\"pad\":\"" + String(repeating: "x", count: 64 * 1024)),
        mentions: "limit"),
]

@Suite struct RecordMalformedTests {
    @Test(arguments: policyCases + intentCases + approvalCases + eventCases)
    func rejected(_ malformed: MalformedCase) throws {
        let error = try #require(throws: WritError.self) { try malformed.parse() }
        #expect(error.reason == malformed.reason, "\(error)")
        if let word = malformed.mentions {
            #expect(error.detail.contains(word), "detail \(error.detail) should mention \(word)")
        }
    }

    /// The unmodified fixtures parse, so each case above fails for its own edit.
    @Test func fixturesThemselvesParse() throws {
        _ = try Policy.parse(RecordFixtures.bytes(P))
        _ = try Intent.parse(RecordFixtures.bytes(I), expectedPath: IP)
        _ = try ApprovalRecord.parse(RecordFixtures.bytes(A), expectedPath: AP)
        _ = try GovernanceRecord.parse(RecordFixtures.bytes(G), expectedPath: GP)
        _ = try AuditEvent.parse(RecordFixtures.bytes(E), expectedPath: EP)
    }

    /// Exactly 64 KiB is accepted; one byte more is not.
    @Test func sizeLimitIsExact() throws {
        let base = Array(I.utf8)
        let padding = RecordBytes.maximumSize - base.count - 3
        let exact = base + Array("# ".utf8) + Array(repeating: UInt8(ascii: "x"), count: padding) + [0x0A]
        #expect(exact.count == RecordBytes.maximumSize)
        _ = try Intent.parse(exact)
        #expect(throws: WritError.self) { try Intent.parse(exact + [0x0A]) }
    }
}
