import ArgumentParser
import Foundation
import WritCore
import WritGit
import WritOps

/// `writ hook`: git server hooks for self-hosted ops repositories.
struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Git server hooks for a self-hosted ops repository (plain sshd, gitolite).",
        discussion: "docs/forge-setup.md says how to install them.",
        subcommands: [PreReceive.self])

    /// `writ hook pre-receive` (SPEC §5): refuses governance pushes that
    /// drop the old tip from the first-parent chain and ledger pushes that
    /// are not append-only fast-forwards.
    struct PreReceive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pre-receive",
            abstract: "Refuse pushes that rewrite the governance branch or break the ledger's append-only rule.",
            discussion: """
                Run by git as (or from) a bare repository's hooks/pre-receive: reads \
                "<old-id> <new-id> <refname>" lines on standard input and reads objects only (the push's \
                quarantine included), never running git.

                Governance branch: the old tip must stay on the new tip's first-parent chain; a merge made by \
                `git pull` (the server's tip as second parent), a force push or a deletion is refused \
                (history_rewritten). Ledger branch: every new commit must have one parent and only add regular \
                files under intents/ and audit/ (ledger_violation); a non-fast-forward or a deletion is \
                history_rewritten. Other refs pass.

                Each refused ref gets one line on standard error, "writ: refused <ref>: <reason>: <detail>"; \
                exit 1 when any is refused (git then takes none of the push), 0 when all may go ahead, 3 when \
                the input or the repository cannot be read (the push is refused too).

                The branches: --governance-ref / --ledger-ref, else the repository's git config \
                writ.governanceRef / writ.ledgerRef, else main and writ/ledger.
                """)

        @Option(help: "The bare repository (default: $GIT_DIR, else the current directory, where git runs hooks).")
        var repo: String?

        @Option(
            help: ArgumentHelp(
                "The governance branch (default: git config writ.governanceRef, else main).", valueName: "branch"))
        var governanceRef: String?

        @Option(
            help: ArgumentHelp(
                "The ledger branch (default: git config writ.ledgerRef, else writ/ledger).", valueName: "branch"))
        var ledgerRef: String?

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let path = repo ?? environment["GIT_DIR"] ?? "."
            let repository: Repository
            do {
                repository = try Repository.open(at: path)
                // The pushed objects wait in git's quarantine until the
                // hook accepts them.
                try repository.addHookObjectDirectories(environment: environment)
            } catch {
                throw RuntimeError("cannot open the repository at \(path): \(error)", fix: "--repo")
            }
            let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let updates = try PreReceiveGuard.parse(input)
            let hook = PreReceiveGuard(
                repository: repository,
                governanceRef: try governanceRef ?? repository.configString("writ.governanceRef")
                    ?? OpsRepoDefaults.governanceRef,
                ledgerRef: try ledgerRef ?? repository.configString("writ.ledgerRef") ?? OpsRepoDefaults.ledgerRef)
            let refusals: [PreReceiveGuard.Refusal]
            do {
                refusals = try hook.judge(updates)
            } catch {
                // Fail closed: what cannot be read is not accepted.
                throw RuntimeError(
                    "cannot judge the push, so it is refused: \(error)",
                    fix: "the repository's objects and the push's quarantine (GIT_QUARANTINE_PATH)")
            }
            for refusal in refusals {
                FileHandle.standardError.write(Data("writ: \(refusal)\n".utf8))
            }
            if !refusals.isEmpty { throw ExitCode(ExitStatus.findings) }
        }
    }
}
