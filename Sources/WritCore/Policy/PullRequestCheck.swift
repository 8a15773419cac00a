import Foundation

/// `writ check-pr` (SPEC §9): what a pull request against the governance
/// branch may change, judged by the **base** revision's trusted policy and
/// signers, never by anything the head brings.
///
/// Roles: `admin` (a principal holding a role of `[governance] roles`),
/// `member` (a principal in any other role), `unknown` (a login not in
/// `[members]`, or mapped to a principal with no role), `blocked`
/// (`[members]` value `"blocked"`). Paths:
/// - a member may add or change approval records
///   `approvals/<aa>/<id>/<principal>.toml` (and their `.sig`) and
///   `approvals/<aa>/<id>/request.toml`. A record is judged by its
///   signature, not by who opened the pull request: it must parse, name the
///   path's principal as `approver`, and verify for that principal under
///   `writ-approval` with the base's signers; a record filed or signed in
///   another principal's name is `record_not_own`. So the approval pull
///   request the dispatcher opens, or an operator's carrying several
///   approvers' records, passes. A `request.toml` must match the intent on
///   the ledger (id and digest) when the ledger is readable;
/// - an unknown actor may add only `join-requests/<own-login>.toml`;
/// - a blocked actor nothing;
/// - everything else (`policy.toml`, `allowed_signers`, `.github/**`,
///   `.forgejo/**`, `action/**`, any path not named here, every removal) is
///   admin-only; so is any entry that is not a regular file (a symlink, a
///   submodule, an executable) for a non-admin, and a symlink or submodule
///   for everyone. An admin's change of `policy.toml` or `allowed_signers`
///   is `pending` until its governance quorum is in the head (SPEC §5).
///
/// Every account that touched the pull request (its author, the event's
/// sender, each commit's author and committer) is judged, and each must be
/// allowed every change: the least privileged decides. A criss-cross
/// history (several merge bases) is refused.
package enum PullRequestCheck {
    package enum Role: String, Sendable, Hashable {
        case admin, member, unknown, blocked
    }

    package enum Status: String, Sendable, Hashable, Encodable {
        case pass, blocked, pending
    }

    package struct Finding: Sendable, Hashable, Encodable {
        package let reason: ReasonCode
        package let path: String
        package let message: String
        /// The login whose role the finding judged; nil for a finding about
        /// the pull request as a whole (its history, its commits list).
        package let actor: String?
        /// A deterministic denial: closing the pull request is recommended.
        let closes: Bool

        package init(reason: ReasonCode, path: String, message: String, closes: Bool, actor: String? = nil) {
            self.reason = reason
            self.path = path
            self.message = message
            self.closes = closes
            self.actor = actor
        }

        private enum Keys: String, CodingKey { case reason, path, message, actor }
        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(reason, forKey: .reason)
            try container.encode(path, forKey: .path)
            try container.encode(message, forKey: .message)
            try container.encode(actor, forKey: .actor)
        }
    }

    /// An actor with the role the base's policy gives it.
    package struct JudgedActor: Sendable, Hashable, Encodable {
        package let login: String
        package let role: Role
        package let principal: Principal?
        package let touches: Set<Touch>

        private enum Keys: String, CodingKey {
            case login, role, principal
            case touches = "as"
        }
        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(login, forKey: .login)
            try container.encode(role.rawValue, forKey: .role)
            try container.encode(principal?.rawValue, forKey: .principal)
            try container.encode(touches.sorted(), forKey: .touches)
        }
    }

    package struct Verdict: Sendable {
        package let status: Status
        package let closeRecommended: Bool
        /// The deciding actor: the least privileged of `actors` (the first
        /// such one when several share its role).
        package let actor: String
        package let role: Role
        package let principal: Principal?
        /// Every actor judged, least privileged first.
        package let actors: [JudgedActor]
        package let findings: [Finding]
    }

    /// One changed path of the pull request, with what the head holds.
    package struct Change {
        package let path: String
        package let kind: TreeChange.Kind
        /// The head's entry kind (nil when removed).
        package let entryKind: TreeEntry.Kind?
        package init(path: String, kind: TreeChange.Kind, entryKind: TreeEntry.Kind?) {
            self.path = path
            self.kind = kind
            self.entryKind = entryKind
        }
    }

    /// What the head holds at a path, as the judge reads it: a non-file
    /// entry is a value, never an error, so it becomes a finding.
    package enum HeadFile: Sendable, Hashable {
        case absent
        /// A regular file's bytes (bounded by `RecordBytes.maximumSize` + 1).
        case file(Data)
        /// A symlink, submodule, directory or executable at the path.
        case notAFile(TreeEntry.Kind)
    }

    /// What the ledger says of the intent a `request.toml` names.
    package enum LedgerIntent: Sendable, Hashable {
        /// No ledger branch to read (a check run without it): not judged.
        case unreadable
        /// The ledger is readable and holds no file for the intent.
        case absent
        /// The digest of the intent file's bytes on the ledger.
        case present(ContentDigest)
    }

    /// The actor's role under `policy`.
    package static func role(of login: String, policy: Policy) -> (Role, Principal?) {
        switch policy.member(forLogin: login) {
        case .blocked?: return (.blocked, nil)
        case nil: return (.unknown, nil)
        case .principal(let principal)?:
            let held = policy.roles.filter { $0.value.contains(principal) }.map(\.key)
            if held.contains(where: policy.governance.roles.contains) { return (.admin, principal) }
            return held.isEmpty ? (.unknown, principal) : (.member, principal)
        }
    }

    /// How little a role may do: the least privileged actor decides.
    static func privilege(_ role: Role) -> Int {
        switch role {
        case .blocked: 0
        case .unknown: 1
        case .member: 2
        case .admin: 3
        }
    }

    /// What the history of the pull request lets check-pr judge.
    package struct History: Sendable, Hashable {
        /// How many best common ancestors the base and the head have.
        package var mergeBases = 1
        /// Commits of the pull request a given commits list does not name,
        /// so who made them is not known (empty without a list).
        package var unlistedCommits: [String] = []
        /// The pull request has more commits than check-pr walks, so a
        /// given commits list cannot be checked against them.
        package var tooManyCommits = false

        package init(mergeBases: Int = 1, unlistedCommits: [String] = [], tooManyCommits: Bool = false) {
            self.mergeBases = mergeBases
            self.unlistedCommits = unlistedCommits
            self.tooManyCommits = tooManyCommits
        }
    }

    /// Judges `changes` under the base's `governance` for every actor the
    /// forge says touched the pull request: each must be allowed to make
    /// every change (the diff cannot be split by who made which part), so
    /// the least privileged decides, and a blocked or unknown actor among
    /// them blocks. Then the history: a criss-cross history (more than one
    /// merge base) is refused, because the merge git would make is built on
    /// a virtual base that the diff judged here does not describe; a
    /// commit a given commits list leaves out is made by someone unknown.
    package static func judge(
        changes: [Change], actors: [Actor], history: History = History(), governance: GovernanceState,
        governanceAdopted: Bool, now: Date, file: (String) throws -> HeadFile,
        ledgerIntent: (IntentID) throws -> LedgerIntent = { _ in .unreadable }
    ) rethrows -> Verdict {
        let judged = Actor.merged(actors).map { actor in
            let (role, principal) = role(of: actor.login, policy: governance.policy)
            return JudgedActor(login: actor.login, role: role, principal: principal, touches: actor.touches)
        }.enumerated().sorted {
            (privilege($0.element.role), $0.offset) < (privilege($1.element.role), $1.offset)
        }.map(\.element)
        var findings: [Finding] = []
        func add(_ finding: Finding) {
            // The same denial for several actors is said once, for the
            // least privileged (judged first).
            if !findings.contains(where: { $0.reason == finding.reason && $0.path == finding.path }) {
                findings.append(finding)
            }
        }
        if history.mergeBases > 1 {
            add(
                Finding(
                    reason: .historyRewritten, path: "",
                    message: "the base and the head have \(history.mergeBases) merge bases (a criss-cross history): "
                        + "the merge git would make is not the diff judged here, so it is refused; merge the base's "
                        + "tip into the head, or rebase the head onto it",
                    closes: false))
        }
        if history.tooManyCommits {
            add(
                Finding(
                    reason: .actorUnknown, path: "",
                    message: "the pull request has more commits than check-pr walks, so the commits list "
                        + "cannot be checked against them",
                    closes: false))
        } else if let first = history.unlistedCommits.first {
            add(
                Finding(
                    reason: .actorUnknown, path: "",
                    message: "\(history.unlistedCommits.count) commit(s) of the pull request, first \(first), are "
                        + "not in the commits list, so who made them is unknown",
                    closes: false))
        }
        if judged.isEmpty {
            // Fail closed: a pull request nobody is known to have touched
            // is not one anybody may make.
            add(Finding(reason: .actorUnknown, path: "", message: "no actor is named", closes: false))
        }
        var pending = false
        var closes = false
        for actor in judged {
            let one = try judge(
                changes: changes, login: actor.login, role: actor.role, governance: governance,
                governanceAdopted: governanceAdopted, now: now, file: file, ledgerIntent: ledgerIntent)
            one.findings.forEach(add)
            pending = pending || one.pending
            // Closing is recommended for a deterministic denial of the one
            // who opened the pull request (or was named); another's push
            // onto it blocks it, but its author can drop that push.
            if !actor.touches.isDisjoint(with: [.prAuthor, .named]) {
                closes = closes || one.findings.contains(where: \.closes)
            }
        }
        // With several merge bases the diff judged depends on which base was
        // taken (git picks by commit date), so no finding of it is
        // deterministic enough to recommend closing.
        if history.mergeBases > 1 { closes = false }
        let blocked = findings.contains { $0.reason != .policyUnapproved }
        let decider = judged.first
        return Verdict(
            status: blocked ? .blocked : (pending ? .pending : .pass),
            closeRecommended: closes, actor: decider?.login ?? "",
            role: decider?.role ?? .unknown, principal: decider?.principal, actors: judged, findings: findings)
    }

    /// Judges `changes` as made by `login` alone (see the other `judge`).
    package static func judge(
        changes: [Change], login: String, governance: GovernanceState, governanceAdopted: Bool, now: Date,
        file: (String) throws -> HeadFile, ledgerIntent: (IntentID) throws -> LedgerIntent = { _ in .unreadable }
    ) rethrows -> Verdict {
        try judge(
            changes: changes, actors: [Actor(login: login, touches: [.named])], governance: governance,
            governanceAdopted: governanceAdopted, now: now, file: file, ledgerIntent: ledgerIntent)
    }

    /// Judges `changes` by one actor, `login` in `role`, under the base's
    /// `governance`. `file(path)` reads what the head holds at a path;
    /// `ledgerIntent(id)` what the ledger holds for an intent;
    /// `governanceAdopted` says whether the head's governance change, if
    /// any, has its quorum. `pending` is true for an admin's governance
    /// change still waiting for it (then the only finding says so).
    private static func judge(
        changes: [Change], login: String, role: Role, governance: GovernanceState, governanceAdopted: Bool,
        now: Date, file: (String) throws -> HeadFile, ledgerIntent: (IntentID) throws -> LedgerIntent
    ) rethrows -> (findings: [Finding], pending: Bool) {
        var findings: [Finding] = []
        func deny(_ reason: ReasonCode, _ path: String, _ message: String, closes: Bool = true) {
            let finding = Finding(reason: reason, path: path, message: message, closes: closes, actor: login)
            // One entry can be reached twice (a symlinked record and its
            // .sig): say it once.
            if !findings.contains(where: { $0.reason == reason && $0.path == path }) { findings.append(finding) }
        }
        if role == .blocked {
            deny(.actorBlocked, "", "\(login) is blocked in [members] of the base policy; nothing they open is taken")
            return (findings, false)
        }
        var governanceChanged = false
        var checkedRecords = Set<String>()
        for change in changes {
            let path = change.path
            if let kind = change.entryKind, kind == .symlink || kind == .gitlink || (kind != .blob && role != .admin) {
                deny(
                    .pathAdminOnly, path,
                    role == .admin
                        ? "\(Self.describe(kind)) is never accepted on the governance branch"
                        : "\(Self.describe(kind)): only an admin may add anything but a regular file")
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
                    guard change.kind != .removed, ForgeLogin.same(name, login) else {
                        deny(.pathAdminOnly, path, "\(login) may add only join-requests/\(login).toml")
                        continue
                    }
                    if case .file(let bytes) = try file(path) {
                        _ = parsed(path, deny: deny) { try JoinRequest.parse(bytes, login: login) }
                    }
                case .approvalRecord(_, let owner), .approvalSignature(_, let owner):
                    guard role == .member else {
                        deny(
                            .actorUnknown, path,
                            "\(login) is not a member: an approval record needs a principal with a role", closes: false)
                        continue
                    }
                    guard change.kind != .removed else {
                        deny(.pathAdminOnly, path, "only an admin may remove a record")
                        continue
                    }
                    // Judged by its signature, not by who opened the pull
                    // request: the dispatcher's approval PR and an
                    // operator's carrying a second approver's record pass
                    // when every record verifies for its own principal.
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
                    try verifyRequest(path, file: file, ledgerIntent: ledgerIntent, deny: deny)
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
                    message: "the governance change waits for the quorum of the old and the new policy", closes: false,
                    actor: login))
        }
        return (findings, pending)
    }

    /// "a symlink", "a submodule", ... for a finding's sentence.
    static func describe(_ kind: TreeEntry.Kind) -> String {
        switch kind {
        case .symlink: "a symlink"
        case .gitlink: "a submodule (gitlink)"
        case .tree: "a directory"
        case .executable: "an executable file"
        case .blob: "a file"
        }
    }

    /// Where a path sits in the governance branch layout (SPEC §2).
    package enum Place {
        case governanceFile
        case approvalRecord(intent: String, owner: String)
        case approvalSignature(intent: String, owner: String)
        case request(intent: String)
        case governanceRecord(owner: String)
        case joinRequest(login: String)
        case other

        package init(_ path: String) {
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
        package static func recordPath(of path: String) -> String {
            path.hasSuffix(".sig") ? String(path.dropLast(4)) : path
        }
    }
}
