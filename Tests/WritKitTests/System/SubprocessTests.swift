import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// What `Subprocess` adds beyond its callers' own suites (the executors'
/// in ProcessGroupRunnerTests, the signing tools' in SSHSigningKeyTests).
@Suite struct SubprocessTests {
    /// A child that writes more than the cap is read to its end (it is
    /// never blocked on a full pipe) and only the cap is kept.
    @Test func collectedOutputStopsAtItsCap() throws {
        let options = Subprocess.Options(timeout: .seconds(30), outputLimit: 1_000)
        let (termination, output) = try Subprocess.collect(
            executable: "/bin/sh", argv: ["sh", "-c", "head -c 300000 /dev/zero; echo done >&2"], options: options)
        #expect(termination.exitCode == 0 && !termination.timedOut)
        #expect(output.stdout == Data(count: 1_000))
        #expect(output.stderr == Data("done\n".utf8))
        #expect(output.truncated)
        let (_, whole) = try Subprocess.collect(
            executable: "/bin/sh", argv: ["sh", "-c", "head -c 300000 /dev/zero"],
            options: Subprocess.Options(timeout: .seconds(30)))
        #expect(whole.stdout.count == 300_000 && !whole.truncated)
    }

    /// A child that never reads its input does not keep the runner from
    /// enforcing the deadline (the input is fed from the same loop).
    @Test func aChildThatNeverReadsItsInputStillMeetsItsDeadline() throws {
        let options = Subprocess.Options(
            timeout: .milliseconds(300), input: .bytes(Data(count: 1_000_000)))
        let termination = try Subprocess.run(
            executable: "/bin/sleep", argv: ["sleep", "30"], options: options
        ) { _, _ in }
        #expect(termination.timedOut)
        #expect(termination.exitCode == 128 + SIGKILL)
    }
}
