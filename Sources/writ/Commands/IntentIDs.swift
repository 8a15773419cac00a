import ArgumentParser
import Foundation
import WritOps

/// `writ _ids`: the intent ids on the ledger of a clone, one per line, for
/// shell completion and scripts. Hidden from help and the man page.
struct IntentIDs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_ids",
        abstract: "Print the ids of the intents on the ledger, one per line (for shell completion).",
        shouldDisplay: false)

    @OptionGroup var repoOptions: RepoOptions

    func run() throws {
        for id in try repoOptions.open().intentIDs() { print(id.rawValue) }
    }
}

/// The completion of an intent-id argument: the ids on the ledger of the
/// clone the command line names with `--repo` (default: the current
/// directory) and `--ledger-ref`.
enum IntentIDCompletion {
    static let kind = CompletionKind.custom { words, index, prefix in
        // The parser takes `prefix` from the last word; the word being
        // completed may sit before `--repo X`, so it is taken by index then.
        let typed = index >= 0 && index < words.count - 1 ? words[index] : prefix
        return candidates(words: words, prefix: typed)
    }

    /// The ids starting with `prefix`; nothing when the repository cannot
    /// be read, since a completion must never print an error into a prompt.
    static func candidates(words: [String], prefix: String) -> [String] {
        let repo = value(of: "--repo", in: words) ?? "."
        let ledgerRef = value(of: "--ledger-ref", in: words) ?? OpsRepoDefaults.ledgerRef
        guard let ops = try? OpsRepo(path: repo, ledgerRef: ledgerRef), let ids = try? ops.intentIDs() else {
            return []
        }
        return ids.map(\.rawValue).filter { $0.hasPrefix(prefix) }
    }

    /// The value given to `option` (`--repo X` or `--repo=X`), unquoted;
    /// the shell passes words verbatim.
    private static func value(of option: String, in words: [String]) -> String? {
        var found: String?
        for (index, word) in words.enumerated() {
            if word == option, index + 1 < words.count {
                found = words[index + 1]
            } else if word.hasPrefix(option + "=") {
                found = String(word.dropFirst(option.count + 1))
            }
        }
        guard var text = found else { return nil }
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            text = String(text.dropFirst().dropLast())
        }
        return text
    }
}
