import WritCore

/// What went wrong talking to a forge's API: the HTTP exchange, the reply,
/// or a request writ could not form. `ForgeHTTP` and `ForgeClient` throw
/// only these, never reason codes: a reason code is a decision about an
/// intent or a repository, and `failure` is the one place that decides which
/// code a forge failure is (SPEC §7), where the transport records it (the
/// write's outcome event, the approval flow's log).
///
/// Every text a case carries that came from the forge (`said`, a login, a
/// refusal) is already redacted of the token and capped
/// (`ForgeHTTP.untrusted`).
enum ForgeError: Error, Sendable, Equatable {
    // MARK: The exchange

    /// The overall deadline (the executor's timeout) passed before a call.
    case deadlinePassed(Duration)
    /// No whole reply came within the request's deadline.
    case noAnswer(origin: String)
    /// TLS with the forge did not verify.
    case tlsFailed(origin: String, error: String)
    /// The connection failed otherwise (refused, reset, unknown host).
    case exchangeFailed(origin: String, error: String)
    /// A reply body over `limit` bytes, abandoned while it streamed in.
    case replyTooLarge(origin: String, limit: Int)

    // MARK: The reply's status

    /// 429, a secondary rate limit, or a 403 with no requests left.
    case rateLimited(status: Int, retryAfter: String?, said: String)
    /// 401 or 403 otherwise: the token is not good enough.
    case tokenRefused(status: Int, said: String)
    /// Any other status than the call expects.
    case unexpectedStatus(Int, said: String)

    // MARK: The reply's content

    /// A reply that does not hold what the call needs; `what` says what.
    case malformedReply(String)
    /// A listing that went on past `maximumPages` pages.
    case tooManyPages(Int)
    /// A listing whose pages together ran past `limit` bytes.
    case listTooLarge(path: String, limit: Int)
    /// A label writ was asked to add or remove that the repository does not
    /// define (writ never creates labels).
    case missingLabel(repo: RepoSlug, name: String)
    /// The forge refused to open a pull request, and none that holds the
    /// head is writ's own: writ never adopts another's.
    case pullRequestNotOwn(
        repo: RepoSlug, head: String, base: String, refusal: String, login: String, intent: IntentID)

    // MARK: The request

    /// The request body could not be encoded as JSON: writ's own failure
    /// (every body is built from strings and numbers), nothing was sent.
    case unencodableBody
    /// A value from the intent that would name another endpoint as a URL
    /// path segment (`.`, `..`, empty). `ForgeRequest` refuses these before
    /// anything is claimed; this is the last line.
    case unsafePathSegment(String)
}

extension ForgeError {
    /// The reason code and message the transport records for this failure
    /// (SPEC §7): 401 and 403 `auth_insufficient`, a rate-limit reply
    /// `rate_limited`, no answer in time `timeout`, TLS that does not verify
    /// and a pull request writ may not adopt `remote_mismatch`, a value of
    /// the intent that cannot be a URL segment `intent_malformed`, and
    /// anything else the forge or the connection did `remote_error`.
    var failure: WritError {
        switch self {
        case .deadlinePassed(let timeout):
            WritError(.timeout, "the forge write did not finish within \(timeout.text) (timeout)")
        case .noAnswer(let origin):
            WritError(.timeout, "the forge at \(origin) did not answer in time (timeout)")
        case .tlsFailed(let origin, let error):
            WritError(.remoteMismatch, "TLS with the forge at \(origin) failed: \(error)")
        case .exchangeFailed(let origin, let error):
            WritError(.remoteError, "the forge at \(origin) failed: \(error)")
        case .replyTooLarge(let origin, let limit):
            WritError(
                .remoteError,
                "the forge at \(origin) sent a reply larger than \(limit >> 20) MiB; writ stopped reading it")
        case .rateLimited(let status, let retryAfter, let said):
            WritError(
                .rateLimited,
                "the forge is rate limiting (\(status))\(retryAfter.map { "; retry after \($0) s" } ?? "")"
                    + Self.quoted(said))
        case .tokenRefused(let status, let said):
            WritError(
                .authInsufficient, "the forge refused the token (\(status))\(Self.quoted(said)); check its scopes")
        case .unexpectedStatus(let status, let said):
            WritError(.remoteError, "the forge answered \(status)\(Self.quoted(said))")
        case .malformedReply(let what):
            WritError(.remoteError, what)
        case .tooManyPages(let pages):
            WritError(.remoteError, "the forge listed more than \(pages) pages")
        case .listTooLarge(let path, let limit):
            WritError(.remoteError, "the forge's list \(path) ran past \(limit >> 20) MiB; writ stopped reading it")
        case .missingLabel(let repo, let name):
            WritError(.remoteError, "the repository \(repo) has no label \(quoted: name)")
        case .pullRequestNotOwn(let repo, let head, let base, let refusal, let login, let intent):
            WritError(
                .remoteMismatch,
                "the forge refused to open a pull request from \(quoted: head) into \(quoted: base) on \(repo) "
                    + "(\(quoted: refusal)), and none from there is writ's own (opened by \(quoted: login) from "
                    + "\(repo.apiPath), open, carrying the marker of \(intent.rawValue)); writ never adopts "
                    + "another's pull request: close it or use another head")
        case .unencodableBody:
            WritError(.remoteError, "writ could not encode the request body as JSON; nothing was sent")
        case .unsafePathSegment(let text):
            WritError(.intentMalformed, "\(quoted: text) cannot be a segment of a forge URL path")
        }
    }

    /// What a forge write or the approval flow threw, as the one failure the
    /// transport records: a forge failure mapped by `failure`, a decision
    /// (`WritError`: the test process guard, a protected head, the head
    /// branch's push) as it is, anything else `remote_error` with its text.
    static func failure(of error: any Error) -> WritError {
        switch error {
        case let error as ForgeError: error.failure
        case let error as WritError: error
        default: WritError(.remoteError, "\(error)")
        }
    }

    /// `: <the forge's message>`, or nothing when it said nothing.
    private static func quoted(_ said: String) -> String { said.isEmpty ? "" : ": \(said)" }
}
