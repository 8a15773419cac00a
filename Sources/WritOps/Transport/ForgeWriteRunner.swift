import Foundation
import WritCore
import WritGit

/// Makes one built-in remote write (SPEC §7) whose claim is already
/// durable, and turns what happened into the outcome event's payload: the
/// write through `ForgeWriter` (with the pull request's head branch pushed
/// from the clone first), timed, then `succeeded` with the remote id and
/// URL or `failed` with the write's one reason code.
///
/// Invariant: a forge reply is untrusted text that may echo the token (in
/// an error body, a URL); it reaches the payload only through the same
/// redactor and cap as an executor's output.
struct ForgeWriteRunner {
    let transport: TransportConfig
    let cloneRoot: String
    /// The `writ` binary that runs the head branch's push under the
    /// timeout; nil pushes in this process.
    package let remoteHelper: String?
    package let environment: [String: String]

    /// What one write did, for the ledger and the run report.
    struct Attempt {
        package let payload: AuditEvent.Payload
        package let durationMs: Int
        /// The failure's reason code; nil when the write succeeded.
        package let reason: ReasonCode?
    }

    /// Makes the write, within `timeout` for all its calls and the push;
    /// its duration counts from `started`.
    package func run(
        _ request: ForgeRequest, intent id: IntentID, token: String, timeout: Duration,
        started: ContinuousClock.Instant = ContinuousClock.now
    ) -> Attempt {
        let result: Result<ForgeClient.Written, WritError>
        do {
            let client: ForgeClient
            do {
                client = try ForgeClient(transport: transport, token: token, timeout: timeout)
            } catch {
                throw WritError(.remoteError, "cannot set up the forge client: \(error)")
            }
            let (cloneRoot, caFile) = (cloneRoot, transport.caFile)
            let (helper, environment) = (remoteHelper, environment)
            // The head branch is pushed only once the writer knows it is not
            // the base or the repository's default branch.
            result = .success(
                try ForgeWriter(client: client, transport: transport).perform(request, intent: id) {
                    guard request.operation == .pullRequest, let head = request.params["head"] else { return }
                    let clone = try ExecutorPreflight.clonePath(root: cloneRoot, repo: request.repo.description)
                    // Within what is left of the executor's timeout.
                    let access = RemoteAccess(
                        token: token, caFile: caFile, timeout: try client.http.remaining(), helper: helper,
                        environment: environment)
                    try HeadBranchPush.push(head, clone: clone, access: access)
                })
        } catch {
            // The one place a write's failure becomes its reason code.
            result = .failure(ForgeError.failure(of: error))
        }
        let elapsed = ContinuousClock.now - started
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return Self.attempt(result, durationMs: durationMs, token: token)
    }

    /// The outcome payload of a write's result: `succeeded` with the remote
    /// id and URL, or `failed` with its reason and its detail redacted of
    /// the token and capped, as the stderr tail.
    static func attempt(_ result: Result<ForgeClient.Written, WritError>, durationMs: Int, token: String) -> Attempt {
        let empty = ContentDigest.sha256(of: [UInt8]())
        switch result {
        case .success(let written):
            return Attempt(
                payload: .succeeded(
                    AuditEvent.Outcome(
                        exitCode: 0, durationMs: durationMs, stdoutSHA256: empty, stderrSHA256: empty, stdoutTail: "",
                        stderrTail: "", remoteID: written.id, remoteURL: written.url)),
                durationMs: durationMs, reason: nil)
        case .failure(let error):
            var capture = OutputCapture(secrets: [token])
            capture.append(Array(error.detail.prefix(2_000).utf8))
            let (digest, detail) = capture.finish()
            return Attempt(
                payload: .failed(
                    AuditEvent.Outcome(
                        exitCode: 1, durationMs: durationMs, stdoutSHA256: empty, stderrSHA256: digest, stdoutTail: "",
                        stderrTail: detail, reason: error.reason)),
                durationMs: durationMs, reason: error.reason)
        }
    }
}
