import ArgumentParser
import Foundation
import WritKit

/// The `writ` command line: argument parsing only; the work happens in WritKit.
struct Writ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writ",
        abstract: "A git-native approval gate for automated work.",
        discussion: """
            Exit codes: 0 done; 1 findings (dispatch: an intent failed, went in doubt or \
            cannot run on this host); 2 usage; 3 contract or runtime error; 4 lock_contended.
            """,
        subcommands: [
            Init.self,
            Propose.self,
            Approve.self,
            Status.self,
            Show.self,
            Log.self,
            Verify.self,
            Dispatch.self,
            Resolve.self,
            Gate.self,
            Validate.self,
            Classify.self,
            Reasons.self,
            Sig.self,
            Demo.self,
            IntentIDs.self,
        ]
    )
}

/// Runs `writ` with the contract's exit codes (SPEC §8) rather than
/// ArgumentParser's defaults: usage errors exit 2, WritErrors 3 (or 4 for
/// `lock_contended`), and the reason code is always printed.
@main
enum Main {
    static func main() async {
        do {
            var command = try Writ.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as WritError {
            FileHandle.standardError.write(Data("writ: \(error.reason.rawValue): \(error.detail)\n".utf8))
            exit(ExitStatus.code(for: error.reason))
        } catch let error as RuntimeError {
            FileHandle.standardError.write(Data("writ: error: \(error.description)\n".utf8))
            exit(ExitStatus.runtime)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            let code = Writ.exitCode(for: error)
            let message = Writ.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            // Parse errors are usage (2); anything else that escaped a command is a
            // runtime error (3), never "findings" (1).
            exit(code == .validationFailure ? ExitStatus.usage : ExitStatus.runtime)
        }
    }
}
