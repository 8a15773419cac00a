import ArgumentParser
import Foundation
import WritGit
import WritOps

/// `writ _remote`: one fetch or push against a network remote, read as a
/// JSON request on standard input and answered as one JSON object on
/// standard output. Started by writ itself, so that a remote that never
/// answers can be abandoned by killing this process (docs/remotes.md).
/// Hidden from help and the man page.
struct RemoteHelperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: RemoteHelper.subcommand,
        abstract: "Run one remote fetch or push for another writ process (internal).",
        shouldDisplay: false)

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        FileHandle.standardOutput.write(RemoteHelper.serve(input))
    }
}
