/// Replaces every occurrence of a secret value in a byte stream with
/// `[REDACTED]`, including an occurrence split across chunks.
///
/// Output arrives in pipe reads of arbitrary size, so a secret may straddle
/// two reads. The redactor holds back the last `longest - 1` bytes of each
/// chunk (at most) until it knows no secret starts there; everything before
/// that is final and handed on. At a position where several secrets match,
/// the longest wins. Every non-empty secret is redacted, however short: a
/// one-character secret blanks every occurrence of that character, which is
/// noisy but never leaks. Empty secrets are ignored (preflight treats an empty
/// secret as missing).
public struct SecretRedactor: Sendable {
  /// What a secret is replaced with.
  public static let marker: [UInt8] = Array("[REDACTED]".utf8)

  /// Distinct non-empty secrets, longest first.
  private let secrets: [[UInt8]]
  private let longest: Int
  /// `startsSecret[b]`: some secret begins with byte `b` (a fast skip).
  private let startsSecret: [Bool]
  private var carry: [UInt8] = []

  public init(secrets: [String]) {
    let distinct = Set(secrets.map { Array($0.utf8) }).filter { !$0.isEmpty }
    self.secrets = distinct.sorted {
      $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1)
    }
    self.longest = self.secrets.first?.count ?? 0
    var starts = [Bool](repeating: false, count: 256)
    for secret in self.secrets { starts[Int(secret[0])] = true }
    self.startsSecret = starts
  }

  /// The number of bytes held back, at most `longest - 1`.
  public var heldBackCount: Int { carry.count }

  /// Feeds `chunk`; returns the redacted bytes that are now final.
  public mutating func feed(_ chunk: some Collection<UInt8>) -> [UInt8] {
    guard longest > 0 else { return Array(chunk) }
    var buffer = carry
    buffer.append(contentsOf: chunk)
    let (output, consumed) = redact(buffer, final: false)
    carry = Array(buffer[consumed...])
    return output
  }

  /// Ends the stream; returns the held-back bytes, redacted.
  public mutating func finish() -> [UInt8] {
    guard longest > 0 else { return [] }
    let (output, _) = redact(carry, final: true)
    carry = []
    return output
  }

  /// Redacts `buffer` up to the first position where a secret could still
  /// begin but not end inside it (unless `final`); returns the output and
  /// how many bytes of `buffer` it covers.
  private func redact(_ buffer: [UInt8], final: Bool) -> ([UInt8], Int) {
    var output: [UInt8] = []
    output.reserveCapacity(buffer.count)
    let count = buffer.count
    // Below `decided`, every secret fits, so a non-match there is final.
    let decided = final ? count : max(0, count - (longest - 1))
    var index = 0
    buffer.withUnsafeBufferPointer { bytes in
      var runStart = 0
      while index < decided {
        let byte = bytes[index]
        if !startsSecret[Int(byte)] {
          index += 1
          continue
        }
        var matched = 0
        for secret in secrets where secret.count <= count - index {
          if secret.withUnsafeBufferPointer({ candidate in
            var offset = 0
            while offset < candidate.count, bytes[index + offset] == candidate[offset] {
              offset += 1
            }
            return offset == candidate.count
          }) {
            matched = secret.count
            break
          }
        }
        if matched == 0 {
          index += 1
          continue
        }
        output.append(contentsOf: bytes[runStart..<index])
        output.append(contentsOf: Self.marker)
        index += matched
        runStart = index
      }
      // A match may have run past `decided`; `index` is where output stops.
      output.append(contentsOf: bytes[runStart..<min(index, count)])
    }
    return (output, min(index, count))
  }
}
