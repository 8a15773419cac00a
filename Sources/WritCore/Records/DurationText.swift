/// Durations as people write them in configs and flags: `90s`, `15m`,
/// `2h`, `7d`, or a sum such as `1h30m`. Whole units only; anything else
/// (empty, a bare number, a negative, an unknown unit) is refused.
package enum DurationText {
    /// The duration in seconds, or nil when `text` is not a duration.
    package static func seconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times, overflow1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (next, overflow2) = times.addingReportingOverflow(Int64(digit))
                guard !overflow1, !overflow2 else { return nil }
                number = next
                continue
            }
            let unit: Int64
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            default: return nil
            }
            guard let value = number else { return nil }
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = total.addingReportingOverflow(scaled)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
            number = nil
            sawUnit = true
        }
        guard sawUnit, number == nil else { return nil }
        return total
    }

    /// An absolute RFC 3339 time, or a duration from `now`.
    package static func deadline(_ text: String, from now: Timestamp) -> Timestamp? {
        if let absolute = Timestamp(rfc3339: text) { return absolute }
        return seconds(text).map { now.adding(seconds: $0) }
    }
}
