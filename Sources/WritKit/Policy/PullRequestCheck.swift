import Foundation

/// `writ check-pr` (SPEC §9): what a pull request against the governance
/// branch may change, judged by the **base** revision's trusted policy and
/// signers, never by anything the head brings.
///
/// Roles: `admin` (a principal holding a role of `[governance] roles`),
/// `member` (a principal in any other role), `unknown` (a login not in
/// `[members]`, or mapped to a principal with no role), `blocked`
/// (`[members]` value `"blocked"`). Paths:
/// - a member may add or change only `approvals/<aa>/<id>/<own-principal>.toml`
///   (and its `.sig`) and `approvals/<aa>/<id>/request.toml`; each record
///   must parse and verify for that principal under `writ-approval`;
/// - an unknown actor may add only `join-requests/<own-login>.toml`;
/// - a blocked actor nothing;
/// - everything else (`policy.toml`, `allowed_signers`, `.github/**`,
///   `.forgejo/**`, `action/**`, any path not named here, every removal,
///   symlink and submodule entry) is admin-only. An admin's change of
///   `policy.toml` or `allowed_signers` is `pending` until its governance
///   quorum is in the head (SPEC §5).
public enum PullRequestCheck {
    public enum Role: String, Sendable, Hashable {
        case admin, member, unknown, blocked
    }

    public enum Status: String, Sendable, Hashable, Encodable {
        case pass, blocked, pending
    }

    public struct Finding: Sendable, Hashable, Encodable {
        public let reason: ReasonCode
        public let path: String
        public let message: String
        /// A deterministic denial: closing the pull request is recommended.
        let closes: Bool

        private enum Keys: String, CodingKey { case reason, path, message }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(reason, forKey: .reason)
            try container.encode(path, forKey: .path)
            try container.encode(message, forKey: .message)
        }
    }

    public struct Verdict: Sendable {
        public let status: Status
        public let closeRecommended: Bool
        public let role: Role
        public let principal: Principal?
        public let findings: [Finding]
    }

    /// One changed path of the pull request, with what the head holds.
    struct Change {
        let path: String
        let kind: TreeChange.Kind
        /// The head's entry kind (nil when removed).
        let entryKind: TreeEntry.Kind?
    }

    /// The actor's role under `policy`.
    static func role(of login: String, policy: Policy) -> (Role, Principal?) {
        switch policy.members[login] {
        case .blocked?: return (.blocked, nil)
        case nil: return (.unknown, nil)
        case .principal(let principal)?:
            let held = policy.roles.filter { $0.value.contains(principal) }.map(\.key)
            if held.contains(where: policy.governance.roles.contains) { return (.admin, principal) }
            return held.isEmpty ? (.unknown, principal) : (.member, principal)
        }
    }

    /// Judges `changes` by `login` under the base's `governance`.
    /// `file(path)` reads the head's blob at a path (nil when absent);
    /// `governanceAdopted` says whether the head's governance change, if
    /// any, has its quorum.
    static func judge(
        changes: [Change], login: String, governance: GovernanceState, governanceAdopted: Bool, now: Date,
        file: (String) throws -> Data?
    ) rethrows -> Verdict {
        let (role, principal) = role(of: login, policy: governance.policy)
        var findings: [Finding] = []
        func deny(_ reason: ReasonCode, _ path: String, _ message: String, closes: Bool = true) {
            findings.append(Finding(reason: reason, path: path, message: message, closes: closes))
        }
        if role == .blocked {
            deny(.actorBlocked, "", "\(login) is blocked in [members] of the base policy; nothing they open is taken")
            return verdict(findings, role: role, principal: principal, pending: false)
        }
        var governanceChanged = false
        var checkedRecords = Set<String>()
        for change in changes {
            let path = change.path
            if change.entryKind == .symlink || change.entryKind == .gitlink {
                deny(.pathAdminOnly, path, "a symlink or submodule entry is never accepted in the governance branch")
                continue
            }
            let place = Place(path)
            if case .governanceFile = place { governanceChanged = true }
            switch role {
            case .admin:
                switch place {
                case .approvalRecord(_, let owner), .approvalSignature(_, let owner):
                    // An admin may carry others' records (an approval
                    // branch gathers several); each must verify for the
                    // principal it is filed under. Governance records are
                    // judged by the quorum below.
                    guard change.kind != .removed, checkedRecords.insert(Place.recordPath(of: path)).inserted else {
                        continue
                    }
                    try verifyRecord(
                        Place.recordPath(of: path), owner: owner, governance: governance, now: now, file: file,
                        deny: deny)
                default:
                    continue
                }
            case .member, .unknown:
                let ownLogin = role == .unknown
                switch place {
                case .joinRequest(let name) where ownLogin:
                    guard change.kind != .removed, name == login else {
                        deny(.pathAdminOnly, path, "\(login) may add only join-requests/\(login).toml")
                        continue
                    }
                    if let bytes = try file(path) {
                        do {
                            _ = try JoinRequest.parse(bytes, login: login)
                        } catch let error as WritError {
                            deny(.approvalMalformed, path, error.detail)
                        } catch {
                            deny(.approvalMalformed, path, "\(error)")
                        }
                    }
                case .approvalRecord(_, let owner), .approvalSignature(_, let owner):
                    guard role == .member, let principal else {
                        deny(
                            .actorUnknown, path,
                            "\(login) is not a member: an approval record needs a principal with a role", closes: false)
                        continue
                    }
                    guard change.kind != .removed else {
                        deny(.pathAdminOnly, path, "only an admin may remove a record")
                        continue
                    }
                    guard owner == principal.rawValue else {
                        deny(
                            .recordNotOwn, path,
                            "\(login) (\(principal)) may file only their own record, not \(owner)'s")
                        continue
                    }
                    if checkedRecords.insert(Place.recordPath(of: path)).inserted {
                        try verifyRecord(
                            Place.recordPath(of: path), owner: owner, governance: governance, now: now, file: file,
                            deny: deny)
                    }
                case .request:
                    guard role == .member else {
                        deny(.actorUnknown, path, "\(login) is not a member", closes: false)
                        continue
                    }
                    guard change.kind != .removed else {
                        deny(.pathAdminOnly, path, "only an admin may remove a request")
                        continue
                    }
                    if let bytes = try file(path) {
                        do {
                            _ = try ApprovalRequest.parse(bytes, expectedPath: path)
                        } catch let error as WritError {
                            deny(.approvalMalformed, path, error.detail)
                        } catch {
                            deny(.approvalMalformed, path, "\(error)")
                        }
                    }
                default:
                    deny(.pathAdminOnly, path, "only an admin may change \(path)")
                }
            case .blocked:
                continue
            }
        }
        let pending = role == .admin && governanceChanged && !governanceAdopted && findings.isEmpty
        if pending {
            findings.append(
                Finding(
                    reason: .policyUnapproved, path: GovernancePath.policy.path,
                    message: "the governance change waits for the quorum of the old and the new policy", closes: false))
        }
        return verdict(findings, role: role, principal: principal, pending: pending)
    }

    private static func verdict(_ findings: [Finding], role: Role, principal: Principal?, pending: Bool) -> Verdict {
        Verdict(
            status: pending ? .pending : (findings.isEmpty ? .pass : .blocked),
            closeRecommended: findings.contains(where: \.closes), role: role, principal: principal,
            findings: findings)
    }

    /// An approval record and its `.sig` in the head: it parses, names the
    /// path's approver, and verifies for that principal under
    /// `writ-approval` with the base's signers.
    private static func verifyRecord(
        _ path: String, owner: String, governance: GovernanceState, now: Date, file: (String) throws -> Data?,
        deny: (ReasonCode, String, String, Bool) -> Void
    ) rethrows {
        guard let bytes = try file(path) else {
            deny(.approvalMalformed, path, "a signature without its record", true)
            return
        }
        let record: ApprovalRecord
        do {
            record = try ApprovalRecord.parse(bytes, expectedPath: path)
        } catch let error as WritError {
            deny(.approvalMalformed, path, error.detail, true)
            return
        } catch {
            deny(.approvalMalformed, path, "\(error)", true)
            return
        }
        guard record.approver.rawValue == owner else {
            deny(.recordNotOwn, path, "the record names \(record.approver), not \(owner)", true)
            return
        }
        guard let signature = try file(path + ".sig") else {
            deny(.approvalSignatureInvalid, path, "the record has no .sig", true)
            return
        }
        do {
            _ = try SignatureVerifier.verifyOrWritError(
                armored: signature, message: bytes, principal: owner, namespace: ApprovalRecord.signatureNamespace,
                allowedSigners: governance.signers, at: now)
        } catch let error as WritError {
            deny(
                error.reason, path + ".sig", "the signature is not \(owner)'s under writ-approval: \(error.detail)",
                true)
        } catch {
            deny(.approvalSignatureInvalid, path + ".sig", "\(error)", true)
        }
    }

    /// Where a path sits in the governance branch layout (SPEC §2).
    enum Place {
        case governanceFile
        case approvalRecord(intent: String, owner: String)
        case approvalSignature(intent: String, owner: String)
        case request(intent: String)
        case governanceRecord(owner: String)
        case joinRequest(login: String)
        case other

        init(_ path: String) {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if path == GovernancePath.policy.path || path == GovernancePath.allowedSigners.path {
                self = .governanceFile
            } else if parts.count == 2, parts[0] == "join-requests", parts[1].hasSuffix(".toml") {
                self = .joinRequest(login: String(parts[1].dropLast(5)))
            } else if parts.count == 4, parts[0] == "approvals", parts[1] == "_governance" {
                let name = parts[3]
                let owner = ["toml.next.sig", "toml.sig", "toml"].lazy.compactMap { suffix in
                    name.hasSuffix("." + suffix) ? String(name.dropLast(suffix.count + 1)) : nil
                }.first
                self = owner.map { .governanceRecord(owner: $0) } ?? .other
            } else if parts.count == 4, parts[0] == "approvals", parts[1].count == 2,
                IntentID(parts[2]).map({ $0.fanOut == parts[1] }) == true
            {
                let name = parts[3]
                if name == "request.toml" {
                    self = .request(intent: parts[2])
                } else if name.hasSuffix(".toml.sig"), Principal(String(name.dropLast(9))) != nil {
                    self = .approvalSignature(intent: parts[2], owner: String(name.dropLast(9)))
                } else if name.hasSuffix(".toml"), Principal(String(name.dropLast(5))) != nil {
                    self = .approvalRecord(intent: parts[2], owner: String(name.dropLast(5)))
                } else {
                    self = .other
                }
            } else {
                self = .other
            }
        }

        /// The record a record or signature path belongs to.
        static func recordPath(of path: String) -> String {
            path.hasSuffix(".sig") ? String(path.dropLast(4)) : path
        }
    }
}
