import Foundation
import Synchronization
import WritCore
import WritOps

/// The reading commands' verification cache, `.git/writ/verified` of the
/// ops repo they read: the cache the command's ``OpsRepo`` carries, read at
/// the first signature looked up, saved when the process exits, whatever
/// its exit status (docs/audit.md).
enum CachedVerification {
    /// The cache to save at exit and its file; atexit handlers capture nothing.
    private static let attached = Mutex<(cache: VerificationCache, file: URL)?>(nil)

    /// Loads the cache file of `ops` into the cache it carries, and saves
    /// what this process learns there at exit.
    static func attach(_ ops: OpsRepo) {
        let url = VerificationCache.file(inGitDirectory: ops.repository.gitDirectory)
        let first = attached.withLock { current -> Bool in
            defer { current = (ops.verificationCache, url) }
            return current == nil
        }
        ops.verificationCache.loadWhenNeeded(from: url)
        if first { atexit { CachedVerification.save() } }
    }

    private static func save() {
        guard let (cache, url) = attached.withLock({ $0 }) else { return }
        cache.save(to: url)
    }
}
