import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct RecordRoundTripTests {
    let id = IntentID("rotate-db-password-7f3a")!
    let alice = Principal("alice@example.com")!
    let dispatcher = Principal("dispatch-1@example.com")!
    let when = Timestamp(rfc3339: "2026-11-22T01:00:00Z")!

    @Test func intentWriterRoundTrips() throws {
        let intent = try Intent(
            id: id, kind: "release", proposer: Principal("agent-1@example.com")!, createdAt: when,
            summary: "Quote \" backslash \\ and ünïcode", expiresAt: when.adding(seconds: 3600), blastRadius: .high,
            idempotencyKey: "k-1", requires: ["verification", "lint"],
            target: .init(repo: "github.com/org/app", branch: "release/1.x"),
            params: [
                "version": "1.2.3", "quote": "a\"b", "unicode": "ünïcode 🙂", "with space": "x", "empty": "",
            ].filter {
                RecordName.isValid($0.key)
            })
        let bytes = intent.canonicalBytes()
        let parsed = try Intent.parse(bytes, expectedPath: intent.path.path)
        #expect(parsed == intent)
        #expect(parsed.canonicalBytes() == bytes)
        let minimal = try Intent(
            id: IntentID("x")!, kind: "triage", proposer: alice, createdAt: when, summary: "s",
            target: .init(repo: "r"))
        #expect(try Intent.parse(minimal.canonicalBytes()) == minimal)
        #expect(!minimal.canonicalTOML().contains("[params]"))
        #expect(minimal.effectiveIdempotencyKey == "x")
    }

    @Test func intentInitRefusesWhatParsingRefuses() {
        #expect(throws: WritError.self) {
            try Intent(
                id: id, kind: "release", proposer: alice, createdAt: when, summary: "a\nb", target: .init(repo: "r"))
        }
        #expect(throws: WritError.self) {
            try Intent(
                id: id, kind: "release", proposer: alice, createdAt: when, summary: "s", target: .init(repo: "r"),
                params: ["bad name": "x"])
        }
    }

    /// What an approver sees is what they sign (SPEC §3): an intent whose
    /// text holds a C0 or C1 control, DEL or a bidi control is malformed,
    /// written by writ or read from the ledger; the same text without it is fine.
    @Test(arguments: [
        "\u{0}", "\u{1}", "\t", "\n", "\r", "\u{1B}[2J", "\u{1B}]52;c;cGF5bG9hZA==\u{7}", "\u{7F}", "\u{85}", "\u{9B}",
        "\u{202A}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{200E}", "\u{200F}", "\u{61C}",
    ])
    func intentTextWithAControlCharacterIsMalformed(hostile: String) throws {
        let fields: [(String, (String) throws -> Intent)] = [
            (
                "summary",
                {
                    try Intent(
                        id: id, kind: "k", proposer: alice, createdAt: when, summary: "a\($0)b",
                        target: .init(repo: "r"))
                }
            ),
            (
                "param",
                {
                    try Intent(
                        id: id, kind: "k", proposer: alice, createdAt: when, summary: "s", target: .init(repo: "r"),
                        params: ["v": "1\($0)2"])
                }
            ),
            (
                "branch",
                {
                    try Intent(
                        id: id, kind: "k", proposer: alice, createdAt: when, summary: "s",
                        target: .init(repo: "r", branch: "m\($0)"))
                }
            ),
        ]
        for (field, make) in fields {
            #expect(throws: WritError.self, "\(field) with \(hostile.debugDescription)") { try make(hostile) }
            _ = try make("")
        }
        // The parser refuses the same text written by hand (a TOML escape).
        let escaped = hostile.unicodeScalars.map { String(format: "\\u%04X", $0.value) }.joined()
        let text = RecordFixtures.intent.replacingOccurrences(
            of: "summary = \"", with: "summary = \"\(escaped)")
        #expect(text != RecordFixtures.intent)
        #expect {
            try Intent.parse(RecordFixtures.bytes(text))
        } throws: { error in
            (error as? WritError)?.reason == .intentMalformed
        }
    }

    @Test func effectiveTierTakesTheMaximum() throws {
        let policy = try Policy.parse(RecordFixtures.bytes(RecordFixtures.policy))
        func intent(_ kind: String, _ radius: Tier?) throws -> Intent {
            try Intent(
                id: id, kind: kind, proposer: alice, createdAt: when, summary: "s", blastRadius: radius,
                target: .init(repo: "r"))
        }
        #expect(try intent("triage", nil).effectiveTier(policy) == .low)
        #expect(try intent("triage", .medium).effectiveTier(policy) == .medium)
        #expect(try intent("release", .low).effectiveTier(policy) == .high)  // never lowered
        #expect(try intent("unlisted", nil).effectiveTier(policy) == .high)
        #expect(try intent("dev", .high).effectiveTier(policy) == .high)
    }

    @Test func policyLookups() throws {
        let policy = try Policy.parse(RecordFixtures.bytes(RecordFixtures.policy))
        let bob = Principal("bob@example.com")!
        let agent = Principal("agent-1@example.com")!
        let dispatch = Principal("dispatch-1@example.com")!
        #expect(policy.tier(forKind: "dev") == .medium)
        #expect(policy.tier(forKind: "nope") == .high)
        #expect(policy.roles(of: alice) == ["admin"])
        #expect(policy.principals(inRole: "operator") == [bob])
        #expect(policy.principals(inRole: "missing") == [])
        #expect(policy.acceptsForTier(alice, .high) && policy.acceptsForTier(alice, .medium))
        #expect(!policy.acceptsForTier(bob, .high) && policy.acceptsForTier(bob, .medium))
        #expect(!policy.acceptsForTier(alice, .low))
        #expect(policy.isProposer(agent) && !policy.isProposer(dispatch))
        #expect(policy.isGateAttester(dispatch) && !policy.isGateAttester(alice))
        #expect(policy.isGovernor(alice) && !policy.isGovernor(bob))
        #expect(policy.rule(for: .high) == Policy.Rule(approvals: 1, roles: ["admin"]))
        #expect(policy.governance.approvals == 2)
        #expect(policy.member(forLogin: "alice") == .principal(alice))
        #expect(policy.member(forLogin: "mallory") == .blocked)
        #expect(policy.member(forLogin: "eve") == nil)
    }

    /// A missing tier table is unsatisfiable, never permissive.
    @Test func missingTierIsUnsatisfiable() throws {
        let text = RecordFixtures.policy.replacingOccurrences(
            of: "[tiers.medium]\napprovals = 1\nroles = [\"operator\", \"admin\"]\n", with: "")
        let policy = try Policy.parse(RecordFixtures.bytes(text))
        #expect(policy.rule(for: .medium) == nil)
        #expect(!policy.acceptsForTier(alice, .medium))
    }

    @Test func approvalWriterRoundTrips() throws {
        for note in [nil, "plain", "quoted \" backslash \\ ünïcode"] as [String?] {
            let record = try ApprovalRecord(
                intent: id, intentDigest: ContentDigest.sha256(of: [1]), tier: .high, decision: .deny, approver: alice,
                createdAt: when, expiresAt: note == nil ? nil : when.adding(seconds: 60), note: note)
            let bytes = record.canonicalBytes()
            #expect(try ApprovalRecord.parse(bytes, expectedPath: record.path.path) == record)
        }
        #expect(throws: WritError.self) {
            try ApprovalRecord(
                intent: id, intentDigest: ContentDigest.sha256(of: [1]), tier: .high, decision: .approve,
                approver: Principal("request")!, createdAt: when)
        }
        // Record text holds no control or bidi-control character (SPEC §3).
        for note in ["line\nbreak", "del \u{7f}", "tab\t", "c1 \u{85}", "bidi \u{202E}evil", "mark \u{200F}"] {
            #expect(throws: WritError.self, "\(note.debugDescription)") {
                try ApprovalRecord(
                    intent: id, intentDigest: ContentDigest.sha256(of: [1]), tier: .high, decision: .deny,
                    approver: alice, createdAt: when, note: note)
            }
        }
    }

    @Test func governanceWriterRoundTrips() throws {
        let digest = GovernanceDigest.compute(policy: [1], allowedSigners: [2])
        let record = try GovernanceRecord(
            governanceDigest: digest, replaces: ContentDigest.sha256(of: [4, 5, 6]), decision: .approve,
            approver: alice,
            createdAt: when, note: "n")
        #expect(try GovernanceRecord.parse(record.canonicalBytes(), expectedPath: record.path.path) == record)
    }

    @Test func requestWriterRoundTrips() throws {
        let policy = try Policy.parse(RecordFixtures.bytes(RecordFixtures.policy))
        let intentBytes = RecordFixtures.bytes(
            RecordFixtures.intent + "# a \"quoted\" \\ comment\r\n\ttabbed = \"\"\"x\"\"\"\n")
        let intent = try Intent.parse(RecordFixtures.bytes(RecordFixtures.intent))
        let request = try ApprovalRequest(for: intent, intentBytes: intentBytes, policy: policy, createdAt: when)
        #expect(request.tier == .high && request.approvalsRequired == 1 && request.roles == ["admin"])
        #expect(request.intentDigest == Intent.digest(ofFileBytes: intentBytes))
        let parsed = try ApprovalRequest.parse(request.canonicalBytes(), expectedPath: request.path.path)
        #expect(parsed == request)
        #expect(Array(parsed.intentTOML.utf8) == intentBytes)
    }

    func allEvents() throws -> [AuditEvent] {
        let digest = ContentDigest.sha256(of: Array("intent".utf8))
        let outcome = AuditEvent.Outcome(
            exitCode: -9, durationMs: 12, stdoutSHA256: digest, stderrSHA256: digest, stdoutTail: "a/b \"c\" é\n\u{1}",
            stderrTail: "")
        let payloads: [AuditEvent.Payload] = [
            .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote),
            .claimed(
                .init(
                    tier: .high, runID: "r1", idempotencyKey: "k",
                    approvals: [
                        try .init(approver: alice, commit: String(repeating: "a", count: 40), recordDigest: digest)
                    ])),
            .succeeded(outcome), .failed(outcome), .blocked(reason: .notApproved, detail: "d"),
            .inDoubt(claimedAt: when, detail: "d"), .resolved(resolution: .retry, note: "n"),
            .projection(operation: "forge.comment", target: "github.com/org/app", key: "k"),
            .gate(name: "verification", status: .fail), .withdrawn(note: "taken back"),
            .breakGlass(reason: "prod is down, \"rolling back\" é", reviewBy: when.adding(seconds: 3600)),
        ]
        return try payloads.map {
            try AuditEvent(intent: id, intentDigest: digest, at: when, actor: dispatcher, payload: $0)
        }
    }

    @Test func eventsRoundTripWithCanonicalBytes() throws {
        let events = try allEvents()
        #expect(Set(events.map(\.kind)) == Set(AuditEventKind.allCases))
        for event in events {
            let bytes = event.canonicalJSON()
            #expect(bytes.last == 0x0A && bytes.dropLast().last != 0x0A)
            #expect(!bytes.dropLast().contains(0x0A), "one line, one trailing newline")
            #expect(event.canonicalJSON() == bytes, "byte-stable")
            let parsed = try AuditEvent.parse(bytes, expectedPath: event.path(sequence: 7).path)
            #expect(parsed == event)
            #expect(parsed.canonicalJSON() == bytes)
            // No newline at the end is accepted too.
            #expect(try AuditEvent.parse(bytes.dropLast()) == event)
            // Keys are sorted: re-serialising through an independent parser with sorted keys gives the same text.
            let object = try JSONSerialization.jsonObject(with: Data(bytes))
            let resorted = try JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            let keysInOrder = try topLevelKeys(bytes)
            #expect(keysInOrder == keysInOrder.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }))
            #expect(try topLevelKeys(Array(resorted)) == keysInOrder)
            #expect(!String(decoding: bytes, as: UTF8.self).contains("\\/"))
        }
    }

    /// Readers ignore fields they do not know.
    @Test func unknownEventFieldsAreIgnored() throws {
        let text = RecordFixtures.event.replacingOccurrences(
            of: "\"schema\":1", with: "\"schema\":1,\"future\":{\"x\":[1,2,\"\\u00e9\"]},\"ratio\":-1.5e3,\"flag\":null"
        )
        let event = try AuditEvent.parse(RecordFixtures.bytes(text), expectedPath: RecordFixtures.eventPath)
        #expect(event.payload == .gate(name: "verification", status: .pass))
    }

    @Test func detectionByContentOutsideTheLayout() throws {
        let cases: [(String, String, RecordKind)] = [
            ("/tmp/x/some.toml", RecordFixtures.policy, .policy),
            ("/tmp/x/some.toml", RecordFixtures.intent, .intent),
            ("/tmp/x/some.toml", RecordFixtures.approval, .approval),
            ("/tmp/x/some.toml", RecordFixtures.governance, .governance),
            ("/tmp/x/event.json", RecordFixtures.event, .auditEvent),
        ]
        for (path, text, kind) in cases {
            #expect(try RecordValidator.validate(path: path, bytes: RecordFixtures.bytes(text)).kind == kind)
        }
        // Inside the layout the path is checked too: a misplaced record fails.
        let misplaced = "/srv/ops/approvals/eb/rotate-db-password-7f3a/bob@example.com.toml"
        let error = try #require(throws: WritError.self) {
            try RecordValidator.validate(path: misplaced, bytes: RecordFixtures.bytes(RecordFixtures.approval))
        }
        #expect(error.reason == .approvalMalformed)
        let wrongFanOut = "/srv/ledger/intents/00/rotate-db-password-7f3a.toml"
        #expect(throws: WritError.self) {
            try RecordValidator.validate(path: wrongFanOut, bytes: RecordFixtures.bytes(RecordFixtures.intent))
        }
        let unknown = try #require(throws: WritError.self) {
            try RecordValidator.validate(path: "/tmp/notes.toml", bytes: RecordFixtures.bytes("title = \"x\"\n"))
        }
        #expect(unknown.detail.contains("cannot tell"))
    }

    private func topLevelKeys(_ bytes: [UInt8]) throws -> [String] {
        // Walk the top-level object by hand so the order on disk is what is checked.
        var keys: [String] = []
        var depth = 0
        var inString = false
        var escaped = false
        var current: [UInt8] = []
        var expectingKey = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                    current.append(byte)
                    continue
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    current.append(byte)
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 && expectingKey {
                        keys.append(String(decoding: current, as: UTF8.self))
                        expectingKey = false
                    }
                    continue
                }
                current.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                current = []
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth == 1 { expectingKey = true }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ","): if depth == 1 { expectingKey = true }
            default: break
            }
        }
        return keys
    }
}
