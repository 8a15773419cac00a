import ArgumentParser

/// "Did you mean" for a mistyped subcommand: `writ stauts` names `status`
/// instead of printing the whole usage.
enum CommandSuggestion {
    /// Every subcommand name `writ` accepts, `help` included.
    static var names: [String] {
        Writ.configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// The first argument when it is meant as a subcommand (not an option)
    /// that does not exist but is close to one that does; nil otherwise, and
    /// then the argument parser reports the error as usual.
    static func unknownSubcommand(in arguments: [String]) -> String? {
        guard let word = arguments.first, !word.hasPrefix("-"), !names.contains(word) else { return nil }
        return closest(to: word) == nil ? nil : word
    }

    /// `unknown command "stauts"; did you mean "status"?`
    static func message(for word: String) -> String {
        guard let match = closest(to: word) else { return "unknown command \"\(word)\"" }
        return "unknown command \"\(word)\"; did you mean \"\(match)\"? (see writ --help)"
    }

    /// The subcommand nearest to `word` by edit distance (a swap of two
    /// neighbouring letters counts once), when it is near enough to be a typo:
    /// at most a third of the word's length, and at least one edit.
    static func closest(to word: String) -> String? {
        closest(to: word, among: names)
    }

    /// The name in `candidates` nearest to `word`, by the same measure
    /// (case-insensitive), when it is near enough to be a typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = max(1, word.count / 3)
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }.filter { $0.1 <= limit }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    /// Optimal string alignment distance: insertions, deletions,
    /// substitutions and transpositions of adjacent characters.
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
