internal import Clibgit2

/// Process-wide libgit2 set-up, done once before the first libgit2 call.
///
/// Every entry point into the Git layer (opening or creating a repository,
/// reading the allocation counters) touches `ensure()`, so no caller has to
/// remember an explicit start-up step.
enum GitRuntime {
    /// The counting allocator must be in place before `git_libgit2_init`,
    /// and the owner check is switched off because writ runs as root over
    /// repositories owned by other users (a repository is opened by an
    /// explicit path, never discovered).
    private static let initialized: Void = {
        _ = writ_git_install_counting_allocator()
        _ = git_libgit2_init()
        _ = writ_git_set_owner_validation(0)
    }()

    static func ensure() {
        _ = initialized
    }
}

/// Counts of memory blocks libgit2 currently holds, for leak checks.
///
/// libgit2 allocates through a counting allocator writ installs at start-up.
/// A workload run on one thread can compare `liveBlocksOnCurrentThread`
/// before and after to show that it freed everything it caused, even while
/// other threads use libgit2.
public enum GitMemory {
    /// Blocks allocated by libgit2 and not yet freed, across the process.
    public static var liveBlocks: Int {
        GitRuntime.ensure()
        return Int(writ_git_live_allocations())
    }

    /// Blocks allocated on this thread minus blocks freed on this thread.
    public static var liveBlocksOnCurrentThread: Int {
        GitRuntime.ensure()
        return Int(writ_git_live_allocations_on_thread())
    }
}
