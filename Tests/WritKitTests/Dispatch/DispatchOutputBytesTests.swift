import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// An executor's output may hold any byte: the outcome event the
/// dispatcher writes for it must read back, or the intent would stay
/// "claimed" forever and verify fail for good (the ledger is append-only).
@Suite struct DispatchOutputBytesTests {
    @Test func aNULInTheOutputLeavesARecordedOutcome() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        // Backslashes doubled: the command is a TOML string in dispatcher.toml.
        try fixture.thenRun("printf 'ok\\\\000done'; printf 'err\\\\000\\\\001' >&2")
        try fixture.proposeLow("triage-nul")
        let report = try fixture.dispatcher().poll()
        #expect(report.intents.first?.result == .succeeded)
        #expect(fixture.runs() == ["triage-nul"])

        let ops = fixture.sandbox.ops
        let status = try StatusEvaluator(ops: ops).evaluate(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(status.intents.first?.state == .succeeded)
        let verified = try LedgerVerifier(ops: ops).verify(trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(verified.findings.isEmpty, "\(verified.findings)")
        let ledger = URL(fileURLWithPath: ops.repository.gitDirectory)
        let path = try #require(
            try GitTestSupport.git(ledger, "ls-tree", "-r", "--name-only", "writ/ledger", "audit/")
                .split(separator: "\n").first { $0.hasSuffix("-succeeded.json") })
        let event = try AuditEvent.parse(Data(try GitTestSupport.git(ledger, "show", "writ/ledger:\(path)").utf8))
        guard case .succeeded(let outcome) = event.payload else {
            Issue.record("not an outcome: \(event.kind)")
            return
        }
        #expect(outcome.stdoutTail == "ok\u{FFFD}done")
        #expect(outcome.stderrTail == "err\u{FFFD}\u{1}")
    }
}
