import ArgumentParser
import Foundation
import WritCore
import WritOps

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an ops repo with a governance branch and an empty ledger branch.",
        discussion: """
            Prints the trust root: the governance commit a dispatcher pins as trust_root. The policy and \
            allowed_signers must let governance change: a [governance] quorum that no set of principals with keys \
            in allowed_signers can meet is refused (exit 3), since policy.toml and allowed_signers could then never \
            change. Without --policy and --signers the commented template names nobody, so give both.
            """)

    @Argument(help: "The repository to create (or an existing repository without writ branches).")
    var dir: String

    @Flag(help: "Create a bare repository.")
    var bare = false

    @Option(help: "The governance branch.")
    var governanceRef = OpsRepoDefaults.governanceRef

    @Option(help: "The ledger branch.")
    var ledgerRef = OpsRepoDefaults.ledgerRef

    @Option(help: "The policy.toml to start from; its [roles] must name the admins who can change governance.")
    var policy: String?

    @Option(help: "The allowed_signers file to start from, listing the keys of those admins.")
    var signers: String?

    @Flag(help: "Print JSON: {\"trust_root\", \"ledger_root\", \"repo\"}.")
    var json = false

    func run() throws {
        var initializer = OpsRepoInitializer(governanceRef: governanceRef, ledgerRef: ledgerRef)
        initializer.policy = try policy.map { try FileInput.readRequired($0, option: "--policy") }
        initializer.allowedSigners = try signers.map {
            try FileInput.readRequired($0, option: "--signers", limit: AllowedSignersFile.limit)
        }
        try refuseUnchangeableGovernance(initializer.governanceReach(now: Date()))
        let result: OpsRepoInitializer.Result
        do {
            result = try initializer.initialize(at: dir, bare: bare)
        } catch OpsRepoError.alreadyInitialized(let branch) {
            throw ValidationError(OpsRepoError.alreadyInitialized(branch: branch).description)
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
            // Named, never written: a file in the work tree could be committed,
            // and a branch could then choose the operator's trust root.
            print(
                "Each clone keeps that line in its operator config, .git/writ.toml "
                    + "(the git directory, which no branch can write; docs/operators.md).")
        }
    }

    /// A trust root whose governance quorum nobody can meet would freeze
    /// policy.toml and allowed_signers for good: refused before anything is
    /// written, naming what to give instead.
    private func refuseUnchangeableGovernance(_ reach: GovernanceReach.Answer) throws {
        guard let problem = reach.problem else { return }
        let source =
            switch (policy, signers) {
            case (nil, nil): "the commented template (no --policy, no --signers) names no principal: "
            case (nil, _): "the commented template (no --policy) names no principal: "
            default: "the policy given: "
            }
        throw RuntimeError(
            "refusing to create an ops repo whose governance can never change: " + source + problem,
            fix:
                "--policy and --signers: a policy.toml whose [roles] name your admins and an allowed_signers listing "
                + "at least [governance] approvals of their keys (see README, Set up a team)")
    }
}
