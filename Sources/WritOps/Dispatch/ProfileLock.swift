import Foundation
import WritCore
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One dispatcher per profile at a time (SPEC §6): the file
/// `{state_dir}/writ.{profile}.lock` holds the owner's pid, host, start
/// time and TTL.
///
/// Taking it is an exclusive create; a live lock means `lock_contended`
/// before anything is written. Who is live:
/// - on this host, the holder's process: its pid exists and (when the lock
///   records it) started when the lock says, so a recycled pid is not taken
///   for the holder. A live process is never displaced, however old its
///   lock: an executor may legitimately run for a long time.
/// - on another host (a shared state dir), only the TTL can tell: the
///   holder renews the lock (`renew`) before every execution, and the
///   config refuses a `lock_ttl` that does not outlive the longest
///   executor timeout.
/// A stale lock is replaced, and the recovery is reported.
package final class ProfileLock {
    /// What the lock file says.
    package struct Holder: Sendable, Codable, Equatable {
        package let pid: Int32
        let host: String
        let startedAt: Timestamp
        let ttlSeconds: Int64
        /// When the holder last renewed the lock; nil until the first renewal.
        var renewedAt: Timestamp?
        /// The holder process's start time in clock ticks since boot
        /// (`/proc/<pid>/stat`), which tells a recycled pid apart.
        let processStart: UInt64?

        package enum CodingKeys: String, CodingKey {
            case pid, host
            case startedAt = "started_at"
            case ttlSeconds = "ttl_seconds"
            case renewedAt = "renewed_at"
            case processStart = "process_start"
        }

        /// The TTL runs from the last renewal.
        package var expiresAt: Timestamp { (renewedAt ?? startedAt).adding(seconds: ttlSeconds) }
    }

    /// What happened when the lock was taken, for the run report.
    package struct Acquisition: Sendable, Codable, Equatable {
        package let recovered: Bool
        /// The stale holder that was replaced, when `recovered`.
        let previous: Holder?
        package let path: String
    }

    package let path: String
    let acquisition: Acquisition
    private var holder: Holder
    private var released = false

    private init(path: String, holder: Holder, acquisition: Acquisition) {
        self.path = path
        self.holder = holder
        self.acquisition = acquisition
    }

    deinit { release() }

    /// Takes the lock or throws `lock_contended`; a state dir that cannot be
    /// used is a `RuntimeError`, never `lock_contended`.
    ///
    /// Deciding and replacing happen under a short `flock` on a side file
    /// (`.guard`), which the kernel drops if the process dies, so two
    /// dispatchers that find the same stale lock cannot both replace it.
    static func acquire(stateDir: String, profile: String, ttlSeconds: Int64, now: Date = Date()) throws
        -> ProfileLock
    {
        try StateFiles.ensureDirectory(stateDir)
        let path = (stateDir as NSString).appendingPathComponent("writ.\(profile).lock")
        return try withGuard(path) {
            let me = Holder(
                pid: getpid(), host: hostName(), startedAt: Timestamp(now), ttlSeconds: ttlSeconds, renewedAt: nil,
                processStart: processStart(getpid()))
            if try create(path, holder: me) {
                return ProfileLock(
                    path: path, holder: me, acquisition: Acquisition(recovered: false, previous: nil, path: path))
            }
            let existing = try holder(at: path)
            if let existing, isLive(existing, now: now) {
                throw WritError(
                    .lockContended,
                    "profile '\(profile)' is locked by pid \(existing.pid) on \(existing.host) since \(existing.startedAt)"
                )
            }
            // Stale, or unreadable after a crash mid-write: replace it.
            unlink(path)
            guard try create(path, holder: me) else {
                throw WritError(.lockContended, "profile '\(profile)' lock was taken while recovering it")
            }
            return ProfileLock(
                path: path, holder: me, acquisition: Acquisition(recovered: true, previous: existing, path: path))
        }
    }

    /// Renewals closer together than this only check the lock: rewriting
    /// it (a flushed file and directory) for every intent of a fast batch
    /// would keep it no fresher that matters, since `lock_ttl` is minutes.
    static let rewriteInterval: Int64 = 1

    /// Extends the lock's TTL from `now`. Throws when the lock is no longer
    /// this process's (another host decided it was stale and took it):
    /// then nothing more may be claimed in this poll. Always checks; writes
    /// only when the last renewal is `rewriteInterval` old or more.
    func renew(now: Date = Date()) throws {
        try Self.withGuard(path) {
            guard let current = try Self.holder(at: path), current.pid == holder.pid, current.host == holder.host,
                current.startedAt == holder.startedAt
            else {
                throw RuntimeError(
                    "the profile lock \(path) was taken over by another dispatcher while this one held it",
                    fix: "lock_ttl in dispatcher.toml (it must outlive every executor run)")
            }
            let last = holder.renewedAt ?? holder.startedAt
            guard last.adding(seconds: Self.rewriteInterval) <= Timestamp(now) else { return }
            var renewed = holder
            renewed.renewedAt = Timestamp(now)
            try Self.replace(path, holder: renewed)
            holder = renewed
        }
    }

    /// Removes the lock file if it is still ours.
    func release() {
        guard !released else { return }
        released = true
        // Runs from deinit, so it cannot throw: a lock file that cannot be
        // read is left where it is, since only a file provably ours is removed.
        if let current = Self.read(path), current.pid == holder.pid, current.host == holder.host,
            current.startedAt == holder.startedAt
        {
            unlink(path)
        }
    }

    /// Whether `holder` still holds the lock at `now` (see the type's comment).
    static func isLive(_ holder: Holder, now: Date) -> Bool {
        guard holder.host == hostName() else { return holder.expiresAt > Timestamp(now) }
        guard kill(holder.pid, 0) == 0 || errno == EPERM else { return false }
        if let recorded = holder.processStart, let actual = processStart(holder.pid) {
            return recorded == actual
        }
        return true
    }

    private static func withGuard<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let guardPath = path + ".guard"
        let descriptor = open(guardPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RuntimeError.stateDir(
                "cannot open \(guardPath): \(String(cString: strerror(errno)))", path: guardPath)
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw RuntimeError.stateDir(
                    "cannot lock \(guardPath): \(String(cString: strerror(errno)))", path: guardPath)
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private static func encode(_ holder: Holder) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try encoder.encode(holder)) + Data("\n".utf8)
    }

    private static func create(_ path: String, holder: Holder) throws -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            if errno == EEXIST { return false }
            throw RuntimeError.stateDir("cannot create \(path): \(String(cString: strerror(errno)))", path: path)
        }
        defer { close(descriptor) }
        let data = try encode(holder)
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            let error = RuntimeError.stateDir("cannot write \(path): \(String(cString: strerror(errno)))", path: path)
            unlink(path)
            throw error
        }
        return true
    }

    /// Rewrites the lock file in place of the old one (temporary + rename),
    /// so a reader never sees it half-written.
    private static func replace(_ path: String, holder: Holder) throws {
        try StateFiles.write(try encode(holder), to: path)
    }

    /// The holder the lock file at `path` names; nil when there is no lock
    /// file, or when what it holds is no holder (torn by a crash
    /// mid-write, or garbage): such a lock is stale and is replaced. A lock
    /// file that is there and cannot be read throws a `RuntimeError`: a
    /// state dir that cannot be used is never taken for a stale lock, nor
    /// reported as `lock_contended`.
    static func holder(at path: String) throws -> Holder? {
        guard let data = try StateFiles.read(path), data.count < 4096 else { return nil }
        // Bytes that are no holder are the stale case above, not an error.
        return try? JSONDecoder().decode(Holder.self, from: data)
    }

    /// ``holder(at:)``, nil also when the file cannot be read: for
    /// `release`, which runs from deinit and cannot throw, and only ever
    /// removes a lock file it can read and prove its own.
    package static func read(_ path: String) -> Holder? {
        try? holder(at: path)
    }

    /// Field 22 of `/proc/<pid>/stat`, the process start time; nil where
    /// `/proc` is not available.
    static func processStart(_ pid: Int32) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) is parenthesised and may hold spaces.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
