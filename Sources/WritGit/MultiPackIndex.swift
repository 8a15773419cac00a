import Foundation

/// The packs a repository's multi-pack-index names (`git repack
/// --write-midx`, `git multi-pack-index write`, `git maintenance`): a pack
/// it names must never be deleted, or git can no longer read the objects
/// the index points into it ("possible repository corruption").
///
/// Reads only the header and the pack-name chunk of the format git
/// documents (gitformat-pack(5), "multi-pack-index files"): the signature
/// `MIDX`, version 1, the chunk table, and the `PNAM` chunk's
/// NUL-separated `pack-<hash>.idx` names.
enum MultiPackIndex {
    /// The names (`pack-<hash>`, no extension) of the packs the index in
    /// `directory` names; empty when there is no index; nil when there is
    /// one that cannot be read, in which case a caller must assume it names
    /// every pack.
    static func packNames(in directory: String) -> Set<String>? {
        let path = directory + "/multi-pack-index"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return packNames(parsing: [UInt8](data))
    }

    /// The pack names of a multi-pack-index's bytes; nil when they are not one.
    static func packNames(parsing bytes: [UInt8]) -> Set<String>? {
        // Header: signature, version, hash version, chunk count, base
        // files, pack count.
        guard bytes.count >= 12, bytes[0..<4] == [0x4D, 0x49, 0x44, 0x58], bytes[4] == 1 else { return nil }
        let chunks = Int(bytes[6])
        let packs = Int(readUInt32(bytes, at: 8))
        // The chunk table: one 12-byte row per chunk and a closing row.
        let table = 12
        guard bytes.count >= table + (chunks + 1) * 12 else { return nil }
        func row(_ index: Int) -> (id: UInt32, offset: UInt64) {
            let start = table + index * 12
            return (
                readUInt32(bytes, at: start),
                UInt64(readUInt32(bytes, at: start + 4)) << 32
                    | UInt64(readUInt32(bytes, at: start + 8))
            )
        }
        // The closing row marks the end of the chunks; the file's checksum
        // (SHA-1 or SHA-256, by the hash version) follows: anything else is
        // a cut or a padded file.
        let hashLength = bytes[5] == 2 ? 32 : 20
        guard bytes[5] == 1 || bytes[5] == 2, row(chunks).offset + UInt64(hashLength) == UInt64(bytes.count) else {
            return nil
        }
        let names: UInt32 = 0x504E_414D  // "PNAM"
        guard let found = (0..<chunks).first(where: { row($0).id == names }) else { return nil }
        let start = row(found).offset
        let end = row(found + 1).offset
        guard start <= end, end <= UInt64(bytes.count) else { return nil }
        var result = Set<String>()
        var current: [UInt8] = []
        for byte in bytes[Int(start)..<Int(end)] {
            if byte == 0 {
                if !current.isEmpty {
                    guard let name = String(bytes: current, encoding: .utf8), name.hasSuffix(".idx") else {
                        return nil
                    }
                    result.insert(String(name.dropLast(4)))
                }
                current = []
            } else {
                current.append(byte)
            }
        }
        // A trailing name without its NUL, or fewer names than packs: not an index to trust.
        guard current.isEmpty, result.count == packs else { return nil }
        return result
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
