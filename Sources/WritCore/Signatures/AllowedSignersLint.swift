import Foundation

/// One problem `writ validate` finds in an `allowed_signers` file.
package struct AllowedSignersFinding: Sendable, Hashable {
    /// How serious the finding is; every finding makes the lint fail, the
    /// severity only says whether the file is wrong or merely suspicious.
    package enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// What is wrong; the raw value is what `--json` prints.
    package enum Code: String, Sendable, Hashable {
        /// The line does not parse (unknown option, bad window, bad key, ...):
        /// the whole file is refused when read as governance.
        case malformed
        /// A `cert-authority` line: never trusted (SPEC §2), refused by the parser.
        case certAuthority = "cert_authority"
        /// The same key listed twice for one principal.
        case duplicateKey = "duplicate_key"
        /// One key listed for several principals: any of them can sign as the others.
        case sharedKey = "shared_key"
        /// `valid-before` is in the past: the line allows nothing any more.
        case expired
    }

    /// The 1-based line number.
    package let line: Int
    package let severity: Severity
    package let code: Code
    package let message: String
}

/// Lints an `allowed_signers` file beyond what parsing refuses: each line is
/// parsed on its own so every malformed line is reported (parsing the file
/// stops at the first), then the lines that parse are checked together.
package enum AllowedSignersLint {
    /// The findings for `text` at `now`, in line order.
    package static func lint(_ text: String, now: Date, timeZone: TimeZone = .current) -> [AllowedSignersFinding] {
        var findings: [AllowedSignersFinding] = []
        var entries: [AllowedSigners.Entry] = []
        // The same line split as the parser, so the line numbers agree.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (index, line) in lines.enumerated() {
            do {
                let parsed = try AllowedSigners(parsing: String(line), timeZone: timeZone)
                entries += parsed.entries.map { entry in
                    AllowedSigners.Entry(
                        line: index + 1, principals: entry.principals, key: entry.key, namespaces: entry.namespaces,
                        validAfter: entry.validAfter, validBefore: entry.validBefore)
                }
            } catch {
                let certAuthority = error.reason.hasPrefix("cert-authority")
                findings.append(
                    AllowedSignersFinding(
                        line: index + 1, severity: .error, code: certAuthority ? .certAuthority : .malformed,
                        message: certAuthority
                            ? "cert-authority lines are never trusted; list each signer's own key instead"
                            : error.reason))
            }
        }

        var firstLine: [String: [[UInt8]: Int]] = [:]
        var holders: [[UInt8]: [String]] = [:]
        for entry in entries {
            if let validBefore = entry.validBefore, validBefore <= now {
                findings.append(
                    AllowedSignersFinding(
                        line: entry.line, severity: .error, code: .expired,
                        message: "valid-before \(Timestamp(validBefore).rfc3339) is in the past: "
                            + "the key \(entry.key.fingerprint) signs nothing any more"))
            }
            let principals = entry.principals.split(separator: ",").map(String.init)
            for principal in principals {
                if let earlier = firstLine[principal]?[entry.key.blob] {
                    findings.append(
                        AllowedSignersFinding(
                            line: entry.line, severity: .error, code: .duplicateKey,
                            message: "the key \(entry.key.fingerprint) is listed for \(quoted: principal) "
                                + "already on line \(earlier)"))
                } else {
                    firstLine[principal, default: [:]][entry.key.blob] = entry.line
                }
            }
            let known = holders[entry.key.blob, default: []]
            let added = principals.filter { !known.contains($0) }
            holders[entry.key.blob] = known + added
            // Warn once, on the line that first makes the key shared.
            if known.count <= 1 && known.count + added.count > 1 {
                findings.append(
                    AllowedSignersFinding(
                        line: entry.line, severity: .warning, code: .sharedKey,
                        message: "the key \(entry.key.fingerprint) is listed for several principals "
                            + "(\((known + added).joined(separator: ", "))): each can sign as the others"))
            }
        }
        return findings.sorted { ($0.line, $0.code.rawValue) < ($1.line, $1.code.rawValue) }
    }
}
