/// What kind of record a file holds, for `writ validate FILE`.
package enum RecordKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case policy
    case intent
    case approval
    case governance
    case governanceRequest = "governance_request"
    case request
    case auditEvent = "audit_event"
    case joinRequest = "join_request"

    package var description: String { rawValue }

    /// The reason code a malformed record of this kind is reported with.
    package var malformedReason: ReasonCode {
        switch self {
        case .policy: .policyMalformed
        case .intent: .intentMalformed
        case .approval, .governance, .governanceRequest, .request, .joinRequest: .approvalMalformed
        case .auditEvent: .ledgerViolation
        }
    }
}

/// A record read and checked by `RecordValidator`.
package enum ValidatedRecord: Sendable, Equatable {
    case policy(Policy)
    case intent(Intent)
    case approval(ApprovalRecord)
    case governance(GovernanceRecord)
    case governanceRequest(GovernanceRequest)
    case request(ApprovalRequest)
    case auditEvent(AuditEvent)
    case joinRequest(JoinRequest)

    package var kind: RecordKind {
        switch self {
        case .policy: .policy
        case .intent: .intent
        case .approval: .approval
        case .governance: .governance
        case .governanceRequest: .governanceRequest
        case .request: .request
        case .auditEvent: .auditEvent
        case .joinRequest: .joinRequest
        }
    }
}

/// Tells what a file is and validates it, for `writ validate FILE`.
///
/// The path decides first: when its last components have the shape of a
/// layout path (`policy.toml`, `intents/<aa>/<id>.toml`,
/// `audit/<aa>/<id>/<seq>-<event>.json`, `approvals/<aa>/<id>/<name>.toml`,
/// `approvals/_governance/<hex>/<name>.toml`), the file is that kind and the
/// path itself is checked too (fan-out, id, approver, event name), so a file
/// in the wrong place is reported, not silently accepted. Only a file outside
/// the layout is recognised by its contents: `.json` is an audit event; TOML
/// with `governance_digest` or `replaces` a governance record, with `intent_toml` a
/// request, with `decision` an approval, with `id` an intent, and with
/// `tiers`, `roles` or `governance` a policy.
package enum RecordValidator {
    /// Decides the kind of the file at `path` (any file-system path) holding `bytes`;
    /// nil when neither the path nor the contents say.
    /// The second value is the layout-relative path to check, when the path has a layout shape.
    static func detect(path: String, bytes: some Collection<UInt8>) -> (kind: RecordKind, layoutPath: String?)? {
        if let shaped = layoutShape(path) { return shaped }
        if path.hasSuffix(".json") { return (.auditEvent, nil) }
        guard let text = String(validating: Array(bytes.prefix(RecordBytes.maximumSize)), as: UTF8.self) else {
            return nil
        }
        let keys = Set(
            text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
                let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
                if trimmed.hasPrefix("[") {
                    return trimBlanks(trimmed.dropFirst().prefix(while: { $0 != "." && $0 != "]" }))
                }
                guard let equals = trimmed.firstIndex(of: "=") else { return nil }
                return trimBlanks(trimmed[..<equals])
            })
        // `replaces_commit` and `changes` belong to governance requests only.
        if !keys.isDisjoint(with: ["replaces_commit", "changes"]) { return (.governanceRequest, nil) }
        // `replaces` belongs to governance records only, so a record missing
        // its `governance_digest` is still reported as a governance record.
        if !keys.isDisjoint(with: ["governance_digest", "replaces"]) { return (.governance, nil) }
        if keys.contains("intent_toml") { return (.request, nil) }
        if keys.isSuperset(of: ["login", "public_key"]) { return (.joinRequest, nil) }
        if keys.contains("decision") { return (.approval, nil) }
        if keys.contains("id") { return (.intent, nil) }
        if !keys.isDisjoint(with: ["tiers", "roles", "governance", "kinds"]) { return (.policy, nil) }
        return nil
    }

    /// Validates the file at `path` holding `bytes`; `kind` overrides detection.
    ///
    /// Throws the record kind's `WritError` (`RecordKind.malformedReason`).
    /// A file whose kind cannot be told is reported as `ledger_violation`
    /// when it ends in `.json` and as `intent_malformed` otherwise: writ
    /// validates files headed for the ledger or the governance branch, and
    /// an unrecognisable one must never pass.
    package static func validate(path: String, bytes: some Collection<UInt8>, as kind: RecordKind? = nil) throws
        -> ValidatedRecord
    {
        let detected = detect(path: path, bytes: bytes)
        guard let kind = kind ?? detected?.kind else {
            throw WritError(
                path.hasSuffix(".json") ? .ledgerViolation : .intentMalformed,
                "\(path): cannot tell which record this is (policy, intent, approval, governance record, request or audit event)"
            )
        }
        let layoutPath = detected?.kind == kind ? detected?.layoutPath : nil
        switch kind {
        // A policy is the one record people write by hand: its refusals name the line.
        case .policy: return .policy(try Policy.parse(bytes, record: path, locating: true))
        case .intent: return .intent(try Intent.parse(bytes, expectedPath: layoutPath))
        case .approval: return .approval(try ApprovalRecord.parse(bytes, expectedPath: layoutPath))
        case .governance: return .governance(try GovernanceRecord.parse(bytes, expectedPath: layoutPath))
        case .governanceRequest:
            return .governanceRequest(try GovernanceRequest.parse(bytes, expectedPath: layoutPath))
        case .request: return .request(try ApprovalRequest.parse(bytes, expectedPath: layoutPath))
        case .auditEvent: return .auditEvent(try AuditEvent.parse(bytes, expectedPath: layoutPath))
        case .joinRequest:
            let login = layoutPath.map { String(($0.split(separator: "/").last ?? "").dropLast(".toml".count)) }
            return .joinRequest(try JoinRequest.parse(bytes, login: login))
        }
    }

    /// Whether `path` names an `allowed_signers` file (by its file name),
    /// which `writ validate` lints rather than parses as a record
    /// (`AllowedSignersLint`).
    package static func isAllowedSigners(path: String) -> Bool {
        path.split(separator: "/").last == "allowed_signers"
    }

    private static func trimBlanks(_ text: Substring) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(text.drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }

    /// The kind and layout-relative path when `path` ends in a layout shape.
    static func layoutShape(_ path: String) -> (kind: RecordKind, layoutPath: String?)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func tail(_ count: Int) -> String? {
            parts.count >= count ? parts.suffix(count).joined(separator: "/") : nil
        }
        let n = parts.count
        if n >= 2, parts[n - 2] == "join-requests", parts[n - 1].hasSuffix(".toml"), let layout = tail(2) {
            return (.joinRequest, layout)
        }
        if n >= 4, parts[n - 4] == "approvals", parts[n - 3] == "_governance", let layout = tail(4) {
            return (parts[n - 1] == "request.toml" ? .governanceRequest : .governance, layout)
        }
        if n >= 4, parts[n - 4] == "approvals", let layout = tail(4) {
            return (parts[n - 1] == "request.toml" ? .request : .approval, layout)
        }
        if n >= 4, parts[n - 4] == "audit", let layout = tail(4) { return (.auditEvent, layout) }
        if n >= 3, parts[n - 3] == "intents", let layout = tail(3) { return (.intent, layout) }
        if parts.last == "policy.toml" { return (.policy, nil) }
        return nil
    }
}
