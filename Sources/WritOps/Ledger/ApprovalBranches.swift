import Foundation
import WritCore
import WritGit

/// Where an intent's approval branch may be: `refs/heads/approval/<id>`
/// and, with a remote, `refs/remotes/<remote>/approval/<id>`.
///
/// Looked up per intent, and only for the intents a reader decides afresh
/// (open ones): a warm `writ status` over a long ledger, where nearly every
/// intent is settled and `writ propose` left a branch for each, reads a
/// few references, not one per intent ever proposed.
package struct ApprovalBranches: Sendable {
    /// One reference of an intent's approval branch.
    package struct Tip: Sendable, Equatable {
        package let ref: String
        package let commit: ObjectID
    }

    /// The reference name prefixes, local first.
    let prefixes: [String]

    /// Reads no branch at all.
    package static let none = ApprovalBranches(prefixes: [])

    init(prefixes: [String]) {
        self.prefixes = prefixes
    }

    /// The local approval branches and, with `remote`, its remote-tracking ones.
    package init(remote: String?) {
        prefixes = ["refs/heads/approval/"] + (remote.map { ["refs/remotes/\($0)/approval/"] } ?? [])
    }

    /// The references of `id`'s approval branch that exist, local first.
    func tips(of id: IntentID, in repository: Repository) throws -> [Tip] {
        try prefixes.compactMap { prefix in
            let name = prefix + id.rawValue
            return try repository.referenceTarget(name).map { Tip(ref: name, commit: $0) }
        }
    }

    /// The records on `id`'s approval branch, local first; the same record
    /// (path and bytes) on both references is read once. A reference that
    /// does not name a readable commit is skipped.
    package func records(of id: IntentID, in repository: Repository) throws -> [(
        evidence: ApprovalEvidence, ref: String
    )] {
        var seen = Set<String>()
        var records: [(evidence: ApprovalEvidence, ref: String)] = []
        for tip in try tips(of: id, in: repository) {
            // A reference to no commit here (another kind of object) is
            // skipped; a commit that cannot be read throws.
            guard let tree = try repository.commitIfPresent(tip.commit)?.tree else { continue }
            let read = try ApprovalFolder.read(
                id, inTree: tree, repository: repository, introducedBy: { _ in tip.commit }, fallback: tip.commit)
            for evidence in read {
                let key = evidence.path + "\n" + ContentDigest.sha256(of: evidence.bytes).description
                guard seen.insert(key).inserted else { continue }
                records.append((evidence, tip.ref))
            }
        }
        return records
    }
}
