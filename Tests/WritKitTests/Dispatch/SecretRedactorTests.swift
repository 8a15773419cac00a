import Testing

@testable import WritKit

@Suite("Secret redactor")
struct SecretRedactorTests {
  /// The whole-text answer: at each position the longest matching secret is replaced.
  static func reference(_ text: [UInt8], _ secrets: [String]) -> [UInt8] {
    let sorted = secrets.map { Array($0.utf8) }.filter { !$0.isEmpty }.sorted {
      $0.count > $1.count
    }
    var out: [UInt8] = []
    var index = 0
    outer: while index < text.count {
      for secret in sorted
      where index + secret.count <= text.count
        && Array(text[index..<(index + secret.count)]) == secret
      {
        out += SecretRedactor.marker
        index += secret.count
        continue outer
      }
      out.append(text[index])
      index += 1
    }
    return out
  }

  static func streamed(_ text: [UInt8], _ secrets: [String], cuts: [Int]) -> [UInt8] {
    var redactor = SecretRedactor(secrets: secrets)
    var out: [UInt8] = []
    var start = 0
    for cut in cuts.sorted() + [text.count] where cut >= start {
      out += redactor.feed(text[start..<cut])
      start = cut
    }
    return out + redactor.finish()
  }

  @Test("a secret split at every possible point is still redacted")
  func everySplit() {
    let text = Array("before hunter2 middle hunter2hunter2 end hunte".utf8)
    let secrets = ["hunter2"]
    let expected = Self.reference(text, secrets)
    #expect(
      String(decoding: expected, as: UTF8.self)
        == "before [REDACTED] middle [REDACTED][REDACTED] end hunte")
    for first in 0...text.count {
      for second in first...text.count {
        #expect(
          Self.streamed(text, secrets, cuts: [first, second]) == expected, "cuts \(first) \(second)"
        )
      }
    }
  }

  @Test("random chunkings agree with the whole-text answer, overlapping and short secrets included")
  func randomChunks() {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("abcx".utf8)
    let secrets = ["abca", "bc", "x", "abcabcab", ""]
    for _ in 0..<300 {
      let text = (0..<Int.random(in: 0...80, using: &generator)).map { _ in
        alphabet.randomElement(using: &generator) ?? 0
      }
      let cuts = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
        Int.random(in: 0...text.count, using: &generator)
      }
      let expected = Self.reference(text, secrets)
      #expect(Self.streamed(text, secrets, cuts: cuts) == expected)
      #expect(!String(decoding: expected, as: UTF8.self).contains("x"))
    }
  }

  @Test("no secrets: bytes pass through unchanged and nothing is held back")
  func passThrough() {
    var redactor = SecretRedactor(secrets: ["", ""])
    #expect(redactor.feed(Array("abc".utf8)) == Array("abc".utf8))
    #expect(redactor.heldBackCount == 0)
    #expect(redactor.finish().isEmpty)
  }

  @Test(
    "capturing 20 MB keeps memory bounded: a 4 KiB tail and a carry shorter than the longest secret"
  )
  func boundedCapture() {
    var capture = OutputCapture(secrets: ["long-secret-value-0123456789"])
    let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 65536)
    var peak = 0
    for _ in 0..<(20_000_000 / chunk.count) {
      capture.append(chunk)
      peak = max(peak, capture.retainedByteCount)
    }
    #expect(peak <= 2 * OutputCapture.tailLimit + 28)
    let (_, tail) = capture.finish()
    #expect(tail.utf8.count == OutputCapture.tailLimit)
  }

  @Test("a tail cut through a multi-byte character drops the orphaned bytes")
  func tailCut() {
    var capture = OutputCapture(secrets: [])
    capture.append(Array(String(repeating: "é", count: 3000).utf8))
    let (_, tail) = capture.finish()
    #expect(!tail.contains("\u{FFFD}"))
    #expect(tail.utf8.count >= OutputCapture.tailLimit - 1)
  }
}
