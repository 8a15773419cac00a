import Foundation

/// Work spread over every core, results in the input's order.
package enum ParallelWork {
    /// How many workers `count` items get: one per core, each with at
    /// least `minimumPerWorker` items.
    package static func workers(for count: Int, minimumPerWorker: Int) -> Int {
        min(ProcessInfo.processInfo.activeProcessorCount, max(1, count / max(1, minimumPerWorker)))
    }

    /// `items` mapped by `body` on every core (on the calling thread when
    /// they are fewer than `minimumPerWorker` per worker). `body` gets the
    /// worker's number, `0..<workers`, and must share nothing mutable.
    package static func map<Item: Sendable, Mapped: Sendable>(
        _ items: [Item], workers: Int, _ body: @escaping @Sendable (Item, Int) throws -> Mapped
    ) throws -> [Mapped] {
        guard workers > 1 else { return try items.map { try body($0, 0) } }
        let slots = ResultSlots<Mapped>(count: workers)
        defer { slots.release() }
        let chunk = (items.count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let range = min(worker * chunk, items.count)..<min((worker + 1) * chunk, items.count)
            slots.store(worker, Result { try items[range].map { try body($0, worker) } })
        }
        return try slots.results()
    }
}

/// One result slot per worker. Worker `i` alone writes slot `i`, through a
/// pointer rather than an array subscript so that no two threads ever
/// access one Swift value, and the slots are read only once every worker
/// has finished: that discipline is what makes the unchecked `Sendable`
/// sound.
private final class ResultSlots<Mapped>: @unchecked Sendable {
    private let count: Int
    private let slots: UnsafeMutablePointer<Result<[Mapped], any Error>?>

    package init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    package func store(_ worker: Int, _ result: Result<[Mapped], any Error>) { slots[worker] = result }

    /// Every worker's results in order; the first failure is thrown.
    package func results() throws -> [Mapped] {
        var all: [Mapped] = []
        for worker in 0..<count {
            guard let result = slots[worker] else { continue }
            all += try result.get()
        }
        return all
    }

    package func release() {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
}
