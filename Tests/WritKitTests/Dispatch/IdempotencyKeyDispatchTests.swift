import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A key is bound to the first intent on the ledger that used it, for
/// every executor (a command gets it as `WRIT_IDEMPOTENCY_KEY`), and the
/// bindings of a state dir from before they existed are made again from
/// the whole ledger.
struct IdempotencyKeyDispatchTests {
    func propose(_ fixture: DispatchFixture, _ id: String, key: String?) throws {
        var request = try fixture.request("triage", id)
        request.idempotencyKey = key
        try fixture.sandbox.propose(request, as: "agent-1@example.com")
    }

    /// The default key is the id: an intent naming another intent's id as
    /// its key reuses that key too.
    @Test func aCommandIntentReusingAKeyNeverRuns() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try propose(fixture, "triage-first", key: nil)
        try propose(fixture, "triage-again", key: "triage-first")
        let report = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-first"])
        let refused = try #require(report.intents.first { $0.id.rawValue == "triage-again" })
        #expect(refused.result == .blocked && refused.reason == .intentMalformed)
    }

    /// A state saved before bindings existed (no `keys_bound`, no `keys/`)
    /// reads the ledger again from the trust root: the earlier intent
    /// still holds its key, and the new one reusing it does not run.
    @Test func aStateFromBeforeBindingsBindsTheWholeLedgerAgain() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try propose(fixture, "triage-old", key: "shared")
        _ = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-old"])
        let profile = fixture.directory.appendingPathComponent("state/default")
        let statePath = profile.appendingPathComponent("state.json")
        var state = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: statePath)) as? [String: Any])
        #expect(state["keys_bound"] as? Bool == true)
        state["keys_bound"] = nil
        try JSONSerialization.data(withJSONObject: state).write(to: statePath)
        try FileManager.default.removeItem(at: profile.appendingPathComponent("keys"))

        try propose(fixture, "triage-new", key: "shared")
        let report = try fixture.dispatcher().poll()
        #expect(fixture.runs() == ["triage-old"], "the key's first user is the old intent")
        #expect(report.intents.first { $0.id.rawValue == "triage-new" }?.reason == .intentMalformed)
    }
}
