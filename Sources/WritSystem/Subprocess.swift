import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one way writ starts a child process: executors, ssh-keygen, the
/// remote helper, every caller.
///
/// Why not `Foundation.Process`: it cannot put the child in a new process
/// group or session, so a timeout could kill the child but leave its
/// grandchildren running (and holding the output pipes open), and it puts
/// the child in a background group of the caller's terminal, where a child
/// that reads the terminal is stopped (SIGTTIN) and waits for ever. Here the
/// child is started with `posix_spawn` and gets the hardening every child
/// gets (`SpawnHardening`: close-on-exec pipes, descriptors from 3 up closed,
/// signals at their defaults, an empty mask), in the placement `Options`
/// names.
///
/// One loop on the caller's thread feeds standard input, reads both output
/// pipes and watches the child and the clocks (no helper threads, no pool:
/// a full pool must not keep a child's input from being fed or its deadline
/// from being enforced). When the child exits and it leads its own group or
/// session, whatever it left behind in that group is killed with SIGKILL
/// while the exited child is still a zombie (so its pid, and hence the group
/// id, cannot have been reused); the pipes are then drained until end of
/// file or a grace of `graceSeconds` for processes that left the group.
package enum Subprocess {
    /// Time between SIGTERM and SIGKILL for `.terminate`, and the longest
    /// wait for the pipes to close once the child has exited.
    static let graceSeconds: Int64 = 2

    /// How long a signing or key tool may run when nobody is prompted.
    package static let defaultTimeout: Duration = .seconds(30)

    /// Which output pipe bytes came from.
    package enum Stream: Sendable, Equatable {
        case stdout, stderr
    }

    /// What the child reads on standard input.
    package enum Input: Sendable {
        /// `/dev/null`.
        case null
        /// These bytes, then end of file; a child that exits before reading
        /// them all drops the rest.
        case bytes(Data)
    }

    /// How a child that passes its deadline is stopped (its whole group
    /// when it leads one).
    package enum Stop: Sendable {
        /// SIGKILL at once: a tool with nothing to clean up.
        case kill
        /// SIGTERM, then SIGKILL `graceSeconds` later: a program that may
        /// want to clean up.
        case terminate
    }

    /// Everything about one run but the program and its arguments.
    package struct Options: Sendable {
        /// Where the child runs as to process groups and the terminal.
        package var placement: SpawnHardening.Group = .ownSession
        /// How long the child may run; nil: no limit (a person may be
        /// typing at a prompt).
        package var timeout: Duration?
        /// How a child is stopped at its deadline.
        package var stop: Stop = .kill
        /// Standard input.
        package var input: Input = .null
        /// The child's whole environment; nil: this process's.
        package var environment: [String: String]?
        /// The child's working directory; nil: this process's.
        package var workdir: String?
        /// The most bytes of each output stream `collect` keeps; the rest
        /// is read and dropped, so a child cannot fill this process's memory.
        /// Nil: no cap.
        var outputLimit: Int?

        package init(
            placement: SpawnHardening.Group = .ownSession, timeout: Duration? = nil, stop: Stop = .kill,
            input: Input = .null, environment: [String: String]? = nil, workdir: String? = nil,
            outputLimit: Int? = nil
        ) {
            self.placement = placement
            self.timeout = timeout
            self.stop = stop
            self.input = input
            self.environment = environment
            self.workdir = workdir
            self.outputLimit = outputLimit
        }
    }

    /// How a run ended.
    package struct Termination: Sendable, Equatable {
        /// The exit status, or 128 plus the signal that ended the child;
        /// nil when the status was lost (someone else reaped the child).
        package let exitCode: Int32?
        /// Whether the deadline passed and the child was stopped.
        package let timedOut: Bool
        /// From the spawn to the end of the drain.
        package let duration: Duration
    }

    /// A run's collected output (`collect`, `run(_:_:...)`).
    package struct Output: Sendable {
        package let status: Int32
        package let stdout: Data
        package let stderr: Data
        /// Whether `outputLimit` dropped bytes of either stream.
        var truncated = false
    }

    /// The two ways the convenience `run(_:_:...)` places a child.
    package enum Session: Sendable {
        /// In a new session with no controlling terminal, so it cannot
        /// prompt, and killed with its whole process group when the timeout
        /// passes.
        case detached(timeout: Duration)
        /// In the caller's own process group, so a prompt on the terminal
        /// works, and without a timeout (a person is typing).
        case terminal
    }

    /// A child that exits before reading all its input would otherwise kill
    /// this process with SIGPIPE on the next write; the write error is what
    /// we want instead.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    // MARK: Convenience

    /// Runs `path` with `arguments` (`argv[0]` is `path`), feeding it
    /// `stdin` and collecting both outputs whole. Throws `.timedOut` when a
    /// detached child passes its timeout.
    package static func run(
        _ path: String, _ arguments: [String], stdin: Data = Data(), environment: [String: String]? = nil,
        session: Session = .detached(timeout: defaultTimeout)
    ) throws(SubprocessError) -> Output {
        var options = Options(input: .bytes(stdin), environment: environment)
        switch session {
        case .detached(let timeout):
            options.placement = .ownSession
            options.timeout = timeout
        case .terminal:
            options.placement = .callersGroup
        }
        let (termination, output) = try collect(executable: path, argv: [path] + arguments, options: options)
        if termination.timedOut, let timeout = options.timeout {
            throw .timedOut(path: path, after: timeout)
        }
        return output
    }

    /// Runs the program and collects both outputs, each up to
    /// `options.outputLimit` bytes.
    static func collect(executable: String, argv: [String], options: Options) throws(SubprocessError) -> (
        Termination, Output
    ) {
        var stdout = Data()
        var stderr = Data()
        var truncated = false
        let limit = options.outputLimit ?? Int.max
        let termination = try run(executable: executable, argv: argv, options: options) { stream, bytes in
            let room = limit - (stream == .stdout ? stdout.count : stderr.count)
            if bytes.count > room { truncated = true }
            let kept = bytes.prefix(max(room, 0))
            if stream == .stdout { stdout.append(contentsOf: kept) } else { stderr.append(contentsOf: kept) }
        }
        let status = termination.exitCode ?? 255
        return (termination, Output(status: status, stdout: stdout, stderr: stderr, truncated: truncated))
    }

    // MARK: The runner

    /// Runs `executable` with `argv` (`argv[0]` passed as written) and hands
    /// every chunk of output to `output` as it arrives, on this thread.
    ///
    /// Throws when the child cannot be started (`.spawnFailed`,
    /// `.cannotPrepare`: nothing ran) or the runner itself cannot work
    /// (`.runnerFailed`: no pipes, no poll); a child that runs is always a
    /// `Termination`, timed out or not.
    package static func run(
        executable: String, argv: [String], options: Options,
        output: (Stream, ArraySlice<UInt8>) -> Void
    ) throws(SubprocessError) -> Termination {
        var feed: [UInt8] = []
        if case .bytes(let data) = options.input {
            _ = ignoreSIGPIPE
            feed = [UInt8](data)
        }
        let pipes = try makePipes(withInput: !feed.isEmpty)
        let clock = ContinuousClock()
        let start = clock.now
        let spawned = spawn(executable: executable, argv: argv, options: options, pipes: pipes)
        // The child holds its own copies; ours must go so end of file can arrive.
        for descriptor in pipes.childEnds { close(descriptor) }
        let pid: pid_t
        switch spawned {
        case .success(let child):
            pid = child
        case .failure(let problem):
            for descriptor in pipes.ourEnds { close(descriptor) }
            throw problem
        }
        let ownsGroup = options.placement != .callersGroup

        var reading: [(fd: Int32, stream: Stream)] = [(pipes.stdout.read, .stdout), (pipes.stderr.read, .stderr)]
        var writing = pipes.input?.write ?? -1
        var written = 0
        if writing >= 0 {
            // Ours only: the child's end is a separate open file description.
            _ = fcntl(writing, F_SETFL, fcntl(writing, F_GETFL) | O_NONBLOCK)
        }
        func stopFeeding() {
            if writing >= 0 { close(writing) }
            writing = -1
        }
        // Readable the moment the child exits: the loop wakes for the exit
        // as it does for output, instead of finding it at the next tick.
        var exitWatch = GlibcExtensions.pidfdOpen.map { $0(pid, 0) } ?? -1
        defer {
            if exitWatch >= 0 { close(exitWatch) }
            stopFeeding()
        }
        let deadline = options.timeout.map { start + $0 }
        var killDeadline: ContinuousClock.Instant?
        var drainDeadline: ContinuousClock.Instant?
        var timedOut = false
        var exited = false
        var status: Int32?
        var buffer = [UInt8](repeating: 0, count: 65536)

        func signalChild(_ signal: Int32) {
            if ownsGroup { kill(-pid, signal) }
            kill(pid, signal)
        }

        while true {
            let now = clock.now
            if !exited {
                if !timedOut, let deadline, now >= deadline {
                    timedOut = true
                    switch options.stop {
                    case .kill:
                        signalChild(SIGKILL)
                    case .terminate:
                        signalChild(SIGTERM)
                        killDeadline = now + .seconds(graceSeconds)
                    }
                } else if let due = killDeadline, now >= due {
                    signalChild(SIGKILL)
                    killDeadline = nil
                }
                if hasExited(pid) {
                    // The exited leader is a zombie until reaped, so the group
                    // id is still ours: stop whatever it left behind.
                    if ownsGroup { kill(-pid, SIGKILL) }
                    status = reap(pid)
                    exited = true
                    stopFeeding()
                    if exitWatch >= 0 {
                        close(exitWatch)
                        exitWatch = -1
                    }
                    drainDeadline = clock.now + .seconds(graceSeconds)
                }
            }
            if reading.isEmpty, exited { break }
            if let due = drainDeadline, clock.now >= due { break }

            // Short polls keep the loop checking the child and the clocks.
            let readCount = reading.count
            var fds = reading.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if writing >= 0 { fds.append(pollfd(fd: writing, events: Int16(POLLOUT), revents: 0)) }
            if exitWatch >= 0 { fds.append(pollfd(fd: exitWatch, events: Int16(POLLIN), revents: 0)) }
            // Without an exit watch, a child whose output is closed is
            // about to exit: look again soon.
            let ready = fds.isEmpty ? poll(nil, 0, 1) : poll(&fds, nfds_t(fds.count), 20)
            if ready < 0, errno != EINTR {
                let code = errno
                for entry in reading { close(entry.fd) }
                if !exited {
                    signalChild(SIGKILL)
                    _ = reap(pid)
                }
                throw .runnerFailed("poll failed: \(String(cString: strerror(code)))")
            }
            guard ready > 0 else { continue }
            var closed: Set<Int32> = []
            for (index, entry) in fds.prefix(readCount).enumerated() where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    output(reading[index].stream, buffer[0..<count])
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    closed.insert(entry.fd)
                }
            }
            for fd in closed { close(fd) }
            reading.removeAll { closed.contains($0.fd) }
            if writing >= 0, fds.count > readCount, fds[readCount].fd == writing, fds[readCount].revents != 0 {
                let count = feed.withUnsafeBytes { raw in
                    Glibc.write(writing, raw.baseAddress! + written, min(raw.count - written, 65536))
                }
                if count > 0 {
                    written += count
                    if written == feed.count { stopFeeding() }
                } else if count < 0, errno == EINTR || errno == EAGAIN {
                    // Not writable after all; poll again.
                } else {
                    // EPIPE: the child exited without reading everything; the rest is dropped.
                    stopFeeding()
                }
            }
        }
        for entry in reading { close(entry.fd) }

        let exitCode: Int32? = status.map { status in
            let signal = status & 0x7F
            return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        }
        return Termination(exitCode: exitCode, timedOut: timedOut, duration: clock.now - start)
    }

    // MARK: Spawning

    private struct Pipes {
        package let input: (read: Int32, write: Int32)?
        package let stdout: (read: Int32, write: Int32)
        package let stderr: (read: Int32, write: Int32)

        var childEnds: [Int32] { [input?.read, stdout.write, stderr.write].compactMap { $0 } }
        var ourEnds: [Int32] { [input?.write, stdout.read, stderr.read].compactMap { $0 } }
    }

    private static func makePipes(withInput: Bool) throws(SubprocessError) -> Pipes {
        var made: [(read: Int32, write: Int32)] = []
        for _ in 0..<(withInput ? 3 : 2) {
            // Close-on-exec from birth, so no other child started meanwhile
            // inherits an end and holds the pipe open (SpawnHardening).
            guard let pipe = SpawnHardening.makePipe() else {
                let code = errno
                for pipe in made {
                    close(pipe.read)
                    close(pipe.write)
                }
                throw .runnerFailed("cannot create a pipe: \(String(cString: strerror(code)))")
            }
            made.append(pipe)
        }
        return Pipes(input: withInput ? made[2] : nil, stdout: made[0], stderr: made[1])
    }

    private static func spawn(
        executable: String, argv: [String], options: Options, pipes: Pipes
    ) -> Result<pid_t, SubprocessError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // dup2 clears close-on-exec on the copies; every original is
        // close-on-exec, so the child holds exactly fds 0, 1 and 2 of ours.
        if let input = pipes.input {
            posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, pipes.stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, pipes.stderr.write, 2)
        if let workdir = options.workdir {
            guard let addChdir = GlibcExtensions.spawnChdir else {
                return .failure(.cannotPrepare("this C library cannot set a spawned process's working directory"))
            }
            guard addChdir(&actions, workdir) == 0 else {
                return .failure(.cannotPrepare("cannot prepare working directory \(workdir)"))
            }
        }
        if let problem = SpawnHardening.apply(options.placement, actions: &actions, attributes: &attributes) {
            return .failure(.cannotPrepare(problem))
        }

        let environment = (options.environment ?? ProcessInfo.processInfo.environment).sorted { $0.key < $1.key }
        let argvPointers = argv.map { strdup($0) }
        let environmentPointers = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argvPointers { free(pointer) }
            for pointer in environmentPointers { free(pointer) }
        }
        guard !argvPointers.contains(nil), !environmentPointers.contains(nil) else {
            return .failure(.cannotPrepare("out of memory preparing \(executable)"))
        }
        var argvArray: [UnsafeMutablePointer<CChar>?] = argvPointers + [nil]
        var environmentArray: [UnsafeMutablePointer<CChar>?] = environmentPointers + [nil]

        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, &argvArray, &environmentArray)
        guard code == 0 else { return .failure(.spawnFailed(path: executable, errno: code)) }
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

/// A child process that could not be started, could not be run, or did not
/// finish in time.
package enum SubprocessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `posix_spawn` failed: nothing ran.
    case spawnFailed(path: String, errno: Int32)
    /// The child could not be prepared (working directory, hardening,
    /// memory): nothing ran.
    case cannotPrepare(String)
    /// The runner itself failed (no pipes, no poll).
    case runnerFailed(String)
    /// The child passed its timeout and was killed (`Subprocess.run(_:_:...)` only).
    case timedOut(path: String, after: Duration)

    package var description: String {
        switch self {
        case .spawnFailed(let path, let code): "cannot run \(path): \(String(cString: strerror(code)))"
        case .cannotPrepare(let problem): problem
        case .runnerFailed(let problem): problem
        case .timedOut(let path, let after): "\(path) did not finish within \(after) and was killed"
        }
    }
}
