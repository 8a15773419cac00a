import Foundation
import WritCore
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Machine output as JSON Lines (docs/json.md): every object is one compact
/// line with `"schema": 1`, sorted keys and unescaped slashes, so that a
/// reader can process output line by line and an auditor can diff it.
enum Output {
    /// The `schema` every JSON line carries; raised only when a field changes meaning.
    static let schema = JSONLine.schema

    /// Prints `value` as one JSON line, with `schema` and, when given, `type`
    /// (which names the object where a command prints more than one kind).
    static func printJSON<T: Encodable>(_ value: T, type: String? = nil) throws {
        FileHandle.standardOutput.write(try jsonLine(value, type: type))
    }

    /// Prints one JSON line per element.
    static func printJSONLines<S: Sequence>(_ values: S, type: String? = nil) throws where S.Element: Encodable {
        for value in values { try printJSON(value, type: type) }
    }

    /// The bytes of one JSON line, ending in a newline.
    static func jsonLine<T: Encodable>(_ value: T, type: String? = nil) throws -> Data {
        try JSONLine.encode(value, type: type)
    }
}

extension Output {
    /// A line on standard error, where findings and failures go.
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Whether `--json` was asked for on this command line (before any `--`),
    /// so that an error is reported in the same shape as the output.
    static var jsonRequested: Bool {
        CommandLine.arguments.dropFirst().prefix { $0 != "--" }.contains("--json")
    }

    /// An error as one JSON line on standard output:
    /// `{"schema":1,"error":…,"reason":<code or null>}`, plus `fix` for a
    /// runtime error, which names what to look at.
    static func printJSONError(_ detail: String, reason: String?, fix: String? = nil) {
        struct ErrorLine: Encodable {
            let error: String
            let reason: String?
            let fix: String?

            private enum Keys: String, CodingKey { case error, reason, fix }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(error, forKey: .error)
                // `reason` is always present: null when no reason code applies.
                try container.encode(reason, forKey: .reason)
                try container.encodeIfPresent(fix, forKey: .fix)
            }
        }
        if let line = try? jsonLine(ErrorLine(error: detail, reason: reason, fix: fix)) {
            FileHandle.standardOutput.write(line)
        }
    }
}

/// Standard output in large writes: a status over a long history prints
/// one line per intent, and a write per line would cost a system call each.
struct BufferedOutput {
    private var buffer: [UInt8] = []
    private let capacity = 1 << 20

    init() { buffer.reserveCapacity(capacity) }

    mutating func write(_ data: Data) {
        data.withUnsafeBytes { write($0) }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    /// Writes `pieces` in order after what is buffered: many small ones
    /// (a warm status's stored lines, views of the mapped snapshot) go to
    /// `writev` as they are, without being copied into the buffer first.
    mutating func write(pieces: UnsafeBufferPointer<UnsafeRawBufferPointer>) {
        let total = pieces.reduce(0) { $0 + $1.count }
        guard total >= 64 * 1_024 else {
            for piece in pieces { write(piece) }
            return
        }
        flush()
        Self.writeAll(
            pieces.compactMap { piece in
                piece.baseAddress.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0), iov_len: piece.count) }
            })
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeMutableBytes { raw in
            Self.writeAll([iovec(iov_base: raw.baseAddress, iov_len: raw.count)])
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes every byte `vectors` name to standard output, resuming after
    /// short writes. A closed pipe (`| head`) ends the output, as it did
    /// before: the rest is dropped.
    private static func writeAll(_ vectors: [iovec]) {
        _ = FileDescriptorIO.writeAll(vectors: vectors, to: STDOUT_FILENO)
    }
}
