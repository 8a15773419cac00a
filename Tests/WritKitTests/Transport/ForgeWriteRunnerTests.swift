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
