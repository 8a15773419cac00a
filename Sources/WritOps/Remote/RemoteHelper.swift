import Foundation
import WritCore
import WritGit
import WritSystem

/// Runs one fetch or push against a network remote in a child process
/// (`writ _remote`), and kills it when the configured timeout passes.
///
/// Debian's libgit2 (1.5) has no connect or read timeout, and blocks for
/// ever in the ssh and TLS handshakes with a server that accepts the
/// connection and then says nothing. A thread stuck there cannot be
/// stopped, so the operation runs where it can be: a process of its own,
/// killed with its process group at the deadline. The parent then reports
/// `timeout` and goes on to release the profile lock. A killed push either
/// reached the server whole or not at all (the server applies a push
/// command atomically), and it is never taken for a success: a claim whose
/// push timed out is not executed.
///
/// The request, secrets included, travels on the child's standard input
/// only: never in its arguments or environment, which other users can read
/// in `/proc`.
package struct RemoteHelper {
    /// The hidden subcommand the `writ` binary answers.
    package static let subcommand = "_remote"

    /// This process's own executable, when it can be named: the helper a
    /// `writ` process starts is itself.
    package static var currentExecutable: String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }

    package let executable: String
    package let access: RemoteAccess

    package func fetch(repository: String, remote: String, branches: [String]) throws -> [String: ObjectID?] {
        let outcome = try run(
            Request(
                operation: .fetch, repository: repository, remote: remote, branches: branches, branch: nil,
                commit: nil, expecting: nil, access: .init(access)))
        guard let tips = outcome.tips else {
            throw WritError(.remoteError, "the remote helper returned no tips for the fetch from \(remote)")
        }
        var result: [String: ObjectID?] = [:]
        for branch in branches {
            guard let entry = tips[branch] else {
                throw WritError(.remoteError, "the remote helper returned no tip for \(branch)")
            }
            guard let hex = entry else {
                result[branch] = .some(nil)
                continue
            }
            guard let id = ObjectID(hex: hex) else {
                throw WritError(.remoteError, "the remote helper returned a malformed tip for \(branch)")
            }
            result[branch] = id
        }
        return result
    }

    package func push(repository: String, remote: String, branch: String, commit: ObjectID, expecting: ObjectID?) throws
    {
        _ = try run(
            Request(
                operation: .push, repository: repository, remote: remote, branches: nil, branch: branch,
                commit: commit.hex, expecting: expecting?.hex, access: .init(access)))
    }

    private func run(_ request: Request) throws -> Outcome {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let input = try encoder.encode(request)
        let output: Subprocess.Output
        do {
            output = try Subprocess.run(
                executable, [Self.subcommand], stdin: input, environment: Self.childEnvironment(),
                session: .detached(timeout: access.timeout))
        } catch {
            throw Self.failure(error, request: request, executable: executable, timeout: access.timeout)
        }
        guard output.status == 0, let outcome = try? JSONDecoder().decode(Outcome.self, from: output.stdout) else {
            let stderr = access.redact(String(decoding: output.stderr.suffix(2_000), as: UTF8.self))
            throw WritError(
                .remoteError,
                "the remote helper failed (exit \(output.status))"
                    + (stderr.isEmpty ? "" : ": " + stderr.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        if let failure = outcome.failure { throw failure.error }
        return outcome
    }

    /// The error for a helper that did not run or did not finish in time
    /// (a `RemoteRefusal`, coded by the runner like any other).
    private static func failure(
        _ error: SubprocessError, request: Request, executable: String, timeout: Duration
    ) -> any Error {
        guard case .timedOut = error else {
            return RuntimeError("cannot start the remote helper: \(error)", fix: "the writ binary (\(executable))")
        }
        let what =
            request.operation == .fetch
            ? "the fetch from \(request.remote) was abandoned; nothing was read"
            : "the push of \(request.branch ?? "") to \(request.remote) was abandoned and is not counted as done"
        return RemoteRefusal.timedOut("the remote did not finish within \(timeout.text) (timeout); \(what)")
    }

    /// This process's environment for the child, with `HOME` set: libgit2
    /// reads `~/.ssh/known_hosts` for its own (ignored) verdict on every
    /// ssh connection and fails the connection when `HOME` is unset, as it
    /// may be under a service manager. The account's home directory stands
    /// in for it.
    static func childEnvironment(_ base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var environment = base
        if (environment["HOME"] ?? "").isEmpty {
            environment["HOME"] = getpwuid(getuid()).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } } ?? "/"
        }
        return environment
    }

    // MARK: The child's side

    /// Answers one request read from standard input (the `writ _remote`
    /// subcommand): the operation runs in this process, through the git
    /// layer directly (never back through a helper), and every outcome,
    /// failures included, is one JSON object on standard output; a refusal
    /// goes back typed, for the parent's runner to code.
    package static func serve(_ input: Data) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let outcome: Outcome
        do {
            let request = try JSONDecoder().decode(Request.self, from: input)
            outcome = Self.perform(request)
        } catch {
            outcome = Outcome(failure: .init(kind: .runtime, detail: "malformed remote helper request", fix: "writ"))
        }
        return (try? encoder.encode(outcome)) ?? Data("{}".utf8)
    }

    private static func perform(_ request: Request) -> Outcome {
        let access = request.access.access
        do {
            let repository = try Repository.open(at: request.repository)
            // An https operation loads the trust store (system CAs and
            // ca_file) when its session is set up.
            let credentials = access.credentials
            switch request.operation {
            case .fetch:
                let tips = try repository.fetch(
                    remote: request.remote, refs: request.branches ?? [], using: credentials)
                return Outcome(tips: tips.mapValues { $0?.hex })
            case .push:
                guard let branch = request.branch, let commitHex = request.commit,
                    let commit = ObjectID(hex: commitHex)
                else {
                    return Outcome(failure: .init(kind: .runtime, detail: "malformed push request", fix: "writ"))
                }
                let expected = try request.expecting.map { hex in
                    guard let id = ObjectID(hex: hex) else { throw RuntimeError("malformed push request", fix: "writ") }
                    return id
                }
                try repository.push(
                    remote: request.remote, branch: branch, from: commit, expecting: expected, using: credentials)
                return Outcome()
            }
        } catch {
            return Outcome(failure: Failure(error, redacting: access))
        }
    }

    // MARK: Wire format

    package struct Request: Codable {
        package enum Operation: String, Codable { case fetch, push }
        package let operation: Operation
        package let repository: String
        package let remote: String
        package let branches: [String]?
        package let branch: String?
        package let commit: String?
        package let expecting: String?
        package let access: WireAccess
    }

    /// `RemoteAccess` as the child receives it (no helper: the child does
    /// the work itself).
    package struct WireAccess: Codable {
        let knownHosts: String
        let sshKey: String?
        let sshKeyPassphrase: String?
        let useAgent: Bool
        let username: String
        let token: String?
        let caFile: String?

        package init(_ access: RemoteAccess) {
            let credentials = access.credentials
            knownHosts = credentials.knownHostsPath
            sshKey = credentials.sshKeyPath
            sshKeyPassphrase = credentials.sshKeyPassphrase
            useAgent = credentials.useAgent
            username = credentials.username
            token = credentials.token
            caFile = credentials.caFile
        }

        package var access: RemoteAccess {
            RemoteAccess(
                credentials: RemoteCredentials(
                    knownHostsPath: knownHosts, sshKeyPath: sshKey, sshKeyPassphrase: sshKeyPassphrase,
                    useAgent: useAgent, username: username, token: token, caFile: caFile),
                helper: nil)
        }
    }

    package struct Outcome: Codable {
        var tips: [String: String?]?
        var failure: Failure?

        init(tips: [String: String?]? = nil, failure: Failure? = nil) {
            self.tips = tips
            self.failure = failure
        }
    }

    /// A failure in the child, carried back as the same Swift error.
    struct Failure: Codable {
        enum Kind: String, Codable {
            case reason, runtime, conflict, rejected, notFastForward, locked, usage, refusal
        }
        package var kind: Kind
        package var reason: ReasonCode?
        package var detail: String
        package var fix: String?
        package var current: String?
        var reference: String?
        package var refusal: RemoteRefusal?

        package init(
            kind: Kind, reason: ReasonCode? = nil, detail: String, fix: String? = nil, current: String? = nil,
            reference: String? = nil
        ) {
            self.kind = kind
            self.reason = reason
            self.detail = detail
            self.fix = fix
            self.current = current
            self.reference = reference
        }

        package init(_ error: any Error, redacting access: RemoteAccess) {
            switch error {
            case let refusal as RemoteRefusal:
                self.init(kind: .refusal, detail: "")
                self.refusal = refusal.redacted(by: access.credentials)
            case let error as WritError:
                self.init(kind: .reason, reason: error.reason, detail: access.redact(error.detail))
            case let error as RuntimeError:
                self.init(kind: .runtime, detail: access.redact(error.detail), fix: error.fix)
            case PushError.conflict(let current):
                self.init(kind: .conflict, detail: "", current: current?.hex)
            case PushError.rejected(let ref, let status):
                self.init(kind: .rejected, detail: access.redact(status), reference: ref)
            case PushError.notFastForward:
                self.init(kind: .notFastForward, detail: "")
            case PushError.locked:
                self.init(kind: .locked, detail: "")
            case let error as RemoteUsageError:
                self.init(kind: .usage, detail: access.redact("\(error)"))
            default:
                self.init(kind: .reason, reason: .remoteError, detail: access.redact("\(error)"))
            }
        }

        package var error: any Error {
            switch kind {
            case .reason: return WritError(reason ?? .remoteError, detail)
            case .runtime: return RuntimeError(detail, fix: fix ?? "the remote")
            case .conflict: return PushError.conflict(current: current.flatMap { ObjectID(hex: $0) })
            case .rejected: return PushError.rejected(ref: reference ?? "", status: detail)
            case .notFastForward: return PushError.notFastForward
            case .locked: return PushError.locked
            case .usage: return RuntimeError(detail, fix: "the ops repo's remote")
            case .refusal: return refusal ?? RemoteRefusal.transport(detail)
            }
        }
    }
}

extension Duration {
    /// `60s`, `1.5s`: how a timeout reads in messages.
    package var text: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds)s" }
        return String(format: "%.1fs", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
