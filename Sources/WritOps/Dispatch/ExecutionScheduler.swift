import Foundation

/// When executors run: one at a time on the poll's thread, or side by side
/// on workers (`max_parallel` > 1), and when the poll's thread publishes
/// what they finished and renews the profile lock.
///
/// Invariants: with executors side by side, never more than `maxParallel`
/// run at once (a slot is free before a claim is made, so a claim never
/// waits for its executor to start); while the poll's thread waits for
/// them, the lock is renewed at least every `renewalInterval`; every
/// finished run is handed to `publish` on the poll's thread, never on a
/// worker; and after a failure the poll waits for every run to end, without
/// publishing, before it may release the lock.
struct ExecutionScheduler<Finished: Sendable> {
    /// The executors running side by side; nil runs each one on the poll's
    /// thread, one at a time.
    let pool: ExecutorPool<Finished>?
    let maxParallel: Int
    /// How long the poll's thread waits for an executor to finish before it
    /// renews the profile lock.
    let renewalInterval: Double

    /// `dryRun`: nothing runs, so no pool either.
    init(maxParallel: Int, renewalInterval: Double, dryRun: Bool = false) {
        self.maxParallel = maxParallel
        self.renewalInterval = renewalInterval
        pool = maxParallel > 1 && !dryRun ? ExecutorPool() : nil
    }

    /// A quarter of the lock's TTL, at most 30 s, so the lock stays fresh
    /// however long the executors run.
    static func renewalInterval(lockTTLSeconds: Int64) -> Double {
        min(30, max(1, Double(lockTTLSeconds) / 4))
    }

    /// Whether executors run side by side.
    var isParallel: Bool { pool != nil }

    /// Starts `work` on a worker; only when `isParallel`.
    package func start(_ work: @escaping @Sendable () -> Finished) {
        pool?.start(work)
    }

    /// Hands every run that has finished to `publish`, in one batch, without
    /// waiting.
    func publishFinished(_ publish: ([Finished]) throws -> Void) throws {
        guard let pool else { return }
        try publish(pool.takeFinished())
    }

    /// Waits until fewer than `maxParallel` executors run, publishing
    /// outcomes as they come and renewing the lock while it waits.
    func waitForSlot(publish: ([Finished]) throws -> Void, renew: () throws -> Void) throws {
        guard let pool else { return }
        try publish(pool.takeFinished())
        while pool.outstanding >= maxParallel { try awaitFinished(pool, publish: publish, renew: renew) }
    }

    /// Waits for every running executor and publishes its outcome.
    func drain(publish: ([Finished]) throws -> Void, renew: () throws -> Void) throws {
        guard let pool else { return }
        while pool.outstanding > 0 { try awaitFinished(pool, publish: publish, renew: renew) }
    }

    /// After a failure: waits for every running executor without publishing
    /// anything more. Each worker has written its outcome to its journal
    /// before it finished, so the next poll publishes it; a worker that
    /// could not (its state dir failed) leaves a claim that goes in doubt.
    func abandon(renew: () -> Void) {
        guard let pool else { return }
        while pool.outstanding > 0 {
            // Keeps the lock while executors still run.
            if pool.next(timeout: renewalInterval) == nil { renew() }
        }
    }

    /// Waits up to `renewalInterval` for an executor to finish and publishes
    /// its outcome with those of any others that finished meanwhile; renews
    /// the lock when none did.
    private func awaitFinished(
        _ pool: ExecutorPool<Finished>, publish: ([Finished]) throws -> Void, renew: () throws -> Void
    ) throws {
        if let finished = pool.next(timeout: renewalInterval) {
            try publish([finished] + pool.takeFinished())
        } else {
            try renew()
        }
    }
}
