import Foundation

/// Makes one remote write idempotently (SPEC §7): every pull request body
/// and comment carries the marker `<!-- writ {"schema":1,"intent":"…","key":"…"} -->`;
/// before creating, the writer looks for what carries its key (pull
/// requests by head branch, comments by reading them) and adopts and
/// updates it; a 422 "already exists" on create re-enters that adopt. A
/// retry after a crash or a timeout therefore never makes a second pull
/// request or comment. Labels and statuses are idempotent by nature.
struct ForgeWriter {
    let client: ForgeClient
    let transport: TransportConfig

    /// The marker for `intent` and `key`, in the contract's field order.
    static func marker(intent: IntentID, key: String) -> String {
        "<!-- writ {\"schema\":1,\"intent\":\(jsonString(intent.rawValue)),\"key\":\(jsonString(key))} -->"
    }

    /// Whether `body` carries a writ marker for `key`.
    static func carries(_ body: String, key: String) -> Bool {
        var rest = Substring(body)
        while let start = rest.range(of: "<!-- writ ") {
            guard let end = rest[start.upperBound...].range(of: " -->") else { return false }
            let json = rest[start.upperBound..<end.lowerBound]
            if let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                object["schema"] as? Int == 1, object["key"] as? String == key
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
    /// process guard is checked first, before any byte is sent.
    func perform(_ request: ForgeRequest, intent: IntentID) throws(WritError) -> ForgeClient.Written {
        try TestProcessGuard.check(request.repo, sandbox: transport.sandboxRepos, operation: request.operation)
        let repo = request.repo
        let params = request.params
        switch request.operation {
        case .pullRequest:
            let body = Self.marked(params["body"] ?? "", intent: intent, key: request.key)
            return try written(
                client.adoptOrCreatePullRequest(
                    repo, head: params["head"] ?? "", base: params["base"] ?? "", title: params["title"] ?? "",
                    body: body, key: request.key))
        case .comment:
            let number = Int(params["number"] ?? "") ?? 0
            let body = Self.marked(params["body"] ?? "", intent: intent, key: request.key)
            if let comment = try client.comment(carrying: request.key, on: repo, issue: number) {
                guard let id = Self.id(comment) else {
                    throw WritError(.remoteError, "the forge listed a comment without an id")
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

    private func written(_ object: ForgeClient.Object) throws(WritError) -> ForgeClient.Written {
        guard let id = Self.id(object) else { throw WritError(.remoteError, "the forge's reply names no id") }
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
    /// The pull request from `head` that carries the marker for `key` (else
    /// any from `head`, which a 422 on create says exists), updated when
    /// its title or body differ; created when there is none. A 422 on create
    /// (made meanwhile, or a reply lost after the create) re-enters the
    /// adopt once.
    func adoptOrCreatePullRequest(
        _ repo: RepoSlug, head: String, base: String, title: String, body: String, key: String
    ) throws(WritError) -> Object {
        for _ in 0..<2 {
            let pulls = try pullRequests(repo, head: head)
            if let pull = pulls.first(where: { ForgeWriter.carries($0["body"] as? String ?? "", key: key) })
                ?? pulls.first
            {
                guard let number = pull["number"] as? Int else {
                    throw WritError(.remoteError, "the forge listed a pull request without a number")
                }
                guard pull["body"] as? String != body || pull["title"] as? String != title else { return pull }
                return try updatePullRequest(repo, number: number, title: title, body: body)
            }
            if let created = try createPullRequest(repo, head: head, base: base, title: title, body: body) {
                return created
            }
        }
        throw WritError(
            .remoteError, "the forge refused to create the pull request and lists none for \(head) on \(repo)")
    }

    /// The comment on issue `number` that carries the marker for `key`, nil
    /// when none does (every page read).
    func comment(carrying key: String, on repo: RepoSlug, issue number: Int) throws(WritError) -> Object? {
        try comments(repo, issue: number).first { ForgeWriter.carries($0["body"] as? String ?? "", key: key) }
    }
}
