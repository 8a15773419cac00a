import ArgumentParser
import WritCore

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

    /// The subcommand nearest to `word` by edit distance, when it is near
    /// enough to be a typo (``DidYouMean``).
    static func closest(to word: String) -> String? {
        DidYouMean.closest(to: word, among: names)
    }

    /// The name in `candidates` nearest to `word`, by the same measure
    /// (case-insensitive), when it is near enough to be a typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        DidYouMean.closest(to: word, among: candidates)
    }

    /// Optimal string alignment distance (``DidYouMean/distance(_:_:)``).
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        DidYouMean.distance(lhs, rhs)
    }
}
