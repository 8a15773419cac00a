import Foundation

/// A parsed OpenSSH allowed_signers file (ssh-keygen(1) "ALLOWED SIGNERS").
///
/// Each line is `principals [options] keytype base64key [comment]`. The
/// options writ honours are `namespaces="..."`, `valid-after="..."` and
/// `valid-before="..."` (keywords case-insensitive, values quoted, as the
/// reference requires). Parsing fails closed: where the reference skips a
/// bad line, writ rejects the whole file and names the line, and a
/// `cert-authority` line is refused rather than ignored.
public struct AllowedSigners: Sendable, Hashable {
    /// One usable line.
    package struct Entry: Sendable, Hashable {
        /// 1-based line number in the file.
        package let line: Int
        /// The principals field: a comma-separated pattern list.
        package let principals: String
        /// The key the line trusts.
        package let key: SSHPublicKey
        /// The `namespaces=` pattern list, if the line restricts namespaces.
        let namespaces: String?
        /// From `valid-after=`: the key is valid at or after this second.
        let validAfter: Date?
        /// From `valid-before=`: the key is valid at or before this second.
        let validBefore: Date?

        /// Whether `principal` matches the principals pattern list.
        package func matches(principal: String) -> Bool {
            SSHPattern.matchList(principal, list: principals) == .match
        }

        /// The principals named literally (no wildcard, no negation) that
        /// the whole pattern list accepts: in `gate-1,!gate-*` the negation
        /// refuses `gate-1`, as `ssh-keygen -Y verify` does.
        package var literalPrincipals: [String] {
            principals.split(separator: ",").map(String.init).filter {
                !$0.hasPrefix("!") && !$0.contains("*") && !$0.contains("?") && matches(principal: $0)
            }
        }

        /// Why this line does not allow `namespace` at `date`, or nil.
        package func refusal(namespace: String, at date: Date) -> SignatureFailure? {
            if let namespaces, SSHPattern.matchList(namespace, list: namespaces) != .match {
                return .namespaceNotPermitted(namespace: namespace, line: line)
            }
            let now = Int64(date.timeIntervalSince1970.rounded(.down))
            if let validAfter, now < Int64(validAfter.timeIntervalSince1970) { return .notYetValid(line: line) }
            if let validBefore, now > Int64(validBefore.timeIntervalSince1970) { return .expired(line: line) }
            return nil
        }
    }

    /// The usable lines, in file order.
    package let entries: [Entry]

    /// No signer at all: nothing verifies against it.
    package static let empty = AllowedSigners(entries: [])

    private init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses the file text; any malformed line is an error naming it.
    package init(parsing text: String, timeZone: TimeZone = .current) throws(AllowedSignersError) {
        var entries: [Entry] = []
        var number = 0
        // Swift reads "\r\n" as one Character, which a split on "\n" never
        // matches: a CRLF file would be one long line. The reference reads
        // lines up to each LF and treats the CR before it as a blank.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            if let entry = try Self.parseLine(Substring(rawLine), number: number, timeZone: timeZone) {
                entries.append(entry)
            }
        }
        self.entries = entries
    }

    /// The line that lets `key` sign as `principal` in `namespace` at
    /// `date`, or the precise reason none does.
    ///
    /// Lines are tried in order; the first that allows the use wins. When
    /// lines list the key for the principal but all refuse, the first
    /// refusal is reported.
    func lookup(
        principal: String, key: SSHPublicKey, namespace: String, at date: Date
    ) -> Result<Entry, SignatureFailure> {
        var firstRefusal: SignatureFailure?
        for entry in entries where entry.key == key && entry.matches(principal: principal) {
            if let refusal = entry.refusal(namespace: namespace, at: date) {
                if firstRefusal == nil { firstRefusal = refusal }
                continue
            }
            return .success(entry)
        }
        if let firstRefusal { return .failure(firstRefusal) }
        return .failure(.keyNotListed(principal: principal, key: key.fingerprint, listedFor: principals(listing: key)))
    }

    /// The principals fields of the lines listing `key`, in file order,
    /// without repeats.
    package func principals(listing key: SSHPublicKey) -> [String] {
        var seen = Set<String>()
        return entries.filter { $0.key == key && seen.insert($0.principals).inserted }.map(\.principals)
    }

    /// Every line that lets `key` sign in `namespace` at `date`, whatever
    /// the principal.
    package func entries(for key: SSHPublicKey, namespace: String, at date: Date) -> [Entry] {
        entries.filter { $0.key == key && $0.refusal(namespace: namespace, at: date) == nil }
    }

    // MARK: - Parsing

    private static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" }

    private static func parseLine(_ raw: Substring, number: Int, timeZone: TimeZone) throws(AllowedSignersError)
        -> Entry?
    {
        var rest = raw.drop(while: isBlank)
        if rest.isEmpty || rest.first == "#" { return nil }
        func fail(_ why: String) -> AllowedSignersError { AllowedSignersError(line: number, reason: why) }

        // Principals: one token, optionally wholly double-quoted.
        let principals: String
        if rest.first == "\"" {
            let inner = rest.dropFirst()
            guard let close = inner.firstIndex(of: "\"") else { throw fail("unterminated quoted principals") }
            principals = String(inner[..<close])
            rest = inner[inner.index(after: close)...]
            guard rest.first.map(isBlank) ?? true else { throw fail("text after quoted principals") }
        } else {
            let end = rest.firstIndex(where: isBlank) ?? rest.endIndex
            principals = String(rest[..<end])
            guard !principals.contains("\"") else { throw fail("quote inside principals") }
            rest = rest[end...]
        }
        guard !principals.isEmpty else { throw fail("empty principals") }
        rest = rest.drop(while: isBlank)
        guard !rest.isEmpty else { throw fail("missing key") }

        // Options, unless the next token already names a key type.
        var options = Options()
        let firstToken = rest.prefix(while: { !isBlank($0) })
        if SSHKeyType(rawValue: String(firstToken)) == nil {
            if knownUnsupportedKeyTypes.contains(String(firstToken)) || firstToken.hasSuffix("-cert-v01@openssh.com") {
                throw fail("unsupported key type \"\(firstToken)\"")
            }
            let optionText = try optionsToken(rest, fail: fail)
            options = try parseOptions(optionText, timeZone: timeZone, fail: fail)
            rest = rest.dropFirst(optionText.count).drop(while: isBlank)
            guard !rest.isEmpty else { throw fail("missing key") }
        }

        // Key: type, base64, optional comment.
        let fields = rest.split(maxSplits: 2, whereSeparator: isBlank)
        guard fields.count >= 2 else { throw fail("missing key") }
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(typeName: String(fields[0]), base64: String(fields[1]))
        } catch {
            throw fail("\(error)")
        }
        return Entry(
            line: number, principals: principals, key: key, namespaces: options.namespaces,
            validAfter: options.validAfter, validBefore: options.validBefore)
    }

    /// OpenSSH key type names writ does not verify, for a clear message.
    private static let knownUnsupportedKeyTypes: Set<String> = [
        "ssh-dss", "sk-ecdsa-sha2-nistp256@openssh.com", "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-xmss@openssh.com", "rsa-sha2-256", "rsa-sha2-512",
    ]

    private struct Options {
        var namespaces: String?
        var validAfter: Date?
        var validBefore: Date?
    }

    /// The options field runs to the first blank outside double quotes.
    private static func optionsToken(
        _ text: Substring, fail: (String) -> AllowedSignersError
    ) throws(AllowedSignersError) -> Substring {
        var quoted = false
        var index = text.startIndex
        while index < text.endIndex, quoted || !isBlank(text[index]) {
            let c = text[index]
            let next = text.index(after: index)
            if c == "\\", next < text.endIndex, text[next] == "\"" {
                index = text.index(after: next)
                continue
            }
            if c == "\"" { quoted.toggle() }
            index = next
        }
        guard !quoted else { throw fail("unterminated quote in options") }
        return text[..<index]
    }

    private static func parseOptions(
        _ text: Substring, timeZone: TimeZone, fail: (String) -> AllowedSignersError
    ) throws(AllowedSignersError) -> Options {
        var options = Options()
        var rest = text
        func takeKeyword(_ name: String) -> Bool {
            guard rest.count > name.count,
                rest.prefix(name.count).lowercased() == name,
                rest.dropFirst(name.count).first == "="
            else { return false }
            rest = rest.dropFirst(name.count + 1)
            return true
        }
        while !rest.isEmpty {
            if rest.lowercased().hasPrefix("cert-authority") {
                throw fail("cert-authority is not supported")
            } else if takeKeyword("namespaces") {
                guard options.namespaces == nil else { throw fail("multiple \"namespaces\" options") }
                options.namespaces = try dequote(&rest, fail: fail)
            } else if takeKeyword("valid-after") {
                guard options.validAfter == nil else { throw fail("multiple \"valid-after\" options") }
                let value = try dequote(&rest, fail: fail)
                guard let date = parseTime(value, timeZone: timeZone) else {
                    throw fail("invalid valid-after time \"\(value)\"")
                }
                options.validAfter = date
            } else if takeKeyword("valid-before") {
                guard options.validBefore == nil else { throw fail("multiple \"valid-before\" options") }
                let value = try dequote(&rest, fail: fail)
                guard let date = parseTime(value, timeZone: timeZone) else {
                    throw fail("invalid valid-before time \"\(value)\"")
                }
                options.validBefore = date
            } else {
                let name = rest.prefix(while: { $0 != "=" && $0 != "," })
                throw fail("unknown option \"\(name)\"")
            }
            if rest.isEmpty { break }
            guard rest.first == "," else { throw fail("unknown option text \"\(rest)\"") }
            rest = rest.dropFirst()
            guard !rest.isEmpty else { throw fail("options end with a comma") }
        }
        if let after = options.validAfter, let before = options.validBefore, before <= after {
            throw fail("valid-before is not after valid-after")
        }
        return options
    }

    /// A double-quoted value; `\"` stands for a quote.
    private static func dequote(
        _ rest: inout Substring, fail: (String) -> AllowedSignersError
    ) throws(AllowedSignersError) -> String {
        guard rest.first == "\"" else { throw fail("option value is not quoted") }
        var value = ""
        var index = rest.index(after: rest.startIndex)
        while index < rest.endIndex, rest[index] != "\"" {
            let next = rest.index(after: index)
            if rest[index] == "\\", next < rest.endIndex, rest[next] == "\"" {
                value.append("\"")
                index = rest.index(after: next)
            } else {
                value.append(rest[index])
                index = next
            }
        }
        guard index < rest.endIndex else { throw fail("option value lacks its closing quote") }
        rest = rest[rest.index(after: index)...]
        return value
    }

    /// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, in `timeZone` unless
    /// suffixed `Z` or `UTC` (any case). Out-of-range fields and times at
    /// or before the epoch are refused (the reference reads 0 as "unset").
    public static func parseTime(_ text: String, timeZone: TimeZone) -> Date? {
        var digits = Substring(text)
        var zone = timeZone
        if digits.count > 1, digits.last == "Z" || digits.last == "z" {
            digits = digits.dropLast()
            zone = TimeZone(identifier: "UTC") ?? zone
        } else if digits.count > 3, digits.suffix(3).uppercased() == "UTC" {
            digits = digits.dropLast(3)
            zone = TimeZone(identifier: "UTC") ?? zone
        }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let chars = Array(digits)
        func field(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= chars.count else { return 0 }
            return Int(String(chars[start..<(start + length)]))
        }
        guard let year = field(0, 4), let month = field(4, 2), let day = field(6, 2),
            let hour = field(8, 2), let minute = field(10, 2), let second = field(12, 2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        guard date.timeIntervalSince1970 > 0 else { return nil }
        return date
    }
}

/// A malformed allowed_signers file, with the 1-based line at fault.
package struct AllowedSignersError: Error, Sendable, Hashable, CustomStringConvertible {
    package let line: Int
    package let reason: String

    package var description: String { "allowed_signers line \(line): \(reason)" }

    /// As the contract's error: a malformed signers file is `policy_malformed`.
    package var writError: WritError { WritError(.policyMalformed, description) }
}
