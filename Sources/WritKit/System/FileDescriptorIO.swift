import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one loop that moves bytes through a file descriptor, for every
/// caller that reads or writes one directly (state files, packs, pipes to
/// and from a child, the agent socket, standard output).
///
/// A write goes on after a short write until every byte is out; a call an
/// interrupting signal cut short (`EINTR`) is made again, in reads as in
/// writes. Callers choose the system call (`write`, `send` with flags,
/// `read`, `recv`) and what a failure means to them, never the loop.
public enum FileDescriptorIO {
    /// A `write(2)`-like call: moves up to `count` bytes from `pointer`,
    /// returns how many, or -1 with `errno` set.
    public typealias Writer = (_ pointer: UnsafeRawPointer, _ count: Int) -> Int
    /// A `read(2)`-like call: fills up to `count` bytes at `pointer`,
    /// returns how many (0 at end of file), or -1 with `errno` set.
    public typealias Reader = (_ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int

    /// Writes all of `bytes` through `writer`. Returns 0 when every byte
    /// went out, else the `errno` of the failing call (`EPIPE` when the
    /// reader is gone); a call that writes nothing is `EIO`.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, with writer: Writer) -> Int32 {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while offset < bytes.count {
            let written = writer(base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            guard written > 0 else { return EIO }
            offset += written
        }
        return 0
    }

    /// Writes all of `bytes` to `descriptor` with `write(2)`; 0 or the `errno` of the failure.
    public static func writeAll(_ bytes: some ContiguousBytes, to descriptor: Int32) -> Int32 {
        bytes.withUnsafeBytes { raw in writeAll(raw) { Glibc.write(descriptor, $0, $1) } }
    }

    /// Writes every byte `vectors` name to `descriptor` with `writev(2)`,
    /// resuming inside a vector after a short write; 0 or the `errno` of
    /// the failure. The vectors' memory must stay valid for the call.
    public static func writeAll(vectors: [iovec], to descriptor: Int32) -> Int32 {
        var vectors = vectors.filter { $0.iov_len > 0 }
        var first = 0
        while first < vectors.count {
            // 1,024 is Linux's IOV_MAX (glibc does not export it to Swift).
            let count = Int32(min(vectors.count - first, 1_024))
            let written = vectors.withUnsafeBufferPointer { writev(descriptor, $0.baseAddress! + first, count) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            guard written > 0 else { return EIO }
            // Skip what went out, resuming inside a vector after a short write.
            var left = written
            while left > 0, first < vectors.count {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base = vectors[first].iov_base.map { $0 + left }
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
        return 0
    }

    /// Fills `buffer` through `reader` until it is full or the end of the
    /// input. Returns how many bytes were read and 0, or the bytes read
    /// before a failing call and its `errno` (`EAGAIN` for a timed-out
    /// socket read).
    public static func readFully(_ buffer: UnsafeMutableRawBufferPointer, with reader: Reader) -> (
        count: Int, error: Int32
    ) {
        guard let base = buffer.baseAddress else { return (0, 0) }
        var filled = 0
        while filled < buffer.count {
            let count = reader(base + filled, buffer.count - filled)
            if count < 0 {
                if errno == EINTR { continue }
                return (filled, errno)
            }
            if count == 0 { break }
            filled += count
        }
        return (filled, 0)
    }

    /// Reads `descriptor` to its end of file, starting with a buffer of
    /// `expected` + 1 bytes (the size `fstat` gave, so a regular file is
    /// read in one buffer) and growing it as needed. Returns the bytes
    /// and 0, or the bytes read before a failure and its `errno`.
    public static func readToEnd(_ descriptor: Int32, expected: Int = 64 * 1024) -> (data: Data, error: Int32) {
        var data = Data(count: max(expected, 0) + 1)
        var filled = 0
        while true {
            if filled == data.count { data.count += max(64 * 1024, data.count / 2) }
            let (count, error) = data.withUnsafeMutableBytes { raw in
                readFully(UnsafeMutableRawBufferPointer(rebasing: raw[filled...])) { Glibc.read(descriptor, $0, $1) }
            }
            filled += count
            if error != 0 || filled < data.count {
                data.count = filled
                return (data, error)
            }
        }
    }
}
