#if canImport(Glibc)
    import Glibc
#endif

/// A path on the ledger branch, and what it names (SPEC §3):
/// `intents/<aa>/<id>.toml`, `intents/<aa>/<id>.toml.sig` and
/// `audit/<aa>/<id>/<seq>-<event>.json`.
///
/// Parsing is exact: `<aa>` must be the fan-out of the id, the id and event
/// must be valid, `<seq>` must be the canonical spelling of a number ≥ 1
/// (`0001`, `0042`, `12345`; never `00001`), and nothing else (no empty, `.`
/// or `..` segment, no leading or trailing `/`) is a ledger path.
package enum LedgerPath: Sendable, Hashable, CustomStringConvertible {
    /// `intents/<aa>/<id>.toml`
    case intent(IntentID)
    /// `intents/<aa>/<id>.toml.sig`, the proposer's signature (namespace `writ-intent`).
    case intentSignature(IntentID)
    /// `audit/<aa>/<id>/<seq>-<event>.json`
    case auditEvent(IntentID, sequence: Int, event: AuditEventKind)

    /// The intent the path belongs to.
    package var intentID: IntentID {
        switch self {
        case .intent(let id), .intentSignature(let id), .auditEvent(let id, _, _): id
        }
    }

    /// The path, relative to the branch root.
    package var path: String {
        switch self {
        case .intent(let id): "intents/\(id.fanOut)/\(id.rawValue).toml"
        case .intentSignature(let id): "intents/\(id.fanOut)/\(id.rawValue).toml.sig"
        case .auditEvent(let id, let sequence, let event):
            "audit/\(id.fanOut)/\(id.rawValue)/\(LedgerPath.sequenceText(sequence))-\(event.rawValue).json"
        }
    }

    package var description: String { path }

    /// The largest event sequence number a ledger path may hold (18 digits).
    package static let maximumSequence = 999_999_999_999_999_999

    /// The canonical spelling of an event sequence number: at least four digits.
    static func sequenceText(_ sequence: Int) -> String {
        let text = String(sequence)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    /// Parses `path`; nil when it is not exactly a ledger path.
    package init?(_ path: String) {
        guard case .success(let parsed) = LedgerPath.diagnose(path) else { return nil }
        self = parsed
    }

    /// Parses `path`, or says why it is not a ledger path.
    static func diagnose(_ path: String) -> Result<LedgerPath, PathProblem> {
        var path = path
        if let parsed = path.withUTF8({ exact($0) }) { return .success(parsed) }
        return explain(path)
    }

    /// The path `bytes` spell when they are exactly a ledger path, in one
    /// pass over the bytes; nil for anything else, which `explain` then
    /// names. Every reader parses each ledger path it meets, several times
    /// over a walk, so this is the common case made cheap; the tests hold
    /// it to the same answers as `explain`.
    static func exact(_ bytes: UnsafeBufferPointer<UInt8>) -> LedgerPath? {
        let slash = UInt8(ascii: "/")
        // `<root>/<aa>/`: the fan-out is checked once the id is known.
        func fanOut(after root: Int) -> Int? {
            guard bytes.count > root + 3, bytes[root + 2] == slash else { return nil }
            return root + 3
        }
        func matches(_ text: StaticString, at offset: Int = 0) -> Bool {
            let count = text.utf8CodeUnitCount
            guard offset >= 0, bytes.count >= offset + count else { return false }
            return memcmp(bytes.baseAddress! + offset, text.utf8Start, count) == 0
        }
        func identifier(_ range: Range<Int>, fanOutAt fan: Int) -> IntentID? {
            let id = UnsafeBufferPointer(rebasing: bytes[range])
            guard IntentID.isValid(bytes: id) else { return nil }
            let (high, low) = FanOut.digits(for: id)
            guard bytes[fan] == high, bytes[fan + 1] == low else { return nil }
            return IntentID(validated: String(decoding: id, as: UTF8.self))
        }
        if matches("intents/") {
            guard let start = fanOut(after: 8), !bytes[start...].contains(slash) else { return nil }
            let end = bytes.count
            if end - start > 9, matches(".toml.sig", at: end - 9) {
                return identifier(start..<(end - 9), fanOutAt: 8).map(LedgerPath.intentSignature)
            }
            guard end - start > 5, matches(".toml", at: end - 5) else { return nil }
            return identifier(start..<(end - 5), fanOutAt: 8).map(LedgerPath.intent)
        }
        guard matches("audit/"), let start = fanOut(after: 6),
            let idEnd = bytes[start...].firstIndex(of: slash)
        else { return nil }
        let file = (idEnd + 1)..<bytes.count
        guard !bytes[file].contains(slash), file.count > 5, matches(".json", at: bytes.count - 5),
            let dash = bytes[file].firstIndex(of: UInt8(ascii: "-"))
        else { return nil }
        // `<seq>`: 4 to 18 digits, written the one canonical way.
        let digits = file.lowerBound..<dash
        guard digits.count >= 4, digits.count <= 18,
            digits.count == 4 || bytes[digits.lowerBound] != UInt8(ascii: "0")
        else { return nil }
        var sequence = 0
        for byte in bytes[digits] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            sequence = sequence * 10 + Int(byte - UInt8(ascii: "0"))
        }
        let event = UnsafeBufferPointer(rebasing: bytes[(dash + 1)..<(bytes.count - 5)])
        guard sequence >= 1, let kind = AuditEventKind(rawValue: String(decoding: event, as: UTF8.self)),
            let id = identifier(start..<idEnd, fanOutAt: 6)
        else { return nil }
        return .auditEvent(id, sequence: sequence, event: kind)
    }

    /// Why `path` is not a ledger path (or, when it is one, what it names).
    static func explain(_ path: String) -> Result<LedgerPath, PathProblem> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "intents":
            guard parts.count == 3 else { return .failure(PathProblem("expected intents/<aa>/<id>.toml")) }
            let file = parts[2]
            let stem: String
            let isSignature: Bool
            if file.hasSuffix(".toml.sig") {
                stem = String(file.dropLast(".toml.sig".count))
                isSignature = true
            } else if file.hasSuffix(".toml") {
                stem = String(file.dropLast(".toml".count))
                isSignature = false
            } else {
                return .failure(PathProblem("an intent file must end in .toml or .toml.sig"))
            }
            guard let id = IntentID(stem) else { return .failure(PathProblem("invalid intent id \(quoted: stem)")) }
            guard parts[1] == id.fanOut else {
                return .failure(
                    PathProblem(
                        "fan-out directory \(quoted: parts[1]) should be \(quoted: id.fanOut) for id \(quoted: id.rawValue)"
                    ))
            }
            return .success(isSignature ? .intentSignature(id) : .intent(id))
        case "audit":
            guard parts.count == 4 else { return .failure(PathProblem("expected audit/<aa>/<id>/<seq>-<event>.json")) }
            guard let id = IntentID(parts[2]) else {
                return .failure(PathProblem("invalid intent id \(quoted: parts[2])"))
            }
            guard parts[1] == id.fanOut else {
                return .failure(
                    PathProblem(
                        "fan-out directory \(quoted: parts[1]) should be \(quoted: id.fanOut) for id \(quoted: id.rawValue)"
                    ))
            }
            let file = parts[3]
            guard file.hasSuffix(".json") else { return .failure(PathProblem("an audit event file must end in .json")) }
            let name = file.dropLast(".json".count)
            guard let dash = name.firstIndex(of: "-") else {
                return .failure(PathProblem("an audit event file is named <seq>-<event>.json"))
            }
            let sequenceText = String(name[..<dash])
            let eventText = String(name[name.index(after: dash)...])
            guard sequenceText.utf8.count >= 4, sequenceText.utf8.count <= 18,
                sequenceText.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let sequence = Int(sequenceText), sequence >= 1, LedgerPath.sequenceText(sequence) == sequenceText
            else {
                return .failure(
                    PathProblem(
                        "sequence \(quoted: sequenceText) is not a number from 0001 written with at least four digits"))
            }
            guard let event = AuditEventKind(rawValue: eventText) else {
                return .failure(PathProblem("unknown event \(quoted: eventText)"))
            }
            return .success(.auditEvent(id, sequence: sequence, event: event))
        default:
            return .failure(PathProblem("only intents/ and audit/ belong on the ledger"))
        }
    }
}

/// Why a path is not one of the layout's paths; turned into a `WritError` by
/// the caller, which knows which reason code applies.
struct PathProblem: Error, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
}
