import Foundation

/// An audit event, `audit/<aa>/<intent-id>/<seq>-<event>.json` on the ledger
/// branch (SPEC §3): one JSON object, UTF-8, keys sorted.
///
/// Every event has `schema` (1), `event`, `intent`, `intent_digest`, `at`
/// and `actor`; the rest depends on the event and lives in `payload`.
/// Readers ignore fields they do not know, but every known field must be
/// present with its type; a malformed event is a `ledger_violation`.
public struct AuditEvent: Sendable, Equatable {
    /// One approval a claim relied on.
    public struct ClaimedApproval: Sendable, Equatable, Codable {
        package let approver: Principal
        /// The governance commit that holds the record (40 or 64 lower-case hex digits).
        package let commit: String
        /// sha256 of the approval record's bytes.
        package let recordDigest: ContentDigest

        public init(approver: Principal, commit: String, recordDigest: ContentDigest) throws {
            guard AuditEvent.isObjectID(commit) else {
                throw WritError(
                    .ledgerViolation, "audit event: field 'approvals[].commit' is not a commit id: \(quoted: commit)")
            }
            self.approver = approver
            self.commit = commit
            self.recordDigest = recordDigest
        }

        package enum CodingKeys: String, CodingKey {
            case approver, commit
            case recordDigest = "record_digest"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let commit = try container.decode(String.self, forKey: .commit)
            guard AuditEvent.isObjectID(commit) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .commit, in: container, debugDescription: "not a commit id: \(quoted: commit)")
            }
            self.approver = try container.decode(Principal.self, forKey: .approver)
            self.commit = commit
            self.recordDigest = try container.decode(ContentDigest.self, forKey: .recordDigest)
        }
    }

    /// The `claimed` event's fields.
    public struct Claim: Sendable, Equatable {
        package let tier: Tier
        package let runID: String
        package let idempotencyKey: String
        /// Empty for the low tier.
        package let approvals: [ClaimedApproval]

        public init(tier: Tier, runID: String, idempotencyKey: String, approvals: [ClaimedApproval]) {
            self.tier = tier
            self.runID = runID
            self.idempotencyKey = idempotencyKey
            self.approvals = approvals
        }
    }

    /// The fields of `succeeded` and `failed`. Tails are redacted before they get here.
    public struct Outcome: Sendable, Equatable {
        public let exitCode: Int
        public let durationMs: Int
        package let stdoutSHA256: ContentDigest
        package let stderrSHA256: ContentDigest
        public let stdoutTail: String
        public let stderrTail: String
        /// A remote write's failure: its one reason code (SPEC §7).
        public let reason: ReasonCode?
        /// A remote write's result: the forge's id and web URL of the pull
        /// request, comment or status written (SPEC §7).
        public let remoteID: String?
        public let remoteURL: String?

        public init(
            exitCode: Int, durationMs: Int, stdoutSHA256: ContentDigest, stderrSHA256: ContentDigest,
            stdoutTail: String,
            stderrTail: String, reason: ReasonCode? = nil, remoteID: String? = nil, remoteURL: String? = nil
        ) {
            self.exitCode = exitCode
            self.durationMs = durationMs
            self.stdoutSHA256 = stdoutSHA256
            self.stderrSHA256 = stderrSHA256
            self.stdoutTail = stdoutTail
            self.stderrTail = stderrTail
            self.reason = reason
            self.remoteID = remoteID
            self.remoteURL = remoteURL
        }
    }

    /// How an operator settled an `in_doubt` intent.
    public enum Resolution: String, Sendable, Hashable, CaseIterable, Codable {
        case succeeded, failed, retry
    }

    /// A gate result.
    public enum GateStatus: String, Sendable, Hashable, CaseIterable, Codable {
        case pass = "PASS"
        case fail = "FAIL"
    }

    /// The per-event fields.
    public enum Payload: Sendable, Equatable {
        /// `tier` is always low.
        case autoApproved(tier: Tier, note: String)
        case claimed(Claim)
        case succeeded(Outcome)
        case failed(Outcome)
        case blocked(reason: ReasonCode, detail: String)
        case inDoubt(claimedAt: Timestamp, detail: String)
        case resolved(resolution: Resolution, note: String)
        /// A remote write about to be made.
        case projection(operation: String, target: String, key: String)
        case gate(name: String, status: GateStatus)
        /// The proposer, or a role of the intent's tier, takes the intent
        /// back before it is claimed; `note` is record text (SPEC §3).
        case withdrawn(note: String)
        /// A break-glass record made the intent ready now (SPEC §4.7):
        /// `reason` is the record's note (record text), `reviewBy` the
        /// record's merge time plus `review_within`.
        case breakGlass(reason: String, reviewBy: Timestamp)

        /// The payload with every free-text field as `storableText` makes it.
        var storable: Payload {
            let text = AuditEvent.storableText
            func outcome(_ o: Outcome) -> Outcome {
                Outcome(
                    exitCode: o.exitCode, durationMs: o.durationMs, stdoutSHA256: o.stdoutSHA256,
                    stderrSHA256: o.stderrSHA256, stdoutTail: text(o.stdoutTail), stderrTail: text(o.stderrTail),
                    reason: o.reason, remoteID: o.remoteID.map(text), remoteURL: o.remoteURL.map(text))
            }
            switch self {
            case .autoApproved(let tier, let note): return .autoApproved(tier: tier, note: text(note))
            case .claimed(let claim):
                return .claimed(
                    Claim(
                        tier: claim.tier, runID: text(claim.runID), idempotencyKey: text(claim.idempotencyKey),
                        approvals: claim.approvals))
            case .succeeded(let o): return .succeeded(outcome(o))
            case .failed(let o): return .failed(outcome(o))
            case .blocked(let reason, let detail): return .blocked(reason: reason, detail: text(detail))
            case .inDoubt(let claimedAt, let detail): return .inDoubt(claimedAt: claimedAt, detail: text(detail))
            case .resolved(let resolution, let note): return .resolved(resolution: resolution, note: text(note))
            case .projection(let operation, let target, let key):
                return .projection(operation: text(operation), target: text(target), key: text(key))
            case .gate, .withdrawn, .breakGlass: return self
            }
        }

        /// The note of a `withdrawn` event; nil for every other event.
        package var withdrawnNote: String? {
            if case .withdrawn(let note) = self { note } else { nil }
        }

        /// The reason and review deadline of a `break_glass` event; nil for every other event.
        package var breakGlassReview: (reason: String, reviewBy: Timestamp)? {
            if case .breakGlass(let reason, let reviewBy) = self { (reason, reviewBy) } else { nil }
        }

        package var kind: AuditEventKind {
            switch self {
            case .autoApproved: .autoApproved
            case .claimed: .claimed
            case .succeeded: .succeeded
            case .failed: .failed
            case .blocked: .blocked
            case .inDoubt: .inDoubt
            case .resolved: .resolved
            case .projection: .projection
            case .gate: .gate
            case .withdrawn: .withdrawn
            case .breakGlass: .breakGlass
            }
        }
    }

    /// Always 1.
    package let schema: Int
    package let intent: IntentID
    public let intentDigest: ContentDigest
    public let at: Timestamp
    public let actor: Principal
    public let payload: Payload

    /// The note every `auto_approved` event carries.
    public static let autoApprovedNote = "auto-approved: low blast radius"

    /// Builds an event; an `auto_approved` event must have tier low (`ledger_violation`).
    public init(intent: IntentID, intentDigest: ContentDigest, at: Timestamp, actor: Principal, payload: Payload) throws
    {
        if case .autoApproved(let tier, _) = payload, tier != .low {
            throw WritError(.ledgerViolation, "audit event: field 'tier' of auto_approved must be low, found \(tier)")
        }
        if case .gate(let name, _) = payload, !RecordName.isValid(name) {
            throw WritError(.ledgerViolation, "audit event: field 'name' is not a valid gate name: \(quoted: name)")
        }
        if case .withdrawn(let note) = payload, let problem = RecordText.problem(in: note) {
            // Typed by a person and shown to approvers: record text, held to
            // the rule of the intent's own strings, not to an output tail's.
            throw WritError(.ledgerViolation, "audit event: field 'note' of withdrawn \(problem)")
        }
        if case .breakGlass(let reason, _) = payload {
            // The break-glass record's note, shown in every view: record
            // text, and never empty, as the record's own note never is.
            if let problem = RecordText.problem(in: reason) {
                throw WritError(.ledgerViolation, "audit event: field 'reason' of break_glass \(problem)")
            }
            guard !reason.isEmpty else {
                throw WritError(.ledgerViolation, "audit event: field 'reason' of break_glass must not be empty")
            }
        }
        self.schema = 1
        self.intent = intent
        self.intentDigest = intentDigest
        self.at = at
        self.actor = actor
        self.payload = payload.storable
    }

    /// `text` as an event may hold it: the one rule for every free-text
    /// field writ writes into an event (output tails, details, notes, a
    /// forge's ids and URLs). A NUL, which process output may hold and the
    /// strict reader refuses (`\u0000`), becomes U+FFFD; every other
    /// character survives the round trip through `canonicalJSON()` and
    /// `parse`. Text read from the ledger never holds a NUL, so parsing is
    /// unchanged by it.
    public static func storableText(_ text: String) -> String {
        guard text.unicodeScalars.contains("\u{0}") else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : $0 }))
    }

    /// The event's name, `event` in the JSON.
    public var kind: AuditEventKind { payload.kind }

    /// The event's ledger path at sequence number `sequence` (from 1).
    package func path(sequence: Int) -> LedgerPath { .auditEvent(intent, sequence: sequence, event: kind) }

    static func isObjectID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (bytes.count == 40 || bytes.count == 64) && bytes.allSatisfy(\.isLowerHex)
    }

    // MARK: JSON

    /// The canonical JSON: keys sorted by their UTF-8 bytes, `/` unescaped,
    /// no insignificant whitespace, and exactly one trailing newline.
    /// Encoding the same event twice gives the same bytes.
    public func canonicalJSON() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every field is a string, an integer or an array of such objects,
        // which JSONEncoder always encodes; a failure would be a bug here.
        guard let data = try? encoder.encode(self) else {
            preconditionFailure("an audit event always encodes")
        }
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// Parses event bytes; throws `WritError(.ledgerViolation, ...)`.
    ///
    /// With `expectedPath`, the path must be `audit/<aa>/<intent>/<seq>-<event>.json`
    /// with this event's intent and name.
    public static func parse(_ bytes: some Collection<UInt8>, expectedPath: String? = nil) throws -> AuditEvent {
        var text = try RecordBytes.text(bytes, reason: .ledgerViolation, record: "audit event")
        let event = try text.withUTF8 { AuditEventScanner.event($0) } ?? decodeThoroughly(text)
        if let expectedPath {
            switch LedgerPath.diagnose(expectedPath) {
            case .failure(let problem):
                throw WritError(.ledgerViolation, "audit event path \(quoted: expectedPath): \(problem.message)")
            case .success(.auditEvent(let id, _, let kind)):
                guard id == event.intent else {
                    throw WritError(
                        .ledgerViolation,
                        "audit event names intent \(quoted: event.intent.rawValue) but is filed under \(quoted: id.rawValue)"
                    )
                }
                guard kind == event.kind else {
                    throw WritError(
                        .ledgerViolation,
                        "audit event is \(quoted: event.kind.rawValue) but its file name says \(quoted: kind.rawValue)")
                }
            case .success:
                throw WritError(.ledgerViolation, "path \(quoted: expectedPath) is not an audit event")
            }
        }
        return event
    }

    /// The full reader: the strict syntax check, then the decoder, each
    /// problem named. `AuditEventScanner` answers first for what it can.
    static func decodeThoroughly(_ text: String) throws -> AuditEvent {
        let integerLiterals: [String: Bool]
        do {
            integerLiterals = try StrictJSON.check(Array(text.utf8))
        } catch {
            throw WritError(.ledgerViolation, "audit event: \(error.message)")
        }
        for field in ["schema", "exit_code", "duration_ms"] where integerLiterals[field] == false {
            throw WritError(.ledgerViolation, "audit event: field '\(field)' must be an integer")
        }
        let event: AuditEvent
        do {
            event = try JSONDecoder().decode(AuditEvent.self, from: Data(text.utf8))
        } catch let error as WritError {
            throw error
        } catch let error as DecodingError {
            throw WritError(.ledgerViolation, "audit event: \(describe(error))")
        } catch {
            throw WritError(.ledgerViolation, "audit event: not valid JSON")
        }
        return event
    }

    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var text = ""
            for key in path + (last.map { [$0] } ?? []) {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text.isEmpty ? "the document" : "field '\(text)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath, key)) is missing"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)) must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)) must be \(typeName(type)), found null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not a valid JSON object" }
            return "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "does not decode"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}

extension AuditEvent: Codable {
    package enum CodingKeys: String, CodingKey {
        case schema, event, intent, at, actor
        case intentDigest = "intent_digest"
        case tier, note, approvals, reason, detail, resolution, operation, target, key, name, status
        case runID = "run_id"
        case idempotencyKey = "idempotency_key"
        case exitCode = "exit_code"
        case durationMs = "duration_ms"
        case stdoutSHA256 = "stdout_sha256"
        case stderrSHA256 = "stderr_sha256"
        case stdoutTail = "stdout_tail"
        case stderrTail = "stderr_tail"
        case claimedAt = "claimed_at"
        case remoteID = "remote_id"
        case remoteURL = "remote_url"
        case reviewBy = "review_by"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let schema = try c.decode(Int.self, forKey: .schema)
        guard schema == 1 else {
            throw WritError(.ledgerViolation, "audit event: field 'schema' must be 1, found \(schema)")
        }
        let eventName = try c.decode(String.self, forKey: .event)
        guard let kind = AuditEventKind(rawValue: eventName) else {
            throw WritError(.ledgerViolation, "audit event: field 'event' names an unknown event \(quoted: eventName)")
        }
        func outcome() throws -> Outcome {
            let durationMs = try c.decode(Int.self, forKey: .durationMs)
            guard durationMs >= 0 else {
                throw WritError(.ledgerViolation, "audit event: field 'duration_ms' must be 0 or more")
            }
            return Outcome(
                exitCode: try c.decode(Int.self, forKey: .exitCode), durationMs: durationMs,
                stdoutSHA256: try c.decode(ContentDigest.self, forKey: .stdoutSHA256),
                stderrSHA256: try c.decode(ContentDigest.self, forKey: .stderrSHA256),
                stdoutTail: try c.decode(String.self, forKey: .stdoutTail),
                stderrTail: try c.decode(String.self, forKey: .stderrTail),
                reason: try c.decodeIfPresent(ReasonCode.self, forKey: .reason),
                remoteID: try c.decodeIfPresent(String.self, forKey: .remoteID),
                remoteURL: try c.decodeIfPresent(String.self, forKey: .remoteURL))
        }
        func string(_ key: CodingKeys) throws -> String { try c.decode(String.self, forKey: key) }
        let payload: Payload
        switch kind {
        case .autoApproved:
            payload = .autoApproved(tier: try c.decode(Tier.self, forKey: .tier), note: try string(.note))
        case .claimed:
            payload = .claimed(
                Claim(
                    tier: try c.decode(Tier.self, forKey: .tier), runID: try string(.runID),
                    idempotencyKey: try string(.idempotencyKey),
                    approvals: try c.decode([ClaimedApproval].self, forKey: .approvals)))
        case .succeeded: payload = .succeeded(try outcome())
        case .failed: payload = .failed(try outcome())
        case .blocked:
            payload = .blocked(reason: try c.decode(ReasonCode.self, forKey: .reason), detail: try string(.detail))
        case .inDoubt:
            payload = .inDoubt(claimedAt: try c.decode(Timestamp.self, forKey: .claimedAt), detail: try string(.detail))
        case .resolved:
            payload = .resolved(resolution: try c.decode(Resolution.self, forKey: .resolution), note: try string(.note))
        case .projection:
            payload = .projection(operation: try string(.operation), target: try string(.target), key: try string(.key))
        case .gate:
            payload = .gate(name: try string(.name), status: try c.decode(GateStatus.self, forKey: .status))
        case .withdrawn:
            payload = .withdrawn(note: try string(.note))
        case .breakGlass:
            payload = .breakGlass(
                reason: try string(.reason), reviewBy: try c.decode(Timestamp.self, forKey: .reviewBy))
        }
        try self.init(
            intent: try c.decode(IntentID.self, forKey: .intent),
            intentDigest: try c.decode(ContentDigest.self, forKey: .intentDigest),
            at: try c.decode(Timestamp.self, forKey: .at),
            actor: try c.decode(Principal.self, forKey: .actor),
            payload: payload)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(kind.rawValue, forKey: .event)
        try c.encode(intent, forKey: .intent)
        try c.encode(intentDigest, forKey: .intentDigest)
        try c.encode(at, forKey: .at)
        try c.encode(actor, forKey: .actor)
        func encodeOutcome(_ outcome: Outcome) throws {
            try c.encode(outcome.exitCode, forKey: .exitCode)
            try c.encode(outcome.durationMs, forKey: .durationMs)
            try c.encode(outcome.stdoutSHA256, forKey: .stdoutSHA256)
            try c.encode(outcome.stderrSHA256, forKey: .stderrSHA256)
            try c.encode(outcome.stdoutTail, forKey: .stdoutTail)
            try c.encode(outcome.stderrTail, forKey: .stderrTail)
            try c.encodeIfPresent(outcome.reason, forKey: .reason)
            try c.encodeIfPresent(outcome.remoteID, forKey: .remoteID)
            try c.encodeIfPresent(outcome.remoteURL, forKey: .remoteURL)
        }
        switch payload {
        case .autoApproved(let tier, let note):
            try c.encode(tier, forKey: .tier)
            try c.encode(note, forKey: .note)
        case .claimed(let claim):
            try c.encode(claim.tier, forKey: .tier)
            try c.encode(claim.runID, forKey: .runID)
            try c.encode(claim.idempotencyKey, forKey: .idempotencyKey)
            try c.encode(claim.approvals, forKey: .approvals)
        case .succeeded(let outcome), .failed(let outcome):
            try encodeOutcome(outcome)
        case .blocked(let reason, let detail):
            try c.encode(reason, forKey: .reason)
            try c.encode(detail, forKey: .detail)
        case .inDoubt(let claimedAt, let detail):
            try c.encode(claimedAt, forKey: .claimedAt)
            try c.encode(detail, forKey: .detail)
        case .resolved(let resolution, let note):
            try c.encode(resolution, forKey: .resolution)
            try c.encode(note, forKey: .note)
        case .projection(let operation, let target, let key):
            try c.encode(operation, forKey: .operation)
            try c.encode(target, forKey: .target)
            try c.encode(key, forKey: .key)
        case .gate(let name, let status):
            try c.encode(name, forKey: .name)
            try c.encode(status, forKey: .status)
        case .withdrawn(let note):
            try c.encode(note, forKey: .note)
        case .breakGlass(let reason, let reviewBy):
            try c.encode(reason, forKey: .reason)
            try c.encode(reviewBy, forKey: .reviewBy)
        }
    }
}
