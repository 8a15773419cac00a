import Foundation

/// Waits that never hold a thread of Swift's cooperative pool: the test
/// process runs every test on that pool (two threads on a two-core
/// machine), so a test blocked in `DispatchSemaphore.wait` or
/// `DispatchGroup.wait` would stall every other test. An async test awaits
/// these instead; the blocking, where there is any, happens on a thread of
/// its own.
extension DispatchSemaphore {
    /// `wait()` on a thread of its own.
    func waitOffPool() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                self.wait()
                continuation.resume()
            }
        }
    }
}

extension DispatchGroup {
    /// Resumes once every entered block has left; no thread waits meanwhile.
    func waitOffPool() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            notify(queue: .global()) { continuation.resume() }
        }
    }
}

/// Work that needs a thread of its own (a large stack, blocking calls).
enum OwnThread {
    /// Runs `body` on a new thread with `stackSize` bytes of stack and
    /// returns its result once it is done.
    static func run<T: Sendable>(stackSize: Int, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = stackSize
            thread.start()
        }
    }
}
