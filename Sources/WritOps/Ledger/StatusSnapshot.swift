import Foundation
import WritCore
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// What one `writ status` learnt, kept so the next one reads only what is
/// new (docs/status.md): the ledger walk's cursor, the files and events of
/// every intent still decided afresh each time, and the status lines of
/// intents whose row can no longer change.
///
/// A row is kept only when nothing but new history could change it: the
/// intent settled as succeeded or failed, and it has no approval records
/// (whose expiry and key validity follow the clock). The snapshot holds
/// for one trust root, one governance head and one writ version; any other
/// key, a ledger head that does not descend from its cursor, a new event
/// for a kept intent, or an append-only violation, and `status` decides
/// everything from the start. It is safe to delete.
struct StatusSnapshot: Sendable {
    /// What the snapshot was made under; it is used only under the same.
    struct Key: Codable, Equatable, Sendable {
        package var version: String
        package var trustRoot: ObjectID
        package var governance: ObjectID
    }

    /// One event of an intent decided afresh: enough to read it again.
    struct EventRef: Codable, Sendable {
        package var path: String
        package var blob: ObjectID
        package var commit: ObjectID
        package var signers: [Principal]
        package var counts: Bool
    }

    /// An intent decided afresh by every status: its files and its events.
    struct LiveIntent: Codable, Sendable {
        package var id: IntentID
        package var intent: ObjectID?
        package var signature: ObjectID?
        package var events: [EventRef]
    }

    package struct Header: Codable, Sendable {
        package var key: Key
        var cursor: LedgerCursor
        var live: [LiveIntent]
        /// The byte count of the stored rows after the header line.
        var rowBytes: Int
        /// The `[limits]` count up to `cursor`, so a resumed walk continues
        /// it; absent when the policy has no limits.
        var quota: ProposerQuota? = nil
    }

    package var header: Header
    package var rows: StoredStatusRows

    /// Version 2: status lines carry `approval_branch`; a version 1 file,
    /// whose stored lines lack it, is replaced rather than mixed in.
    static let magic = Data("writ status snapshot 2\n".utf8)

    /// The snapshot file of the repository whose git directory is `gitDirectory`.
    package static func file(inGitDirectory gitDirectory: String) -> URL {
        URL(fileURLWithPath: gitDirectory).appendingPathComponent("writ/status")
    }

    /// The snapshot at `url` when it is this user's private file, whole,
    /// and made under `key`; nil otherwise (it is then replaced by the next save).
    package static func load(from url: URL, key: Key) -> StatusSnapshot? {
        guard let data = StateFiles.mapPrivate(url.path),
            data.count > magic.count, data.prefix(magic.count) == magic
        else { return nil }
        let afterMagic = data.startIndex + magic.count
        guard let newline = data[afterMagic...].firstIndex(of: 0x0A),
            let header = try? JSONDecoder().decode(Header.self, from: data[afterMagic..<newline]),
            header.key == key, data.endIndex - (newline + 1) == header.rowBytes,
            // The rows stay in the mapped file, after the header.
            let rows = StoredStatusRows(indexing: data, from: newline + 1)
        else { return nil }
        return StatusSnapshot(header: header, rows: rows)
    }

    /// Writes the snapshot to `url` (a private file, renamed into place).
    /// Failing costs only speed: it never fails a command.
    package func save(to url: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var header = self.header
        header.rowBytes = rows.byteCount
        guard let line = try? encoder.encode(header) else { return }
        try? FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        guard StateFiles.isPrivateDirectory(url.deletingLastPathComponent().path) else { return }
        try? StateFiles.write([Self.magic + line + Data([0x0A]), rows.storedBytes], to: url.path)
    }
}
