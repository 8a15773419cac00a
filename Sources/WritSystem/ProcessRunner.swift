import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program by absolute path, feeding it stdin and draining both
/// output pipes concurrently so a full pipe cannot deadlock the child.
///
/// Spawned with `posix_spawn` rather than `Foundation.Process`, which puts
/// the child in a background process group of the caller's terminal: a child
/// that reads the terminal there is stopped (SIGTTIN) and waits for ever,
/// while its parent may hold the dispatcher's lock. It gets the hardening
/// every child writ starts gets (`SpawnHardening`: close-on-exec pipes,
/// descriptors from 3 up closed, signals at their defaults, an empty mask).
/// Here the caller says which of two ways the child runs:
/// - `.detached(timeout:)`: in a new session with no controlling terminal,
///   so it cannot prompt, and killed with its whole process group when the
///   timeout passes;
/// - `.terminal`: in the caller's own process group, so a prompt on the
///   terminal works, and without a timeout (a person is typing).
package enum ProcessRunner {
    package struct Output: Sendable {
        package let status: Int32
        package let stdout: Data
        package let stderr: Data
    }

    package enum Session: Sendable {
        case detached(timeout: Duration)
        case terminal
    }

    /// How long a signing or key tool may run when nobody is prompted.
    package static let defaultTimeout: Duration = .seconds(30)

    /// A child that exits before reading all its input would otherwise
    /// kill this process with SIGPIPE on the next write; the write error is
    /// what we want instead.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    package static func run(
        _ path: String, _ arguments: [String], stdin: Data = Data(), environment: [String: String]? = nil,
        session: Session = .detached(timeout: defaultTimeout)
    ) throws -> Output {
        _ = ignoreSIGPIPE
        let input = try makePipe()
        let output = try makePipe()
        let errors = try makePipe()
        var childEnds = [input.read, output.write, errors.write]
        defer { for item in childEnds { close(item) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copies; every original is
        // close-on-exec, so the child holds exactly fds 0, 1 and 2 of ours.
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        let placement: SpawnHardening.Group
        if case .detached = session { placement = .ownSession } else { placement = .callersGroup }
        if let problem = SpawnHardening.apply(placement, actions: &actions, attributes: &attributes) {
            for descriptor in [input.write, output.read, errors.read] { close(descriptor) }
            throw ProcessRunnerError.spawnFailed(path: path + " (\(problem))", errno: EINVAL)
        }

        let argv = ([path] + arguments).map { strdup($0) }
        defer { for item in argv { free(item) } }
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") }
        defer { for item in envp { free(item) } }
        var pid: pid_t = 0
        let spawned = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envBuffer in
                posix_spawn(&pid, path, &actions, &attributes, argvBuffer.baseAddress!, envBuffer.baseAddress!)
            }
        }
        for descriptor in childEnds { close(descriptor) }
        childEnds = []
        guard spawned == 0 else {
            for descriptor in [input.write, output.read, errors.read] { close(descriptor) }
            throw ProcessRunnerError.spawnFailed(path: path, errno: spawned)
        }

        let group = DispatchGroup()
        let outBox = DataBox()
        let errBox = DataBox()
        // Each on a thread of its own, never a shared pool: when every pool
        // thread of the process is blocked elsewhere, a queued feed would
        // never run and the child would wait for its input until the
        // timeout. The feed is apart too: a child that never reads its input
        // must not keep this one from enforcing the timeout.
        onOwnThread(group) { outBox.set(drain(output.read)) }
        onOwnThread(group) { errBox.set(drain(errors.read)) }
        onOwnThread(group) { feed(stdin, to: input.write) }

        var status: Int32 = 0
        switch session {
        case .terminal:
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        case .detached(let timeout):
            let deadline = ContinuousClock.now + timeout
            while true {
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid || (result == -1 && errno != EINTR) { break }
                if ContinuousClock.now >= deadline {
                    // The child leads its own session and process group:
                    // kill everything it started too.
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
                    group.wait()
                    throw ProcessRunnerError.timedOut(path: path, after: timeout)
                }
                usleep(2_000)
            }
        }
        group.wait()
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: exitStatus, stdout: outBox.get(), stderr: errBox.get())
    }

    /// Runs `body` on a new thread, inside `group`.
    private static func onOwnThread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.start()
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        // Close-on-exec from birth, so no other child started meanwhile
        // inherits an end and holds the pipe open (SpawnHardening).
        guard let pipe = SpawnHardening.makePipe() else {
            throw ProcessRunnerError.spawnFailed(path: "pipe", errno: errno)
        }
        return pipe
    }

    private static func drain(_ fd: Int32) -> Data {
        defer { close(fd) }
        return FileDescriptorIO.readToEnd(fd).data
    }

    private static func feed(_ data: Data, to fd: Int32) {
        defer { close(fd) }
        // EPIPE: the child exited without reading everything; the rest is dropped.
        _ = FileDescriptorIO.writeAll(data, to: fd)
    }

    private final class DataBox: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        package func set(_ value: Data) { lock.withLock { data = value } }
        package func get() -> Data { lock.withLock { data } }
    }
}

/// A child process that could not be started or did not finish in time.
package enum ProcessRunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    case spawnFailed(path: String, errno: Int32)
    case timedOut(path: String, after: Duration)

    package var description: String {
        switch self {
        case .spawnFailed(let path, let code): "cannot run \(path): \(String(cString: strerror(code)))"
        case .timedOut(let path, let after): "\(path) did not finish within \(after) and was killed"
        }
    }
}
