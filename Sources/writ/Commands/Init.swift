import ArgumentParser
import Foundation
import WritKit

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an ops repo with a governance branch and an empty ledger branch.",
        discussion: "Prints the trust root: the governance commit a dispatcher pins as trust_root.")

    @Argument(help: "The repository to create (or an existing repository without writ branches).")
    var dir: String

    @Flag(help: "Create a bare repository.")
    var bare = false

    @Option(help: "The governance branch.")
    var governanceRef = OpsRepoDefaults.governanceRef

    @Option(help: "The ledger branch.")
    var ledgerRef = OpsRepoDefaults.ledgerRef

    @Option(help: "Start from this policy.toml instead of the commented template.")
    var policy: String?

    @Option(help: "Start from this allowed_signers file instead of an empty one.")
    var signers: String?

    @Flag(help: "Print JSON: {\"trust_root\", \"ledger_root\", \"repo\"}.")
    var json = false

    func run() throws {
        var initializer = OpsRepoInitializer(governanceRef: governanceRef, ledgerRef: ledgerRef)
        initializer.policy = try policy.map { try FileInput.read($0, as: .policyMalformed) }
        initializer.allowedSigners = try signers.map {
            try FileInput.read($0, as: .policyMalformed, limit: AllowedSignersFile.limit)
        }
        let result: OpsRepoInitializer.Result
        do {
            result = try initializer.initialize(at: dir, bare: bare)
        } catch let error as OpsRepoError {
            throw ValidationError(error.description)
        }
        if json {
            try Output.printJSON([
                "repo": dir, "trust_root": result.trustRoot.hex, "ledger_root": result.ledgerRoot.hex,
            ])
        } else {
            print("Initialised ops repo at \(dir)")
            print("  governance branch: \(governanceRef) (policy.toml, allowed_signers)")
            print("  ledger branch:     \(ledgerRef) (empty)")
            print("trust_root = \"\(result.trustRoot.hex)\"")
        }
    }
}
