import Foundation
import Synchronization
import WritKit

/// The reading commands' verification cache, `.git/writ/verified` of the
/// ops repo they read: read at the first signature looked up, saved when the
/// process exits, whatever its exit status (docs/audit.md).
enum CachedVerification {
    private static let file = Mutex<URL?>(nil)

    /// Loads the cache of `ops` and saves what this process learns at exit.
    static func attach(_ ops: OpsRepo) {
        let url = VerificationCache.file(inGitDirectory: ops.repository.gitDirectory)
        let first = file.withLock { current -> Bool in
            defer { current = url }
            return current == nil
        }
        VerificationCache.shared.loadWhenNeeded(from: url)
        if first { atexit { CachedVerification.save() } }
    }

    private static func save() {
        guard let url = file.withLock({ $0 }) else { return }
        VerificationCache.shared.save(to: url)
    }
}
