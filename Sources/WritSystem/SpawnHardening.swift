import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What every child process writ starts gets (`Subprocess` is the one
/// runner, for executors, ssh-keygen and the remote helper alike): pipes
/// close-on-exec from birth, no file descriptor of ours from 3 up, an empty
/// signal mask and every catchable signal at its default (a parent ignoring
/// SIGPIPE or SIGINT must not make the child ignore it), and its own process
/// group or session unless it must share the caller's terminal.
package enum SpawnHardening {
    /// Where the child runs, as to process groups and the terminal.
    package enum Group {
        /// A new process group led by the child, in the caller's session:
        /// a timeout kills the whole group.
        case ownGroup
        /// A new session (and group) with no controlling terminal, so it
        /// cannot prompt; a timeout kills the whole group.
        case ownSession
        /// The caller's own group, so a prompt on the terminal works.
        case callersGroup
    }

    /// glibc's `POSIX_SPAWN_SETSID` (spawn.h, glibc 2.26+), which Swift does
    /// not import: the child starts a new session without a terminal.
    private static let spawnSetSID: Int32 = 0x80

    /// A pipe whose two ends are close-on-exec from birth, so a process
    /// spawned meanwhile on another thread cannot inherit an end and hold
    /// the pipe open; nil with `errno` set when none can be made.
    package static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = GlibcExtensions.pipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { return nil }
        } else {
            guard pipe(&fds) == 0 else { return nil }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        return (fds[0], fds[1])
    }

    /// Adds the hardening to `actions` and `attributes`, after the
    /// caller's own file actions (its `dup2`s onto 0, 1 and 2, which must
    /// come first: every descriptor from 3 up is closed after them).
    /// Returns why the child cannot be prepared, or nil.
    package static func apply(
        _ group: Group, actions: inout posix_spawn_file_actions_t, attributes: inout posix_spawnattr_t
    ) -> String? {
        // Nothing else this process has open (other pipes, the lock, the
        // repository) reaches the child.
        if let closeFrom = GlibcExtensions.spawnCloseFrom {
            guard closeFrom(&actions, 3) == 0 else { return "cannot prepare to close inherited file descriptors" }
        }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        switch group {
        case .ownGroup:
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        case .ownSession:
            flags |= spawnSetSID
        case .callersGroup:
            break
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        return nil
    }
}

/// GNU extensions the Swift C-library module does not expose (they sit
/// behind `_GNU_SOURCE`), looked up once at run time. They exist in glibc
/// 2.34 and later; a nil entry is handled by its caller.
package enum GlibcExtensions {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    package typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    package typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2")
    /// glibc 2.36 and later; Linux 5.3 and later (else it returns -1).
    package static let pidfdOpen: PidfdOpen? = symbol("pidfd_open")
    package static let spawnChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    static let spawnCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np")

    private static func symbol<Function>(_ name: String) -> Function? {
        // A nil handle is RTLD_DEFAULT: search the process's loaded libraries.
        guard let address = dlsym(nil, name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }
}
