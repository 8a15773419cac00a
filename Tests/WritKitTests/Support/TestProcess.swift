import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The one way tests run another program: `git`, `ssh-keygen`, the built
/// `writ` binary, servers and browsers alike.
///
/// Output always goes to files, never to pipes, so no child can block on a
/// full pipe while the test waits for it. `run` waits for the child; `start`
/// returns a handle to a child left running (a dispatcher to kill, a server).
/// The environment is the test process's own with a fixed git identity and no
/// system or global git config, unless `environment` replaces it.
enum TestProcess {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
        var trimmed: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The environment every child gets unless a caller passes its own: the
    /// test process's, with git's configuration and identity pinned.
    static var defaultEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_AUTHOR_NAME"] = "Test Author"
        environment["GIT_AUTHOR_EMAIL"] = "author@example.com"
        environment["GIT_COMMITTER_NAME"] = "Test Committer"
        environment["GIT_COMMITTER_EMAIL"] = "committer@example.com"
        return environment
    }

    /// Runs `executable` to completion and returns its status and output.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
        environment: [String: String]? = nil
    ) throws -> Output {
        let child = try start(executable, arguments, in: directory, stdin: stdin, environment: environment)
        defer { child.removeFiles() }
        child.waitUntilExit()
        return try child.output()
    }

    /// Starts `executable` and returns while it runs. The caller ends it
    /// (`terminate`, `kill`) or waits for it, then reads `output()` and calls
    /// `removeFiles()`.
    static func start(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, stdin: Data? = nil,
        environment: [String: String]? = nil
    ) throws -> Running {
        let box = try Scratch.make("process")
        let outURL = box.appendingPathComponent("out")
        let errURL = box.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = environment ?? defaultEnvironment
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let inURL = box.appendingPathComponent("in")
            try stdin.write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        do {
            try process.run()
        } catch {
            Scratch.remove(box)
            throw error
        }
        // The child holds its own copies of the descriptors.
        try outHandle.close()
        try errHandle.close()
        return Running(process: process, box: box, outURL: outURL, errURL: errURL)
    }

    /// A flag set once from another thread.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var isSet = false
        func set() { lock.withLock { isSet = true } }
        var value: Bool { lock.withLock { isSet } }
    }

    /// A child started by `start`.
    final class Running: @unchecked Sendable {
        let process: Process
        let box: URL
        let outURL: URL
        let errURL: URL

        init(process: Process, box: URL, outURL: URL, errURL: URL) {
            self.process = process
            self.box = box
            self.outURL = outURL
            self.errURL = errURL
        }

        var pid: Int32 { process.processIdentifier }
        var isRunning: Bool { process.isRunning }
        var status: Int32 { process.terminationStatus }

        func waitUntilExit() { process.waitUntilExit() }

        /// Waits for the child, ending it when it outlives `timeLimit`: a
        /// watchdog thread of its own sends SIGTERM, then SIGKILL after
        /// `grace`. Returns whether the watchdog had to end it.
        func waitUntilExit(timeLimit: TimeInterval, grace: TimeInterval = 2) -> Bool {
            let exited = DispatchSemaphore(value: 0)
            let fired = Flag()
            let process = self.process
            Thread.detachNewThread {
                if exited.wait(timeout: .now() + timeLimit) == .success { return }
                fired.set()
                process.terminate()
                if exited.wait(timeout: .now() + grace) == .success { return }
                _ = Glibc.kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            exited.signal()
            exited.signal()
            return fired.value
        }

        /// Waits for the child to exit without holding a thread of the
        /// test's cooperative pool.
        func exit() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    self.process.waitUntilExit()
                    continuation.resume()
                }
            }
        }

        func terminate() { process.terminate() }

        func kill(_ signal: Int32 = SIGKILL) { _ = Glibc.kill(process.processIdentifier, signal) }

        /// Status and output; call after the child exited.
        func output() throws -> Output {
            Output(
                status: process.terminationStatus,
                stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
        }

        func removeFiles() { Scratch.remove(box) }
    }
}
