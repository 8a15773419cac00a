import ArgumentParser
import WritKit

@main
struct Writ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writ",
        abstract: "A git-native approval gate for automated work.",
        subcommands: []
    )
}
