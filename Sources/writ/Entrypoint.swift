import ArgumentParser
import Foundation
import WritCore
import WritOps

/// The `writ` command line: argument parsing only; the work happens in WritKit.
struct Writ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writ",
        abstract: "A git-native approval gate for automated work.",
        discussion: """
            Exit codes: 0 done; 1 findings (dispatch: an intent failed, went in doubt or \
            cannot run on this host); 2 usage; 3 contract or runtime error; 4 lock_contended.
            """,
        version: WritVersion.current,
        subcommands: [
            Init.self,
            Propose.self,
            Approve.self,
            Status.self,
            Show.self,
            Log.self,
            Verify.self,
            Report.self,
            Dispatch.self,
            Resolve.self,
            Withdraw.self,
            Gate.self,
            CheckPR.self,
            Hook.self,
            Validate.self,
            Governance.self,
            Classify.self,
            Reasons.self,
            Sig.self,
            Demo.self,
            MCPServe.self,
            IntentIDs.self,
            RemoteHelperCommand.self,
        ]
    )
}

/// Runs `writ` with the contract's exit codes (SPEC §8) rather than
/// ArgumentParser's defaults: usage errors exit 2, WritErrors 3 (or 4 for
/// `lock_contended`), and the reason code is always printed. With `--json`,
/// every error is also one JSON line on standard output (docs/json.md).
@main
enum Main {
    static func main() async {
        MemoryTuning.apply(forArguments: CommandLine.arguments)
        let json = Output.jsonRequested
        if let word = CommandSuggestion.unknownSubcommand(in: Array(CommandLine.arguments.dropFirst())) {
            let message = CommandSuggestion.message(for: word)
            if json { Output.printJSONError(message, reason: nil) }
            fail(message, status: ExitStatus.usage)
        }
        do {
            var command = try Writ.parseAsRoot(Status.optionalValues(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as WritError {
            refuse(error, json: json)
        } catch let error as OpsRepoError {
            guard let refusal = contractRefusal(for: error) else {
                // How the command was called (`writ init` on an ops repo): usage.
                if json { Output.printJSONError(error.description, reason: nil) }
                fail("error: \(error.description)", status: ExitStatus.usage)
            }
            refuse(refusal, json: json)
        } catch let refusal as WriteRefused {
            // A record that would not count: a finding, like a rejected `validate` input.
            if json { Output.printJSONError(refusal.description, reason: refusal.finding.reason.rawValue) }
            fail("refused: \(refusal.description)", status: ExitStatus.findings)
        } catch let unknown as UnknownIntent {
            // The id names nothing: a usage error, like a mistyped subcommand.
            if json { Output.printJSONError(unknown.description, reason: nil) }
            fail("error: \(unknown.description)", status: ExitStatus.usage)
        } catch let error as RuntimeError {
            if json { Output.printJSONError(error.detail, reason: nil, fix: error.fix) }
            fail("error: \(error.description)", status: ExitStatus.runtime)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            let code = Writ.exitCode(for: error)
            let message = Writ.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            if json { Output.printJSONError(message, reason: nil) }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            // Parse errors are usage (2); anything else that escaped a command is a
            // runtime error (3), never "findings" (1).
            exit(code == .validationFailure ? ExitStatus.usage : ExitStatus.runtime)
        }
    }

    /// Prints a refusal with its reason code (and as JSON with `--json`),
    /// then exits 3, or 4 for `lock_contended`.
    private static func refuse(_ error: WritError, json: Bool) -> Never {
        if json { Output.printJSONError(error.detail, reason: error.reason.rawValue) }
        fail("\(error.reason.rawValue): \(error.detail)", status: ExitStatus.code(for: error.reason))
    }

    /// The one place a typed error of the library becomes a reason code for
    /// the command line: a command cannot go on without both branches of
    /// the ops repo, and SPEC §8 makes that a contract error with its code
    /// (exit 3): no governance branch is `trust_root_missing` (there is
    /// nothing to trust), no ledger branch `ledger_violation`. The
    /// library's judges (status, verify, the dispatcher's trust check) make
    /// the same decision where they report it.
    /// nil for a refusal about how the command was called, which has no code.
    static func contractRefusal(for error: OpsRepoError) -> WritError? {
        switch error {
        case .branchMissing(.governance, _): WritError(.trustRootMissing, error.description)
        case .branchMissing(.ledger, _): WritError(.ledgerViolation, error.description)
        case .alreadyInitialized: nil
        }
    }

    /// Reports an error on standard error as `writ: <message>`, then exits with `status`.
    private static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("writ: \(message)\n".utf8))
        exit(status)
    }
}
