import Synchronization
import WritCore

/// Intent records changed since the state was last saved, not yet on disk.
///
/// A poll changes a new intent's record when its first sync reads the
/// proposal and again when the last sync reads its claim and outcome. On
/// disk only the last version matters, and only once the state that names
/// the tips it reflects is saved (`StateStore.save(_: DispatchState)`), so
/// the record is written once, at that save: one file fewer to create per
/// dispatched intent. Reads go through here first, so the poll sees its
/// own changes.
///
/// Bounded: at `limit` changed records the store writes them all out (not
/// flushed), so a first poll over a long history holds a batch, not the
/// history.
final class PendingIntentRecords: Sendable {
    package static let limit = 8_192

    private let records = Mutex<[IntentID: IntentLedgerRecord]>([:])

    /// The changed record of `id`, when it has one not yet written.
    package func record(_ id: IntentID) -> IntentLedgerRecord? {
        records.withLock { $0[id] }
    }

    /// Keeps `record` as `id`'s; true when the buffer is now full.
    package func keep(_ record: IntentLedgerRecord, for id: IntentID) -> Bool {
        records.withLock {
            $0[id] = record
            return $0.count >= Self.limit
        }
    }

    /// Every changed record, in id order, emptying the buffer.
    func take() -> [(IntentID, IntentLedgerRecord)] {
        records.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending.sorted { $0.key < $1.key }
        }
    }

    /// Drops every changed record (their folder is being deleted).
    func discard() {
        records.withLock { $0.removeAll() }
    }
}
