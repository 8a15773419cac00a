import Foundation
import WritCore
import WritGit

/// SPEC §7's last rule: in a test process, a live write to any repository
/// outside `sandbox_repos` is refused, decided at the moment of the call,
/// inside the forge client, before any byte is sent. There is no switch.
///
/// A process is a test process when it, or any process it descends from,
/// is a test runner: an executable whose name ends in `.xctest` (what
/// `swift test` builds and runs) or is `swiftpm-testing-helper`, or whose
/// command line carries `--testing-library` (how SwiftPM starts either).
/// The ancestry is read from `/proc` (`/proc/<pid>/stat` for the parent,
/// `/proc/<pid>/exe` and `cmdline` for what runs), which a child cannot
/// rewrite: clearing or setting an environment variable changes nothing,
/// and neither does a `writ` binary started from a test through `env -i` or
/// a shell. Only a process that leaves the test's ancestry entirely (a
/// double fork re-parented to init, a service started elsewhere) is not
/// seen; a test cannot make writ do that.
package enum TestProcessGuard {
    /// Throws when this process is a test process and `repo` is not one
    /// of `sandbox`.
    package static func check(_ repo: RepoSlug, sandbox: [RepoSlug], operation: ForgeOperation) throws(WritError) {
        guard !sandbox.contains(repo), let runner = testRunner() else { return }
        throw WritError(
            .repoNotAllowlisted,
            "TEST PROCESS GUARD: refused \(operation.rawValue) on \(repo): this process descends from the test "
                + "runner \(runner), and a test may write only to sandbox_repos; nothing was sent")
    }

    /// The test runner this process descends from, nil when none.
    package static func testRunner() -> String? {
        var pid = getpid()
        var seen = Set<Int32>()
        while pid > 1, seen.insert(pid).inserted {
            if let runner = runnerName(pid) { return runner }
            guard let parent = parentPID(of: pid) else { return nil }
            pid = parent
        }
        return nil
    }

    private static func runnerName(_ pid: Int32) -> String? {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) ?? ""
        let name = (executable as NSString).lastPathComponent
        if name.hasSuffix(".xctest") || name == "swiftpm-testing-helper" || name == "xctest" { return executable }
        let arguments = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data())
            .split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if arguments.contains("--testing-library")
            || arguments.first.map({ ($0 as NSString).lastPathComponent.hasSuffix(".xctest") }) == true
        {
            return arguments.first ?? executable
        }
        return nil
    }

    /// The parent pid from `/proc/<pid>/stat`; the command name in it may
    /// hold spaces and parentheses, so the fields are read after the last `)`.
    private static func parentPID(of pid: Int32) -> Int32? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return nil }
        return Int32(fields[1])
    }
}
