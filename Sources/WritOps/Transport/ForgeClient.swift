import Foundation
import NIOHTTP1
import Synchronization
import WritCore
import WritGit

/// The forge API calls the built-in executors need, for GitHub's REST API
/// and Forgejo/Gitea's API v1 (SPEC §7). Every request it can build is
/// listed here: listing, creating and updating pull requests (title and
/// body only, never `state`), listing, creating and updating comments,
/// adding and removing labels on an issue, and setting a commit status.
/// There is no code path for merging, closing, reopening, deleting a
/// branch or moving a state. Every failure is a `ForgeError`; which reason
/// code it is, the transport decides (`ForgeError.failure`).
struct ForgeClient {
    let forge: TransportConfig.Forge
    let apiURL: String
    let http: ForgeHTTP
    /// Pages followed at most when listing.
    static let maximumPages = 50
    /// The most reply bytes one listing reads, over all its pages: each
    /// page is capped by `ForgeHTTP.maximumBodySize`, and so is the whole
    /// list, at four times that.
    static let maximumListBytes = 4 * ForgeHTTP.maximumBodySize

    /// A JSON object from the forge.
    typealias Object = [String: Any]

    package struct Written: Sendable, Equatable {
        package let id: String
        package let url: String
    }

    /// The token's account once asked (`account()`), shared by every copy
    /// of this client: asked once per client, that is once per write or
    /// per poll's approval flow.
    private final class AccountCache: Sendable {
        package let value = Mutex<ForgeAccount?>(nil)
    }
    private let accountCache = AccountCache()

    init(transport: TransportConfig, token: String, timeout: Duration) throws {
        forge = transport.forge
        apiURL = transport.apiURL.hasSuffix("/") ? String(transport.apiURL.dropLast()) : transport.apiURL
        let authorization = transport.forge == .github ? "Bearer \(token)" : "token \(token)"
        http = try ForgeHTTP(authorization: authorization, token: token, caFile: transport.caFile, timeout: timeout)
    }

    // MARK: The token's account

    /// The account the token belongs to, as the forge says (`GET /user`;
    /// Forgejo's `/api/v1/user`), asked once and then remembered. A failure
    /// is the write's failure: writ adopts nothing without knowing whose
    /// objects are its own.
    package func account() throws(ForgeError) -> ForgeAccount {
        if let known = accountCache.value.withLock({ $0 }) { return known }
        let reply = try http.send(.GET, url("/user"))
        try check(reply, expecting: [200])
        guard let object = try? JSONSerialization.jsonObject(with: reply.body), let account = ForgeAccount(object)
        else {
            throw .malformedReply("the forge's /user reply names no login for the token's account")
        }
        accountCache.value.withLock { $0 = account }
        return account
    }

    // MARK: The repository

    /// The repository's default branch, as the forge says
    /// (`GET /repos/OWNER/NAME` → `default_branch`, both forges).
    func defaultBranch(_ repo: RepoSlug) throws(ForgeError) -> String {
        let object = try object(try http.send(.GET, url(Self.repoPath(repo))), expecting: [200])
        guard let branch = object["default_branch"] as? String, !branch.isEmpty else {
            throw .malformedReply("the forge names no default branch for \(repo)")
        }
        return branch
    }

    // MARK: Pull requests

    /// The open pull requests whose head branch is named `branch` (from
    /// any repository; `ForgeAdoption` judges which one, if any, is writ's).
    func pullRequests(_ repo: RepoSlug, head branch: String) throws(ForgeError) -> [Object] {
        switch forge {
        case .github:
            return try list(
                "\(Self.repoPath(repo))/pulls?state=open&per_page=100&head=\(Self.query("\(repo.owner):\(branch)"))")
        case .forgejo:
            return try list("\(Self.repoPath(repo))/pulls?state=open&limit=50").filter { pull in
                ((pull["head"] as? Object)?["ref"] as? String) == branch
            }
        }
    }

    /// What creating a pull request gave.
    enum Created {
        case made(Object)
        /// The forge refused it (422, or Forgejo's 409), most often because
        /// one already exists for the head and base; its message (redacted
        /// and capped) for the caller, which looks again before it says so.
        case refused(String)
    }

    /// Creates a pull request.
    func createPullRequest(_ repo: RepoSlug, head: String, base: String, title: String, body: String)
        throws(ForgeError) -> Created
    {
        let reply = try http.send(
            .POST, url("\(Self.repoPath(repo))/pulls"),
            json: try Self.json(["head": head, "base": base, "title": title, "body": body]))
        if reply.status == 422 || reply.status == 409 {
            let object = (try? JSONSerialization.jsonObject(with: reply.body)) as? Object
            let errors = (object?["errors"] as? [Object] ?? []).compactMap { $0["message"] as? String }
            let said = ([object?["message"] as? String ?? ""] + errors).filter { !$0.isEmpty }
            return .refused(
                http.untrusted("\(reply.status)" + (said.isEmpty ? "" : ": " + said.joined(separator: "; "))))
        }
        return .made(try object(reply, expecting: [201, 200]))
    }

    /// Changes the title and body of pull request `number`; nothing else.
    func updatePullRequest(_ repo: RepoSlug, number: Int, title: String, body: String) throws(ForgeError) -> Object {
        try object(
            try http.send(
                .PATCH, url("\(Self.repoPath(repo))/pulls/\(number)"),
                json: try Self.json(["title": title, "body": body])),
            expecting: [200, 201])
    }

    // MARK: Comments

    func comments(_ repo: RepoSlug, issue number: Int) throws(ForgeError) -> [Object] {
        try list(
            "\(Self.repoPath(repo))/issues/\(number)/comments?" + (forge == .github ? "per_page=100" : "limit=50"))
    }

    func createComment(_ repo: RepoSlug, issue number: Int, body: String) throws(ForgeError) -> Object {
        try object(
            try http.send(
                .POST, url("\(Self.repoPath(repo))/issues/\(number)/comments"), json: try Self.json(["body": body])),
            expecting: [201, 200])
    }

    /// Changes the body of comment `id`, an id the forge listed: one that
    /// cannot be a URL path segment is the forge's malformed reply.
    func updateComment(_ repo: RepoSlug, id: String, body: String) throws(ForgeError) -> Object {
        let segment: String
        do { segment = try Self.segment(id) } catch {
            throw .malformedReply(
                "the forge listed a comment whose id \(quoted: http.untrusted(id)) cannot be a segment of a URL path")
        }
        return try object(
            try http.send(
                .PATCH, url("\(Self.repoPath(repo))/issues/comments/\(segment)"), json: try Self.json(["body": body])),
            expecting: [200, 201])
    }

    // MARK: Labels

    func addLabels(_ repo: RepoSlug, issue number: Int, names: [String]) throws(ForgeError) {
        guard !names.isEmpty else { return }
        let labels: [Any]
        switch forge {
        case .github: labels = names
        case .forgejo: labels = try labelIDs(repo, names: names)
        }
        _ = try object(
            try http.send(
                .POST, url("\(Self.repoPath(repo))/issues/\(number)/labels"), json: try Self.json(["labels": labels])),
            expecting: [200, 201], array: true)
    }

    /// Takes one label off an issue (the label itself stays); a label the
    /// issue does not carry is already removed.
    func removeLabel(_ repo: RepoSlug, issue number: Int, name: String) throws(ForgeError) {
        let label: String
        switch forge {
        case .github: label = try Self.segment(name)
        case .forgejo: label = "\(try labelIDs(repo, names: [name])[0])"
        }
        let reply = try http.send(.DELETE, url("\(Self.repoPath(repo))/issues/\(number)/labels/\(label)"))
        if reply.status == 404 { return }
        try check(reply, expecting: [200, 204])
    }

    /// Forgejo labels by name → id; a name the repository does not define
    /// is `missingLabel` (writ never creates labels).
    private func labelIDs(_ repo: RepoSlug, names: [String]) throws(ForgeError) -> [Int] {
        let defined = try list("\(Self.repoPath(repo))/labels?limit=50")
        var ids: [Int] = []
        for name in names {
            guard let label = defined.first(where: { ($0["name"] as? String) == name }), let id = label["id"] as? Int
            else {
                throw .missingLabel(repo: repo, name: name)
            }
            ids.append(id)
        }
        return ids
    }

    // MARK: Statuses

    func setStatus(
        _ repo: RepoSlug, sha: String, state: String, context: String, description: String, targetURL: String?
    ) throws(ForgeError) -> Object {
        var fields: [String: Any] = ["state": state, "context": context, "description": description]
        if let targetURL, !targetURL.isEmpty { fields["target_url"] = targetURL }
        return try object(
            try http.send(
                .POST, url("\(Self.repoPath(repo))/statuses/\(try Self.segment(sha))"), json: try Self.json(fields)),
            expecting: [201, 200])
    }

    // MARK: Replies

    private func url(_ path: String) -> String { apiURL + path }

    /// Every page of a list, following `Link: <...>; rel="next"` on the
    /// same origin only.
    private func list(_ path: String) throws(ForgeError) -> [Object] {
        var next: String? = url(path)
        var items: [Object] = []
        var pages = 0
        var bytes = 0
        while let current = next {
            pages += 1
            guard pages <= Self.maximumPages else {
                throw .tooManyPages(Self.maximumPages)
            }
            let reply = try http.send(.GET, current)
            try check(reply, expecting: [200])
            bytes += reply.body.count
            guard bytes <= Self.maximumListBytes else {
                throw .listTooLarge(path: path, limit: Self.maximumListBytes)
            }
            guard let page = try? JSONSerialization.jsonObject(with: reply.body) as? [Object] else {
                throw .malformedReply("the forge answered \(path) with something that is not a JSON list")
            }
            items += page
            next = Self.nextLink(reply.header("Link")).flatMap { link in
                ForgeHTTP.origin(link) == ForgeHTTP.origin(apiURL) ? link : nil
            }
        }
        return items
    }

    private func object(_ reply: ForgeHTTP.Reply, expecting codes: Set<Int>, array: Bool = false) throws(ForgeError)
        -> Object
    {
        try check(reply, expecting: codes)
        let parsed = try? JSONSerialization.jsonObject(with: reply.body)
        if array, parsed is [Any] { return [:] }
        guard let object = parsed as? Object else {
            throw .malformedReply("the forge answered \(reply.status) with a body that is not a JSON object")
        }
        return object
    }

    /// Sorts an unexpected status (SPEC §7): 429, a secondary rate limit
    /// or a 403 with `x-ratelimit-remaining: 0` is `rateLimited`; 401 and
    /// any other 403 `tokenRefused`; 5xx and anything else
    /// `unexpectedStatus`. The forge's message goes along, redacted.
    private func check(_ reply: ForgeHTTP.Reply, expecting codes: Set<Int>) throws(ForgeError) {
        guard !codes.contains(reply.status) else { return }
        // A body that is not JSON is an answer with no message, not an error
        // of its own: the status already says what happened.
        let message = (try? JSONSerialization.jsonObject(with: reply.body) as? Object)?["message"] as? String ?? ""
        let said = message.isEmpty ? "" : http.untrusted(message)
        if reply.status == 429 || (reply.status == 403 && reply.header("x-ratelimit-remaining") == "0")
            || (reply.status == 403 && message.lowercased().contains("rate limit"))
        {
            throw .rateLimited(
                status: reply.status, retryAfter: reply.header("Retry-After").map { http.untrusted($0) }, said: said)
        }
        if reply.status == 401 || reply.status == 403 {
            throw .tokenRefused(status: reply.status, said: said)
        }
        throw .unexpectedStatus(reply.status, said: said)
    }

    static func nextLink(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 2, fields[1...].contains(where: { $0 == "rel=\"next\"" }),
                fields[0].hasPrefix("<"), fields[0].hasSuffix(">")
            else { continue }
            return String(fields[0].dropFirst().dropLast())
        }
        return nil
    }

    package static func json(_ object: [String: Any]) throws(ForgeError) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw .unencodableBody
        }
    }

    /// RFC 3986's unreserved characters, ASCII only: everything else in a
    /// value put into a URL is percent-encoded.
    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `text` percent-encoded for a query value: every byte but the
    /// unreserved ones.
    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// One URL path segment from a value (a label name, an id, a commit):
    /// percent-encoded like a query value, so a `/`, `?`, `#` or `%` stays
    /// inside the segment. `.` and `..` are refused (`unsafePathSegment`):
    /// a URL parser, a proxy or the forge resolves them as "this" and
    /// "parent" path, and would send the request to another endpoint.
    static func segment(_ text: String) throws(ForgeError) -> String {
        guard !text.isEmpty, text != ".", text != ".." else {
            throw .unsafePathSegment(text)
        }
        return query(text)
    }

    /// `/repos/OWNER/NAME`, each part percent-encoded (a `RepoSlug`'s parts
    /// are never empty, `.` or `..`).
    package static func repoPath(_ repo: RepoSlug) -> String {
        "/repos/\(query(repo.owner))/\(query(repo.name))"
    }
}
