/// A path on the governance branch, and what it names (SPEC §2).
///
/// `approvals/<aa>/<id>/request.toml` is always the request: the principal
/// name `request` is reserved and can hold no approval record. Parsing is
/// exact, like `LedgerPath`; a path outside the layout (say `.github/...` or
/// `README.md`) gives nil and the caller decides what that means.
public enum GovernancePath: Sendable, Hashable, CustomStringConvertible {
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
    /// `join-requests/<forge-login>.toml`, read only by check-pr.
    case joinRequest(login: String)

    /// The principal name that can never hold an approval record, because
    /// `request.toml` is the request file.
    public static let reservedPrincipal = "request"

    /// The path, relative to the branch root.
    public var path: String {
        switch self {
        case .policy: "policy.toml"
        case .allowedSigners: "allowed_signers"
        case .request(let id): "approvals/\(id.fanOut)/\(id.rawValue)/request.toml"
        case .approval(let id, let principal): "approvals/\(id.fanOut)/\(id.rawValue)/\(principal.rawValue).toml"
        case .approvalSignature(let id, let principal):
            "approvals/\(id.fanOut)/\(id.rawValue)/\(principal.rawValue).toml.sig"
        case .governanceRecord(let digest, let principal): "approvals/_governance/\(digest.hex)/\(principal.rawValue).toml"
        case .governanceSignature(let digest, let principal):
            "approvals/_governance/\(digest.hex)/\(principal.rawValue).toml.sig"
        case .joinRequest(let login): "join-requests/\(login).toml"
        }
    }

    public var description: String { path }

    /// Parses `path`; nil when it is not exactly a governance layout path.
    public init?(_ path: String) {
        guard case .success(let parsed) = GovernancePath.diagnose(path) else { return nil }
        self = parsed
    }

    /// Splits `<principal>.toml` / `<principal>.toml.sig` into the principal
    /// and whether it is the signature.
    private static func principalFile(_ file: String) -> Result<(Principal, Bool), PathProblem> {
        let stem: String
        let isSignature: Bool
        if file.hasSuffix(".toml.sig") {
            stem = String(file.dropLast(".toml.sig".count))
            isSignature = true
        } else if file.hasSuffix(".toml") {
            stem = String(file.dropLast(".toml".count))
            isSignature = false
        } else {
            return .failure(PathProblem("a record file must end in .toml or .toml.sig"))
        }
        guard let principal = Principal(stem) else { return .failure(PathProblem("invalid principal \(quoted: stem)")) }
        guard stem != reservedPrincipal else {
            return .failure(PathProblem("the name \(quoted: reservedPrincipal) is reserved for request.toml"))
        }
        return .success((principal, isSignature))
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
            return .failure(PathProblem("not a governance path (policy.toml, allowed_signers, approvals/..., join-requests/...)"))
        }
        if parts[1] == "_governance" {
            guard let digest = ContentDigest(hex: parts[2]) else {
                return .failure(PathProblem("governance directory \(quoted: parts[2]) is not 64 lower-case hex digits"))
            }
            return principalFile(parts[3]).map { principal, isSignature in
                isSignature ? .governanceSignature(digest, principal) : .governanceRecord(digest, principal)
            }
        }
        guard let id = IntentID(parts[2]) else { return .failure(PathProblem("invalid intent id \(quoted: parts[2])")) }
        guard parts[1] == id.fanOut else {
            return .failure(PathProblem("fan-out directory \(quoted: parts[1]) should be \(quoted: id.fanOut) for id \(quoted: id.rawValue)"))
        }
        if parts[3] == "request.toml" { return .success(.request(id)) }
        return principalFile(parts[3]).map { principal, isSignature in
            isSignature ? .approvalSignature(id, principal) : .approval(id, principal)
        }
    }
}
