import ArgumentParser
import Foundation
import WritKit

struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Settle an intent left in doubt: record a signed resolution on the ledger.",
        discussion:
            "--retry lets the intent be claimed again; --succeeded and --failed settle it. Push the ledger branch afterwards when the ops repo has a remote."
    )

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions

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
        let commit = try OperatorEvents(ops: try repoOptions.open()).resolve(
            intentID, resolution: value, note: note, as: try signer.identity(), now: Date())
        print("Recorded resolved (\(resolution.rawValue)) for \(intentID) at \(commit.hex)")
    }
}

struct Gate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attest a gate result for an intent's current digest: a signed ledger event.")

    @Argument(help: "The intent id.", completion: IntentIDCompletion.kind)
    var id: String

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var signer: SignerOptions

    @Option(help: "The gate name, as in the intent's requires.")
    var name: String

    @Option(help: "pass or fail.")
    var status: String

    func run() throws {
        guard let intentID = IntentID(id) else { throw ValidationError("not an intent id: \(id)") }
        guard let gateStatus = AuditEvent.GateStatus(rawValue: status.uppercased()) else {
            throw ValidationError("--status must be pass or fail")
        }
        let commit = try OperatorEvents(ops: try repoOptions.open()).gate(
            intentID, name: name, status: gateStatus, as: try signer.identity(), now: Date())
        print("Recorded gate \(name) \(gateStatus.rawValue) for \(intentID) at \(commit.hex)")
    }
}
