internal import CWritGit
internal import Clibgit2
import Foundation

/// Process-wide libgit2 set-up, done once before the first libgit2 call.
///
/// Every entry point into the Git layer (opening or creating a repository,
/// reading the allocation counters) touches `ensure()`, so no caller has to
/// remember an explicit start-up step.
package enum GitRuntime {
    /// The environment variable that turns libgit2's counting allocator on
    /// (`1`), for leak checks: `scripts/test` and `scripts/leakcheck.sh` set
    /// it; a production process never counts.
    static let countingVariable = "WRIT_GIT_COUNT_ALLOCATIONS"

    /// An allocator must be in place before `git_libgit2_init`, and the
    /// owner check is switched off because writ runs as root over
    /// repositories owned by other users (a repository is opened by an
    /// explicit path, never discovered).
    /// Done once per process; its value says whether allocations are counted.
    package static let counting: Bool = {
        var counting = false
        if ProcessInfo.processInfo.environment[countingVariable] == "1" {
            counting = writ_git_install_counting_allocator() == 0
        }
        _ = git_libgit2_init()
        _ = writ_git_set_owner_validation(0)
        // What writ writes must survive a power loss (SPEC §6): every loose
        // object, pack, index and ref libgit2 writes is flushed before it is
        // renamed into place, and its folder after.
        _ = writ_git_set_fsync_gitdir(1)
        // writ reads most objects once, in walks over long histories: a
        // small cache keeps the trees read again and again (the fan-out
        // trees of a large ledger, tens of KB each, above libgit2's 4 KB
        // default per tree) without holding the history in memory.
        _ = writ_git_set_cache_max_size(cacheBytes)
        _ = writ_git_set_cache_object_limit(GIT_OBJECT_TREE, 256 * 1024)
        return counting
    }()

    /// The most bytes libgit2's object cache holds.
    static let cacheBytes = 4 * 1024 * 1024

    static func ensure() {
        _ = counting
    }

    /// Turns libgit2's flushing of what it writes off (or on again), for
    /// the whole process. Only the bulk loaders that build throwaway
    /// repositories for benchmarks and scale tests turn it off: writ's
    /// own commands always flush.
    package static func setFlushing(_ enabled: Bool) {
        ensure()
        _ = writ_git_set_fsync_gitdir(enabled ? 1 : 0)
    }
}

/// Counts of memory blocks libgit2 currently holds, for leak checks.
///
/// Only when the process was started with `WRIT_GIT_COUNT_ALLOCATIONS=1`
/// does libgit2 allocate through a counting allocator (installed before
/// libgit2 starts); otherwise the counts stay 0 and `isCounting` is false.
/// A workload run on one thread can compare `liveBlocksOnCurrentThread`
/// before and after to show that it freed everything it caused, even while
/// other threads use libgit2.
package enum GitMemory {
    /// Whether allocations are counted in this process.
    package static var isCounting: Bool { GitRuntime.counting }

    /// Blocks allocated by libgit2 and not yet freed, across the process.
    package static var liveBlocks: Int {
        GitRuntime.ensure()
        return Int(writ_git_live_allocations())
    }

    /// Blocks allocated on this thread minus blocks freed on this thread.
    package static var liveBlocksOnCurrentThread: Int {
        GitRuntime.ensure()
        return Int(writ_git_live_allocations_on_thread())
    }
}
