import Foundation
import WritCore

#if canImport(Glibc)
    import Glibc
#endif

/// Small durable files in the state dir: written to a temporary sibling,
/// flushed and renamed, and the directory flushed after the rename, so a
/// crash or power loss leaves either the old or the new file, never neither.
///
/// Every failure is a `RuntimeError` naming the path: the dispatcher cannot
/// keep its at-most-once promise without its state, so it stops the poll.
package enum StateFiles {
    /// Writes `data` to `path` through a renamed temporary sibling. With
    /// `flush` false the file and the rename are not flushed: it survives
    /// the process dying, and survives a power loss only once
    /// `flushFileSystem` has run (`StateStore` does before the state file
    /// that refers to it is written).
    package static func write(_ data: Data, to path: String, flush: Bool = true) throws {
        try write([data], to: path, flush: flush)
    }

    /// `write(_:to:flush:)` of the parts one after another, so that a
    /// large file made of parts (the status snapshot) is never copied into
    /// one buffer first.
    package static func write(_ parts: [Data], to path: String, flush: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try ensureDirectory(directory)
        let temporary = path + ".tmp.\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot create", temporary) }
        let written = parts.allSatisfy { FileDescriptorIO.writeAll($0, to: descriptor) == 0 }
        let synced = !flush || fsync(descriptor) == 0
        close(descriptor)
        guard written, synced else {
            let error = failure("cannot write", temporary)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename into place", path)
            unlink(temporary)
            throw error
        }
        // The rename is durable only once the directory entry is.
        if flush { try syncDirectory(directory) }
    }

    package static func writeJSON<T: Encodable>(_ value: T, to path: String, flush: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try write(try encoder.encode(value) + Data("\n".utf8), to: path, flush: flush)
    }

    /// Flushes everything written so far to the file system holding `path`
    /// (`syncfs`): one flush for many files written with `flush` false,
    /// where flushing each would cost a disk round trip per file.
    package static func flushFileSystem(containing path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open the directory", path) }
        defer { close(descriptor) }
        guard let syncfs = FileSystemSync.syncfs else {
            // No syncfs in this C library: flush every file system.
            sync()
            return
        }
        guard syncfs(descriptor) == 0 else { throw failure("cannot flush the file system of", path) }
    }

    package static func readJSON<T: Decodable>(_ type: T.Type, from path: String) throws -> T? {
        guard let data = try read(path) else { return nil }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw RuntimeError.stateDir("\(path) is corrupt (\(String(describing: error).prefix(200)))", path: path)
        }
    }

    /// The file's bytes mapped read-only, nil when it cannot be opened or
    /// mapped: for a large file read once (the status snapshot), where
    /// reading would copy every byte into fresh memory first. The mapping
    /// is private: a file renamed over it later leaves these bytes as they
    /// were. Only for files this process's user alone may write, since a
    /// file cut short under a mapping faults on the bytes it lost.
    /// `path`'s bytes, mapped, when it is this user's own private file in
    /// this user's own private folder (`isPrivateDirectory`), nil
    /// otherwise: for a cache or snapshot whose contents writ trusts.
    ///
    /// Judged on the open descriptor, not the path: the file is opened
    /// without following a symlink (`O_NOFOLLOW`), and `fstat` of that very
    /// descriptor must show a regular file owned by this user that neither
    /// group nor others may write. A check by path and a later open by path
    /// would let another user who can write the folder swap the file in
    /// between (a forged cache entry making an approval count in `status`).
    package static func mapPrivate(_ path: String) -> Data? {
        guard isPrivateDirectory((path as NSString).deletingLastPathComponent) else { return nil }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_uid == geteuid(),
            status.st_mode & 0o022 == 0
        else { return nil }
        return map(descriptor: descriptor, size: Int(status.st_size))
    }

    /// Whether `path` is a directory (not a symlink to one) owned by this
    /// user that neither group nor others may write: nobody else can then
    /// replace what is in it.
    package static func isPrivateDirectory(_ path: String) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else { return false }
        return (status.st_mode & S_IFMT) == S_IFDIR && status.st_uid == geteuid() && status.st_mode & 0o022 == 0
    }

    private static func map(descriptor: Int32, size: Int) -> Data? {
        guard size > 0 else { return Data() }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            return nil
        }
        return Data(bytesNoCopy: base, count: size, deallocator: .custom { pointer, count in munmap(pointer, count) })
    }

    package static func map(_ path: String) -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return map(descriptor: descriptor, size: Int(status.st_size))
    }

    /// The file's bytes, nil when it does not exist; any other failure throws.
    package static func read(_ path: String) throws -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw failure("cannot open", path)
        }
        defer { close(descriptor) }
        // Read straight into one buffer of the file's size (a large status
        // snapshot is tens of MB); a file that grows meanwhile is read on.
        var status = stat()
        let (data, error) = FileDescriptorIO.readToEnd(
            descriptor, expected: fstat(descriptor, &status) == 0 ? Int(status.st_size) : 64 * 1024)
        guard error == 0 else {
            errno = error
            throw failure("cannot read", path)
        }
        return data
    }

    /// How far an append is flushed before `append` returns.
    package enum AppendFlush {
        /// Not at all: the append survives the process dying, not the
        /// machine losing power.
        case none
        /// The file's contents, and with them every earlier unflushed
        /// append; for a file whose directory entry is already durable.
        case contents
        /// The contents and the file's directory entry: the file may be new.
        case contentsAndEntry
    }

    /// Appends `data` to `path` (created if needed), flushed as `flush` says.
    package static func append(_ data: Data, to path: String, flush: AppendFlush) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try ensureDirectory(directory)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot open", path) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = flush == .none || fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, synced else { throw failure("cannot append to", path) }
        if flush == .contentsAndEntry { try syncDirectory(directory) }
    }

    /// Creates `directory` and its parents; a failure names the directory.
    package static func ensureDirectory(_ directory: String) throws {
        var status = stat()
        if stat(directory, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError.stateDir(
                "cannot create the directory \(directory) (\(Self.describe(error)))", path: directory)
        }
    }

    /// Flushes a directory's entries (a rename or a new file in it).
    static func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open the directory", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("cannot flush the directory", directory) }
    }

    private static func failure(_ what: String, _ path: String) -> RuntimeError {
        RuntimeError.stateDir("\(what) \(path): \(String(cString: strerror(errno)))", path: path)
    }

    /// A Foundation error in one line (never the `NSCocoaErrorDomain` dump).
    package static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        switch nsError.code {
        case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "permission denied"
        case NSFileWriteOutOfSpaceError: return "no space left on the device"
        case NSFileWriteFileExistsError: return "a file is in the way"
        default: return "error \(nsError.code)"
        }
    }
}

/// `syncfs`, a GNU extension the Swift C-library module does not expose,
/// looked up once at run time.
private enum FileSystemSync {
    typealias SyncFS = @convention(c) (Int32) -> Int32
    static let syncfs: SyncFS? = dlsym(nil, "syncfs").map { unsafeBitCast($0, to: SyncFS.self) }
}
