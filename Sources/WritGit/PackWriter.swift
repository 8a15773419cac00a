internal import Clibgit2
import Crypto
import Foundation
import WritCore
import WritSystem

/// Writes objects as one git pack and its index (pack version 2, index
/// version 2: the files `git index-pack` makes), each object stored whole
/// (no deltas), zlib-compressed as a loose object would be.
///
/// libgit2's own pack writer runs every object back through its indexer,
/// a few hundred system calls per pack; a claim commit's ten objects need
/// two files and a handful of calls. Objects stream into a temporary file,
/// so a merge of many packs holds one object at a time, not the pack. The
/// pack is named by its checksum and renamed into place before its index,
/// so a reader never finds an index without its pack.
///
/// Durable before visible (SPEC §6): each file is flushed before it is
/// renamed into place, and the folder after the renames, before `finish()`
/// returns, so a ref moved afterwards never names an object a power loss
/// can take away. A pack asked to be kept gets its `.keep` file (flushed)
/// before the pack appears: `git repack -a -d`, `git gc` and `git prune`
/// leave a kept pack alone, as they do the packs git's own receive-pack
/// and fetch keep while their refs are not moved yet.
final class PackWriter {
    /// One object to pack: its id (hash of type and bytes), type and bytes.
    package struct Object {
        package let id: ObjectID
        /// A libgit2 `git_object_t` value: commit 1, tree 2, blob 3, tag 4,
        /// the type numbers of the pack format.
        package let type: Int32
        package let bytes: UnsafeRawBufferPointer
    }

    /// The most a pack written here may hold: index offsets stay 31-bit.
    static let maximumPackBytes = Int(Int32.max)

    private let directory: String
    private let temporary: String
    private var descriptor: Int32
    private let declared: Int
    private var hasher = Insecure.SHA1()
    private var pending = Data()
    private var written = 0
    private var entries: [(id: ObjectID, crc: UInt32, offset: Int)] = []

    /// A pack of exactly `count` objects (the count leads the pack), begun
    /// in a temporary file in `directory` (the repository's
    /// `objects/pack`); `finish()` places it and returns its name.
    package init(count: Int, in directory: String) throws {
        // The pack header holds the count in 32 bits.
        guard count >= 0, count <= Int(UInt32.max) else { throw Self.failure("a pack of \(count) objects") }
        var template = Array((directory + "/tmp_pack_writ_XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw Self.failure("cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        self.directory = directory
        self.temporary = String(cString: template)
        self.descriptor = descriptor
        self.declared = count
        entries.reserveCapacity(count)
        var header = Data("PACK".utf8)
        Self.appendBigEndian(UInt32(2), to: &header)
        Self.appendBigEndian(UInt32(count), to: &header)
        try emit(header)
    }

    deinit {
        // Not finished: the temporary file goes, nothing was placed.
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporary)
        }
    }

    /// Appends one object.
    package func append(_ object: Object) throws {
        guard entries.count < declared else { throw Self.failure("more objects than the \(declared) declared") }
        // An object that cannot fit refused before it is compressed: this
        // also keeps every length handed to zlib's 32-bit counts in range.
        guard object.bytes.count < Self.maximumPackBytes else {
            throw Self.failure(
                "an object of \(object.bytes.count) bytes is too large for a pack (at most \(Self.maximumPackBytes) bytes in all)"
            )
        }
        let header = Self.entryHeader(type: object.type, size: object.bytes.count)
        let compressed = try Self.deflate(object.bytes)
        var crc = header.withUnsafeBytes { crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
        crc = compressed.withUnsafeBytes { crc32(crc, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)) }
        entries.append((object.id, UInt32(truncatingIfNeeded: crc), written))
        try emit(Data(header))
        try emit(compressed)
        guard written < Self.maximumPackBytes else {
            throw Self.failure("a pack over \(Self.maximumPackBytes) bytes")
        }
    }

    /// Ends the pack, renames it into place, writes its index, flushes the
    /// folder, and returns its name, `pack-<checksum>`. With `keep`, the
    /// pack's `.keep` file holding that text is in place before the pack.
    package func finish(keep: String? = nil) throws -> String {
        guard entries.count == declared else {
            throw Self.failure("\(entries.count) objects written of the \(declared) declared")
        }
        let checksum = Data(hasher.finalize())
        pending.append(checksum)
        try drain()
        let name = "pack-" + checksum.map { String(format: "%02x", $0) }.joined()
        let sealed = descriptor
        descriptor = -1
        if let keep {
            do {
                try Self.place(Data(keep.utf8), at: directory + "/" + name + ".keep", in: directory)
            } catch {
                close(sealed)
                unlink(temporary)
                throw error
            }
        }
        try Self.seal(sealed, temporary, as: directory + "/" + name + ".pack", problem: 0)
        try Self.place(index(checksum), at: directory + "/" + name + ".idx", in: directory)
        try Self.flushDirectory(directory)
        return name
    }

    /// Flushes `directory`, so the names renamed into it survive a power loss.
    static func flushDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure("cannot open \(directory): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw failure("cannot flush \(directory): \(String(cString: strerror(errno)))")
        }
    }

    private func index(_ packChecksum: Data) -> Data {
        entries.sort { $0.id < $1.id }
        var index = Data([0xFF, 0x74, 0x4F, 0x63])
        Self.appendBigEndian(UInt32(2), to: &index)
        var fanOut = [UInt32](repeating: 0, count: 256)
        for entry in entries { fanOut[Int(entry.id.firstByte)] += 1 }
        var running: UInt32 = 0
        for byte in 0..<256 {
            running += fanOut[byte]
            Self.appendBigEndian(running, to: &index)
        }
        for entry in entries { withUnsafeBytes(of: entry.id.oid) { index.append(contentsOf: $0) } }
        for entry in entries { Self.appendBigEndian(entry.crc, to: &index) }
        for entry in entries { Self.appendBigEndian(UInt32(entry.offset), to: &index) }
        index.append(packChecksum)
        index.append(Data(Insecure.SHA1.hash(data: index)))
        return index
    }

    /// Adds `bytes` to the pack (and its checksum), writing in large pieces.
    private func emit(_ bytes: Data) throws {
        hasher.update(data: bytes)
        pending.append(bytes)
        written += bytes.count
        if pending.count >= 1 << 20 { try drain() }
    }

    private func drain() throws {
        let problem = Self.writeAll(pending, to: descriptor)
        pending.removeAll(keepingCapacity: true)
        if problem != 0 { throw Self.failure("cannot write \(temporary): \(String(cString: strerror(problem)))") }
    }

    /// The type-and-size header of a pack entry: type in bits 4–6 of the
    /// first byte, the size in 4 bits there and 7 bits in each next byte,
    /// the high bit saying another byte follows.
    static func entryHeader(type: Int32, size: Int) -> [UInt8] {
        var size = size
        var byte = UInt8(truncatingIfNeeded: (Int(type) & 7) << 4 | size & 0x0F)
        size >>= 4
        var header: [UInt8] = []
        while size > 0 {
            header.append(byte | 0x80)
            byte = UInt8(truncatingIfNeeded: size & 0x7F)
            size >>= 7
        }
        header.append(byte)
        return header
    }

    private static func deflate(_ bytes: UnsafeRawBufferPointer) throws -> Data {
        var length = compressBound(uLong(bytes.count))
        var out = Data(count: Int(length))
        let result = out.withUnsafeMutableBytes { target in
            compress2(
                target.bindMemory(to: Bytef.self).baseAddress, &length,
                bytes.bindMemory(to: Bytef.self).baseAddress ?? UnsafePointer(bitPattern: 1), uLong(bytes.count),
                Z_BEST_SPEED)
        }
        guard result == Z_OK else { throw failure("zlib compress2 returned \(result)") }
        out.count = Int(length)
        return out
    }

    /// Writes `bytes` to a new temporary file in `directory` and renames
    /// it to `path`.
    package static func place(_ bytes: Data, at path: String, in directory: String) throws {
        var template = Array((directory + "/tmp_pack_writ_XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw failure("cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        try seal(descriptor, String(cString: template), as: path, problem: writeAll(bytes, to: descriptor))
    }

    /// Makes the written temporary file read-only (as git makes pack
    /// files), flushes it to the disk, closes it and renames it to `path`;
    /// on any failure, `problem` included, removes it and throws.
    private static func seal(_ descriptor: Int32, _ temporary: String, as path: String, problem: Int32) throws {
        var problem = problem
        if problem == 0, fchmod(descriptor, 0o444) != 0 { problem = errno }
        if problem == 0, fsync(descriptor) != 0 { problem = errno }
        if close(descriptor) != 0, problem == 0 { problem = errno }
        if problem == 0, rename(temporary, path) != 0 { problem = errno }
        if problem != 0 {
            unlink(temporary)
            throw failure("cannot write \(path): \(String(cString: strerror(problem)))")
        }
    }

    /// Writes all of `bytes` to `descriptor`; the `errno` of a failure, or 0.
    private static func writeAll(_ bytes: Data, to descriptor: Int32) -> Int32 {
        FileDescriptorIO.writeAll(bytes, to: descriptor)
    }

    private static func failure(_ message: String) -> GitError {
        GitError(code: .generic, errorClass: 0, message: message, function: "PackWriter.write")
    }

    private static func appendBigEndian(_ value: UInt32, to data: inout Data) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }
}
