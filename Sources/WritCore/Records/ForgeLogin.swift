/// Forge logins as `[members]` names them and forges compare them: GitHub
/// and Forgejo logins are ASCII (letters, digits, `-`, `_`, `.`, and a bot's
/// `[bot]`) and case-insensitive, so `Mallory = "blocked"` must stop
/// `mallory`. A login with anything else, a Unicode look-alike such as the
/// Kelvin sign (U+212A, which lower-cases to `k`) included, is no login.
package enum ForgeLogin {
    /// `login` folded for comparison (ASCII lower case), nil when it holds
    /// a character no forge login has.
    package static func folded(_ login: String) -> String? {
        guard !login.isEmpty, login.utf8.count <= 100 else { return nil }
        var folded = ""
        for scalar in login.unicodeScalars {
            guard scalar.isASCII, allowed(scalar) else { return nil }
            folded.unicodeScalars.append(
                (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20)! : scalar)
        }
        return folded
    }

    private static func allowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "[", "]": true
        default: false
        }
    }

    /// Whether two logins name the same forge account.
    package static func same(_ one: String, _ other: String) -> Bool {
        guard let one = folded(one), let other = folded(other) else { return false }
        return one == other
    }
}
