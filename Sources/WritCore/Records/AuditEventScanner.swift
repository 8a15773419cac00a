#if canImport(Glibc)
    import Glibc
#endif

/// The one-pass reader of an audit event: what `AuditEvent.parse` tries
/// first, because every status, show, verify and poll reads every event.
///
/// It reads only what the full reader (`StrictJSON` then `JSONDecoder`)
/// would accept and give the same event for, and declines everything else
/// (nil): a key it does not know, a `null`, an escaped key, a duplicate, a
/// number that is not a plain integer, a value of another type, a field
/// that is missing or does not validate. The full reader then decides, and
/// names the problem. So the scanner can make reading cheaper, never more
/// permissive; the tests hold the two to the same answers.
struct AuditEventScanner {
    private typealias Key = AuditEvent.CodingKeys

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var strings: [String?] = Array(repeating: nil, count: Self.keys.count)
    private var integers: [Int?] = Array(repeating: nil, count: Self.keys.count)
    private var approvals: [AuditEvent.ClaimedApproval]?
    private var seen: UInt64 = 0

    /// Every key the event format knows, each with its slot.
    private static let keys: [Key] = [
        .schema, .event, .intent, .intentDigest, .at, .actor, .tier, .note, .approvals, .reason, .detail,
        .resolution, .operation, .target, .key, .name, .status, .runID, .idempotencyKey, .exitCode, .durationMs,
        .stdoutSHA256, .stderrSHA256, .stdoutTail, .stderrTail, .claimedAt, .remoteID, .remoteURL, .reviewBy,
    ]
    /// Each key's UTF-8 bytes, by slot: keys are matched without making a string.
    private static let names: [[UInt8]] = keys.map { Array($0.stringValue.utf8) }
    private static let integerKeys: Set<Key> = [.schema, .exitCode, .durationMs]

    /// The event `bytes` hold, or nil when the full reader must decide.
    package static func event(_ bytes: UnsafeBufferPointer<UInt8>) -> AuditEvent? {
        var scanner = AuditEventScanner(bytes: bytes)
        guard scanner.document() else { return nil }
        return scanner.build()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Syntax

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// `{ "key": value, ... }` and nothing after but whitespace.
    private mutating func document() -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if !take(UInt8(ascii: "}")) {
            repeat {
                guard member() else { return false }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return false }
        }
        skipWhitespace()
        return index == bytes.count
    }

    private mutating func member() -> Bool {
        guard let name = plainKey(), let slot = slot(named: name), seen & (1 << slot) == 0,
            take(UInt8(ascii: ":"))
        else { return false }
        seen |= 1 << slot
        let key = Self.keys[slot]
        skipWhitespace()
        if key == .approvals {
            guard let list = approvalList() else { return false }
            approvals = list
        } else if Self.integerKeys.contains(key) {
            guard let number = integer() else { return false }
            integers[slot] = number
        } else {
            guard let text = string() else { return false }
            strings[slot] = text
        }
        return true
    }

    /// A key with no escape in it (an escaped key is left to the full
    /// reader), as the range of its bytes.
    private mutating func plainKey() -> Range<Int>? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while let byte = peek, byte != UInt8(ascii: "\"") {
            guard byte >= 0x20, byte != UInt8(ascii: "\\") else { return nil }
            index += 1
        }
        guard peek != nil else { return nil }
        defer { index += 1 }
        return start..<index
    }

    /// The slot of the known key spelt by `name`'s bytes.
    private func slot(named name: Range<Int>) -> Int? {
        Self.names.firstIndex { known in
            known.count == name.count
                && known.withUnsafeBufferPointer { known in
                    memcmp(known.baseAddress!, bytes.baseAddress! + name.lowerBound, name.count) == 0
                }
        }
    }

    /// Whether `name`'s bytes spell `word`.
    private func spells(_ name: Range<Int>, _ word: StaticString) -> Bool {
        name.count == word.utf8CodeUnitCount
            && memcmp(word.utf8Start, bytes.baseAddress! + name.lowerBound, name.count) == 0
    }

    /// A JSON string, unescaped; nil for what JSON or the strict check refuses.
    private mutating func string() -> String? {
        guard peek == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        // The common case: no escape, one copy.
        while let byte = peek, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            index += 1
        }
        guard let stop = peek else { return nil }
        if stop == UInt8(ascii: "\"") {
            defer { index += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(
            contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                .unicodeScalars)
        if stop == UInt8(ascii: "\"") {
            index += 1
            return String(scalars)
        }
        var run = index
        while true {
            guard let byte = peek else { return nil }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                scalars.append(
                    contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[run..<index]), as: UTF8.self)
                        .unicodeScalars)
                index += 1
                if byte == UInt8(ascii: "\"") { return String(scalars) }
                guard let scalar = escape() else { return nil }
                scalars.append(scalar)
                run = index
                continue
            }
            guard byte >= 0x20 else { return nil }
            index += 1
        }
    }

    /// The escape after a backslash, as `StrictJSON` reads it.
    private mutating func escape() -> Unicode.Scalar? {
        guard let byte = peek else { return nil }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{8}"
        case UInt8(ascii: "f"): return "\u{C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            guard var code = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(code) {
                guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else { return nil }
                index += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard code != 0 else { return nil }
            return Unicode.Scalar(code)
        default: return nil
        }
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value * 16 + UInt32(digit)
            index += 1
        }
        return value
    }

    /// A plain integer literal (no fraction, no exponent, no leading zero) that fits.
    private mutating func integer() -> Int? {
        let negative = peek == UInt8(ascii: "-")
        if negative { index += 1 }
        let start = index
        var value = 0
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let digit = Int(byte - UInt8(ascii: "0"))
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) =
                negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflowTimes, !overflowSum else { return nil }
            value = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
        switch peek {
        case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
        default: return value
        }
    }

    /// `[ {approver, commit, record_digest}, ... ]`, each object exactly those keys.
    private mutating func approvalList() -> [AuditEvent.ClaimedApproval]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var list: [AuditEvent.ClaimedApproval] = []
        if take(UInt8(ascii: "]")) { return list }
        repeat {
            guard let approval = approval() else { return nil }
            list.append(approval)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? list : nil
    }

    private mutating func approval() -> AuditEvent.ClaimedApproval? {
        guard take(UInt8(ascii: "{")) else { return nil }
        var approverText: String?
        var commitText: String?
        var digestText: String?
        repeat {
            guard let name = plainKey(), take(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            guard let value = string() else { return nil }
            if spells(name, "approver"), approverText == nil {
                approverText = value
            } else if spells(name, "commit"), commitText == nil {
                commitText = value
            } else if spells(name, "record_digest"), digestText == nil {
                digestText = value
            } else {
                return nil
            }
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")), let approver = approverText.flatMap(Principal.init),
            let commit = commitText, let digest = digestText.flatMap(ContentDigest.init(parsing:))
        else { return nil }
        return try? AuditEvent.ClaimedApproval(approver: approver, commit: commit, recordDigest: digest)
    }

    // MARK: Meaning

    private func string(_ key: Key) -> String? { Self.keys.firstIndex(of: key).flatMap { strings[$0] } }
    private func integer(_ key: Key) -> Int? { Self.keys.firstIndex(of: key).flatMap { integers[$0] } }

    /// The event, built the way `AuditEvent.init(from:)` builds it.
    private func build() -> AuditEvent? {
        guard integer(.schema) == 1, let kind = string(.event).flatMap(AuditEventKind.init(rawValue:)),
            let intent = string(.intent).flatMap(IntentID.init),
            let digest = string(.intentDigest).flatMap(ContentDigest.init(parsing:)),
            let at = string(.at).flatMap(Timestamp.init(rfc3339:)),
            let actor = string(.actor).flatMap(Principal.init),
            let payload = payload(kind)
        else { return nil }
        return try? AuditEvent(intent: intent, intentDigest: digest, at: at, actor: actor, payload: payload)
    }

    private func payload(_ kind: AuditEventKind) -> AuditEvent.Payload? {
        switch kind {
        case .autoApproved:
            guard let tier = string(.tier).flatMap(Tier.init(rawValue:)), let note = string(.note) else { return nil }
            return .autoApproved(tier: tier, note: note)
        case .claimed:
            guard let tier = string(.tier).flatMap(Tier.init(rawValue:)), let runID = string(.runID),
                let key = string(.idempotencyKey), let approvals
            else { return nil }
            return .claimed(.init(tier: tier, runID: runID, idempotencyKey: key, approvals: approvals))
        case .succeeded: return outcome().map(AuditEvent.Payload.succeeded)
        case .failed: return outcome().map(AuditEvent.Payload.failed)
        case .blocked:
            guard let reason = string(.reason).flatMap(ReasonCode.init(rawValue:)), let detail = string(.detail)
            else { return nil }
            return .blocked(reason: reason, detail: detail)
        case .inDoubt:
            guard let claimedAt = string(.claimedAt).flatMap(Timestamp.init(rfc3339:)), let detail = string(.detail)
            else { return nil }
            return .inDoubt(claimedAt: claimedAt, detail: detail)
        case .resolved:
            guard let resolution = string(.resolution).flatMap(AuditEvent.Resolution.init(rawValue:)),
                let note = string(.note)
            else { return nil }
            return .resolved(resolution: resolution, note: note)
        case .projection:
            guard let operation = string(.operation), let target = string(.target), let key = string(.key) else {
                return nil
            }
            return .projection(operation: operation, target: target, key: key)
        case .gate:
            guard let name = string(.name), let status = string(.status).flatMap(AuditEvent.GateStatus.init(rawValue:))
            else { return nil }
            return .gate(name: name, status: status)
        case .withdrawn:
            guard let note = string(.note) else { return nil }
            return .withdrawn(note: note)
        case .breakGlass:
            guard let reason = string(.reason), let reviewBy = string(.reviewBy).flatMap(Timestamp.init(rfc3339:))
            else { return nil }
            return .breakGlass(reason: reason, reviewBy: reviewBy)
        }
    }

    private func outcome() -> AuditEvent.Outcome? {
        guard let duration = integer(.durationMs), duration >= 0, let exitCode = integer(.exitCode),
            let stdoutDigest = string(.stdoutSHA256).flatMap(ContentDigest.init(parsing:)),
            let stderrDigest = string(.stderrSHA256).flatMap(ContentDigest.init(parsing:)),
            let stdoutTail = string(.stdoutTail), let stderrTail = string(.stderrTail)
        else { return nil }
        // Present but not a reason code: the full reader names it.
        var reason: ReasonCode?
        if let text = string(.reason) {
            guard let code = ReasonCode(rawValue: text) else { return nil }
            reason = code
        }
        return AuditEvent.Outcome(
            exitCode: exitCode, durationMs: duration, stdoutSHA256: stdoutDigest, stderrSHA256: stderrDigest,
            stdoutTail: stdoutTail, stderrTail: stderrTail, reason: reason, remoteID: string(.remoteID),
            remoteURL: string(.remoteURL))
    }
}
