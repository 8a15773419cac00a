import Foundation

/// Reads one intent's approval folder, `approvals/<aa>/<id>/`, from a
/// governance tree: every `<principal>.toml` with its `.sig`, each tied to
/// the commit that brought it in.
enum ApprovalFolder {
    /// `introducedBy` names the commit for a record path; `fallback` stands
    /// in when it knows none. A symlink, directory or other non-file named
    /// like a record is still reported, as a record that cannot be read.
    static func read(
        _ id: IntentID, inTree tree: ObjectID, repository: Repository, introducedBy: (String) -> ObjectID?,
        fallback: ObjectID
    ) throws -> [ApprovalEvidence] {
        let folder = "approvals/\(id.fanOut)/\(id.rawValue)"
        guard let entry = try repository.entry(at: folder, inTree: tree), entry.kind == .tree else { return [] }
        let entries = try repository.tree(entry.id)
        let signatures = Dictionary(
            entries.filter { $0.kind == .blob && $0.name.hasSuffix(".toml.sig") }.map { ($0.name, $0.id) },
            uniquingKeysWith: { first, _ in first })
        return try entries.compactMap { entry -> ApprovalEvidence? in
            guard entry.name.hasSuffix(".toml"), entry.name != "request.toml" else { return nil }
            let path = folder + "/" + entry.name
            let introduced = introducedBy(path)
            guard entry.kind == .blob, let commit = introduced else {
                return ApprovalEvidence(path: path, bytes: Data(), signature: nil, commit: introduced ?? fallback)
            }
            return ApprovalEvidence(
                path: path, bytes: try repository.blob(entry.id, limit: RecordBytes.maximumSize),
                signature: try signatures[entry.name + ".sig"].map { try repository.blob($0, limit: RecordBytes.maximumSize) },
                commit: commit)
        }
    }
}
