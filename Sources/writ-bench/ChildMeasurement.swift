import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One child process, timed and measured on its own: wall time and the
/// child's own peak RSS (from `wait4`, not the cumulative
/// `RUSAGE_CHILDREN`, so every measurement stands alone).
struct ChildMeasurement {
    let seconds: Double
    let peakRSSKilobytes: Int
    let status: Int32

    var peakRSSMegabytes: Double { Double(peakRSSKilobytes) / 1024 }

    /// Runs `executable` with `arguments` and `environment`, its output sent
    /// to /dev/null, and waits for it.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> ChildMeasurement
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let start = DispatchTime.now()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw BenchError("cannot start \(executable): errno \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ChildMeasurement(seconds: seconds, peakRSSKilobytes: Int(usage.ru_maxrss), status: exit)
    }
}

/// A benchmark that cannot measure what it claims: it stops rather than
/// print a number for the wrong thing.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
