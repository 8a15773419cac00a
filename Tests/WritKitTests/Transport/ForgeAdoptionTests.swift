import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The adoption rule and the idempotency key binding, as pure logic.
struct ForgeAdoptionTests {
    static let repo = RepoSlug("github.com/acme/app")!
    static let me = ForgeAccount(login: "writ-bot", id: 7)
    static let intent = IntentID("pr-1")!

    static func pull(
        user: [String: Any] = ["login": "writ-bot", "id": 7], state: String = "open", head: String = "fix-1",
        headRepo: String? = "acme/app", base: String = "main",
        body: String = ForgeWriter.marked("b", intent: intent, key: "k")
    ) -> ForgeClient.Object {
        var headObject: [String: Any] = ["ref": head]
        if let headRepo { headObject["repo"] = ["full_name": headRepo] }
        return ["user": user, "state": state, "head": headObject, "base": ["ref": base], "body": body, "number": 1]
    }

    static func adopts(_ pull: ForgeClient.Object, key: String = "k") -> Bool {
        ForgeAdoption.adopts(
            pull: pull, by: me, repo: repo, head: "fix-1", base: "main", intent: intent, key: key)
    }

    @Test func onlyWritsOwnOpenPullRequestFromItsOwnRepositoryIntoTheBaseWithTheMarkerIsAdopted() {
        #expect(Self.adopts(Self.pull()))
        #expect(Self.adopts(Self.pull(user: ["login": "Writ-Bot", "id": 7], headRepo: "ACME/App")))
        #expect(!Self.adopts(Self.pull(user: ["login": "stranger", "id": 66])))
        #expect(!Self.adopts(Self.pull(user: ["login": "writ-bot", "id": 8])), "a renamed account's login")
        #expect(!Self.adopts(Self.pull(user: ["login": "writ-bot\u{212A}", "id": 7])))
        #expect(!Self.adopts(Self.pull(state: "closed")))
        #expect(!Self.adopts(Self.pull(head: "fix-2")))
        #expect(!Self.adopts(Self.pull(headRepo: "stranger/app")), "a fork")
        #expect(!Self.adopts(Self.pull(headRepo: nil)), "a deleted fork")
        #expect(!Self.adopts(Self.pull(base: "release")))
        #expect(!Self.adopts(Self.pull(body: "no marker")))
        #expect(!Self.adopts(Self.pull(), key: "other"))
        let otherIntent = ForgeWriter.marked("b", intent: IntentID("pr-2")!, key: "k")
        #expect(!Self.adopts(Self.pull(body: otherIntent)), "the key alone is not enough")
    }

    @Test func aCommentIsAdoptedOnlyFromTheTokensAccountWithTheMarker() {
        let body = ForgeWriter.marked("b", intent: Self.intent, key: "k")
        let mine: ForgeClient.Object = ["user": ["login": "writ-bot", "id": 7], "body": body]
        let theirs: ForgeClient.Object = ["user": ["login": "mallory", "id": 9], "body": body]
        let anonymous: ForgeClient.Object = ["body": body]
        #expect(ForgeAdoption.adopts(comment: mine, by: Self.me, intent: Self.intent, key: "k"))
        #expect(!ForgeAdoption.adopts(comment: theirs, by: Self.me, intent: Self.intent, key: "k"))
        #expect(!ForgeAdoption.adopts(comment: anonymous, by: Self.me, intent: Self.intent, key: "k"))
        #expect(!ForgeAdoption.adopts(comment: mine, by: Self.me, intent: IntentID("pr-2")!, key: "k"))
    }

    @Test func aKeyStaysWithTheFirstIntentThatUsedIt() {
        let digestA = ContentDigest.sha256(of: Array("a".utf8))
        let digestB = ContentDigest.sha256(of: Array("b".utf8))
        let first = IdempotencyKeys.Binding(intent: IntentID("first")!, digest: digestA)
        let second = IdempotencyKeys.Binding(intent: IntentID("second")!, digest: digestB)
        #expect(IdempotencyKeys.bind(nil, first) == first)
        #expect(IdempotencyKeys.bind(first, second) == first)
        #expect(IdempotencyKeys.refusal(key: "k", intent: first.intent, digest: digestA, bound: first) == nil)
        #expect(
            IdempotencyKeys.refusal(key: "k", intent: second.intent, digest: digestB, bound: first)?.reason
                == .intentMalformed)
        #expect(
            IdempotencyKeys.refusal(key: "k", intent: first.intent, digest: digestB, bound: first)?.reason
                == .intentMalformed)
        #expect(IdempotencyKeys.refusal(key: "k", intent: first.intent, digest: digestA, bound: nil) != nil)
    }

    @Test func everyPathSegmentIsPercentEncodedAndDotSegmentsAreRefused() throws {
        #expect(try ForgeClient.segment("needs review/ok?#%") == "needs%20review%2Fok%3F%23%25")
        #expect(try ForgeClient.segment("caf\u{E9}") == "caf%C3%A9")
        #expect(try ForgeClient.segment("v1.2") == "v1.2")
        for dots in [".", "..", ""] {
            #expect(throws: ForgeError.unsafePathSegment(dots)) { try ForgeClient.segment(dots) }
        }
        #expect(ForgeClient.repoPath(Self.repo) == "/repos/acme/app")
    }
}
