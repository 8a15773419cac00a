import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Quorum counting, tiers and event authority.
@Suite("Decision engine: counting, tiers and events")
struct DecisionCountingTests {
    let world = PolicyWorld()
    typealias W = PolicyWorld

    // MARK: Distinct principals, distinct keys

    @Test func oneKeyUnderTwoPrincipalsCountsOnce() throws {
        var shared = world
        // carol's line carries alice's key: both principals share one key.
        shared.keys[W.carol] = world.key(W.alice)
        let intent = try shared.intent()
        let approvals = [try shared.approval(of: intent, by: W.alice), try shared.approval(of: intent, by: W.carol)]
        let verdict = try shared.decide(intent, approvals)
        #expect(verdict.approvalsCounted == 1)
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .notApproved)
        #expect(verdict.discarded.map(\.principal) == [W.carol])
        // Near miss: distinct keys count twice.
        #expect(
            try world.decide(
                try world.intent(),
                [try world.approval(of: intent, by: W.alice), try world.approval(of: intent, by: W.carol)]
            ).state == .ready)
    }

    @Test func sameRecordRecommittedCountsOnce() throws {
        let intent = try world.intent()
        let first = try world.approval(of: intent, by: W.alice, commit: 100)
        let again = try world.approval(of: intent, by: W.alice, commit: 101)
        #expect(first.bytes == again.bytes)
        let verdict = try world.decide(intent, [first, again])
        #expect(verdict.approvalsCounted == 1)
        #expect(verdict.reason == .notApproved)
        #expect(
            verdict.counted == [
                CountedApproval(approver: W.alice, commit: oid(100), recordDigest: .sha256(of: first.bytes))
            ])
    }

    @Test func twoVersionsOfOnePrincipalCountOnce() throws {
        let intent = try world.intent()
        let first = try world.approval(of: intent, by: W.alice, commit: 100)
        let updated = try world.approval(of: intent, by: W.alice, expiresAt: .offset(86_400), commit: 105)
        #expect(first.bytes != updated.bytes)
        #expect(try world.decide(intent, [first, updated]).approvalsCounted == 1)
    }

    @Test func matchingFindsTheLargestDistinctSet() throws {
        // alice holds keys K1 and K2 (two lines); carol's line lists K1 too.
        // alice's two record versions are signed with K1 and K2, carol's with
        // K1: alice–K2 and carol–K1 make two; a greedy pass could make one.
        var world = self.world
        let k1 = SSHEd25519PrivateKey.generate()
        let k2 = SSHEd25519PrivateKey.generate()
        world.unlisted = [W.alice, W.carol]
        world.extraSignerLines = [
            "alice@example.com,carol@example.com \(k1.publicKey.openSSHLine)",
            "alice@example.com \(k2.publicKey.openSSHLine)",
        ]
        let intent = try world.intent()
        let approvals = [
            try world.approval(of: intent, by: W.alice, signer: k1, commit: 100),
            try world.approval(of: intent, by: W.alice, expiresAt: .offset(999), signer: k2, commit: 101),
            try world.approval(of: intent, by: W.carol, signer: k1, commit: 102),
        ]
        let verdict = try world.decide(intent, approvals)
        #expect(verdict.approvalsCounted == 2)
        #expect(verdict.state == .ready)
        #expect(Set(verdict.counted.map(\.approver)) == [W.alice, W.carol])
    }

    @Test func extraInvalidRecordDoesNotCancelMetThreshold() throws {
        let intent = try world.intent()
        let approvals = [
            try world.approval(of: intent, by: W.alice),
            try world.approval(of: intent, by: W.carol),
            try world.approval(of: intent, by: W.bob),  // not authorised for high
            try world.approval(of: intent, by: W.mallory, signer: .generate()),  // unknown key
        ]
        let verdict = try world.decide(intent, approvals)
        #expect(verdict.state == .ready)
        #expect(verdict.reason == nil)
        #expect(verdict.approvalsCounted == 2)
        #expect(
            verdict.discarded.map(\.reason).sorted { $0.rawValue < $1.rawValue } == [
                .signerNotAuthorized, .signerUnknown,
            ])
    }

    @Test func recordsOrderDoesNotMatter() throws {
        let intent = try world.intent()
        let approvals = [
            try world.approval(of: intent, by: W.bob),
            try world.approval(of: intent, by: W.carol),
            try world.approval(of: intent, by: W.alice, expiresAt: .offset(-1)),
        ]
        let forward = try world.decide(intent, approvals)
        let backward = try world.decide(intent, approvals.reversed())
        #expect(forward.reason == .approvalExpired)
        #expect(forward.reason == backward.reason)
        #expect(forward.counted == backward.counted)
    }

    // MARK: Tiers

    @Test func blastRadiusRaisesButNeverLowers() throws {
        let policy = try world.governance().policy
        for (kind, base) in [("triage", Tier.low), ("dev", .medium), ("release", .high)] {
            for radius in [nil] + Tier.allCases {
                let intent = try Intent.parse(try world.intent(kind: kind, blastRadius: radius).bytes)
                #expect(intent.effectiveTier(policy) == max(base, radius ?? .low))
                let verdict = try world.decide(try world.intent(kind: kind, blastRadius: radius))
                #expect(verdict.tier == max(base, radius ?? .low))
            }
        }
        // A low kind raised to high needs two admins.
        let raised = try world.intent(kind: "triage", blastRadius: .high)
        #expect(try world.decide(raised).reason == .notApproved)
        #expect(try world.decide(raised).approvalsRequired == 2)
    }

    @Test func unknownKindIsHigh() throws {
        let intent = try world.intent(kind: "unlisted-kind")
        let verdict = try world.decide(intent)
        #expect(verdict.tier == .high)
        #expect(verdict.reason == .notApproved)
        // A medium approver cannot carry it.
        #expect(try world.decide(intent, [try world.approval(of: intent, by: W.bob)]).reason == .signerNotAuthorized)
    }

    @Test func lowTierIsReadyWithoutHumans() throws {
        let intent = try world.intent(kind: "triage")
        let verdict = try world.decide(intent, [try world.approval(of: intent, by: W.bob)])
        #expect(verdict.state == .ready)
        #expect(verdict.approvalsRequired == 0)
        #expect(verdict.counted.isEmpty)
    }

    @Test func missingTierTableIsNeverMet() throws {
        var noHigh = world
        noHigh.policyText = PolicyWorld.defaultPolicy.replacingOccurrences(
            of: "[tiers.high]\napprovals = 2\nroles = [\"admin\"]\n", with: "")
        #expect(try noHigh.governance().policy.rule(for: .high) == nil)
        let intent = try noHigh.intent()
        #expect(try noHigh.decide(intent).reason == .notApproved)
        let verdict = try noHigh.decide(
            intent, [try noHigh.approval(of: intent, by: W.alice), try noHigh.approval(of: intent, by: W.carol)])
        #expect(verdict.state == .blocked)
        #expect(verdict.reason == .signerNotAuthorized)
        // A missing low table: low intents are not auto-approved either.
        var noLow = world
        noLow.policyText = PolicyWorld.defaultPolicy.replacingOccurrences(
            of: "[tiers.low]\napprovals = 0\nroles = [\"operator\"]\n", with: "")
        #expect(try noLow.decide(try noLow.intent(kind: "triage")).reason == .notApproved)
    }

    // MARK: Event authority and state

    @Test func forgedOutcomeByNonDispatcherIsIgnored() throws {
        let intent = try world.intent()
        let approvals = [try world.approval(of: intent, by: W.alice), try world.approval(of: intent, by: W.carol)]
        for signers: Set<Principal> in [[], [W.agent], [W.alice], [W.gatekeeper]] {
            let forged = try world.event(of: intent, 1, .succeeded(outcome), signers: signers)
            let verdict = try world.decide(intent, approvals, [forged])
            #expect(verdict.state == .ready)
            #expect(verdict.discarded.map(\.reason) == [.ledgerViolation])
            #expect(verdict.discarded.first?.kind == .event)
        }
        let real = try world.event(of: intent, 1, .succeeded(outcome), signers: [W.dispatcher])
        let settled = try world.decide(intent, approvals, [real])
        #expect(settled.state == .succeeded)
        #expect(settled.reason == nil)
        #expect(settled.tier == .high)
        #expect(settled.approvalsCounted == 2)
    }

    @Test func claimedThenOutcomes() throws {
        let intent = try world.intent()
        let d: Set<Principal> = [W.dispatcher]
        let claimed = try world.event(of: intent, 1, claimPayload, signers: d)
        #expect(try world.decide(intent, [], [claimed]).state == .claimed)
        let failed = try world.event(of: intent, 2, .failed(outcome), signers: d)
        #expect(try world.decide(intent, [], [claimed, failed]).state == .failed)
        let doubt = try world.event(
            of: intent, 2, .inDoubt(claimedAt: PolicyWorld.created, detail: "lease expired"), signers: d)
        #expect(try world.decide(intent, [], [doubt, claimed]).state == .inDoubt)
        // blocked / projection / auto_approved never change the state.
        let blocked = try world.event(of: intent, 3, .blocked(reason: .notApproved, detail: "x"), signers: d)
        let projection = try world.event(of: intent, 4, .projection(operation: "pr", target: "t", key: "k"), signers: d)
        #expect(try world.decide(intent, [], [claimed, blocked, projection]).state == .claimed)
        #expect(try world.decide(intent, [], [blocked, projection]).state == .blocked)
        // A claim after an outcome does not reopen or change it.
        let succeeded = try world.event(of: intent, 2, .succeeded(outcome), signers: d)
        let reclaim = try world.event(of: intent, 3, claimPayload, signers: d)
        let verdict = try world.decide(intent, [], [claimed, succeeded, reclaim])
        #expect(verdict.state == .succeeded)
        #expect(verdict.discarded.map(\.reason) == [.ledgerViolation])
    }

    @Test func resolvedRetryReopens() throws {
        let intent = try world.intent()
        let approvals = [try world.approval(of: intent, by: W.alice), try world.approval(of: intent, by: W.carol)]
        let d: Set<Principal> = [W.dispatcher]
        let claimed = try world.event(of: intent, 1, claimPayload, signers: d)
        let doubt = try world.event(
            of: intent, 2, .inDoubt(claimedAt: PolicyWorld.created, detail: "lease"), signers: d)
        #expect(try world.decide(intent, approvals, [claimed, doubt]).state == .inDoubt)

        let retry = try world.event(of: intent, 3, .resolved(resolution: .retry, note: "ok"), signers: [W.alice])
        let reopened = try world.decide(intent, approvals, [claimed, doubt, retry])
        #expect(reopened.state == .ready)
        // Reopened, it is judged afresh: without approvals it is blocked.
        #expect(try world.decide(intent, [], [claimed, doubt, retry]).reason == .notApproved)
        // Then claimed again.
        let claimedAgain = try world.event(of: intent, 4, claimPayload, signers: d)
        #expect(try world.decide(intent, approvals, [claimed, doubt, retry, claimedAgain]).state == .claimed)

        // resolved(succeeded|failed) settles.
        let resolvedFailed = try world.event(
            of: intent, 3, .resolved(resolution: .failed, note: "no"), signers: [W.carol])
        #expect(try world.decide(intent, approvals, [claimed, doubt, resolvedFailed]).state == .failed)

        // Near misses: a resolution by a principal outside the tier's roles,
        // or by the dispatcher, is ignored; retry of a plain claim, or of a
        // finished intent, does nothing.
        let byBob = try world.event(of: intent, 3, .resolved(resolution: .retry, note: "x"), signers: [W.bob])
        #expect(try world.decide(intent, approvals, [claimed, doubt, byBob]).state == .inDoubt)
        let byDispatcher = try world.event(of: intent, 3, .resolved(resolution: .retry, note: "x"), signers: d)
        #expect(try world.decide(intent, approvals, [claimed, doubt, byDispatcher]).state == .inDoubt)
        let retryClaim = try world.event(of: intent, 2, .resolved(resolution: .retry, note: "x"), signers: [W.alice])
        #expect(try world.decide(intent, approvals, [claimed, retryClaim]).state == .claimed)
        let succeeded = try world.event(of: intent, 2, .succeeded(outcome), signers: d)
        let lateRetry = try world.event(of: intent, 3, .resolved(resolution: .retry, note: "x"), signers: [W.alice])
        #expect(try world.decide(intent, approvals, [claimed, succeeded, lateRetry]).state == .succeeded)
    }

    @Test func eventsForAnotherIntentOrMalformedAreIgnored() throws {
        let intent = try world.intent(id: "deploy-1")
        let other = try world.intent(id: "deploy-2")
        let foreign = try world.event(of: other, 1, .succeeded(outcome), signers: [W.dispatcher])
        let verdict = try world.decide(intent, [], [foreign])
        #expect(verdict.state == .blocked)
        #expect(verdict.discarded.map(\.reason) == [.ledgerViolation])
        // An event whose body names another intent, filed under this one.
        let good = try world.event(of: intent, 1, .succeeded(outcome), signers: [W.dispatcher])
        let misfiled = EventEvidence(path: good.path, bytes: foreign.bytes, commit: good.commit, signers: good.signers)
        #expect(try world.decide(intent, [], [misfiled]).state == .blocked)
        let garbage = EventEvidence(path: good.path, bytes: Data("{}".utf8), commit: good.commit, signers: good.signers)
        #expect(try world.decide(intent, [], [garbage]).discarded.map(\.reason) == [.ledgerViolation])
        #expect(try world.decide(intent, [], [good]).state == .succeeded)
    }

    @Test func sequenceOrderNotInputOrder() throws {
        let intent = try world.intent()
        let d: Set<Principal> = [W.dispatcher]
        let events = [
            try world.event(of: intent, 10, .succeeded(outcome), signers: d),
            try world.event(of: intent, 9, claimPayload, signers: d),
        ]
        #expect(try world.decide(intent, [], events).state == .succeeded)
    }

    @Test func settledIntentIsNeverReadyEvenIfNowInvalid() throws {
        // The proposer's key was removed after the run: the report still says succeeded.
        var later = world
        later.unlisted = [W.agent]
        let intent = try world.intent()
        let done = try later.event(of: intent, 1, .succeeded(outcome), signers: [W.dispatcher])
        #expect(try later.decide(intent, [], [done]).state == .succeeded)
        #expect(try later.decide(intent, [], []).reason == .intentSignatureInvalid)
    }
}
