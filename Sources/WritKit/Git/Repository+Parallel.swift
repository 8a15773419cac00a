import Foundation

extension Repository {
    /// `items` mapped by `body` on every core, results in the items' order
    /// (`ParallelWork.map`).
    ///
    /// A libgit2 repository must not be used by two threads at once, so
    /// each worker gets a repository of its own, opened on the same git
    /// directory (the first worker uses this one). `body` must touch no
    /// other repository and share nothing mutable.
    func parallelMap<Item: Sendable, Mapped: Sendable>(
        _ items: some Collection<Item>, minimumPerWorker: Int = 64,
        _ body: @escaping @Sendable (Item, Repository) throws -> Mapped
    ) throws -> [Mapped] {
        let items = Array(items)
        let workers = ParallelWork.workers(for: items.count, minimumPerWorker: minimumPerWorker)
        guard workers > 1 else { return try items.map { try body($0, self) } }
        var repositories = [self]
        for _ in 1..<workers { repositories.append(try Repository.open(at: gitDirectory)) }
        let lanes = RepositoryLanes(repositories)
        return try ParallelWork.map(items, workers: workers) { item, worker in
            try body(item, lanes.repository(worker))
        }
    }
}

/// One repository per worker: worker `i` alone uses repository `i`, which
/// is what makes the unchecked `Sendable` sound.
private final class RepositoryLanes: @unchecked Sendable {
    private let repositories: [Repository]
    init(_ repositories: [Repository]) { self.repositories = repositories }
    func repository(_ worker: Int) -> Repository { repositories[worker] }
}
