import WritCore

/// The remote writes a built-in executor can make (SPEC §7), and nothing
/// else: merging, closing, reopening, deleting a branch, force pushing and
/// moving issues between states or projects have no case here, so no code
/// path can build such a request.
package enum ForgeOperation: String, Sendable, Hashable, CaseIterable {
    case pullRequest = "forge.pull_request"
    case comment = "forge.comment"
    case label = "forge.label"
    case status = "forge.status"

    /// The words that name an operation writ never makes. A `builtin` that
    /// holds one is `forbidden_operation`, whatever else it says.
    static let forbiddenWords = [
        "merge", "close", "reopen", "delete", "force", "project", "state", "transfer", "archive", "lock",
    ]

    /// The operation `builtin = "NAME"` names. A name that asks for a
    /// forbidden operation is `forbidden_operation` (the config is refused
    /// with that code); any other unknown name is nil.
    package static func named(_ name: String) throws(WritError) -> ForgeOperation? {
        if let operation = ForgeOperation(rawValue: name) { return operation }
        let lowered = name.lowercased()
        if let word = forbiddenWords.first(where: { lowered.contains($0) }) {
            throw WritError(
                .forbiddenOperation,
                "builtin \(quoted: name) asks for a \(word) operation; writ never merges, closes, reopens, deletes "
                    + "branches, force-pushes or moves states (only \(validList))")
        }
        return nil
    }

    static var validList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The params the operation takes from the intent, and which of them
    /// may be left out.
    var parameters: (required: Set<String>, optional: Set<String>) {
        switch self {
        case .pullRequest: (["head", "base", "title", "body"], [])
        case .comment: (["number", "body"], [])
        case .label: (["number", "add", "remove"], [])
        case .status: (["sha", "state", "context", "description"], ["target_url"])
        }
    }
}
