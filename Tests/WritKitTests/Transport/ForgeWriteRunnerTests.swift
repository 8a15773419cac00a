import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `ForgeWriteRunner.attempt`: what a remote write's result becomes on the
/// ledger, without a forge.
@Suite struct ForgeWriteRunnerTests {
    @Test func aWrittenResultSucceedsWithTheRemoteIDAndURL() throws {
        let attempt = ForgeWriteRunner.attempt(
            .success(ForgeClient.Written(id: "42", url: "https://forge.example/pr/42")), durationMs: 12,
            token: "tok-secret")
        #expect(attempt.reason == nil)
        #expect(attempt.durationMs == 12)
        guard case .succeeded(let outcome) = attempt.payload else {
            Issue.record("not succeeded")
            return
        }
        #expect(outcome.exitCode == 0 && outcome.remoteID == "42" && outcome.remoteURL == "https://forge.example/pr/42")
    }

    /// A forge reply may echo the token: it never reaches the ledger.
    @Test func aFailureKeepsItsReasonAndRedactsTheToken() throws {
        let token = "ghp_0123456789abcdefTOKEN"
        let attempt = ForgeWriteRunner.attempt(
            .failure(WritError(.remoteError, "HTTP 401 for Authorization: token \(token)")), durationMs: 5,
            token: token)
        #expect(attempt.reason == .remoteError)
        guard case .failed(let outcome) = attempt.payload else {
            Issue.record("not failed")
            return
        }
        #expect(outcome.exitCode == 1 && outcome.reason == .remoteError)
        #expect(outcome.stderrTail.contains("HTTP 401"))
        #expect(!outcome.stderrTail.contains(token))
    }
}

/// `ForgeError.failure`: the one mapping from what went wrong with a forge
/// to the reason code and message the transport records (SPEC §7).
@Suite struct ForgeErrorTests {
    static let repo = RepoSlug("github.com/acme/app")!

    @Test func everyForgeFailureHasItsReasonCodeAndMessage() throws {
        let cases: [(ForgeError, ReasonCode, String)] = [
            (.deadlinePassed(.seconds(90)), .timeout, "the forge write did not finish within 90s (timeout)"),
            (.noAnswer(origin: "https://f.example"), .timeout, "the forge at https://f.example did not answer in time"),
            (.tlsFailed(origin: "https://f.example", error: "bad cert"), .remoteMismatch, "TLS with the forge at"),
            (.exchangeFailed(origin: "https://f.example", error: "refused"), .remoteError, "failed: refused"),
            (.replyTooLarge(origin: "https://f.example", limit: 4 << 20), .remoteError, "larger than 4 MiB"),
            (
                .rateLimited(status: 429, retryAfter: "30", said: "slow down"), .rateLimited,
                "the forge is rate limiting (429); retry after 30 s: slow down"
            ),
            (.rateLimited(status: 403, retryAfter: nil, said: ""), .rateLimited, "the forge is rate limiting (403)"),
            (
                .tokenRefused(status: 401, said: "Bad credentials"), .authInsufficient,
                "the forge refused the token (401): Bad credentials; check its scopes"
            ),
            (.tokenRefused(status: 403, said: ""), .authInsufficient, "the forge refused the token (403); check"),
            (.unexpectedStatus(502, said: "bad gateway"), .remoteError, "the forge answered 502: bad gateway"),
            (.malformedReply("the forge's reply names no id"), .remoteError, "the forge's reply names no id"),
            (.tooManyPages(50), .remoteError, "the forge listed more than 50 pages"),
            (.listTooLarge(path: "/x", limit: 16 << 20), .remoteError, "the forge's list /x ran past 16 MiB"),
            (.missingLabel(repo: Self.repo, name: "bug"), .remoteError, "has no label \"bug\""),
            (
                .pullRequestNotOwn(
                    repo: Self.repo, head: "fix", base: "main", refusal: "422", login: "writ-bot",
                    intent: IntentID("fix-1")!),
                .remoteMismatch, "writ never adopts another's pull request"
            ),
            (.unencodableBody, .remoteError, "could not encode the request body as JSON; nothing was sent"),
            (.unsafePathSegment(".."), .intentMalformed, "\"..\" cannot be a segment of a forge URL path"),
        ]
        for (error, reason, message) in cases {
            #expect(error.failure.reason == reason, "\(error)")
            #expect(error.failure.detail.contains(message), "\(error.failure.detail)")
            #expect(ForgeError.failure(of: error) == error.failure)
        }
    }

    /// A decision thrown beside the forge's failures (the test process
    /// guard, a protected head) keeps its own reason.
    @Test func aDecisionKeepsItsReasonAndAnythingElseIsARemoteError() {
        let refusal = WritError(.forbiddenOperation, "head is the default branch")
        #expect(ForgeError.failure(of: refusal) == refusal)
        struct Other: Error {}
        #expect(ForgeError.failure(of: Other()).reason == .remoteError)
    }
}
