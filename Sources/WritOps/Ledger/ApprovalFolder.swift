import Foundation
import WritCore
import WritGit

/// Reads one intent's approval folder, `approvals/<aa>/<id>/`, from a
/// governance tree: every `<principal>.toml` with its `.sig`, each tied to
/// the commit that brought it in.
///
/// It also says which names in a folder are records (`record(ofFile:)`), so
/// that the attribution walk tracks exactly the files this reader lists.
enum ApprovalFolder {
    /// The folder of `id` on the governance branch.
    package static func path(of id: IntentID) -> String { "approvals/\(id.fanOut)/\(id.rawValue)" }

    /// Whether `name`, a file directly in an approval folder, is read as a
    /// record: any `*.toml` except the request, valid principal or not (a
    /// badly named record is still reported, as malformed).
    static func isRecordName(_ name: String) -> Bool {
        name.hasSuffix(".toml") && name != "request.toml"
    }

    /// The record a governance path belongs to: itself for a record, the
    /// record it signs for a `<name>.toml.sig`; nil for anything `read`
    /// never lists (the request, governance records, other layouts, deeper
    /// paths, folders whose name is not the intent's fan-out).
    package static func record(ofFile path: String) -> (intent: IntentID, record: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "approvals", let id = IntentID(String(parts[2])), parts[1] == id.fanOut
        else { return nil }
        let name = parts[3].hasSuffix(".toml.sig") ? String(parts[3].dropLast(".sig".count)) : String(parts[3])
        guard isRecordName(name) else { return nil }
        return (id, Self.path(of: id) + "/" + name)
    }

    /// `introducedBy` names the commit for a record path; `fallback` stands
    /// in when it knows none. A symlink, directory or other non-file named
    /// like a record is still reported, as a record that cannot be read.
    package static func read(
        _ id: IntentID, inTree tree: ObjectID, repository: Repository, introducedBy: (String) -> ObjectID?,
        fallback: ObjectID
    ) throws -> [ApprovalEvidence] {
        let folder = path(of: id)
        guard let entry = try repository.entry(at: folder, inTree: tree), entry.kind == .tree else { return [] }
        let entries = try repository.tree(entry.id)
        var times: [ObjectID: Date] = [:]
        func time(of commit: ObjectID) throws -> Date {
            if let known = times[commit] { return known }
            let time = try repository.governanceTime(of: commit)
            times[commit] = time
            return time
        }
        let signatures = Dictionary(
            entries.filter { $0.kind == .blob && $0.name.hasSuffix(".toml.sig") }.map { ($0.name, $0.id) },
            uniquingKeysWith: { first, _ in first })
        return try entries.compactMap { entry -> ApprovalEvidence? in
            guard isRecordName(entry.name) else { return nil }
            let path = folder + "/" + entry.name
            let introduced = introducedBy(path)
            guard entry.kind == .blob, let commit = introduced else {
                return ApprovalEvidence(path: path, bytes: Data(), signature: nil, commit: introduced ?? fallback)
            }
            return ApprovalEvidence(
                path: path, bytes: try repository.blob(entry.id, limit: RecordBytes.maximumSize),
                signature: try signatures[entry.name + ".sig"].map {
                    try repository.blob($0, limit: RecordBytes.maximumSize)
                },
                commit: commit, committedAt: try time(of: commit))
        }
    }
}
