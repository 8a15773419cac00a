import Foundation

/// An ops repository and the two branches writ reads and writes (SPEC §1).
public struct OpsRepo {
    public let repository: Repository
    public let governanceRef: String
    public let ledgerRef: String

    init(
        repository: Repository, governanceRef: String = OpsRepoDefaults.governanceRef,
        ledgerRef: String = OpsRepoDefaults.ledgerRef
    ) {
        self.repository = repository
        self.governanceRef = governanceRef
        self.ledgerRef = ledgerRef
    }

    /// Opens the repository at `path` (bare or not); a path that is not a
    /// repository is a `RuntimeError` naming it.
    public init(
        path: String, governanceRef: String = OpsRepoDefaults.governanceRef,
        ledgerRef: String = OpsRepoDefaults.ledgerRef
    ) throws {
        let repository: Repository
        do {
            repository = try Repository.open(at: path)
        } catch {
            throw RuntimeError("cannot open the ops repo at \(path): \(error)", fix: "the ops repo path (\(path))")
        }
        self.init(repository: repository, governanceRef: governanceRef, ledgerRef: ledgerRef)
    }

    /// The governance branch tip, or `trust_root_missing` when the branch is absent.
    public func governanceHead() throws -> ObjectID {
        guard let head = try repository.resolve(Self.refName(governanceRef)) else {
            throw WritError(.trustRootMissing, "governance branch '\(governanceRef)' does not exist")
        }
        return head
    }

    /// The ledger branch tip, or `ledger_violation` when the branch is absent.
    public func ledgerHead() throws -> ObjectID {
        guard let head = try repository.resolve(Self.refName(ledgerRef)) else {
            throw WritError(.ledgerViolation, "ledger branch '\(ledgerRef)' does not exist")
        }
        return head
    }

    /// The bytes at `path` in `commit`'s tree, nil when absent.
    func blob(_ path: String, in commit: ObjectID) throws -> Data? {
        try repository.blob(at: path, inTree: try repository.commit(commit).tree, limit: RecordBytes.maximumSize)
    }

    static func refName(_ branch: String) -> String {
        branch.hasPrefix("refs/") ? branch : "refs/heads/" + branch
    }
}
