import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `LedgerPath.exact`, the one-pass parser every reader hits first, must
/// give exactly the answers of `LedgerPath.explain`, the parser that says
/// why a path is wrong: it may only ever be a shortcut.
@Suite struct LedgerPathFastPathTests {
    static func exact(_ path: String) -> LedgerPath? {
        var path = path
        return path.withUTF8 { LedgerPath.exact($0) }
    }

    static func explained(_ path: String) -> LedgerPath? {
        if case .success(let parsed) = LedgerPath.explain(path) { return parsed }
        return nil
    }

    /// Every valid path takes the shortcut, and it names the same file.
    @Test(arguments: [
        "rotate-db-password-7f3a", "a", "0", "x.y_z-1", "a.", String(repeating: "z", count: 100),
    ])
    func validPathsTakeTheShortcut(id: String) throws {
        let intent = try #require(IntentID(id))
        var paths: [LedgerPath] = [.intent(intent), .intentSignature(intent)]
        for kind in AuditEventKind.allCases {
            for sequence in [1, 9, 42, 999, 1_000, 12_345, LedgerPath.maximumSequence] {
                paths.append(.auditEvent(intent, sequence: sequence, event: kind))
            }
        }
        for path in paths {
            #expect(Self.exact(path.path) == path, "\(path.path)")
            #expect(LedgerPath(path.path) == path)
        }
    }

    /// Near misses: the shortcut declines each, and the full parser explains it.
    @Test func nearMissesAreDeclinedAndExplained() throws {
        let id = "rotate-db-password-7f3a"
        let fan = FanOut.prefix(for: id)
        let wrongFan = fan == "00" ? "01" : "00"
        let bad = [
            "", "/", "intents", "intents/", "intents/\(fan)", "intents/\(fan)/", "intents/\(fan)/.toml",
            "intents/\(fan)/.toml.sig", "intents/\(wrongFan)/\(id).toml", "intents/\(fan)/\(id).tom",
            "intents/\(fan)/\(id).toml/", "intents/\(fan)/\(id).toml.sig.sig", "intents/\(fan)/x/\(id).toml",
            "/intents/\(fan)/\(id).toml", "intents//\(id).toml", "intents/\(fan.uppercased())/\(id).toml",
            "intents/\(fan)/\(id.uppercased()).toml", "intents/\(fan)/a..b.toml", "intents/\(fan)/.a.toml",
            "audit/\(fan)/\(id)/0000-claimed.json", "audit/\(fan)/\(id)/001-claimed.json",
            "audit/\(fan)/\(id)/00001-claimed.json", "audit/\(fan)/\(id)/01234-claimed.json",
            "audit/\(fan)/\(id)/0001-claimed", "audit/\(fan)/\(id)/0001-claim.json",
            "audit/\(fan)/\(id)/0001claimed.json", "audit/\(fan)/\(id)/0001--claimed.json",
            "audit/\(fan)/\(id)/0001-claimed.json/", "audit/\(fan)/\(id)//0001-claimed.json",
            "audit/\(wrongFan)/\(id)/0001-claimed.json", "audit/\(fan)/0001-claimed.json",
            "audit/\(fan)/\(id)/x/0001-claimed.json", "audit/\(fan)/\(id)/-0001-claimed.json",
            "audit/\(fan)/\(id)/+001-claimed.json", "audit/\(fan)/\(id)/1234567890123456789-claimed.json",
            "audit/\(fan)/\(id)/00a1-claimed.json", "audit/\(fan)/\(id)/0001-Claimed.json",
            "audit/\(fan)/\(id)/0001-claimed.JSON", "audit/\(fan)/\(id)/٠٠٠١-claimed.json",
            "audit/\(fan)/é/0001-claimed.json", "other/\(fan)/\(id).toml", "audit/\(fan)/\(id)/.json",
        ]
        for path in bad {
            #expect(Self.exact(path) == nil, "\(path)")
            #expect(Self.explained(path) == nil, "\(path)")
            guard case .failure(let problem) = LedgerPath.diagnose(path) else {
                Issue.record("\(path) parsed")
                continue
            }
            #expect(!problem.message.isEmpty)
        }
    }

    /// Random edits of valid paths: the two parsers agree on every one.
    @Test func randomEditsAgree() throws {
        var random = SeededRandom("LedgerPathFastPathTests.randomEditsAgree")
        let alphabet = Array("abz09._-/AZé+%\u{0}tomlsigjsn".utf8)
        let ids = ["a", "rotate-db-password-7f3a", "x.y_z-1", "q"]
        var declined = 0
        for round in 0..<20_000 {
            let id = try #require(IntentID(ids[round % ids.count]))
            let base: LedgerPath =
                switch round % 3 {
                case 0: .intent(id)
                case 1: .intentSignature(id)
                default:
                    .auditEvent(
                        id, sequence: Int.random(in: 1...20_000, using: &random),
                        event: AuditEventKind.allCases.randomElement(using: &random)!)
                }
            var bytes = Array(base.path.utf8)
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                let at = Int.random(in: 0...bytes.count, using: &random)
                switch Int.random(in: 0...2, using: &random) {
                case 0: bytes.insert(alphabet.randomElement(using: &random)!, at: at)
                case 1 where at < bytes.count: bytes.remove(at: at)
                default: if at < bytes.count { bytes[at] = alphabet.randomElement(using: &random)! }
                }
            }
            let path = String(decoding: bytes, as: UTF8.self)
            let fast = Self.exact(path)
            #expect(fast == Self.explained(path), "\(path)")
            if fast == nil { declined += 1 }
        }
        // The edits reach both sides of the boundary.
        #expect(declined > 1_000 && declined < 19_000)
    }
}
