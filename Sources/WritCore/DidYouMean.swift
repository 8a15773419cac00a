/// "Did you mean": the nearest of some known names to a mistyped one, for
/// subcommands, config keys, policy kinds and intent ids alike.
package enum DidYouMean {
    /// The candidate nearest to `word` by edit distance (a swap of two
    /// neighbouring letters counts once), when it is near enough to be a
    /// typo: at most a third of the word's length, and at least one edit.
    /// Ties go to the alphabetically first; `word` itself is never offered.
    package static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let limit = max(1, word.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let score = distance(word.lowercased(), candidate.lowercased())
            guard score <= limit else { continue }
            if let current = best, (current.distance, current.name) <= (score, candidate) { continue }
            best = (candidate, score)
        }
        return best?.name
    }

    /// Optimal string alignment distance: insertions, deletions,
    /// substitutions and transpositions of adjacent characters.
    package static func distance(_ lhs: String, _ rhs: String) -> Int {
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

    /// ` (did you mean "x"?)` when there is a near name, else empty.
    package static func hint(for word: String, among candidates: some Sequence<String>) -> String {
        closest(to: word, among: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
    }
}
