import Foundation

/// Everything the ledger branch says, read in one first-parent walk.
public struct LedgerScan: Sendable {
    /// The ledger tip that was read.
    public let head: ObjectID
    /// The first append-only violation found, if any (SPEC §3): the
    /// dispatcher stops on it until an operator repairs the branch.
    public let violation: WritError?
    /// Each intent's file and signature as they are at the head.
    public let intents: [IntentID: IntentEvidence]
    /// Each intent's events in sequence order, with the commit that added
    /// them and who signed that commit.
    public let events: [IntentID: [EventEvidence]]
}

/// Reads the ledger branch: checks that every commit only adds paths under
/// `intents/` and `audit/`, verifies each commit's SSH signature against the
/// trusted `allowed_signers`, and gathers intents and events.
///
/// The walk diffs each commit against its parent, so its cost follows the
/// number of ledger commits and what they add, never the size of the trees.
public struct LedgerReader {
    public let ops: OpsRepo

    public init(ops: OpsRepo) {
        self.ops = ops
    }

    /// Scans the whole ledger; commit signers are checked with `signers` at `now`.
    public func scan(signers: AllowedSigners, now: Date) throws -> LedgerScan {
        let repository = ops.repository
        let head = try ops.ledgerHead()
        let chain = try repository.firstParentHistory(from: head, to: nil, order: .oldestFirst)
        var violation: WritError?
        var intentIDs = Set<IntentID>()
        var events: [IntentID: [EventEvidence]] = [:]

        for commitID in chain {
            let commit = try repository.commit(commitID)
            if commit.parents.count > 1, violation == nil {
                violation = WritError(.ledgerViolation, "ledger commit \(commitID.hex) is a merge; the ledger is fast-forward only")
            }
            let changes = try repository.diff(from: commit.parents.first, to: commitID)
            var committers: Set<Principal>?
            for change in changes {
                if let problem = Self.appendProblem(change), violation == nil {
                    violation = WritError(.ledgerViolation, "ledger commit \(commitID.hex): \(problem)")
                }
                guard change.kind == .added, let entry = change.new, entry.kind == .blob,
                      let path = LedgerPath(change.path) else { continue }
                switch path {
                case .intent(let id), .intentSignature(let id):
                    intentIDs.insert(id)
                case .auditEvent(let id, _, _):
                    if committers == nil {
                        committers = try Self.signers(of: commitID, in: repository, trusted: signers, now: now)
                    }
                    events[id, default: []].append(EventEvidence(
                        path: change.path, bytes: try repository.blob(entry.id, limit: RecordBytes.maximumSize), commit: commitID,
                        signers: committers ?? []))
                }
            }
        }

        let headTree = try repository.commit(head).tree
        var intents: [IntentID: IntentEvidence] = [:]
        for id in intentIDs {
            let path = LedgerPath.intent(id).path
            guard let bytes = try? repository.blob(at: path, inTree: headTree, limit: RecordBytes.maximumSize) else { continue }
            let signature = try? repository.blob(at: LedgerPath.intentSignature(id).path, inTree: headTree, limit: RecordBytes.maximumSize)
            intents[id] = IntentEvidence(path: path, bytes: bytes, signature: signature)
        }
        return LedgerScan(head: head, violation: violation, intents: intents, events: events)
    }

    /// Why a change breaks the ledger's append-only rule, or nil when it is a
    /// plain addition of a ledger path.
    static func appendProblem(_ change: TreeChange) -> String? {
        switch change.kind {
        case .removed: return "removes \(change.path)"
        case .modified: return "changes \(change.path)"
        case .added:
            guard let entry = change.new, entry.kind == .blob else {
                return "adds \(change.path) as a \(change.new?.kind.rawValue ?? "non-file"); only regular files belong on the ledger"
            }
            guard LedgerPath(change.path) != nil else {
                return "adds \(change.path), which is not an intents/ or audit/ path"
            }
            return nil
        }
    }

    /// The principals whose trusted key made `commit`'s SSH signature
    /// (namespace `git`), or none when it is unsigned or untrusted.
    static func signers(of commit: ObjectID, in repository: Repository, trusted: AllowedSigners, now: Date) throws
        -> Set<Principal>
    {
        guard case .signed(let armored, let payload) = try repository.commitSignature(commit) else { return [] }
        guard let found = try? SignatureVerifier.signers(
            armored: Array(armored.utf8), message: payload, namespace: SignatureNamespace.commit, allowedSigners: trusted, at: now)
        else { return [] }
        return Set(found.principals.compactMap(Principal.init))
    }
}
