import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The one read/write loop every direct file-descriptor user goes
/// through: short transfers resumed, interrupted calls made again, the
/// failure's errno handed back.
struct FileDescriptorIOTests {
    /// A call that alternates between being interrupted and moving at most
    /// `step` bytes, as a signal-heavy process on a busy pipe would see.
    final class Stuttering {
        let step: Int
        var calls = 0
        var interrupted = 0
        init(step: Int) { self.step = step }

        /// Whether this call is an interrupted one (every other call).
        func interrupt() -> Bool {
            calls += 1
            guard calls % 2 == 1 else { return false }
            interrupted += 1
            errno = EINTR
            return true
        }
    }

    @Test func shortAndInterruptedWritesDeliverEveryByteInOrder() throws {
        let bytes = (0..<10_007).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var received: [UInt8] = []
        let stutter = Stuttering(step: 7)
        let error = bytes.withUnsafeBytes { raw in
            FileDescriptorIO.writeAll(raw) { pointer, count in
                if stutter.interrupt() { return -1 }
                let moved = min(count, stutter.step)
                received += UnsafeRawBufferPointer(start: pointer, count: moved)
                return moved
            }
        }
        #expect(error == 0)
        #expect(received == bytes)
        #expect(stutter.interrupted > 1_000, "the loop went through many interrupted calls")
    }

    @Test func aFailingWriteHandsBackItsErrnoAndANullWriteIsAnError() throws {
        let bytes = [UInt8](repeating: 1, count: 100)
        var calls = 0
        let broken = bytes.withUnsafeBytes { raw in
            FileDescriptorIO.writeAll(raw) { _, count in
                calls += 1
                if calls == 1 { return min(count, 10) }
                errno = EPIPE
                return -1
            }
        }
        #expect(broken == EPIPE)
        #expect(calls == 2)
        let stuck = bytes.withUnsafeBytes { raw in FileDescriptorIO.writeAll(raw) { _, _ in 0 } }
        #expect(stuck == EIO)
        #expect([UInt8]().withUnsafeBytes { raw in FileDescriptorIO.writeAll(raw) { _, _ in -1 } } == 0)
    }

    @Test func shortAndInterruptedReadsFillTheBufferOrStopAtTheEnd() throws {
        let source = (0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var offset = 0
        let stutter = Stuttering(step: 13)
        let reader: FileDescriptorIO.Reader = { pointer, count in
            if stutter.interrupt() { return -1 }
            let moved = min(count, stutter.step, source.count - offset)
            source[offset..<(offset + moved)].withUnsafeBytes {
                pointer.copyMemory(from: $0.baseAddress!, byteCount: moved)
            }
            offset += moved
            return moved
        }
        var first = [UInt8](repeating: 0, count: 3_000)
        let full = first.withUnsafeMutableBytes { FileDescriptorIO.readFully($0, with: reader) }
        #expect(full.count == 3_000 && full.error == 0)
        #expect(first == Array(source[..<3_000]))
        // Past the end: what there was, and no error.
        var rest = [UInt8](repeating: 0, count: 4_000)
        let short = rest.withUnsafeMutableBytes { FileDescriptorIO.readFully($0, with: reader) }
        #expect(short.count == 2_000 && short.error == 0)
        #expect(Array(rest[..<2_000]) == Array(source[3_000...]))

        var none = [UInt8](repeating: 0, count: 10)
        let failed = none.withUnsafeMutableBytes { buffer in
            FileDescriptorIO.readFully(buffer) { _, _ in
                errno = EAGAIN
                return -1
            }
        }
        #expect(failed.count == 0 && failed.error == EAGAIN)
    }

    /// A real pipe: 4 MiB written through the 64 KiB pipe buffer while the
    /// other end first reads it in small pieces, then to the end.
    @Test func aLargeBufferGoesThroughAPipeReadSlowly() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let bytes = Data((0..<(4 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 40_503) >> 7) })
        let writer = Thread {
            #expect(FileDescriptorIO.writeAll(bytes, to: writeEnd) == 0)
            close(writeEnd)
        }
        writer.start()
        var received = Data()
        var piece = [UInt8](repeating: 0, count: 4_096)
        for _ in 0..<64 {
            let got = piece.withUnsafeMutableBytes { buffer in
                FileDescriptorIO.readFully(buffer) { read(readEnd, $0, min($1, 257)) }
            }
            #expect(got.error == 0 && got.count == piece.count)
            received.append(contentsOf: piece[..<got.count])
        }
        let rest = FileDescriptorIO.readToEnd(readEnd)
        close(readEnd)
        #expect(rest.error == 0)
        received.append(rest.data)
        #expect(received.count == bytes.count)
        #expect(received == bytes)
    }

    @Test func writevDeliversEveryVectorThroughAPipe() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let parts = (0..<300).map { index in [UInt8](repeating: UInt8(index % 251), count: 1_000 + index) }
        let expected = Data(parts.joined())
        let writer = Thread {
            let buffers = parts.map { part in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: part.count, alignment: 1)
                buffer.copyBytes(from: part)
                return buffer
            }
            defer { for buffer in buffers { buffer.deallocate() } }
            let vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
            #expect(FileDescriptorIO.writeAll(vectors: vectors, to: writeEnd) == 0)
            close(writeEnd)
        }
        writer.start()
        let read = FileDescriptorIO.readToEnd(readEnd)
        close(readEnd)
        #expect(read.error == 0)
        #expect(read.data == expected)
    }
}
