import Foundation
import WritCore
import WritGit
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The verification cache's file (`.git/writ/verified`): trusted only when
/// it is this user's own, written like every state file.
extension VerificationCache {
    package static let header = Array("writ-verified 1\n".utf8)

    /// The cache file of the repository whose git directory is `gitDirectory`.
    public static func file(inGitDirectory gitDirectory: String) -> URL {
        URL(fileURLWithPath: gitDirectory).appendingPathComponent("writ/verified")
    }

    /// Adds the entries of `file`, when it exists and can be trusted as
    /// this user's own and was not loaded before; returns how many were read. A file that is not
    /// this user's, is writable by group or others, or does not start
    /// with the header is ignored (and will be replaced by the next save).
    @discardableResult
    public func load(from file: URL) -> Int {
        load(named: file.standardizedFileURL.path) { Self.read(file) }
    }

    /// `load(from:)`, put off until a signature is first looked up: a
    /// `status` answered from its snapshot verifies nothing, so it does
    /// not read (and hash) a cache of every signature in the history.
    public func loadWhenNeeded(from file: URL) {
        loadWhenNeeded(named: file.standardizedFileURL.path) { Self.read(file) }
    }

    private static func read(_ file: URL) -> [Key] {
        guard let data = StateFiles.mapPrivate(file.path), data.count >= header.count,
            Array(data.prefix(header.count)) == header
        else { return [] }
        // A torn last record (a crash while appending) is dropped.
        let records = min((data.count - header.count) / 32, capacity)
        return data.withUnsafeBytes { raw in
            (0..<records).map { Key(raw, at: header.count + 32 * $0) }
        }
    }

    /// Appends the entries learnt since the last load or save to `file`,
    /// creating it (and its directory, mode 0700) when missing, or
    /// rewriting it when it cannot be trusted. Failing to save costs only
    /// speed: it never fails a command.
    public func save(to file: URL) {
        // Every insert reads the pending files first: with files still
        // pending, nothing was learnt and nothing is read or written.
        let fresh = takeUnsaved()
        guard !fresh.isEmpty else { return }
        let directory = file.deletingLastPathComponent()
        try? FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // A folder another user can write is never written into: what this
        // process saves there could be swapped before the next one reads it.
        guard StateFiles.isPrivateDirectory(directory.path) else { return }
        let appendable = Self.isPrivate(file.path) && Self.startsWithHeader(file)
        var bytes = appendable ? [UInt8]() : Self.header
        bytes.reserveCapacity(bytes.count + fresh.count * 32)
        for key in fresh { bytes += key.bytes }
        if appendable {
            guard let handle = try? FileHandle(forWritingTo: file) else { return }
            defer { try? handle.close() }
            // Align to whole records first, so a torn tail cannot shift them.
            guard let end = try? handle.seekToEnd() else { return }
            let aligned = UInt64(Self.header.count) + (end - UInt64(Self.header.count)) / 32 * 32
            try? handle.truncate(atOffset: aligned)
            try? handle.seek(toOffset: aligned)
            try? handle.write(contentsOf: Data(bytes))
        } else {
            // Everything known, written to a new private file, then renamed over.
            let all = allKeys
            var whole = Self.header
            whole.reserveCapacity(whole.count + all.count * 32)
            for key in all { whole += key.bytes }
            // Renamed into place and the directory flushed, like every
            // state file (StateFiles), mode 0600.
            try? StateFiles.write(Data(whole), to: file.path)
        }
    }

    /// Whether `path` is a regular file owned by this user that neither
    /// group nor others may write.
    static func isPrivate(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG && info.st_uid == geteuid() && (info.st_mode & 0o022) == 0
    }

    private static func startsWithHeader(_ file: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: header.count)).map { Array($0) == header } ?? false
    }
}

/// One signature to check ahead of the decisions that will ask about it.
struct PendingSignature: Sendable {
    package let armored: Data
    package let message: Data
    package let namespace: String
}

extension PendingSignature {
    /// The signatures one intent's decision checks: the intent's own and
    /// its approval records'.
    package static func decision(intent: Data, signature: Data?, approvals: [ApprovalEvidence]) -> [PendingSignature] {
        var pending: [PendingSignature] = []
        if let signature {
            pending.append(PendingSignature(armored: signature, message: intent, namespace: SignatureNamespace.intent))
        }
        for record in approvals {
            guard let signature = record.signature else { continue }
            pending.append(
                PendingSignature(armored: signature, message: record.bytes, namespace: SignatureNamespace.approval))
        }
        return pending
    }
}

extension VerificationCache {
    /// Verifies `signatures` cryptographically on all cores, so that the
    /// sequential decisions that follow find each valid one already
    /// known here. Invalid ones are simply not remembered: the decision that
    /// asks about them verifies again and reports the failure itself.
    func verifyInParallel(_ signatures: [PendingSignature]) {
        let workers = ParallelWork.workers(for: signatures.count, minimumPerWorker: 64)
        // `check` never throws: a failure is simply not remembered.
        _ = try? ParallelWork.map(signatures, workers: workers) { pending, _ in self.check(pending) }
    }

    private func check(_ pending: PendingSignature) {
        guard let signature = try? SSHSignature(armored: pending.armored) else { return }
        try? signature.verifyCryptographically(message: pending.message, namespace: pending.namespace, cache: self)
    }
}
