import WritCore

/// A `[[freeze]]` window (SPEC §4.6) as `writ status`, `writ show` and the
/// report print it. The name is policy text: the JSON carries it as read,
/// and `sentence` escapes it for a terminal.
package struct FreezeView: Encodable, Sendable, Equatable {
    package let name: String
    package let start: String
    /// The first instant the window no longer covers.
    package let end: String
    package let tiers: [String]
    package let kinds: [String]

    package init(_ window: FreezeWindow) {
        name = window.name
        start = window.start.rfc3339
        end = window.end.rfc3339
        tiers = window.tiers.map(\.rawValue)
        kinds = window.kinds
    }

    /// `"year-end" until 2027-01-04T00:00:00Z (tiers medium, high; kinds release)`,
    /// every piece of policy text quoted and escaped.
    package var sentence: String {
        var covers: [String] = []
        if !tiers.isEmpty { covers.append("tiers " + tiers.joined(separator: ", ")) }
        if !kinds.isEmpty {
            covers.append("kinds " + kinds.map { TerminalText.escape("\(quoted: $0)") }.joined(separator: ", "))
        }
        return TerminalText.escape("\(quoted: name)") + " until \(end) (" + covers.joined(separator: "; ") + ")"
    }
}
