import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `AuditEventScanner`, the one-pass reader `AuditEvent.parse` tries first,
/// must never accept what the full reader refuses, nor read anything
/// differently: whenever it answers, the full reader gives the same event.
@Suite struct AuditEventScannerTests {
    static let id = IntentID("rotate-db-password-7f3a")!
    static let digest = ContentDigest.sha256(of: Array("intent".utf8))
    static let when = Timestamp(rfc3339: "2026-05-01T10:00:00Z")!
    static let actor = Principal("dispatch-1@example.com")!

    static func scanned(_ bytes: [UInt8]) -> AuditEvent? {
        bytes.withUnsafeBufferPointer { AuditEventScanner.event($0) }
    }

    static func thorough(_ bytes: [UInt8]) -> Result<AuditEvent, WritError> {
        do {
            return .success(try AuditEvent.decodeThoroughly(String(decoding: bytes, as: UTF8.self)))
        } catch let error as WritError {
            return .failure(error)
        } catch {
            Issue.record("unexpected \(error)")
            return .failure(WritError(.ledgerViolation, "unexpected"))
        }
    }

    static func events(tail: String) throws -> [AuditEvent] {
        let outcome = AuditEvent.Outcome(
            exitCode: -9, durationMs: 12, stdoutSHA256: digest, stderrSHA256: digest, stdoutTail: tail,
            stderrTail: "", reason: .transportDisabled, remoteID: "42", remoteURL: "https://example.com/pr/42")
        let bare = AuditEvent.Outcome(
            exitCode: 0, durationMs: 0, stdoutSHA256: digest, stderrSHA256: digest, stdoutTail: "", stderrTail: tail)
        let approval = try AuditEvent.ClaimedApproval(
            approver: Principal("alice@example.com")!, commit: String(repeating: "a", count: 40), recordDigest: digest)
        let payloads: [AuditEvent.Payload] = [
            .autoApproved(tier: .low, note: AuditEvent.autoApprovedNote),
            .claimed(.init(tier: .high, runID: "r1", idempotencyKey: tail, approvals: [approval, approval])),
            .claimed(.init(tier: .low, runID: "r2", idempotencyKey: "k", approvals: [])),
            .succeeded(outcome), .failed(bare), .blocked(reason: .notApproved, detail: tail),
            .inDoubt(claimedAt: when, detail: "d"), .resolved(resolution: .retry, note: tail),
            .projection(operation: "forge.comment", target: "github.com/org/app", key: tail),
            .gate(name: "verification", status: .fail),
            .withdrawn(note: "taken back: é 😀 \"quoted\" a/b"), .withdrawn(note: ""),
        ]
        return try payloads.map {
            try AuditEvent(intent: id, intentDigest: digest, at: when, actor: actor, payload: $0)
        }
    }

    /// Every event writ writes is read by the scanner, the same as the full reader reads it.
    @Test(arguments: ["", "plain", "a/b \"c\" é\n\u{1}\t\\ \u{7F} 😀 \u{2028}"])
    func writtenEventsAreScanned(tail: String) throws {
        for event in try Self.events(tail: tail) {
            let bytes = event.canonicalJSON()
            #expect(Self.scanned(bytes) == event, "\(event.kind)")
            #expect(try Self.thorough(bytes).get() == event)
        }
    }

    /// Spellings the scanner reads or declines; either way the answer is the full reader's.
    @Test func unusualSpellingsAgree() throws {
        let digest = Self.digest.description
        let head =
            #""schema":1,"intent":"rotate-db-password-7f3a","intent_digest":"\#(digest)","at":"2026-05-01T10:00:00Z","actor":"dispatch-1@example.com""#
        let auto = #""event":"auto_approved","note":"n","tier":"low""#
        let outcome =
            #""event":"succeeded","exit_code":0,"duration_ms":5,"stdout_sha256":"\#(digest)","stderr_sha256":"\#(digest)","stdout_tail":"","stderr_tail":"""#
        let documents: [(String, accepted: Bool?)] = [
            ("{\(head),\(auto)}", true),
            (" {\n\t\"schema\" : 1 ,\r\n" + head.dropFirst(11) + " , " + auto + " }\n\n", true),
            ("{\(auto),\(head)}", true),
            ("{\(head),\(auto),\"future\":\"x\"}", nil),
            ("{\(head),\(auto),\"future\":{\"a\":[1,2]}}", nil),
            ("{\(head),\(auto),\"note\":\"again\"}", false),
            ("{\(head),\(auto),\"no\\u0074e\":\"again\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"note\":null,\"tier\":\"low\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"tier\":\"low\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"n\",\"tier\":\"high\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"n\",\"tier\":\"LOW\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"\\u0000\",\"tier\":\"low\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"\\ud83d\\ude00\",\"tier\":\"low\"}", true),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"\\ud83d\",\"tier\":\"low\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"\\ude00\",\"tier\":\"low\"}", nil),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"\\q\",\"tier\":\"low\"}", false),
            ("{\(head),\"event\":\"auto_approved\",\"note\":\"a\u{1}\",\"tier\":\"low\"}", false),
            ("{\(head),\(auto)} x", false),
            ("{\(head),\(auto),}", false),
            ("[{\(head),\(auto)}]", false),
            ("{\(head.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":1.0")),\(auto)}", false),
            ("{\(head.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":2")),\(auto)}", false),
            ("{\(head.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":01")),\(auto)}", false),
            ("{\(head.replacingOccurrences(of: "\"schema\":1", with: "\"schema\":\"1\"")),\(auto)}", false),
            ("{\(head),\(outcome)}", true),
            ("{\(head),\(outcome.replacingOccurrences(of: "\"exit_code\":0", with: "\"exit_code\":-0"))}", true),
            ("{\(head),\(outcome.replacingOccurrences(of: "\"exit_code\":0", with: "\"exit_code\":1e2"))}", false),
            (
                "{\(head),\(outcome.replacingOccurrences(of: "\"exit_code\":0", with: "\"exit_code\":99999999999999999999"))}",
                false
            ),
            ("{\(head),\(outcome.replacingOccurrences(of: "\"duration_ms\":5", with: "\"duration_ms\":-5"))}", false),
            ("{\(head),\(outcome),\"reason\":\"transport_disabled\"}", true),
            ("{\(head),\(outcome),\"reason\":\"nonsense\"}", false),
            ("{\(head),\(outcome),\"reason\":null}", nil),
            ("{\(head),\(outcome),\"remote_id\":7}", false),
            ("{\(head),\(auto),\"exit_code\":\"x\"}", false),
            ("{\(head),\(auto),\"exit_code\":3}", true),
            (
                "{\(head),\"event\":\"claimed\",\"tier\":\"high\",\"run_id\":\"r\",\"idempotency_key\":\"k\",\"approvals\":[{\"approver\":\"alice@example.com\",\"commit\":\"\(String(repeating: "b", count: 64))\",\"record_digest\":\"\(digest)\"}]}",
                true
            ),
            (
                "{\(head),\"event\":\"claimed\",\"tier\":\"high\",\"run_id\":\"r\",\"idempotency_key\":\"k\",\"approvals\":[{\"approver\":\"alice@example.com\",\"commit\":\"B\(String(repeating: "b", count: 39))\",\"record_digest\":\"\(digest)\"}]}",
                false
            ),
            (
                "{\(head),\"event\":\"claimed\",\"tier\":\"high\",\"run_id\":\"r\",\"idempotency_key\":\"k\",\"approvals\":[{\"approver\":\"alice@example.com\",\"approver\":\"bob@example.com\",\"commit\":\"\(String(repeating: "b", count: 40))\",\"record_digest\":\"\(digest)\"}]}",
                false
            ),
            (
                "{\(head),\"event\":\"claimed\",\"tier\":\"high\",\"run_id\":\"r\",\"idempotency_key\":\"k\",\"approvals\":[{}]}",
                false
            ),
            ("{\(head),\"event\":\"claimed\",\"tier\":\"high\",\"run_id\":\"r\",\"idempotency_key\":\"k\"}", false),
            ("{\(head),\"event\":\"gate\",\"name\":\"Bad Name\",\"status\":\"PASS\"}", false),
            ("{\(head),\"event\":\"withdrawn\",\"note\":\"changed my mind\"}", true),
            ("{\(head),\"event\":\"withdrawn\",\"note\":\"a\\u001bb\"}", false),
            ("{\(head),\"event\":\"withdrawn\",\"note\":\"a\u{202E}b\"}", false),
            ("{\(head),\"event\":\"withdrawn\"}", false),
            ("{\(head),\"event\":\"nonsense\"}", false),
            ("{}", false),
        ]
        for (text, accepted) in documents {
            let bytes = Array(text.utf8)
            let full = Self.thorough(bytes)
            if let accepted {
                #expect(((try? full.get()) != nil) == accepted, "\(text)")
            }
            if let scanned = Self.scanned(bytes) {
                #expect(scanned == (try? full.get()), "scanner read \(text) differently")
            }
            // What parse answers is the full reader's answer.
            switch (Result { try AuditEvent.parse(bytes) }, full) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let a as WritError), .failure(let b)): #expect(a.detail == b.detail)
            default: Issue.record("parse and the full reader disagree on \(text)")
            }
        }
    }

    /// Random byte edits of written events: the scanner never accepts what
    /// the full reader refuses, and never reads an event differently.
    @Test func randomEditsAgree() throws {
        var random = SeededRandom("AuditEventScannerTests.randomEditsAgree")
        let events = try Self.events(tail: "t\"\\é")
        let alphabet = Array("{}[]:,\"\\ 01-.eunlatrfsx\u{1}".utf8)
        var scanned = 0
        for round in 0..<20_000 {
            var bytes = events[round % events.count].canonicalJSON()
            for _ in 0..<Int.random(in: 1...2, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0...2, using: &random) {
                case 0: bytes.insert(alphabet.randomElement(using: &random)!, at: at)
                case 1: bytes.remove(at: at)
                default: bytes[at] = alphabet.randomElement(using: &random)!
                }
            }
            guard let event = Self.scanned(bytes) else { continue }
            scanned += 1
            guard case .success(let full) = Self.thorough(bytes) else {
                Issue.record("scanner accepted what the full reader refuses: \(String(decoding: bytes, as: UTF8.self))")
                continue
            }
            #expect(event == full, "\(String(decoding: bytes, as: UTF8.self))")
        }
        // Some edits keep the event readable (inside a string, whitespace).
        #expect(scanned > 100)
    }
}
