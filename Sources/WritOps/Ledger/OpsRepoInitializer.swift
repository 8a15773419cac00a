import Foundation
import WritCore
import WritGit

/// Creates a new ops repository: a governance branch holding a commented
/// `policy.toml` and an empty `allowed_signers`, and an empty ledger branch.
///
/// Nothing is written through a work tree: both branches are built as
/// objects and their refs are created with compare-and-swap ("must not
/// exist"), so running `writ init` twice on the same repository fails
/// instead of silently moving a branch.
package struct OpsRepoInitializer: Sendable {
    package var governanceRef: String
    package var ledgerRef: String
    package var author: GitIdentity
    /// The policy and signers to start from; nil for the commented, inert
    /// template. Both are validated before anything is written.
    package var policy: Data?
    package var allowedSigners: Data?

    package init(
        governanceRef: String = OpsRepoDefaults.governanceRef,
        ledgerRef: String = OpsRepoDefaults.ledgerRef,
        author: GitIdentity = GitIdentity(name: "writ", email: "writ@localhost", date: Date())
    ) {
        self.governanceRef = governanceRef
        self.ledgerRef = ledgerRef
        self.author = author
    }

    /// The result of `writ init`: the commit to pin as `trust_root`.
    package struct Result: Sendable, Hashable {
        package let trustRoot: ObjectID
        package let ledgerRoot: ObjectID
    }

    /// Whether the `[governance]` quorum of the policy and signers this
    /// initializer would write can ever be met (``GovernanceReach``);
    /// `writ init` refuses to pin a state whose governance could never change.
    package func governanceReach(now: Date) throws -> GovernanceReach.Answer {
        try GovernanceReach.evaluate(
            policy: policy ?? Data(PolicyTemplate.text.utf8),
            signers: allowedSigners ?? Data(PolicyTemplate.allowedSignersHeader.utf8), now: now)
    }

    /// Initialises `path` (creating the repository when it does not exist)
    /// and returns the trust root.
    package func initialize(at path: String, bare: Bool) throws -> Result {
        let repository: Repository
        if FileManager.default.fileExists(atPath: path),
            let existing = try? Repository.open(at: path)
        {
            repository = existing
        } else {
            repository = try Repository.create(at: path, bare: bare)
        }
        return try initialize(repository)
    }

    /// Writes both branches into an existing repository that has neither.
    package func initialize(_ repository: Repository) throws -> Result {
        for ref in [governanceRef, ledgerRef] where try repository.resolve(ref) != nil {
            throw OpsRepoError.alreadyInitialized(branch: ref)
        }
        var policyBytes = policy ?? Data(PolicyTemplate.text.utf8)
        let signersBytes = allowedSigners ?? Data(PolicyTemplate.allowedSignersHeader.utf8)
        // The trust root must be a state the dispatcher can trust: refuse to
        // pin a policy or signers file that does not parse.
        // A repository starts at [governance] version 1 (SPEC §5); a version
        // the policy states is kept.
        if try Policy.parse(policyBytes).governanceVersion == 0 {
            policyBytes = try PolicyVersion.setting(1, in: policyBytes)
        }
        guard let signersText = String(data: signersBytes, encoding: .utf8) else {
            throw WritError(.policyMalformed, "allowed_signers is not valid UTF-8")
        }
        do {
            _ = try AllowedSigners(parsing: signersText)
        } catch {
            throw error.writError
        }
        let governanceTree = try repository.insert(
            [GovernancePath.policy.path: policyBytes, GovernancePath.allowedSigners.path: signersBytes],
            into: nil)
        let governance = try repository.createCommit(
            tree: governanceTree, parents: [], author: author, committer: author,
            message: "writ: initialise governance\n")
        let emptyTree = try repository.insert([:], into: nil)
        let ledger = try repository.createCommit(
            tree: emptyTree, parents: [], author: author, committer: author,
            message: "writ: initialise ledger\n")
        try repository.updateRef(governanceRef, to: governance, expecting: nil, message: "writ init")
        try repository.updateRef(ledgerRef, to: ledger, expecting: nil, message: "writ init")
        if repository.isBare {
            // `git clone` checks out what HEAD names: the governance branch,
            // not an unborn default branch. A work tree keeps its HEAD, or
            // its index would disagree with the branch it names.
            try repository.setSymbolicHead(OpsRepo.refName(governanceRef))
        }
        return Result(trustRoot: governance, ledgerRoot: ledger)
    }
}

/// Branch names an ops repository uses unless configured otherwise (SPEC §1).
public enum OpsRepoDefaults {
    public static let governanceRef = "main"
    public static let ledgerRef = "writ/ledger"
}

/// What an ops repository does not hold (or holds already), as distinct
/// from a decision about it.
///
/// Reason codes (`ReasonCode`, SPEC §10) are decisions about intents and
/// repositories; a branch that is or is not there is a fact about the
/// clone. The places that decide on it say which code it becomes:
/// governance trust (``GovernanceReader/head(of:)``) makes a missing
/// governance branch `trust_root_missing`, the ledger's judges
/// (``LedgerFiles/head(of:)``) make a missing ledger branch
/// `ledger_violation`, and the command line maps whatever reaches it the
/// same way, in one place.
package enum OpsRepoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which of the two branches writ reads (SPEC §1).
    package enum Branch: String, Sendable, Hashable {
        case governance
        case ledger
    }

    /// A refusal of `writ init`, about how it was called: it exits with the
    /// usage code.
    case alreadyInitialized(branch: String)
    /// `branch` (named `ref`) exists neither as a local branch nor as the
    /// remote-tracking ref that stands in for it.
    case branchMissing(Branch, ref: String)

    package var description: String {
        switch self {
        case .alreadyInitialized(let branch):
            "branch '\(branch)' already exists; writ init only creates new ops repos"
        case .branchMissing(let branch, let ref): "\(branch.rawValue) branch '\(ref)' does not exist"
        }
    }
}
