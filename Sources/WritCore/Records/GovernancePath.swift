/// A path on the governance branch, and what it names (SPEC §2).
///
/// `approvals/<aa>/<id>/request.toml` and `approvals/_governance/<hex>/request.toml`
/// are always requests: the principal name `request` is reserved and can
/// hold no approval or governance record. Parsing is
/// exact, like `LedgerPath`; a path outside the layout (say `.github/...` or
/// `README.md`) gives nil and the caller decides what that means.
package enum GovernancePath: Sendable, Hashable, CustomStringConvertible {
    /// `policy.toml`
    case policy
    /// `allowed_signers`
    case allowedSigners
    /// `approvals/<aa>/<id>/request.toml`, informational.
    case request(IntentID)
    /// `approvals/<aa>/<id>/<principal>.toml`
    case approval(IntentID, Principal)
    /// `approvals/<aa>/<id>/<principal>.toml.sig` (namespace `writ-approval`)
    case approvalSignature(IntentID, Principal)
    /// `approvals/_governance/<digest-hex>/<principal>.toml`
    case governanceRecord(ContentDigest, Principal)
    /// `approvals/_governance/<digest-hex>/<principal>.toml.sig` (namespace `writ-governance`)
    case governanceSignature(ContentDigest, Principal)
    /// `approvals/_governance/<digest-hex>/<principal>.toml.next.sig`: the same
    /// record signed with the principal's new key, when the change rotates
    /// it (namespace `writ-governance`, SPEC §5). Only governance records
    /// have one; next to an approval record the name is no record at all.
    case governanceNextSignature(ContentDigest, Principal)
    /// `approvals/_governance/<digest-hex>/request.toml`: what
    /// `writ governance propose` files next to the records, informational.
    case governanceRequest(ContentDigest)
    /// `join-requests/<forge-login>.toml`, read only by check-pr.
    case joinRequest(login: String)

    /// The principal name that can never hold an approval record, because
    /// `request.toml` is the request file.
    static let reservedPrincipal = "request"

    /// The path, relative to the branch root.
    package var path: String {
        switch self {
        case .policy: "policy.toml"
        case .allowedSigners: "allowed_signers"
        case .request(let id): "approvals/\(id.fanOut)/\(id.rawValue)/request.toml"
        case .approval(let id, let principal): "approvals/\(id.fanOut)/\(id.rawValue)/\(principal.rawValue).toml"
        case .approvalSignature(let id, let principal):
            "approvals/\(id.fanOut)/\(id.rawValue)/\(principal.rawValue).toml.sig"
        case .governanceRecord(let digest, let principal):
            "approvals/_governance/\(digest.hex)/\(principal.rawValue).toml"
        case .governanceSignature(let digest, let principal):
            "approvals/_governance/\(digest.hex)/\(principal.rawValue).toml.sig"
        case .governanceNextSignature(let digest, let principal):
            "approvals/_governance/\(digest.hex)/\(principal.rawValue).toml.next.sig"
        case .governanceRequest(let digest): "approvals/_governance/\(digest.hex)/request.toml"
        case .joinRequest(let login): "join-requests/\(login).toml"
        }
    }

    package var description: String { path }

    /// Parses `path`; nil when it is not exactly a governance layout path.
    package init?(_ path: String) {
        guard case .success(let parsed) = GovernancePath.diagnose(path) else { return nil }
        self = parsed
    }

    /// What a record directory's file holds: the record, its signature, or
    /// (governance directories only) its signature with the next key.
    private enum RecordFile {
        case record
        case signature
        case nextSignature
    }

    /// Splits `<principal>.toml`, `<principal>.toml.sig` and, when
    /// `allowingNext`, `<principal>.toml.next.sig` into the principal and
    /// which file it is. The longest suffix is tried first, and a stem must
    /// itself be a valid principal, so no name is read two ways.
    private static func principalFile(_ file: String, allowingNext: Bool) -> Result<
        (Principal, RecordFile), PathProblem
    > {
        let suffixes: [(String, RecordFile)] =
            (allowingNext ? [(".toml.next.sig", .nextSignature)] : []) + [
                (".toml.sig", .signature), (".toml", .record),
            ]
        guard let (suffix, kind) = suffixes.first(where: { file.hasSuffix($0.0) }) else {
            return .failure(
                PathProblem(
                    allowingNext
                        ? "a governance record file must end in .toml, .toml.sig or .toml.next.sig"
                        : "a record file must end in .toml or .toml.sig"))
        }
        let stem = String(file.dropLast(suffix.count))
        guard let principal = Principal(stem) else { return .failure(PathProblem("invalid principal \(quoted: stem)")) }
        guard stem != reservedPrincipal else {
            return .failure(PathProblem("the name \(quoted: reservedPrincipal) is reserved for request.toml"))
        }
        return .success((principal, kind))
    }

    /// Parses `path`, or says why it is not a governance layout path.
    static func diagnose(_ path: String) -> Result<GovernancePath, PathProblem> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts == ["policy.toml"] { return .success(.policy) }
        if parts == ["allowed_signers"] { return .success(.allowedSigners) }
        if parts.count == 2, parts[0] == "join-requests" {
            let file = parts[1]
            guard file.hasSuffix(".toml"), Principal.isValid(String(file.dropLast(".toml".count))) else {
                return .failure(PathProblem("expected join-requests/<forge-login>.toml"))
            }
            return .success(.joinRequest(login: String(file.dropLast(".toml".count))))
        }
        guard parts.count == 4, parts[0] == "approvals" else {
            return .failure(
                PathProblem("not a governance path (policy.toml, allowed_signers, approvals/..., join-requests/...)"))
        }
        if parts[1] == "_governance" {
            guard let digest = ContentDigest(hex: parts[2]) else {
                return .failure(PathProblem("governance directory \(quoted: parts[2]) is not 64 lower-case hex digits"))
            }
            if parts[3] == "request.toml" { return .success(.governanceRequest(digest)) }
            return principalFile(parts[3], allowingNext: true).map { principal, file in
                switch file {
                case .record: .governanceRecord(digest, principal)
                case .signature: .governanceSignature(digest, principal)
                case .nextSignature: .governanceNextSignature(digest, principal)
                }
            }
        }
        guard let id = IntentID(parts[2]) else { return .failure(PathProblem("invalid intent id \(quoted: parts[2])")) }
        guard parts[1] == id.fanOut else {
            return .failure(
                PathProblem(
                    "fan-out directory \(quoted: parts[1]) should be \(quoted: id.fanOut) for id \(quoted: id.rawValue)"
                ))
        }
        if parts[3] == "request.toml" { return .success(.request(id)) }
        return principalFile(parts[3], allowingNext: false).map { principal, file in
            file == .record ? .approval(id, principal) : .approvalSignature(id, principal)
        }
    }
}
