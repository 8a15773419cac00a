import Foundation

/// Sets `[governance] version` in `policy.toml` bytes, touching nothing
/// else: `writ governance propose` writes the one version a change can be
/// adopted at (the trusted version + 1, SPEC §5), and `writ init` starts a
/// repository at version 1.
///
/// The edit is textual, so comments and layout stay as the author wrote
/// them: the value of the `version` line of the `[governance]` table is
/// replaced (a comment after it is kept), or a `version` line is added
/// right after the table's header. The result is parsed again, and
/// anything that does not then hold exactly that version with every other
/// rule unchanged (a policy written with inline or dotted tables, say) is
/// refused rather than guessed at.
package enum PolicyVersion {
    /// `bytes` with `[governance] version = version`; throws
    /// `policy_malformed` when `bytes` do not parse or the edit cannot be
    /// made safely.
    package static func setting(_ version: Int, in bytes: Data) throws -> Data {
        guard version >= 0 else { throw WritError(.policyMalformed, "policy.toml: a version is 0 or more") }
        let original = try Policy.parse(bytes)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw WritError(.policyMalformed, "policy.toml is not UTF-8")
        }
        // Split on the scalar: "\r\n" is one Character, so a Character split would miss it.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
            String(String.UnicodeScalarView($0))
        }
        // A CRLF file keeps its line ends: "\r" stays with each line.
        func content(_ line: String) -> Substring {
            let body = line.hasSuffix("\r") ? line.dropLast() : Substring(line)
            return body.drop { $0 == " " || $0 == "\t" }
        }
        func isTableHeader(_ line: String) -> Bool { content(line).hasPrefix("[") }
        func isGovernanceHeader(_ line: String) -> Bool {
            let trimmed = content(line)
            guard trimmed.hasPrefix("[governance]") else { return false }
            let rest = trimmed.dropFirst("[governance]".count).drop { $0 == " " || $0 == "\t" }
            return rest.isEmpty || rest.hasPrefix("#")
        }
        guard let header = lines.firstIndex(where: isGovernanceHeader) else {
            throw refusal(version, "it has no [governance] table header")
        }
        let end = lines[(header + 1)...].firstIndex(where: isTableHeader) ?? lines.count
        let versionLine = lines[(header + 1)..<end].firstIndex { line in
            let trimmed = content(line)
            guard trimmed.hasPrefix("version") else { return false }
            return trimmed.dropFirst("version".count).drop { $0 == " " || $0 == "\t" }.hasPrefix("=")
        }
        if let versionLine {
            lines[versionLine] = replacingValue(of: lines[versionLine], with: version)
        } else {
            let ending = lines[header].hasSuffix("\r") ? "\r" : ""
            lines.insert("version = \(version)" + ending, at: header + 1)
        }
        let result = Data(lines.joined(separator: "\n").utf8)
        // Only the version may differ: an edit that landed anywhere else
        // (inside a multi-line string, say) changes some other rule too.
        guard let parsed = try? Policy.parse(result), parsed == (try original.withGovernanceVersion(version)) else {
            throw refusal(version, "the edit would change more than the version")
        }
        return result
    }

    /// `line` (`version = <value> [# comment]`) with `<value>` replaced.
    private static func replacingValue(of line: String, with version: Int) -> String {
        guard let equals = line.firstIndex(of: "=") else { return line }
        let afterEquals = line.index(after: equals)
        let valueStart = line[afterEquals...].firstIndex { $0 != " " && $0 != "\t" } ?? line.endIndex
        let valueEnd =
            line[valueStart...].firstIndex { $0 == " " || $0 == "\t" || $0 == "#" || $0 == "\r" } ?? line.endIndex
        let spacing = valueStart == afterEquals ? " " : String(line[afterEquals..<valueStart])
        let head = String(line[..<afterEquals])
        let tail = String(line[valueEnd...])
        return head + spacing + String(version) + tail
    }

    private static func refusal(_ version: Int, _ why: String) -> WritError {
        WritError(
            .policyMalformed,
            "policy.toml: cannot set [governance] version = \(version) in it (\(why)); "
                + "write `version = \(version)` in its [governance] table by hand")
    }
}

extension Policy {
    /// This policy with another `[governance] version`, all else equal.
    func withGovernanceVersion(_ version: Int) throws -> Policy {
        try Policy(
            kinds: kinds, tiers: tiers, roles: roles, proposerRoles: proposerRoles, gateRoles: gateRoles,
            governance: governance, governanceVersion: version, members: members, limits: limits,
            freezes: freezes, breakGlass: breakGlass)
    }
}
