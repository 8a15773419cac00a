import WritCore

/// Exactly what one execution will run, built by `ExecutorPreflight.plan`
/// after every check has passed: the expanded argv, the working directory,
/// the complete child environment and the values to redact.
///
/// It holds secret values (in `environment` and `secretValues`), so its
/// `description`, `debugDescription` and mirror (what `print`, `dump` and
/// string interpolation show) list variable names and counts, never values.
package struct ExecutionPlan: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The program and its arguments, placeholders already replaced;
    /// `argv[0]` is passed to the child as written.
    package let argv: [String]
    /// The absolute path of the file to execute, found by preflight exactly
    /// where the child would look (see `ExecutableLookup`). Nil in a plan
    /// built by hand: the runner then looks `argv[0]` up the same way.
    package let executable: String?
    /// The child's working directory; nil: the dispatcher's own.
    let workdir: String?
    /// The child's whole environment: nothing else is inherited.
    package let environment: [String: String]
    /// The values redacted from the child's output.
    let secretValues: [String]
    /// Seconds before the process group is terminated.
    let timeoutSeconds: Int64

    init(
        argv: [String], workdir: String?, environment: [String: String], secretValues: [String],
        timeoutSeconds: Int64, executable: String? = nil
    ) {
        self.argv = argv
        self.executable = executable
        self.workdir = workdir
        self.environment = environment
        self.secretValues = secretValues
        self.timeoutSeconds = timeoutSeconds
    }

    /// argv, workdir, variable names and the timeout; values of variables
    /// are left out, since secrets are among them.
    package var description: String {
        let names = environment.keys.sorted().joined(separator: ",")
        return
            "ExecutionPlan(argv: \(argv), executable: \(executable ?? "-"), workdir: \(workdir ?? "-"), environment names: [\(names)], "
            + "secrets: \(secretValues.count), timeout: \(timeoutSeconds)s)"
    }

    package var debugDescription: String { description }

    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "argv": argv, "executable": executable as Any, "workdir": workdir as Any,
                "environmentNames": environment.keys.sorted(),
                "secretCount": secretValues.count, "timeoutSeconds": timeoutSeconds,
            ], displayStyle: .struct)
    }
}

/// How one execution ended. Output is recorded only redacted: a digest of
/// each whole stream and its last few KiB.
package struct ExecutionResult: Sendable, Equatable {
    /// The exit code `run` reports when the timeout fired, whatever signal
    /// finally ended the process.
    static let timeoutExitCode = 124
    /// The exit code when the program could not be started at all (not
    /// found, not executable, workdir missing).
    static let spawnFailureExitCode = 127
    /// The exit code when the child's status could not be collected
    /// (another part of the process reaped it); never read as success.
    static let lostStatusExitCode = 255

    /// The child's exit status; `128 + n` when signal `n` ended it;
    /// `timeoutExitCode` on timeout; `spawnFailureExitCode` when it never started.
    package let exitCode: Int
    let timedOut: Bool
    /// Wall time from spawn to the end of output collection.
    package let durationMs: Int
    /// SHA-256 of the whole redacted standard output.
    package let stdoutSHA256: ContentDigest
    /// SHA-256 of the whole redacted standard error.
    package let stderrSHA256: ContentDigest
    /// The last `OutputCapture.tailLimit` (4096) bytes of redacted standard
    /// output, also cleared of every piece of a secret of four bytes or more
    /// (`SecretRedactor.maskingFragments`), decoded as UTF-8 with invalid
    /// bytes replaced.
    package let stdoutTail: String
    /// The same for standard error.
    package let stderrTail: String
}
