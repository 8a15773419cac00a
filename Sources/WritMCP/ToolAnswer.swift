import Foundation
import MCP
import WritCore
import WritGit
import WritOps

/// A tool's result: the structured content an agent reads (always with
/// `state`, `reason`, `detail` and `next`), a short human text, and
/// whether the call was refused or failed.
package struct ToolAnswer: Sendable {
    package var structured: Value
    package var text: String
    package var isError: Bool

    /// The MCP result: the structured content, and the text plus the same
    /// content as JSON text for clients that read only text.
    var result: CallTool.Result {
        var content: [Tool.Content] = [.text(text: text, annotations: nil, _meta: nil)]
        if let json = try? JSONEncoder.sorted.encode(structured) {
            content.append(.text(text: String(decoding: json, as: UTF8.self), annotations: nil, _meta: nil))
        }
        return CallTool.Result(content: content, structuredContent: Optional.some(structured), isError: isError)
    }

    /// A refusal or failure: `reason` is the code of the closed vocabulary
    /// (nil when the failure is not a decision about an intent: a bad
    /// argument, an unreadable repository, an unknown id).
    static func refused(
        _ state: String, reason: ReasonCode?, detail: String, next: String, extra: [String: Value] = [:]
    ) -> ToolAnswer {
        var fields: [String: Value] = [
            "state": .string(state), "reason": reason.map { .string($0.rawValue) } ?? .null,
            "detail": .string(detail), "next": .string(next),
        ]
        fields.merge(extra) { _, new in new }
        let code = reason.map { "\($0.rawValue): " } ?? ""
        return ToolAnswer(
            structured: .object(fields),
            text: "\(state): \(code)\(UntrustedText.terminal(detail))\nnext: \(UntrustedText.terminal(next))",
            isError: true)
    }

    /// The answer for an error a tool's work threw: its reason code when
    /// it has one, the fix when it names one. Secrets never reach here:
    /// errors of the remote layer are redacted where they are made.
    static func failure(_ error: any Error) -> ToolAnswer {
        switch error {
        case let refusal as WriteRefused:
            // The check's advice names the command line's flags; an agent
            // gets the same step in its own words, the advice beside it.
            return refused(
                "refused", reason: refusal.finding.reason,
                detail: refusal.finding.detail + " (refused before writing: it would not count)",
                next: nextStep(for: refusal.finding.reason), extra: ["advice": .string(refusal.advice)])
        case let error as WritError:
            return refused("refused", reason: error.reason, detail: error.detail, next: nextStep(for: error.reason))
        case let unknown as UnknownIntent:
            return refused(
                "unknown_intent", reason: nil, detail: unknown.description,
                next: "check the id (writ_list lists your intents)")
        case let error as RuntimeError:
            return refused("error", reason: nil, detail: error.detail, next: "tell your operator: \(error.fix)")
        case let error as AgentKeyRefused:
            return refused("refused", reason: nil, detail: error.description, next: "tell your operator")
        case let error as ArgumentError:
            return refused("invalid_arguments", reason: nil, detail: error.detail, next: "fix the arguments")
        case let error as OpsRepoError:
            return refused(
                "error", reason: nil, detail: error.description, next: "tell your operator: the ops repo's branches")
        default:
            return refused(
                "error", reason: nil, detail: String(describing: error), next: "tell your operator")
        }
    }

    /// What to do after a refusal with `reason`, in words.
    static func nextStep(for reason: ReasonCode) -> String {
        switch reason {
        case .intentExpired: "propose again with an expires_at in the future"
        case .tierMismatch: "leave blast_radius out, or set it at or above the kind's tier (writ_policy)"
        case .proposerNotAuthorized, .signerUnknown, .approvalSignatureInvalid, .intentSignatureInvalid:
            "tell your operator: this agent's key or principal is not set up to propose"
        case .intentMalformed: "fix the arguments: a field holds what an intent may not"
        case .trustRootMissing, .policyUnapproved, .historyRewritten, .policyMalformed:
            "tell your operator: governance is not trusted now, so nothing can be checked or run"
        case .ledgerViolation: "tell your operator: the ledger branch needs repair"
        default:
            reason.rawValue == "quota_exceeded"
                ? "wait until some of your intents settle or the day's window frees up, then propose again"
                : "tell your operator (\(reason.rawValue))"
        }
    }
}

/// A tool argument that is missing or of the wrong type.
struct ArgumentError: Error, Sendable {
    let detail: String
}

/// Typed reads of a tool call's arguments.
struct ToolArguments {
    let values: [String: Value]

    func string(_ name: String) throws -> String? {
        guard let value = values[name], value != .null else { return nil }
        guard let text = value.stringValue else { throw ArgumentError(detail: "\(name) must be a string") }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name), !text.isEmpty else {
            throw ArgumentError(detail: "\(name) is required")
        }
        return text
    }

    func number(_ name: String) throws -> Double? {
        guard let value = values[name], value != .null else { return nil }
        if let int = value.intValue { return Double(int) }
        if let double = value.doubleValue { return double }
        throw ArgumentError(detail: "\(name) must be a number")
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = values[name], value != .null else { return nil }
        guard let flag = value.boolValue else { throw ArgumentError(detail: "\(name) must be true or false") }
        return flag
    }

    func stringMap(_ name: String) throws -> [String: String] {
        guard let value = values[name], value != .null else { return [:] }
        guard let object = value.objectValue else {
            throw ArgumentError(detail: "\(name) must be an object of string values")
        }
        var map: [String: String] = [:]
        for (key, entry) in object {
            guard let text = entry.stringValue else {
                throw ArgumentError(detail: "\(name).\(key) must be a string")
            }
            map[key] = text
        }
        return map
    }

    func intentID(_ name: String = "id") throws -> IntentID {
        let text = try requiredString(name)
        guard let id = IntentID(text) else {
            throw ArgumentError(detail: "\(name) must match ^[a-z0-9][a-z0-9._-]{0,99}$")
        }
        return id
    }

    /// Refuses any argument the tool's schema does not name: a typo
    /// never silently falls back to a default.
    func rejectUnknown(allowing names: Set<String>) throws {
        if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
            throw ArgumentError(detail: "unknown argument \(unknown)")
        }
    }
}

extension JSONEncoder {
    /// Keys sorted, so the same answer is the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
