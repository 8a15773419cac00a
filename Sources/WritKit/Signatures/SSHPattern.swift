/// OpenSSH pattern matching (ssh_config(5) PATTERNS), byte for byte.
enum SSHPattern {
    /// `*` matches any run of bytes, `?` exactly one; everything else is
    /// literal and case-sensitive.
    static func match(_ string: some Collection<UInt8>, pattern: some Collection<UInt8>) -> Bool {
        matchBytes(Array(string)[...], Array(pattern)[...])
    }

    private static func matchBytes(_ s: ArraySlice<UInt8>, _ p: ArraySlice<UInt8>) -> Bool {
        var s = s
        var p = p
        while true {
            guard let pc = p.first else { return s.isEmpty }
            if pc == UInt8(ascii: "*") {
                p = p.dropFirst()
                // Collapse runs of stars; a trailing star matches the rest.
                while p.first == UInt8(ascii: "*") { p = p.dropFirst() }
                if p.isEmpty { return true }
                var rest = s
                while true {
                    if matchBytes(rest, p) { return true }
                    guard !rest.isEmpty else { return false }
                    rest = rest.dropFirst()
                }
            }
            guard let sc = s.first else { return false }
            guard pc == UInt8(ascii: "?") || pc == sc else { return false }
            s = s.dropFirst()
            p = p.dropFirst()
        }
    }

    /// The verdict of a comma-separated pattern list.
    enum ListResult: Equatable { case noMatch, match, negated }

    /// `match_pattern_list`: a `!`-prefixed pattern that matches denies at
    /// once; otherwise any positive match accepts.
    static func matchList(_ string: String, list: String) -> ListResult {
        let bytes = Array(string.utf8)
        var positive = false
        var subpatterns = Array(list.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        // A trailing comma ends the list; it does not add an empty pattern
        // (a leading or doubled comma does, as in the reference).
        if list.utf8.last == UInt8(ascii: ",") || list.isEmpty { subpatterns.removeLast() }
        for var sub in subpatterns {
            var negated = false
            if sub.first == UInt8(ascii: "!") {
                negated = true
                sub = sub.dropFirst()
            }
            // The reference gives up on the whole list at an over-long pattern.
            if sub.count >= 1023 { return .noMatch }
            if match(bytes, pattern: sub) {
                if negated { return .negated }
                positive = true
            }
        }
        return positive ? .match : .noMatch
    }
}
