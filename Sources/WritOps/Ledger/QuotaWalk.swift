import Foundation
import WritCore
import WritGit

/// Feeds the `[limits]` counting rule (``ProposerQuota``, docs/limits.md)
/// from the one ledger walk: every reader that walks the ledger passes each
/// commit it reads through here, so they all count the same proposals.
package enum QuotaWalk {
    /// ``take(_:into:repository:cache:)`` when there is a count (nil: the
    /// policy has no limits), moving it out and back so it is not copied.
    static func take(
        _ read: LedgerCommitRead, into quota: inout ProposerQuota?, repository: Repository, cache: VerificationCache?
    ) throws {
        guard var counting = quota.take() else { return }
        try take(read, into: &counting, repository: repository, cache: cache)
        quota = counting
    }

    /// Takes in one ledger commit: first the events that count and free a
    /// slot, then each intent file it adds, in id order, judged at this
    /// commit. An intent counts only when it parses and its `.sig`, as the
    /// commit's own tree holds it, verifies for its proposer under the
    /// governance trusted at the commit's position, at the commit's ledger
    /// clock τ: neither depends on when the ledger is read, so every replay
    /// agrees. A commit judged under no trusted governance counts nothing.
    static func take(
        _ read: LedgerCommitRead, into quota: inout ProposerQuota, repository: Repository, cache: VerificationCache?
    ) throws {
        for event in read.events where event.counts {
            quota.take(event.kind, for: event.intent)
        }
        let files = read.intents.filter { if case .intent = $0.ledgerPath { true } else { false } }
        guard !files.isEmpty else { return }
        var tree: ObjectID?
        for file in files.sorted(by: { $0.ledgerPath.intentID < $1.ledgerPath.intentID }) {
            let id = file.ledgerPath.intentID
            let bytes = try file.bytes ?? repository.blob(file.blob, limit: RecordBytes.maximumSize)
            guard let intent = try? Intent.parse(bytes, expectedPath: file.path) else { continue }
            var signed = false
            if let trusted = read.position?.trusted {
                if tree == nil { tree = try repository.commitTree(read.id) }
                let signature = try tree.flatMap {
                    try repository.blob(
                        at: LedgerPath.intentSignature(id).path, inTree: $0, limit: RecordBytes.maximumSize)
                }
                if let signature {
                    signed =
                        (try? SignatureVerifier.verify(
                            armored: signature, message: bytes, principal: intent.proposer.rawValue,
                            namespace: SignatureNamespace.intent, allowedSigners: trusted.signers, at: read.clock,
                            cache: cache)) != nil
                }
            }
            quota.propose(intent, signed: signed)
        }
    }
}
