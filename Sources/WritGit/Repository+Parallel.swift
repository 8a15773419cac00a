import Foundation
import WritSystem

/// Repositories for workers that read the object store side by side
/// (`ParallelWork.map`), opened on first need and reused for every batch
/// after: a libgit2 repository must not be used by two threads at once, so
/// each worker reads through one of its own, and worker 0 through `base`.
///
/// `map` is called from one thread at a time; the list of repositories
/// grows only there, before any worker starts, and worker `i` alone uses
/// repository `i`: that discipline is what makes the unchecked `Sendable`
/// sound.
package final class RepositoryWorkers: @unchecked Sendable {
    private let base: Repository
    private var opened: [Repository] = []

    package init(_ base: Repository) { self.base = base }

    /// `items` mapped by `body` on every core, results in the items' order;
    /// fewer than `minimumPerWorker` items per worker run on the calling
    /// thread. `body` must touch no other repository and share nothing mutable.
    package func map<Item: Sendable, Mapped: Sendable>(
        _ items: some Collection<Item>, minimumPerWorker: Int = 64,
        _ body: @escaping @Sendable (Item, Repository) throws -> Mapped
    ) throws -> [Mapped] {
        let items = Array(items)
        let workers = ParallelWork.workers(for: items.count, minimumPerWorker: minimumPerWorker)
        guard workers > 1 else { return try items.map { try body($0, base) } }
        while opened.count < workers - 1 { opened.append(try Repository.open(at: base.gitDirectory)) }
        return try ParallelWork.map(items, workers: workers) { item, worker in
            try body(item, self.repository(worker))
        }
    }

    private func repository(_ worker: Int) -> Repository { worker == 0 ? base : opened[worker - 1] }
}
