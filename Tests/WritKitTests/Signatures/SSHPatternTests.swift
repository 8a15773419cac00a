import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Principal patterns match as OpenSSH's `match_pattern` does, in time
/// bounded by string × pattern length whatever the number of stars.
@Suite struct SSHPatternTests {
    @Test func wildcardsMatchAsOpenSSHDoes() {
        let cases: [(String, String, Bool)] = [
            ("", "", true), ("", "*", true), ("", "?", false), ("a", "", false),
            ("abc", "abc", true), ("abc", "ab", false), ("abc", "abcd", false),
            ("abc", "*", true), ("abc", "a*", true), ("abc", "*c", true), ("abc", "*b*", true),
            ("abc", "a*b*c", true), ("abc", "a*c*", true), ("abc", "*a*b*c*", true), ("abc", "*d*", false),
            ("abc", "???", true), ("abc", "??", false), ("abc", "?*?", true), ("a", "?*?", false),
            ("aaab", "*ab", true), ("aaab", "*aab*", true), ("abab", "*ab", true), ("ababa", "*ab", false),
            ("mississippi", "m*iss*ppi", true), ("mississippi", "m*iss*ppx", false),
            ("gate-1@example.com", "gate-*@*.com", true), ("a*b", "a\\*b", false), ("a*b", "a*b", true),
        ]
        for (string, pattern, expected) in cases {
            #expect(
                SSHPattern.match(Array(string.utf8), pattern: Array(pattern.utf8)) == expected, "\(string) ~ \(pattern)"
            )
        }
    }

    /// A governance commit anyone may propose could carry such a line; the
    /// old recursive matcher took exponential time on it and hung dispatch.
    /// Backtracking on this line would take some C(100, 30) steps; the
    /// linear matcher takes microseconds. The limit only keeps a regression
    /// from hanging the suite, so it is generous, and the match runs on a
    /// thread of its own: time spent waiting for a pool thread on a loaded
    /// machine is not the matcher's.
    @Test(.timeLimit(.minutes(10))) func manyStarsDoNotBacktrackExponentially() async {
        let results = await OwnThread.run(stackSize: 1 << 20) { () -> [Bool] in
            let pattern = String(repeating: "*a", count: 30) + "b"
            let principal = String(repeating: "a", count: 100)
            return [
                SSHPattern.matchList(principal, list: pattern) == .noMatch,
                SSHPattern.matchList(principal, list: "!" + pattern + ",*") == .match,
                !SSHPattern.match(
                    Array(principal.utf8), pattern: Array(String(repeating: "*a", count: 30).utf8) + [UInt8(ascii: "c")]
                ),
                // And a matching principal is still found.
                SSHPattern.matchList(principal + "b", list: pattern) == .match,
            ]
        }
        #expect(results == [true, true, true, true])
    }
}
