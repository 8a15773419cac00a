import Foundation

/// Creates a new ops repository: a governance branch holding a commented
/// `policy.toml` and an empty `allowed_signers`, and an empty ledger branch.
///
/// Nothing is written through a work tree: both branches are built as
/// objects and their refs are created with compare-and-swap ("must not
/// exist"), so running `writ init` twice on the same repository fails
/// instead of silently moving a branch.
public struct OpsRepoInitializer: Sendable {
    public var governanceRef: String
    public var ledgerRef: String
    public var author: GitIdentity

    public init(
        governanceRef: String = OpsRepoDefaults.governanceRef,
        ledgerRef: String = OpsRepoDefaults.ledgerRef,
        author: GitIdentity = GitIdentity(name: "writ", email: "writ@localhost", date: Date())
    ) {
        self.governanceRef = governanceRef
        self.ledgerRef = ledgerRef
        self.author = author
    }

    /// The result of `writ init`: the commit to pin as `trust_root`.
    public struct Result: Sendable, Hashable {
        public let trustRoot: ObjectID
        public let ledgerRoot: ObjectID
    }

    /// Initialises `path` (creating the repository when it does not exist)
    /// and returns the trust root.
    public func initialize(at path: String, bare: Bool) throws -> Result {
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
    public func initialize(_ repository: Repository) throws -> Result {
        for ref in [governanceRef, ledgerRef] where try repository.resolve(ref) != nil {
            throw OpsRepoError.alreadyInitialized(branch: ref)
        }
        let governanceTree = try repository.insert(
            [
                "policy.toml": Data(PolicyTemplate.text.utf8),
                "allowed_signers": Data(PolicyTemplate.allowedSignersHeader.utf8),
            ],
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
        return Result(trustRoot: governance, ledgerRoot: ledger)
    }
}

/// Branch names an ops repository uses unless configured otherwise (SPEC §1).
public enum OpsRepoDefaults {
    public static let governanceRef = "main"
    public static let ledgerRef = "writ/ledger"
}

/// Refusals of `writ init` that are about how it was called, not about a
/// record: they exit with the usage code.
public enum OpsRepoError: Error, Sendable, Hashable, CustomStringConvertible {
    case alreadyInitialized(branch: String)

    public var description: String {
        switch self {
        case .alreadyInitialized(let branch):
            "branch '\(branch)' already exists; writ init only creates new ops repos"
        }
    }
}
