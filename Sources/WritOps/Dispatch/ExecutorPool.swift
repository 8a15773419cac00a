import Dispatch
import Foundation
import Synchronization

/// Runs executors side by side for one poll (`max_parallel`), each on a
/// thread of its own, and hands what each finished back to the poll's
/// thread in the order they finished.
///
/// A worker runs only what it is given: in the dispatcher, one execution
/// and the durable journal line of its outcome. It never sees the ops
/// repository (a libgit2 handle is used from one thread only), the profile
/// lock or the poll's state; claiming, publishing and renewing stay on the
/// poll's thread, which alone calls `start`, `next` and `outstanding`.
final class ExecutorPool<Finished: Sendable>: Sendable {
    private struct State {
        var finished: [Finished] = []
        /// Started and not yet taken back by `next`.
        var outstanding = 0
    }

    private let state = Mutex(State())
    /// Signalled once per finished run, after it is in `finished`.
    private let signal = DispatchSemaphore(value: 0)

    /// Runs started and not yet taken back by `next` (running, or finished
    /// and waiting to be taken).
    var outstanding: Int { state.withLock { $0.outstanding } }

    /// Starts `work` on a new thread; what it returns is kept for `next`.
    package func start(_ work: @escaping @Sendable () -> Finished) {
        state.withLock { $0.outstanding += 1 }
        let thread = Thread { [self] in
            let result = work()
            state.withLock { $0.finished.append(result) }
            signal.signal()
        }
        thread.name = "writ-executor"
        thread.start()
    }

    /// The next finished run, waiting at most `timeout` seconds for one;
    /// nil when none finished in time (or nothing is outstanding).
    package func next(timeout seconds: Double) -> Finished? {
        guard outstanding > 0 else { return nil }
        guard signal.wait(timeout: .now() + seconds) == .success else { return nil }
        return state.withLock { current in
            // `signal` is raised only after the append, so one is there.
            current.outstanding -= 1
            return current.finished.removeFirst()
        }
    }

    /// Every run that has finished and not been taken yet, without waiting.
    func takeFinished() -> [Finished] {
        var taken: [Finished] = []
        while let finished = next(timeout: 0) { taken.append(finished) }
        return taken
    }
}
