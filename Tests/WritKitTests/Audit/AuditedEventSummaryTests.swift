import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ log` prints one line per event, whatever an event's free text holds.
@Suite struct AuditedEventSummaryTests {
    @Test(arguments: ["a\nb", "a\r\nb", "a\rb", "a\u{0B}b", "a\u{0C}b", "a\u{85}b", "a\u{2028}b", "a\u{2029}b"])
    func everyLineBreakIsJoined(detail: String) throws {
        let event = try AuditEvent(
            intent: IntentID("release-1")!, intentDigest: ContentDigest.sha256(of: Array("x".utf8)),
            at: Timestamp(rfc3339: "2026-05-01T10:00:00Z")!, actor: Principal("dispatch-1@example.com")!,
            payload: .blocked(reason: .notApproved, detail: detail))
        let summary = AuditedEvent.summarize(event)
        #expect(summary == "blocked release-1 by dispatch-1@example.com: not_approved: a b")
        #expect(!summary.contains { $0.isNewline })
    }

    @Test func aLineWithoutBreaksIsKept() throws {
        let event = try AuditEvent(
            intent: IntentID("release-1")!, intentDigest: ContentDigest.sha256(of: Array("x".utf8)),
            at: Timestamp(rfc3339: "2026-05-01T10:00:00Z")!, actor: Principal("dispatch-1@example.com")!,
            payload: .resolved(resolution: .retry, note: "tab\there é"))
        #expect(AuditedEvent.summarize(event) == "resolved release-1 by dispatch-1@example.com: retry: tab\there é")
    }
}
