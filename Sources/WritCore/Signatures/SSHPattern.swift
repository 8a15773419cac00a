/// OpenSSH pattern matching (ssh_config(5) PATTERNS), byte for byte.
package enum SSHPattern {
    /// `*` matches any run of bytes, `?` exactly one; everything else is
    /// literal and case-sensitive.
    ///
    /// Greedy with a single backtrack point, the last `*` seen: when a later
    /// literal fails, only that star takes one more byte. Earlier stars never
    /// need revisiting (whatever they could absorb, the last one can), so the
    /// cost is at most string length × pattern length, never the exponential
    /// blow-up of recursive backtracking. Principal patterns come from
    /// allowed_signers files anyone may propose in a governance commit.
    package static func match(_ string: some Collection<UInt8>, pattern: some Collection<UInt8>) -> Bool {
        let s = Array(string)
        let p = Array(pattern)
        let star = UInt8(ascii: "*")
        let any = UInt8(ascii: "?")
        var si = 0
        var pi = 0
        // Where the last star is in the pattern, and where in the string the
        // text it absorbs currently ends.
        var backtrack: (pattern: Int, string: Int)?
        while si < s.count {
            if pi < p.count, p[pi] == star {
                backtrack = (pi, si)
                pi += 1
            } else if pi < p.count, p[pi] == any || p[pi] == s[si] {
                si += 1
                pi += 1
            } else if let point = backtrack {
                backtrack = (point.pattern, point.string + 1)
                pi = point.pattern + 1
                si = point.string + 1
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == star { pi += 1 }
        return pi == p.count
    }

    /// The verdict of a comma-separated pattern list.
    package enum ListResult: Equatable { case noMatch, match, negated }

    /// `match_pattern_list`: a `!`-prefixed pattern that matches denies at
    /// once; otherwise any positive match accepts.
    package static func matchList(_ string: String, list: String) -> ListResult {
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
