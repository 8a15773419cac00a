import Foundation

/// An instant, read from and written as RFC 3339 (SPEC: "RFC 3339 UTC").
///
/// Parsing accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` with an
/// upper-case `T` and `Z`, a fraction of 1...9 digits, and a numeric offset,
/// which is normalised away: the value is the instant, always written back in
/// UTC with a `Z`. Leap seconds (`:60`), impossible dates, lower-case
/// separators, a space instead of `T` and missing offsets are refused, so a
/// timestamp never depends on the reader's time zone. Writing uses whole
/// seconds when the fraction is zero and the shortest exact fraction otherwise.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    package let secondsSinceEpoch: Int64
    /// Nanoseconds past `secondsSinceEpoch`, 0...999_999_999.
    let nanoseconds: Int32

    /// An instant from whole seconds and nanoseconds since the epoch.
    public init(secondsSinceEpoch: Int64, nanoseconds: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanoseconds), "nanoseconds out of range")
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = nanoseconds
    }

    /// The instant of `date`, truncated to whole seconds, the precision writ writes.
    public init(_ date: Date) {
        self.init(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// The instant as a `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: Double(secondsSinceEpoch) + Double(nanoseconds) / 1e9)
    }

    /// This instant moved by `seconds`.
    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(secondsSinceEpoch: secondsSinceEpoch + seconds, nanoseconds: nanoseconds)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.secondsSinceEpoch, lhs.nanoseconds) < (rhs.secondsSinceEpoch, rhs.nanoseconds)
    }

    /// Parses an RFC 3339 timestamp (see the type's documentation); nil when invalid.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var value = 0
            for k in i..<(i + count) {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[k]) else { return nil }
                value = value * 10 + Int(b[k] - UInt8(ascii: "0"))
            }
            i += count
            return value
        }
        func expect(_ char: Character) -> Bool {
            guard i < b.count, let ascii = char.asciiValue, b[i] == ascii else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            expect("T"), let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
            let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), (1...Timestamp.daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        var nanos = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) {
                guard count < 9 else { return nil }
                nanos = nanos * 10 + Int(b[i] - UInt8(ascii: "0"))
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<9 { nanos *= 10 }
        }
        var offsetSeconds = 0
        if expect("Z") {
            offsetSeconds = 0
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "+") ? 1 : -1
            i += 1
            guard let offHour = digits(2), expect(":"), let offMinute = digits(2),
                (0...23).contains(offHour), (0...59).contains(offMinute)
            else { return nil }
            offsetSeconds = sign * (offHour * 3600 + offMinute * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(secondsSinceEpoch: local - Int64(offsetSeconds), nanoseconds: Int32(nanos))
    }

    /// The RFC 3339 UTC form, e.g. `2026-11-22T01:00:00Z`.
    public var rfc3339: String {
        let days = secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400
        let secondOfDay = Int(secondsSinceEpoch - days * 86_400)
        let (year, month, day) = Timestamp.civilFromDays(Int(days))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        out += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if nanoseconds != 0 {
            var fraction = pad(Int(nanoseconds), 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        return out + "Z"
    }

    public var description: String { rfc3339 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid RFC 3339 timestamp \(quoted: text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Proleptic Gregorian day arithmetic (the well-known civil-from-days
    // algorithm): no calendar or time-zone object, so no locale can leak in.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
