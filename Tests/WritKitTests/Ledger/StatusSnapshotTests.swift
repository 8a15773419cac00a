import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The status snapshot (`.git/writ/status`): a warm `writ status` says
/// exactly what a cold one says, reads only what is new, and drops the
/// snapshot whenever it could be wrong.
struct StatusSnapshotTests {
    /// A ledger with a succeeded low intent, a succeeded approved intent,
    /// and an open one.
    private static func history() throws -> DispatchFixture {
        let fixture = try DispatchFixture()
        try fixture.proposeLow("triage-1")
        try fixture.sandbox.propose(try fixture.request("dev", "change-1"), as: "agent-1@example.com")
        try fixture.sandbox.approve(try #require(IntentID("change-1")), as: "bob@example.com")
        #expect(try fixture.dispatcher().poll().intents.filter { $0.result == .succeeded }.count == 2)
        try fixture.sandbox.propose(try fixture.request("release", "release-1"), as: "agent-1@example.com")
        return fixture
    }

    private static func status(_ fixture: DispatchFixture, json: Bool = true) throws -> String {
        let repo = ["--repo", fixture.sandbox.ops.repository.gitDirectory, "--trust", fixture.sandbox.trustRoot.hex]
        let run = try CLI.runArgs(["status"] + (json ? ["--json"] : []) + repo)
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout
    }

    private static func cold(_ fixture: DispatchFixture, json: Bool = true) throws -> String {
        try? FileManager.default.removeItem(at: StatusEvaluator.snapshotFile(of: fixture.sandbox.ops))
        return try status(fixture, json: json)
    }

    @Test func aWarmStatusSaysWhatAColdStatusSaysAsHistoryGrows() throws {
        let fixture = try Self.history()
        defer { fixture.remove() }
        let file = StatusEvaluator.snapshotFile(of: fixture.sandbox.ops)
        let first = try Self.cold(fixture)
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) == 0o600)
        let modified = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
        #expect(try Self.status(fixture) == first)
        // Nothing new: the snapshot is not rewritten.
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date == modified)
        #expect(try Self.status(fixture, json: false) == (try Self.cold(fixture, json: false)))

        // New history: intents proposed, approved and run after the snapshot.
        try fixture.proposeLow("triage-2")
        try fixture.proposeLow("a-first")
        try fixture.sandbox.approve(try #require(IntentID("release-1")), as: "alice@example.com")
        let warmBeforeRun = try Self.status(fixture)
        #expect(warmBeforeRun == (try Self.cold(fixture)))
        #expect(try fixture.dispatcher().poll().intents.filter { $0.result == .succeeded }.count == 2)
        let warm = try Self.status(fixture)
        let cold = try Self.cold(fixture)
        #expect(warm == cold)
        #expect(cold.contains(#""id":"triage-2","kind":"triage","reason":null,"required":0"#))
        #expect(try Self.status(fixture, json: false) == (try Self.cold(fixture, json: false)))
    }

    @Test func onlyRowsNothingButNewHistoryCouldChangeAreStored() throws {
        let fixture = try Self.history()
        defer { fixture.remove() }
        let url = fixture.directory.appendingPathComponent("snapshot")
        let status = try StatusEvaluator(ops: fixture.sandbox.ops).evaluate(
            trustRoot: fixture.sandbox.trustRoot, now: Date(), snapshot: url)
        // The low intent settled with no approval records: stored. The
        // approved one's count follows the clock (approvals expire), and
        // the open one is open: both decided afresh, with their verdicts.
        #expect(status.stored.count == 1)
        #expect(status.stored.contains(try #require(IntentID("triage-1"))))
        #expect(status.intents.map(\.id.rawValue) == ["change-1", "release-1"])
        #expect(Set(status.verdicts.keys.map(\.rawValue)) == ["change-1", "release-1"])
        #expect(status.events.isEmpty)

        let full = try StatusEvaluator(ops: fixture.sandbox.ops).evaluate(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(full.stored.count == 0)
        #expect(try status.allIntents() == full.intents)
    }

    @Test func anOpenIntentIsDecidedAtEachStatusClock() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let now = Date()
        var request = try fixture.request("release", "release-1")
        request.expiresAt = Timestamp(now.addingTimeInterval(3600))
        try fixture.sandbox.propose(request, as: "agent-1@example.com", at: now)
        let url = fixture.directory.appendingPathComponent("snapshot")
        let evaluator = StatusEvaluator(ops: fixture.sandbox.ops)
        let before = try evaluator.evaluate(trustRoot: fixture.sandbox.trustRoot, now: now, snapshot: url)
        #expect(before.intents.first?.reason == .notApproved)
        #expect(FileManager.default.fileExists(atPath: url.path))
        let after = try evaluator.evaluate(
            trustRoot: fixture.sandbox.trustRoot, now: now.addingTimeInterval(7200), snapshot: url)
        #expect(after.intents.first?.reason == .intentExpired)
    }

    @Test func aNewEventForAStoredIntentDropsTheSnapshot() throws {
        let fixture = try Self.history()
        defer { fixture.remove() }
        let ops = fixture.sandbox.ops
        let url = fixture.directory.appendingPathComponent("snapshot")
        let trustRoot = fixture.sandbox.trustRoot
        _ = try StatusEvaluator(ops: ops).evaluate(trustRoot: trustRoot, now: Date(), snapshot: url)
        let key = StatusSnapshot.Key(
            version: WritVersion.current, trustRoot: trustRoot, governance: try ops.governanceHead())
        let snapshot = try #require(StatusSnapshot.load(from: url, key: key))
        let timeline = try GovernanceTimeline(ops: ops, trustRoot: trustRoot, now: Date(), requireTrustedHead: false)

        // Nothing new, or a new intent: resumed.
        #expect(try LedgerFiles.resume(snapshot, to: try ops.ledgerHead(), ops: ops, timeline: timeline) != nil)
        try fixture.proposeLow("triage-2")
        #expect(try LedgerFiles.resume(snapshot, to: try ops.ledgerHead(), ops: ops, timeline: timeline) != nil)

        // An event for the stored intent (a second run's claim, as a
        // resolve would allow): the snapshot cannot say what it changes.
        let id = try #require(IntentID("triage-1"))
        let event = Data(
            #"{"actor":"x@example.com","at":"2026-01-01T00:00:00Z","event":"gate","intent":"triage-1","intent_digest":"sha256:00","name":"n","schema":1,"status":"PASS"}"#
                .utf8)
        let path = LedgerPath.auditEvent(id, sequence: 99, event: .gate).path
        try BranchAppender(repository: ops.repository).append(
            [path: event], to: ops.ledgerRef, message: "an event for a stored intent\n",
            signer: try fixture.sandbox.identity("alice@example.com"), at: Date())
        #expect(try LedgerFiles.resume(snapshot, to: try ops.ledgerHead(), ops: ops, timeline: timeline) == nil)
    }

    @Test func aSnapshotFromAnotherStateOrNotPrivateOrTornIsIgnored() throws {
        let fixture = try Self.history()
        defer { fixture.remove() }
        let ops = fixture.sandbox.ops
        let file = StatusEvaluator.snapshotFile(of: ops)
        let cold = try Self.cold(fixture)
        let key = StatusSnapshot.Key(
            version: WritVersion.current, trustRoot: fixture.sandbox.trustRoot, governance: try ops.governanceHead())
        #expect(StatusSnapshot.load(from: file, key: key) != nil)
        var other = key
        other.governance = try ops.ledgerHead()
        #expect(StatusSnapshot.load(from: file, key: other) == nil)
        other = key
        other.version = "0.0.0"
        #expect(StatusSnapshot.load(from: file, key: other) == nil)

        let whole = try Data(contentsOf: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o664], ofItemAtPath: file.path)
        #expect(StatusSnapshot.load(from: file, key: key) == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        try whole.dropLast(5).write(to: file)
        #expect(StatusSnapshot.load(from: file, key: key) == nil)
        #expect(try Self.status(fixture) == cold)
        // A stored row forged in place (rows out of order, or lines that
        // are not one object each) is refused as a whole.
        try (whole + Data("a\t{\"x\":1}\n".utf8)).write(to: file)
        #expect(StatusSnapshot.load(from: file, key: key) == nil)
        try Data("writ status snapshot 1\n{garbage\n".utf8).write(to: file)
        #expect(try Self.status(fixture) == cold)
        #expect(StatusSnapshot.load(from: file, key: key) != nil)
    }
}
