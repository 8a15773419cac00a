import ArgumentParser
import Foundation
import WritCore
import WritGit
import WritOps

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Settle an intent left in doubt: record a signed resolution on the ledger.",
        discussion:
            "--retry lets the intent be claimed again; --succeeded and --failed settle it. With --push the ledger branch is pushed to the remote; without it, the git push line to run is printed."
    )

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions
    @OptionGroup var pushOptions: PushOptions
    @OptionGroup var check: WriteCheckOptions

    @Flag(help: "What happened.")
    var resolution: Resolution

    @Option(help: "Why (for humans).")
    var note: String = ""

    enum Resolution: String, EnumerableFlag {
        case succeeded, failed, retry
    }

    func run() throws {
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        guard let value = AuditEvent.Resolution(rawValue: resolution.rawValue) else {
            throw ValidationError("unknown resolution")
        }
        let settings = try repoOptions.operatorConfig()
        let ops = try repoOptions.open(settings)
        var events = OperatorEvents(ops: ops)
        events.pushes = pushOptions.push
        let commit = try events.resolve(
            intentID, resolution: value, note: note, as: try signer.identity(settings), now: Date(),
            check: try check.writeGuard(settings, in: ops))
        print("Recorded resolved (\(resolution.rawValue)) for \(intentID) at \(commit.hex)")
        if let line = RepoOptions.publishLine(ops, [ops.ledgerRef], pushed: pushOptions.push) { print(line) }
    }
}

struct Gate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attest a gate result for an intent's current digest: a signed ledger event.")

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions
    @OptionGroup var pushOptions: PushOptions
    @OptionGroup var check: WriteCheckOptions

    @Option(help: "The gate name, as in the intent's requires.")
    var name: String

    @Option(help: "pass or fail.")
    var status: String

    func run() throws {
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        guard let gateStatus = AuditEvent.GateStatus(rawValue: status.uppercased()) else {
            throw ValidationError("--status must be pass or fail")
        }
        let settings = try repoOptions.operatorConfig()
        let ops = try repoOptions.open(settings)
        var events = OperatorEvents(ops: ops)
        events.pushes = pushOptions.push
        let commit = try events.gate(
            intentID, name: name, status: gateStatus, as: try signer.identity(settings), now: Date(),
            check: try check.writeGuard(settings, in: ops))
        print("Recorded gate \(name) \(gateStatus.rawValue) for \(intentID) at \(commit.hex)")
        if let line = RepoOptions.publishLine(ops, [ops.ledgerRef], pushed: pushOptions.push) { print(line) }
    }
}

struct Withdraw: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take back an intent not yet claimed: a signed withdrawn event on the ledger; it never runs.",
        discussion:
            "Only the intent's proposer or a principal holding a role of its tier may withdraw it, and only before a dispatcher claims it; by ledger order exactly one of a claim and a withdrawal counts. With --push the ledger branch is pushed to the remote (a race lost to a claim is refused, not written); without it, the git push line to run is printed."
    )

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions
    @OptionGroup var pushOptions: PushOptions
    @OptionGroup var check: WriteCheckOptions

    @Option(help: "Why (for humans; shown to approvers and in the approval PR).")
    var note: String = ""

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if let problem = RecordText.problem(in: note) { throw ValidationError("--note \(problem)") }
    }

    func run() throws {
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        let settings = try repoOptions.operatorConfig()
        let ops = try repoOptions.open(settings)
        let identity = try signer.identity(settings)
        var events = OperatorEvents(ops: ops)
        events.pushes = pushOptions.push
        let commit = try events.withdraw(
            intentID, note: note, as: identity, now: Date(), check: try check.writeGuard(settings, in: ops))
        if json {
            struct Answer: Encodable {
                let id: String, state: String, withdrawn_by: String, ledger_commit: String
                /// Branch → commit id pushed; empty without --push.
                let pushed: [String: String]
            }
            try Output.printJSON(
                Answer(
                    id: intentID.rawValue, state: IntentState.withdrawn.rawValue,
                    withdrawn_by: identity.principal.rawValue, ledger_commit: commit.hex,
                    pushed: pushOptions.push ? RepoOptions.pushedCommits(ops, [ops.ledgerRef]) : [:]))
            return
        }
        print("Recorded withdrawn for \(intentID) at \(commit.hex); it will never run")
        if let line = RepoOptions.publishLine(ops, [ops.ledgerRef], pushed: pushOptions.push) { print(line) }
    }
}
