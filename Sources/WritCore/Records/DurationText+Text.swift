extension DurationText {
    /// `seconds` written back as `DurationText.seconds` reads it, hours
    /// first: `30m`, `72h`, `1h30m`, `26h`; `0s` for zero. Never days: a
    /// policy's `72h` reads back as `72h`, not `3d`.
    package static func text(seconds: Int64) -> String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var out = ""
        for (unit, size) in [("h", Int64(3600)), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}
