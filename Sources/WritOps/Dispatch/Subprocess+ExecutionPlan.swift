import Foundation
import WritSystem

extension Subprocess {
    /// Runs an `ExecutionPlan` as its own process group and collects its
    /// output redacted, in bounded memory.
    ///
    /// The child gets stdin from `/dev/null` and exactly the plan's
    /// environment; it leads a new process group in the caller's session, so
    /// a timeout stops it whole: SIGTERM to the group, SIGKILL
    /// `graceSeconds` later. Its output (never temp files: raw output may
    /// hold secrets) goes through a `SecretRedactor` into a streaming
    /// SHA-256 and a 4 KiB tail per stream.
    ///
    /// Throws only when the runner itself cannot work (no pipes); a program
    /// that cannot be started is a result with exit code 127 and the reason
    /// in `stderrTail`.
    package static func run(_ plan: ExecutionPlan) throws -> ExecutionResult {
        let clock = ContinuousClock()
        let start = clock.now
        var stdoutCapture = OutputCapture(secrets: plan.secretValues)
        var stderrCapture = OutputCapture(secrets: plan.secretValues)

        func result(exitCode: Int, timedOut: Bool) -> ExecutionResult {
            let elapsed = clock.now - start
            let milliseconds =
                elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            let out = stdoutCapture.finish()
            let err = stderrCapture.finish()
            return ExecutionResult(
                exitCode: exitCode, timedOut: timedOut, durationMs: Int(milliseconds),
                stdoutSHA256: out.digest, stderrSHA256: err.digest, stdoutTail: out.tail, stderrTail: err.tail)
        }
        func spawnFailure(_ message: String) -> ExecutionResult {
            stderrCapture.append(Array("writ: \(message)\n".utf8))
            return result(exitCode: ExecutionResult.spawnFailureExitCode, timedOut: false)
        }

        guard let program = plan.argv.first else { return spawnFailure("empty command") }
        let executable: String
        if let resolved = plan.executable {
            executable = resolved
        } else {
            switch ExecutableLookup.locate(program, path: plan.environment["PATH"], workdir: plan.workdir) {
            case .success(let path): executable = path
            case .failure(let problem): return spawnFailure("cannot run: \(problem)")
            }
        }
        if let workdir = plan.workdir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: workdir, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                return spawnFailure("workdir \(workdir) is not an existing directory")
            }
        }

        let options = Options(
            placement: .ownGroup, timeout: .seconds(plan.timeoutSeconds), stop: .terminate, input: .null,
            environment: plan.environment, workdir: plan.workdir)
        let termination: Termination
        do {
            termination = try run(executable: executable, argv: plan.argv, options: options) { stream, bytes in
                if stream == .stdout { stdoutCapture.append(bytes) } else { stderrCapture.append(bytes) }
            }
        } catch .spawnFailed(let path, let code) {
            return spawnFailure(SubprocessError.spawnFailed(path: path, errno: code).description)
        } catch .cannotPrepare(let problem) {
            return spawnFailure(problem)
        }
        let exitCode: Int
        if termination.timedOut {
            exitCode = ExecutionResult.timeoutExitCode
        } else if let code = termination.exitCode {
            exitCode = Int(code)
        } else {
            exitCode = ExecutionResult.lostStatusExitCode
        }
        return result(exitCode: exitCode, timedOut: termination.timedOut)
    }
}
