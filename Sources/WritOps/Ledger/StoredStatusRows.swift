import Foundation
import WritCore

/// Status lines of settled intents carried over from the status snapshot
/// (docs/status.md): each is the exact line `writ status --json` prints,
/// kept as bytes so that a warm `status` over a long history copies them
/// instead of deciding and encoding every intent again.
///
/// Lines are in id order, one per intent, none of them among the rows a
/// status decided now.
package struct StoredStatusRows: Sendable {
    /// `<id>\t<json line>\n`, repeated, from `start` on (the bytes before
    /// are the snapshot's header, when the rows are read from one).
    package let bytes: Data
    package let start: Int
    /// Where each entry starts and where its tab is, in `bytes`: its id is
    /// between them, and its JSON line runs from after the tab to the next
    /// entry's start (the last one's to the end). Two offsets, not two
    /// ranges: a warm status over 100k rows indexes them all, and the
    /// smaller index is less memory to fault in.
    private let entries: [Entry]

    private struct Entry {
        package let start: Int
        let tab: Int
    }

    /// No rows.
    package static let empty = StoredStatusRows(bytes: Data(), entries: [])

    private init(bytes: Data, entries: [Entry]) {
        self.bytes = bytes
        self.start = 0
        self.entries = entries
    }

    /// Entry `index`'s id range in `bytes`.
    private func idRange(_ index: Int) -> Range<Int> { entries[index].start..<entries[index].tab }

    /// Entry `index`'s JSON line range (newline included) in `bytes`.
    private func lineRange(_ index: Int) -> Range<Int> {
        (entries[index].tab + 1)..<(index + 1 < entries.count ? entries[index + 1].start : bytes.count)
    }

    /// The rows' own bytes, as the snapshot stores them.
    var storedBytes: Data { bytes[start...] }

    /// Their size.
    var byteCount: Int { bytes.count - start }

    /// How many intents the rows stand for.
    package var count: Int { entries.count }

    /// Indexes the entries of `bytes` from `start` on (`bytes` starts at
    /// index 0); nil unless every entry is an id, a tab and one JSON
    /// object line, in strictly increasing id order.
    init?(indexing bytes: Data, from start: Int = 0) {
        guard bytes.startIndex == 0, start <= bytes.count else { return nil }
        var entries: [Entry] = []
        // Status lines are a few hundred bytes: room for the likely count
        // at once, instead of growing (and copying) the index as it fills.
        entries.reserveCapacity((bytes.count - start) / 160)
        let valid = bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            guard let base = raw.baseAddress else { return true }
            var start = start
            var previous: Range<Int>?
            while start < raw.count {
                guard let tab = memchr(base + start, 0x09, raw.count - start),
                    let newline = memchr(base + start, 0x0A, raw.count - start)
                else { return false }
                let tabOffset = base.distance(to: UnsafeRawPointer(tab))
                let end = base.distance(to: UnsafeRawPointer(newline)) + 1
                // id, tab, then `{...}` and the newline.
                guard tabOffset > start, tabOffset + 3 < end, raw[tabOffset + 1] == UInt8(ascii: "{"),
                    raw[end - 2] == UInt8(ascii: "}")
                else { return false }
                let id = start..<tabOffset
                if let previous, Self.compare(raw, previous, id) >= 0 { return false }
                entries.append(Entry(start: start, tab: tabOffset))
                previous = id
                start = end
            }
            return true
        }
        guard valid else { return nil }
        self.bytes = bytes
        self.start = start
        self.entries = entries
    }

    /// Whether a row for `id` is among these.
    package func contains(_ id: IntentID) -> Bool { index(of: id) != nil }

    /// The index of `id`'s entry, by binary search.
    package func index(of id: IntentID) -> Int? {
        let key = Array(id.rawValue.utf8)
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let order = compare(entry: middle, with: key)
            if order == 0 { return middle }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// The id of entry `index`.
    package func id(at index: Int) -> IntentID? {
        IntentID(String(decoding: bytes[idRange(index)], as: UTF8.self))
    }

    /// The JSON line of entry `index`, newline included.
    package func line(at index: Int) -> Data { bytes[lineRange(index)] }

    /// Hands `body` the JSON lines (newline included) of the entries in
    /// `range`, as views of the stored bytes (nothing is copied), up to
    /// `batch` at a time, so that a writer can pass many to one vectored
    /// write (`writev`).
    func withLineBatches(
        _ range: Range<Int>, batch: Int = 1_024, _ body: (UnsafeBufferPointer<UnsafeRawBufferPointer>) throws -> Void
    ) rethrows {
        guard !range.isEmpty else { return }
        try bytes.withUnsafeBytes { raw in
            var lines: [UnsafeRawBufferPointer] = []
            lines.reserveCapacity(min(batch, range.count))
            for index in range {
                lines.append(UnsafeRawBufferPointer(rebasing: raw[lineRange(index)]))
                if lines.count == batch {
                    try lines.withUnsafeBufferPointer(body)
                    lines.removeAll(keepingCapacity: true)
                }
            }
            if !lines.isEmpty { try lines.withUnsafeBufferPointer(body) }
        }
    }

    /// Entry `index`'s id compared with entry `otherIndex` of `other` (negative: it sorts first).
    func compare(entry index: Int, with other: StoredStatusRows, entry otherIndex: Int) -> Int {
        let range = other.idRange(otherIndex)
        return other.bytes.withUnsafeBytes { raw in
            compare(entry: index, with: UnsafeRawBufferPointer(rebasing: raw[range]))
        }
    }

    /// Entry `index`'s id compared with `key` (negative: it sorts first).
    func compare(entry index: Int, with key: [UInt8]) -> Int {
        key.withUnsafeBytes { compare(entry: index, with: $0) }
    }

    /// Entry `index`'s id compared with the id bytes `key`.
    private func compare(entry index: Int, with key: UnsafeRawBufferPointer) -> Int {
        let range = idRange(index)
        return bytes.withUnsafeBytes { raw in
            let common = min(range.count, key.count)
            let order = common == 0 ? 0 : memcmp(raw.baseAddress! + range.lowerBound, key.baseAddress!, common)
            if order != 0 { return Int(order) }
            return range.count - key.count
        }
    }

    private static func compare(_ raw: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let common = min(a.count, b.count)
        let order = memcmp(raw.baseAddress! + a.lowerBound, raw.baseAddress! + b.lowerBound, common)
        if order != 0 { return Int(order) }
        return a.count - b.count
    }

    /// The rows as values, for a reader that needs their fields (the human table).
    package func decoded() throws -> [OpsStatus.IntentStatus] {
        let decoder = JSONDecoder()
        return try entries.indices.map { try decoder.decode(OpsStatus.IntentStatus.self, from: bytes[lineRange($0)]) }
    }

    /// Rows appended one at a time in increasing id order, into one buffer.
    struct Builder {
        private var bytes = Data()
        private var entries: [Entry] = []
        private var last: IntentID?

        /// Appends `id`'s JSON line (newline included); ids must increase.
        package mutating func append(_ id: IntentID, line: Data) {
            precondition(last.map { $0 < id } ?? true, "stored rows are appended in id order")
            last = id
            let start = bytes.count
            bytes.append(contentsOf: id.rawValue.utf8)
            let tab = bytes.count
            bytes.append(0x09)
            bytes.append(line)
            entries.append(Entry(start: start, tab: tab))
        }

        /// Makes room for `total` rows in all, judged by the rows so far:
        /// growing a buffer of many megabytes by doubling holds the old and
        /// the new one at once.
        mutating func reserve(rows total: Int) {
            guard !entries.isEmpty, total > entries.count else { return }
            let perRow = Double(bytes.count) / Double(entries.count)
            bytes.reserveCapacity(Int(perRow * Double(total) * 1.05))
            entries.reserveCapacity(total)
        }

        package var rows: StoredStatusRows { StoredStatusRows(bytes: bytes, entries: entries) }
    }

    /// These rows and `other`'s (ids not among these), merged in id order.
    package func merged(with other: StoredStatusRows) -> StoredStatusRows {
        if other.count == 0 { return self }
        if count == 0 { return other }
        var result = Data()
        result.reserveCapacity(byteCount + other.byteCount)
        var entries: [Entry] = []
        entries.reserveCapacity(count + other.count)
        func append(_ rows: StoredStatusRows, _ index: Int) {
            let entry = rows.entries[index]
            let offset = result.count - entry.start
            result.append(rows.bytes[entry.start..<rows.lineRange(index).upperBound])
            entries.append(Entry(start: entry.start + offset, tab: entry.tab + offset))
        }
        var mine = 0
        var theirs = 0
        while mine < count || theirs < other.count {
            if theirs == other.count || (mine < count && compare(entry: mine, with: other, entry: theirs) < 0) {
                append(self, mine)
                mine += 1
            } else {
                append(other, theirs)
                theirs += 1
            }
        }
        return StoredStatusRows(bytes: result, entries: entries)
    }
}
