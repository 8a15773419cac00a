import WritCore

/// One thing `writ verify` found wrong with the history: exactly one reason
/// code, the commit and path it is about (nil when it concerns a whole
/// commit, such as a merge), and a sentence.
package struct AuditFinding: Sendable, Equatable, Encodable {
    package let reason: ReasonCode
    package let commit: ObjectID?
    package let path: String?
    package let detail: String

    private enum Keys: String, CodingKey { case reason, commit, path, detail }

    // Explicit, so that absent values are `null` rather than missing keys.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(reason, forKey: .reason)
        try container.encode(commit, forKey: .commit)
        try container.encode(path, forKey: .path)
        try container.encode(detail, forKey: .detail)
    }
}
