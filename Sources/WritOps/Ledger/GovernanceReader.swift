import Foundation
import WritCore
import WritGit

/// Reads the governance branch and decides, with `GovernanceTrust`, which
/// state is trusted (SPEC §5).
///
/// The reader does the I/O the pure rules need: resolving the pinned trust
/// root, checking that the head descends from it (`history_rewritten`
/// otherwise), reading `policy.toml` and `allowed_signers` at each
/// first-parent commit, and, only for a commit whose state differs from the
/// trusted one, the governance records under its digest.
struct GovernanceReader {
    package let ops: OpsRepo

    /// The outcome of reading governance: the verdict and the head it is about.
    package struct Result {
        package let head: ObjectID
        package let verdict: GovernanceVerdict
    }

    /// Evaluates trust from `trustRoot` to the governance head at `now`.
    ///
    /// Throws `trust_root_missing` or `history_rewritten`; a verdict with a
    /// reason (`policy_malformed`, `policy_unapproved`) is returned, not thrown,
    /// so callers can still report what they see.
    /// `describe` names `trustRoot` in a `history_rewritten` message: the
    /// pinned trust root, or the commit a dispatcher last trusted.
    package func evaluate(trustRoot: ObjectID, now: Date, describe: ((ObjectID) -> String)? = nil) throws -> Result {
        let repository = ops.repository
        let head = try Self.head(of: ops)
        try Self.requireDescendant(head, of: trustRoot, in: repository)
        let chain: [ObjectID]
        do {
            chain = try repository.firstParentHistory(from: head, to: trustRoot, order: .oldestFirst)
        } catch GitUsageError.notOnFirstParentChain {
            let name = describe?(trustRoot) ?? "the trust root \(trustRoot.hex)"
            throw WritError(
                .historyRewritten,
                "\(name) is not on the first-parent history of the governance head \(head.hex) "
                    + "(docs/dispatch.md, \"History rewritten\")")
        }
        let root = try state(of: trustRoot)
        let history = try chain.filter { $0 != trustRoot }.map(state(of:))
        let verdict = try GovernanceTrust.evaluate(
            root: root, history: history,
            records: { commit, digest in try records(in: commit, for: digest) },
            now: now, cache: ops.verificationCache)
        return Result(head: head, verdict: verdict)
    }

    /// The governance head that trust is judged at. Without a governance
    /// branch nothing can be trusted: that is the decision
    /// `trust_root_missing` (SPEC §5), made here rather than by ``OpsRepo``,
    /// which only reports the branch missing (``OpsRepoError``).
    package static func head(of ops: OpsRepo) throws -> ObjectID {
        do {
            return try ops.governanceHead()
        } catch let missing as OpsRepoError {
            throw WritError(.trustRootMissing, missing.description)
        }
    }

    /// Throws `trust_root_missing` when `trustRoot` is not a commit here,
    /// and `history_rewritten` when the governance `head` does not descend
    /// from it (or is it).
    static func requireDescendant(_ head: ObjectID, of trustRoot: ObjectID, in repository: Repository) throws {
        guard try repository.objectExists(trustRoot), (try? repository.commit(trustRoot)) != nil else {
            throw WritError(.trustRootMissing, "trust root \(trustRoot.hex) is not a commit in the ops repo")
        }
        guard try repository.isDescendant(head, of: trustRoot) else {
            throw WritError(
                .historyRewritten,
                "governance head \(head.hex) does not descend from the trust root \(trustRoot.hex)")
        }
    }

    private func state(of commit: ObjectID) throws -> GovernanceCommit {
        try GovernanceCommit.read(commit, in: ops.repository)
    }

    /// The governance records under `approvals/_governance/<digest>/` in
    /// `commit`, each with its `.toml.sig` and `.toml.next.sig` when present,
    /// every file read with the record size limit. The folder's
    /// `request.toml` (`GovernanceRequest`) is no record and is skipped.
    ///
    /// `GovernanceTimeline` reads through this same function, so the
    /// timeline and the head verdict always see the same evidence.
    package func records(in commit: ObjectID, for digest: ContentDigest) throws -> [GovernanceRecordEvidence] {
        let repository = ops.repository
        let tree = try repository.commitTree(commit)
        let folder = "approvals/_governance/\(digest.hex)"
        guard let folderEntry = try repository.entry(at: folder, inTree: tree), folderEntry.kind == .tree else {
            return []
        }
        let entries = try repository.tree(folderEntry.id)
        let blobs = Dictionary(
            entries.filter { $0.kind == .blob }.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        func signature(_ name: String) throws -> Data? {
            try blobs[name].map { try repository.blob($0, limit: RecordBytes.maximumSize) }
        }
        // `request.toml` is the proposal's description, not anyone's record.
        let recordFiles = entries.filter { $0.kind == .blob && $0.name.hasSuffix(".toml") && $0.name != "request.toml" }
        return try recordFiles.map { entry in
            GovernanceRecordEvidence(
                path: folder + "/" + entry.name,
                bytes: try repository.blob(entry.id, limit: RecordBytes.maximumSize),
                signature: try signature(entry.name + ".sig"),
                nextSignature: try signature(entry.name + ".next.sig"))
        }
    }
}

extension GovernanceCommit {
    /// `commit`'s `policy.toml` and `allowed_signers`, each read with its
    /// size limit (a file over it reads as more bytes than the limit); a
    /// file that is absent, or no file (``file(_:in:limit:repository:)``),
    /// is nil. A repository that cannot be read throws: that is no
    /// governance decision.
    package static func read(_ commit: ObjectID, in repository: Repository) throws -> GovernanceCommit {
        let tree = try repository.commitTree(commit)
        return GovernanceCommit(
            commit: commit,
            policyBytes: try file(
                GovernancePath.policy.path, in: tree, limit: RecordBytes.maximumSize, repository: repository),
            signersBytes: try file(
                GovernancePath.allowedSigners.path, in: tree, limit: GovernanceState.maximumSignersSize,
                repository: repository))
    }

    /// The bytes at `path`; nil when nothing is there or what is there is
    /// no file a governance commit can hold (a folder or a submodule at the
    /// name, a tree with twin entries): the reader then judges the commit's
    /// governance malformed, as for a missing file. A failure to read the
    /// object store (a corrupt or missing object) throws.
    private static func file(_ path: String, in tree: ObjectID, limit: Int, repository: Repository) throws -> Data? {
        do {
            return try repository.blob(at: path, inTree: tree, limit: limit)
        } catch let error as GitUsageError {
            switch error {
            case .notABlob, .malformedTree: return nil
            default: throw error
            }
        }
    }
}
