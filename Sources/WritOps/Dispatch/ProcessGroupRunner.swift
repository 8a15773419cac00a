import Foundation
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an `ExecutionPlan` as its own process group and collects its output
/// redacted, in bounded memory.
///
/// Why not `Foundation.Process`: it cannot put the child in a new process
/// group, so a timeout could kill the child but leave its grandchildren
/// running (and holding the output pipes open). Here the child is started
/// with `posix_spawn` and `POSIX_SPAWN_SETPGROUP` (pgid = its pid), its
/// signal mask emptied and every catchable signal reset to the default (a
/// parent ignoring SIGPIPE must not make the child ignore it), stdin from
/// `/dev/null`, stdout and stderr on pipes, file descriptors from 3 up closed.
///
/// One loop polls both pipes while the child runs (never temp files: raw
/// output may hold secrets), feeding each through a `SecretRedactor` into a
/// streaming SHA-256 and a 4 KiB tail. When the child exits, the rest of
/// its group is killed with SIGKILL while the exited child is still a
/// zombie (so its pid, and hence the group id, cannot have been reused);
/// the pipes are then drained until end of file or a 2 s grace for
/// processes that left the group. On timeout the whole group gets SIGTERM,
/// then SIGKILL 2 s later.
enum ProcessGroupRunner {
    /// Time between SIGTERM and SIGKILL, and the longest wait for the pipes
    /// to close once the child has exited.
    static let graceSeconds: Int64 = 2

    /// Runs the plan. Fails (throws) only when the runner itself cannot work
    /// (no pipes, no memory); a program that cannot be started is a result
    /// with exit code 127 and the reason in `stderrTail`.
    package static func run(_ plan: ExecutionPlan) throws -> ExecutionResult {
        let clock = ContinuousClock()
        let start = clock.now
        var stdoutCapture = OutputCapture(secrets: plan.secretValues)
        var stderrCapture = OutputCapture(secrets: plan.secretValues)

        func spawnFailure(_ message: String) -> ExecutionResult {
            stderrCapture.append(Array("writ: \(message)\n".utf8))
            return finish(
                exitCode: ExecutionResult.spawnFailureExitCode, timedOut: false, start: start, clock: clock,
                stdout: &stdoutCapture, stderr: &stderrCapture)
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

        let outPipe = try makePipe()
        let errPipe: (read: Int32, write: Int32)
        do {
            errPipe = try makePipe()
        } catch {
            close(outPipe.read)
            close(outPipe.write)
            throw error
        }

        let spawned = spawn(
            executable: executable, plan: plan, stdoutWrite: outPipe.write, stderrWrite: errPipe.write)
        // The child holds its own copies; ours must go so end of file can arrive.
        close(outPipe.write)
        close(errPipe.write)
        let pid: pid_t
        switch spawned {
        case .success(let child):
            pid = child
        case .failure(let problem):
            close(outPipe.read)
            close(errPipe.read)
            return spawnFailure(problem.message)
        }

        var open: [(fd: Int32, isStdout: Bool)] = [(outPipe.read, true), (errPipe.read, false)]
        // Readable the moment the child exits: the loop wakes for the exit
        // as it does for output, instead of finding it at the next tick
        // (an executor that closes its output as it exits would otherwise
        // cost a whole poll interval).
        var exitWatch = GlibcExtensions.pidfdOpen.map { $0(pid, 0) } ?? -1
        defer { if exitWatch >= 0 { close(exitWatch) } }
        let deadline = start + .seconds(plan.timeoutSeconds)
        var killDeadline: ContinuousClock.Instant?
        var drainDeadline: ContinuousClock.Instant?
        var timedOut = false
        var exited = false
        var status: Int32?
        var buffer = [UInt8](repeating: 0, count: 65536)

        while true {
            let now = clock.now
            if !exited {
                if !timedOut, now >= deadline {
                    timedOut = true
                    kill(-pid, SIGTERM)
                    killDeadline = now + .seconds(graceSeconds)
                } else if let due = killDeadline, now >= due {
                    kill(-pid, SIGKILL)
                    killDeadline = nil
                }
                if hasExited(pid) {
                    // The exited leader is a zombie until reaped, so the group
                    // id is still ours: stop whatever it left behind.
                    kill(-pid, SIGKILL)
                    status = reap(pid)
                    exited = true
                    if exitWatch >= 0 {
                        close(exitWatch)
                        exitWatch = -1
                    }
                    drainDeadline = clock.now + .seconds(graceSeconds)
                }
            }
            if open.isEmpty, exited { break }
            if let due = drainDeadline, clock.now >= due { break }

            // Short polls keep the loop checking the child and the clocks.
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if exitWatch >= 0 { fds.append(pollfd(fd: exitWatch, events: Int16(POLLIN), revents: 0)) }
            // Without an exit watch, a child whose output is closed is
            // about to exit: look again soon.
            let ready = fds.isEmpty ? poll(nil, 0, 1) : poll(&fds, nfds_t(fds.count), 20)
            if ready < 0, errno != EINTR {
                throw ExecutionError("poll failed: \(String(cString: strerror(errno)))")
            }
            guard ready > 0 else { continue }
            var closed: Set<Int32> = []
            for (index, entry) in fds.prefix(open.count).enumerated() where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if open[index].isStdout {
                        stdoutCapture.append(buffer[0..<count])
                    } else {
                        stderrCapture.append(buffer[0..<count])
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    closed.insert(entry.fd)
                }
            }
            for fd in closed { close(fd) }
            open.removeAll { closed.contains($0.fd) }
        }
        for entry in open { close(entry.fd) }

        let exitCode: Int
        if timedOut {
            exitCode = ExecutionResult.timeoutExitCode
        } else if let status {
            let signal = status & 0x7F
            exitCode = signal == 0 ? Int((status >> 8) & 0xFF) : 128 + Int(signal)
        } else {
            exitCode = ExecutionResult.lostStatusExitCode
        }
        return finish(
            exitCode: exitCode, timedOut: timedOut, start: start, clock: clock, stdout: &stdoutCapture,
            stderr: &stderrCapture)
    }

    private static func finish(
        exitCode: Int, timedOut: Bool, start: ContinuousClock.Instant, clock: ContinuousClock,
        stdout: inout OutputCapture, stderr: inout OutputCapture
    ) -> ExecutionResult {
        let elapsed = clock.now - start
        let milliseconds =
            elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let out = stdout.finish()
        let err = stderr.finish()
        return ExecutionResult(
            exitCode: exitCode, timedOut: timedOut, durationMs: Int(milliseconds),
            stdoutSHA256: out.digest,
            stderrSHA256: err.digest, stdoutTail: out.tail, stderrTail: err.tail)
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        // Close-on-exec from birth (SpawnHardening).
        guard let pipe = SpawnHardening.makePipe() else {
            throw ExecutionError("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        return pipe
    }

    private static func spawn(
        executable: String, plan: ExecutionPlan, stdoutWrite: Int32, stderrWrite: Int32
    ) -> Result<pid_t, SpawnProblem> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutWrite, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrWrite, 2)
        if let workdir = plan.workdir {
            guard let addChdir = GlibcExtensions.spawnChdir else {
                return .failure(
                    SpawnProblem("this C library cannot set a spawned process's working directory"))
            }
            guard addChdir(&actions, workdir) == 0 else {
                return .failure(SpawnProblem("cannot prepare working directory \(workdir)"))
            }
        }

        // Its own process group, every descriptor from 3 up closed, signals
        // at their defaults: the hardening every child gets.
        if let problem = SpawnHardening.apply(.ownGroup, actions: &actions, attributes: &attributes) {
            return .failure(SpawnProblem(problem))
        }

        let argv = plan.argv.map { strdup($0) }
        let environment = plan.environment.sorted { $0.key < $1.key }.map {
            strdup("\($0.key)=\($0.value)")
        }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in environment { free(pointer) }
        }
        guard !argv.contains(nil), !environment.contains(nil) else {
            return .failure(SpawnProblem("out of memory preparing \(executable)"))
        }
        var argvArray: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        var environmentArray: [UnsafeMutablePointer<CChar>?] = environment + [nil]

        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, &argvArray, &environmentArray)
        guard code == 0 else {
            return .failure(SpawnProblem("cannot run \(executable): \(String(cString: strerror(code)))"))
        }
        return .success(pid)
    }

    /// Whether the child has exited, without reaping it.
    private static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        while true {
            let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if result == 0 { return info.si_signo == SIGCHLD }
            // ECHILD: nothing left to wait for; treat as exited so the loop ends.
            if errno != EINTR { return true }
        }
    }

    /// Reaps the child; returns its raw wait status, or nil when it is lost
    /// (someone else reaped it, e.g. SIGCHLD set to SIG_IGN in this process).
    private static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return status
    }
}

/// Why a program could not be started; shown in the result's stderr tail.
struct SpawnProblem: Error, Sendable {
    package let message: String
    init(_ message: String) { self.message = message }
}

/// The runner itself failed (no pipes): nothing was started.
struct ExecutionError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
