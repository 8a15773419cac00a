import Dispatch
import Foundation
import Synchronization
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `ExecutionScheduler` on its own, with work that waits on semaphores
/// instead of executors: at most `maxParallel` at once, every finished run
/// handed to `publish`, the lock renewed while the poll waits, and nothing
/// published after a failure.
@Suite struct ExecutionSchedulerTests {
    /// Work that finishes as `name` once `gate` is signalled, or as
    /// `name-timeout` when two minutes pass first: a scheduler that never
    /// releases it fails the test instead of hanging it.
    private static func work(_ name: String, _ gate: DispatchSemaphore) -> @Sendable () -> String {
        { gate.wait(timeout: .now() + 120) == .success ? name : name + "-timeout" }
    }

    @Test func oneAtATimeRunsNothingOnAPool() throws {
        let serial = ExecutionScheduler<String>(maxParallel: 1, renewalInterval: 1)
        #expect(!serial.isParallel)
        let dry = ExecutionScheduler<String>(maxParallel: 4, renewalInterval: 1, dryRun: true)
        #expect(!dry.isParallel)
        var published = 0
        try serial.drain(publish: { _ in published += 1 }, renew: { published += 1 })
        #expect(published == 0)
        #expect(ExecutionScheduler<String>.renewalInterval(lockTTLSeconds: 600) == 30)
        #expect(ExecutionScheduler<String>.renewalInterval(lockTTLSeconds: 20) == 5)
        #expect(ExecutionScheduler<String>.renewalInterval(lockTTLSeconds: 2) == 1)
    }

    /// With both slots taken, waiting for a slot returns only once a run
    /// finished, and that run's outcome is published on the way.
    @Test func waitingForASlotPublishesWhatFinished() throws {
        let scheduler = ExecutionScheduler<String>(maxParallel: 2, renewalInterval: 0.01)
        let pool = try #require(scheduler.pool)
        let first = DispatchSemaphore(value: 0)
        let second = DispatchSemaphore(value: 0)
        scheduler.start(Self.work("first", first))
        scheduler.start(Self.work("second", second))
        first.signal()
        var published: [[String]] = []
        try scheduler.waitForSlot(publish: { published.append($0) }, renew: {})
        #expect(published.flatMap { $0 } == ["first"])
        #expect(pool.outstanding == 1, "a slot is free and the other run still runs")

        second.signal()
        try scheduler.drain(publish: { published.append($0) }, renew: {})
        #expect(published.flatMap { $0 } == ["first", "second"])
        #expect(pool.outstanding == 0)
    }

    /// The poll's thread renews the lock while it waits: here the run ends
    /// only once the lock was renewed three times.
    @Test func waitingRenewsTheLockUntilTheRunEnds() throws {
        let scheduler = ExecutionScheduler<String>(maxParallel: 2, renewalInterval: 0.01)
        let gate = DispatchSemaphore(value: 0)
        scheduler.start(Self.work("long", gate))
        var renewals = 0
        var published: [String] = []
        try scheduler.drain(
            publish: { published += $0 },
            renew: {
                renewals += 1
                if renewals == 3 { gate.signal() }
            })
        #expect(published == ["long"])
        #expect(renewals >= 3)
    }

    /// A renewal that fails (the lock was taken over) stops the wait with
    /// its error.
    @Test func aFailedRenewalStopsTheWait() throws {
        struct TakenOver: Error {}
        let scheduler = ExecutionScheduler<String>(maxParallel: 2, renewalInterval: 0.01)
        let gate = DispatchSemaphore(value: 0)
        scheduler.start(Self.work("long", gate))
        #expect(throws: TakenOver.self) {
            try scheduler.drain(publish: { _ in }, renew: { throw TakenOver() })
        }
        gate.signal()
        scheduler.abandon {}
        #expect(scheduler.pool?.outstanding == 0)
    }

    /// After a failure every run is waited for, with the lock renewed
    /// meanwhile, and none is published.
    @Test func abandoningWaitsForEveryRunAndPublishesNone() throws {
        let scheduler = ExecutionScheduler<String>(maxParallel: 3, renewalInterval: 0.01)
        let gate = DispatchSemaphore(value: 0)
        let finished = Mutex(0)
        for name in ["a", "b"] {
            let work = Self.work(name, gate)
            scheduler.start {
                let result = work()
                finished.withLock { $0 += 1 }
                return result
            }
        }
        var renewals = 0
        scheduler.abandon {
            renewals += 1
            if renewals == 1 {
                gate.signal()
                gate.signal()
            }
        }
        #expect(renewals >= 1)
        #expect(finished.withLock { $0 } == 2)
        #expect(scheduler.pool?.outstanding == 0)
        var published: [String] = []
        try scheduler.publishFinished { published += $0 }
        #expect(published.isEmpty, "what abandon waited for is not handed out again")
    }
}
