import Foundation
import WritCore
import WritGit

/// Makes one remote write idempotently (SPEC §7): every pull request body
/// and comment carries the marker `<!-- writ {"schema":1,"intent":"…","key":"…"} -->`;
/// before creating, the writer looks for what writ itself made for this
/// intent and key (`ForgeAdoption`: authored by the token's own account,
/// the marker, and for a pull request its own repository's head, open, the
/// asked base) and adopts and updates it; a 422 "already exists" on create
/// re-enters that adopt once. A retry after a crash or a timeout therefore
/// never makes a second pull request or comment, and nobody else's object
/// is ever taken over. Labels and statuses are idempotent by nature.
struct ForgeWriter {
    let client: ForgeClient
    let transport: TransportConfig

    /// The marker for `intent` and `key`, in the contract's field order.
    static func marker(intent: IntentID, key: String) -> String {
        "<!-- writ {\"schema\":1,\"intent\":\(jsonString(intent.rawValue)),\"key\":\(jsonString(key))} -->"
    }

    /// Whether `body` carries a writ marker naming `intent` and `key`.
    static func carries(_ body: String, intent: IntentID, key: String) -> Bool {
        var rest = Substring(body)
        while let start = rest.range(of: "<!-- writ ") {
            guard let end = rest[start.upperBound...].range(of: " -->") else { return false }
            let json = rest[start.upperBound..<end.lowerBound]
            if let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                object["schema"] as? Int == 1, object["intent"] as? String == intent.rawValue,
                object["key"] as? String == key
            {
                return true
            }
            rest = rest[end.upperBound...]
        }
        return false
    }

    /// `body` with the marker appended (once).
    static func marked(_ body: String, intent: IntentID, key: String) -> String {
        let marker = marker(intent: intent, key: key)
        return body.isEmpty ? marker : body + "\n\n" + marker
    }

    private static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data()
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    /// Makes `request` for `intent`; returns what was written. The test
    /// process guard is checked first, before any byte is sent. For a pull
    /// request, `pushHead` publishes the head branch once the head is known
    /// not to be the base or the repository's default branch, before the
    /// pull request is looked up. Throws the forge's `ForgeError`, or the
    /// `WritError` of a decision (the guard, a protected head, the push);
    /// `ForgeError.failure(of:)` makes either the write's one failure.
    func perform(
        _ request: ForgeRequest, intent: IntentID, pushHead: () throws -> Void = {}
    ) throws -> ForgeClient.Written {
        try TestProcessGuard.check(request.repo, sandbox: transport.sandboxRepos, operation: request.operation)
        let repo = request.repo
        let params = request.params
        switch request.operation {
        case .pullRequest:
            try Self.refuseProtectedHead(
                head: params["head"] ?? "", base: params["base"] ?? "", defaultBranch: client.defaultBranch(repo))
            try pushHead()
            let body = Self.marked(params["body"] ?? "", intent: intent, key: request.key)
            return try written(
                client.adoptOrCreatePullRequest(
                    repo, head: params["head"] ?? "", base: params["base"] ?? "", title: params["title"] ?? "",
                    body: body, intent: intent, key: request.key))
        case .comment:
            let number = Int(params["number"] ?? "") ?? 0
            let body = Self.marked(params["body"] ?? "", intent: intent, key: request.key)
            if let comment = try client.comment(of: intent, key: request.key, on: repo, issue: number) {
                guard let id = Self.id(comment) else {
                    throw ForgeError.malformedReply("the forge listed a comment without an id")
                }
                return try written(client.updateComment(repo, id: id, body: body))
            }
            return try written(client.createComment(repo, issue: number, body: body))
        case .label:
            let number = Int(params["number"] ?? "") ?? 0
            try client.addLabels(repo, issue: number, names: ForgeRequest.labels(params["add"] ?? ""))
            for name in ForgeRequest.labels(params["remove"] ?? "") {
                try client.removeLabel(repo, issue: number, name: name)
            }
            return ForgeClient.Written(id: "\(number)", url: "\(repo)#\(number)")
        case .status:
            return try written(
                client.setStatus(
                    repo, sha: params["sha"] ?? "", state: params["state"] ?? "", context: params["context"] ?? "",
                    description: params["description"] ?? "", targetURL: params["target_url"]))
        }
    }

    /// Refuses a pull request whose head is its base or the repository's
    /// default branch (`forbidden_operation`): pushing the clone's branch
    /// there would put unreviewed commits on the branch everyone builds
    /// from, without any pull request.
    static func refuseProtectedHead(head: String, base: String, defaultBranch: String) throws(WritError) {
        if head == base {
            throw WritError(
                .forbiddenOperation, "forge.pull_request: head and base are the same branch \(quoted: head)")
        }
        if head == defaultBranch {
            throw WritError(
                .forbiddenOperation,
                "forge.pull_request: head \(quoted: head) is the repository's default branch; writ never pushes to it")
        }
    }

    private func written(_ object: ForgeClient.Object) throws(ForgeError) -> ForgeClient.Written {
        guard let id = Self.id(object) else { throw .malformedReply("the forge's reply names no id") }
        let url = object["html_url"] as? String ?? object["url"] as? String ?? ""
        return ForgeClient.Written(id: id, url: url)
    }

    /// The forge's id of an object: `number` for a pull request, else `id`.
    private static func id(_ object: ForgeClient.Object) -> String? {
        if let number = object["number"] as? Int { return "\(number)" }
        if let id = object["id"] as? Int { return "\(id)" }
        if let id = object["id"] as? String, !id.isEmpty { return id }
        return nil
    }
}

extension ForgeClient {
    /// Writ's own open pull request from `head` into `base` for `intent` and
    /// `key` (`ForgeAdoption`), updated when its title or body differ;
    /// created when there is none. A 422 on create (made meanwhile, or a
    /// reply lost after the create) lists again once: writ's own pull
    /// request is adopted; one that is not writ's (another account's, or
    /// one without the marker) holds the branch, and the write fails
    /// (`pullRequestNotOwn`) rather than take it over.
    func adoptOrCreatePullRequest(
        _ repo: RepoSlug, head: String, base: String, title: String, body: String, intent: IntentID, key: String
    ) throws(ForgeError) -> Object {
        let me = try account()
        func own() throws(ForgeError) -> Object? {
            try pullRequests(repo, head: head).first {
                ForgeAdoption.adopts(pull: $0, by: me, repo: repo, head: head, base: base, intent: intent, key: key)
            }
        }
        func adopt(_ pull: Object) throws(ForgeError) -> Object {
            guard let number = pull["number"] as? Int else {
                throw .malformedReply("the forge listed a pull request without a number")
            }
            guard pull["body"] as? String != body || pull["title"] as? String != title else { return pull }
            return try updatePullRequest(repo, number: number, title: title, body: body)
        }
        if let pull = try own() { return try adopt(pull) }
        let refusal: String
        switch try createPullRequest(repo, head: head, base: base, title: title, body: body) {
        case .made(let created): return created
        case .refused(let said): refusal = said
        }
        if let pull = try own() { return try adopt(pull) }
        throw .pullRequestNotOwn(
            repo: repo, head: head, base: base, refusal: refusal, login: http.untrusted(me.login), intent: intent)
    }

    /// Writ's own comment on issue `number` for `intent` and `key`
    /// (`ForgeAdoption`), nil when there is none (every page read).
    package func comment(of intent: IntentID, key: String, on repo: RepoSlug, issue number: Int) throws(ForgeError)
        -> Object?
    {
        let me = try account()
        return try comments(repo, issue: number).first {
            ForgeAdoption.adopts(comment: $0, by: me, intent: intent, key: key)
        }
    }
}
