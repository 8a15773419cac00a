import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Every event writ can write parses back with writ's own readers (the
/// fast scanner and the full reader): output tails and details may hold
/// any byte a process prints, NUL included (`AuditEvent.storableText`).
@Suite struct AuditEventRoundTripTests {
    let id = IntentID("triage-bytes")!
    let actor = Principal("dispatch-1@example.com")!
    let when = Timestamp(rfc3339: "2026-11-22T01:00:00Z")!
    let digest = ContentDigest(hex: String(repeating: "ab", count: 32))!

    /// Text a process could print around `byte`, as a capture decodes it.
    private static func printed(_ byte: UInt8) -> String {
        String(decoding: [UInt8(ascii: "o"), byte, UInt8(ascii: "k"), byte], as: UTF8.self)
    }

    private func events(_ text: String) throws -> [AuditEvent] {
        let outcome = AuditEvent.Outcome(
            exitCode: 0, durationMs: 1, stdoutSHA256: digest, stderrSHA256: digest, stdoutTail: text, stderrTail: text,
            remoteID: text, remoteURL: text)
        let payloads: [AuditEvent.Payload] = [
            .succeeded(outcome), .failed(outcome), .blocked(reason: .executorMissing, detail: text),
            .inDoubt(claimedAt: when, detail: text), .resolved(resolution: .retry, note: text),
            .projection(operation: text, target: text, key: text),
        ]
        return try payloads.map {
            try AuditEvent(intent: id, intentDigest: digest, at: when, actor: actor, payload: $0)
        }
    }

    @Test(arguments: 0...255)
    func everyByteOfOutputRoundTrips(byte: Int) throws {
        for event in try events(Self.printed(UInt8(byte))) {
            let bytes = event.canonicalJSON()
            let parsed = try AuditEvent.parse(bytes, expectedPath: event.path(sequence: 1).path)
            #expect(parsed == event, "byte \(byte), \(event.kind)")
            #expect(parsed.canonicalJSON() == bytes)
            // The full reader agrees with the scanner the fast path uses.
            let text = try #require(String(bytes: bytes, encoding: .utf8))
            #expect(try AuditEvent.decodeThoroughly(text) == event)
        }
    }

    @Test func allBytesAtOnceRoundTripAndNULBecomesTheReplacementCharacter() throws {
        let text = String(decoding: (0...255).map { UInt8($0) }, as: UTF8.self)
        for event in try events(text) {
            let parsed = try AuditEvent.parse(event.canonicalJSON())
            #expect(parsed == event)
            guard case .blocked(_, let detail) = parsed.payload else { continue }
            #expect(!detail.unicodeScalars.contains("\u{0}"))
            #expect(detail.hasPrefix("\u{FFFD}\u{1}\u{2}"))
        }
        #expect(AuditEvent.storableText("ok\u{0}") == "ok\u{FFFD}")
        #expect(AuditEvent.storableText("plain") == "plain")
    }
}
