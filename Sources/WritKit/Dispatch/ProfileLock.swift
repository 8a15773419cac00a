import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One dispatcher per profile at a time (SPEC §6): the file
/// `{state_dir}/writ.{profile}.lock` holds the owner's pid, host, start
/// time and TTL.
///
/// Taking it is an exclusive create; a live lock means `lock_contended`
/// before anything is written. A stale lock (its process is gone on this
/// host, or its TTL has passed) is replaced, and the recovery is reported.
public final class ProfileLock {
    /// What the lock file says.
    public struct Holder: Sendable, Codable, Equatable {
        public let pid: Int32
        public let host: String
        public let startedAt: Timestamp
        public let ttlSeconds: Int64

        enum CodingKeys: String, CodingKey {
            case pid, host
            case startedAt = "started_at"
            case ttlSeconds = "ttl_seconds"
        }
    }

    /// What happened when the lock was taken, for the run report.
    public struct Acquisition: Sendable, Codable, Equatable {
        public let recovered: Bool
        /// The stale holder that was replaced, when `recovered`.
        public let previous: Holder?
        public let path: String
    }

    public let path: String
    public let acquisition: Acquisition
    private var released = false

    private init(path: String, acquisition: Acquisition) {
        self.path = path
        self.acquisition = acquisition
    }

    deinit { release() }

    /// Takes the lock or throws `lock_contended`.
    ///
    /// Deciding and replacing happen under a short `flock` on a side file
    /// (`.guard`), which the kernel drops if the process dies, so two
    /// dispatchers that find the same stale lock cannot both replace it.
    public static func acquire(stateDir: String, profile: String, ttlSeconds: Int64, now: Date = Date()) throws -> ProfileLock {
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        let path = (stateDir as NSString).appendingPathComponent("writ.\(profile).lock")
        let guardDescriptor = open(path + ".guard", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard guardDescriptor >= 0 else {
            throw WritError(.lockContended, "cannot open \(path).guard: \(String(cString: strerror(errno)))")
        }
        defer { close(guardDescriptor) }
        guard flock(guardDescriptor, LOCK_EX) == 0 else {
            throw WritError(.lockContended, "cannot lock \(path).guard: \(String(cString: strerror(errno)))")
        }
        defer { flock(guardDescriptor, LOCK_UN) }

        let me = Holder(pid: getpid(), host: hostName(), startedAt: Timestamp(now), ttlSeconds: ttlSeconds)
        if try create(path, holder: me) {
            return ProfileLock(path: path, acquisition: Acquisition(recovered: false, previous: nil, path: path))
        }
        let existing = read(path)
        if let existing, isLive(existing, now: now) {
            throw WritError(
                .lockContended,
                "profile '\(profile)' is locked by pid \(existing.pid) on \(existing.host) since \(existing.startedAt)")
        }
        // Stale, or unreadable after a crash mid-write: replace it.
        unlink(path)
        guard try create(path, holder: me) else {
            throw WritError(.lockContended, "profile '\(profile)' lock was taken while recovering it")
        }
        return ProfileLock(path: path, acquisition: Acquisition(recovered: true, previous: existing, path: path))
    }

    /// Removes the lock file if it is still ours.
    public func release() {
        guard !released else { return }
        released = true
        if let holder = Self.read(path), holder.pid == getpid(), holder.host == Self.hostName() {
            unlink(path)
        }
    }

    /// A holder is live while its TTL has not passed and, on this host, its
    /// process still exists. On another host only the TTL can tell.
    static func isLive(_ holder: Holder, now: Date) -> Bool {
        if holder.startedAt.adding(seconds: holder.ttlSeconds) <= Timestamp(now) { return false }
        if holder.host == hostName() {
            return kill(holder.pid, 0) == 0 || errno == EPERM
        }
        return true
    }

    private static func create(_ path: String, holder: Holder) throws -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            if errno == EEXIST { return false }
            throw WritError(.lockContended, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try encoder.encode(holder)) + Data("\n".utf8)
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw WritError(.lockContended, "cannot write \(path)")
        }
        return true
    }

    static func read(_ path: String) -> Holder? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 4096 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: data)
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
