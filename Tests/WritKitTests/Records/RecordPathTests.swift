import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct RecordPathTests {
    /// The fan-out agrees with `printf %s id | sha256sum | cut -c1-2`.
    @Test(arguments: [
        "rotate-db-password-7f3a", "a", "0", "triage-issue-42", "x.y_z-1", String(repeating: "z", count: 100),
    ])
    func fanOutMatchesSha256sum(id: String) throws {
        let witness = try RecordFixtures.run("/usr/bin/sha256sum", [], stdin: Array(id.utf8))
        #expect(FanOut.prefix(for: id) == String(witness.prefix(2)))
        #expect(try #require(IntentID(id)).fanOut == String(witness.prefix(2)))
    }

    @Test func intentIDRules() {
        for good in ["a", "0", "a.b", "a_b-c", "rotate-db-password-7f3a", "a.", String(repeating: "a", count: 100)] {
            #expect(IntentID(good) != nil, "\(good)")
        }
        for bad in [
            "", ".", "..", "../x", "a/b", "a..b", ".a", "-a", "_a", "A", "a b", "a\\b", "é", "a\u{0}",
            String(repeating: "a", count: 101), "a/../b", "%2e%2e",
        ] {
            #expect(IntentID(bad) == nil, "\(bad)")
        }
    }

    @Test func principalRules() {
        for good in ["alice@example.com", "a", "A.B+c-d_e@f", String(repeating: "p", count: 100)] {
            #expect(Principal(good) != nil, "\(good)")
        }
        for bad in ["", "a b", "a/b", "a,b", "a\"b", "é", "a\n", String(repeating: "p", count: 101)] {
            #expect(Principal(bad) == nil, "\(bad)")
        }
    }

    @Test func tierOrderAndParsing() {
        #expect(Tier.low < Tier.medium && Tier.medium < Tier.high)
        #expect(max(Tier.medium, .low) == .medium)
        #expect(Tier(parsing: "high") == .high)
        for bad in ["HIGH", "High", "", "critical", " low"] { #expect(Tier(parsing: bad) == nil) }
    }

    @Test func ledgerPathsRoundTrip() throws {
        let id = try #require(IntentID("rotate-db-password-7f3a"))
        let paths: [LedgerPath] = [
            .intent(id), .intentSignature(id), .auditEvent(id, sequence: 1, event: .claimed),
            .auditEvent(id, sequence: 12345, event: .inDoubt),
        ]
        #expect(
            paths.map(\.path) == [
                "intents/eb/rotate-db-password-7f3a.toml", "intents/eb/rotate-db-password-7f3a.toml.sig",
                "audit/eb/rotate-db-password-7f3a/0001-claimed.json",
                "audit/eb/rotate-db-password-7f3a/12345-in_doubt.json",
            ])
        for path in paths { #expect(LedgerPath(path.path) == path) }
        // An id that itself ends in ".toml" still parses unambiguously.
        let dotted = try #require(IntentID("a.toml"))
        #expect(LedgerPath(LedgerPath.intent(dotted).path) == .intent(dotted))
        #expect(LedgerPath(LedgerPath.intentSignature(dotted).path) == .intentSignature(dotted))
    }

    @Test func ledgerPathsRejectEverythingElse() {
        for bad in [
            "", "/", "intents", "intents/eb", "/intents/eb/rotate-db-password-7f3a.toml",
            "intents/eb/rotate-db-password-7f3a.toml/", "intents//rotate-db-password-7f3a.toml",
            "intents/EB/rotate-db-password-7f3a.toml", "intents/00/rotate-db-password-7f3a.toml",
            "intents/eb/rotate-db-password-7f3a.json", "intents/eb/x/rotate-db-password-7f3a.toml",
            "intents/eb/../rotate-db-password-7f3a.toml", "intents/eb/./rotate-db-password-7f3a.toml",
            "audit/eb/rotate-db-password-7f3a/0001-claimed.toml", "audit/eb/rotate-db-password-7f3a/0001_claimed.json",
            "audit/eb/rotate-db-password-7f3a/0001-Claimed.json", "audit/eb/rotate-db-password-7f3a/001-claimed.json",
            "audit/eb/rotate-db-password-7f3a/-0001-claimed.json", "audit/eb/rotate-db-password-7f3a/+001-claimed.json",
            "audit/eb/rotate-db-password-7f3a/0001-claimed.json/x", "audit/eb/../0001-claimed.json",
            "policy.toml", "approvals/eb/rotate-db-password-7f3a/request.toml", "README.md",
            "audit/ed/../../x/0001-claimed.json",
        ] {
            #expect(LedgerPath(bad) == nil, "\(bad)")
        }
    }

    @Test func governancePathsRoundTrip() throws {
        let id = try #require(IntentID("rotate-db-password-7f3a"))
        let alice = try #require(Principal("alice@example.com"))
        let digest = ContentDigest.sha256(of: [1, 2, 3])
        let paths: [GovernancePath] = [
            .policy, .allowedSigners, .request(id), .approval(id, alice), .approvalSignature(id, alice),
            .governanceRecord(digest, alice), .governanceSignature(digest, alice),
            .governanceNextSignature(digest, alice), .governanceRequest(digest),
            .joinRequest(login: "newcomer"),
        ]
        #expect(
            GovernancePath.governanceNextSignature(digest, alice).path
                == "approvals/_governance/\(digest.hex)/alice@example.com.toml.next.sig")
        // A principal whose name contains ".toml.next" still reads one way only.
        let odd = try #require(Principal("x.toml.next"))
        #expect(
            GovernancePath("approvals/_governance/\(digest.hex)/x.toml.next.toml.sig")
                == .governanceSignature(digest, odd))
        #expect(
            GovernancePath("approvals/_governance/\(digest.hex)/x.toml.next.sig")
                == .governanceNextSignature(digest, try #require(Principal("x"))))
        #expect(
            GovernancePath.approval(id, alice).path == "approvals/eb/rotate-db-password-7f3a/alice@example.com.toml")
        #expect(
            GovernancePath.governanceSignature(digest, alice).path
                == "approvals/_governance/\(digest.hex)/alice@example.com.toml.sig")
        for path in paths { #expect(GovernancePath(path.path) == path, "\(path.path)") }
    }

    @Test func governancePathsRejectEverythingElse() {
        let hex = String(repeating: "ab", count: 32)
        for bad in [
            "", "policy.toml/", "./policy.toml", "sub/policy.toml", ".github/workflows/x.yml",
            "approvals/eb/rotate-db-password-7f3a", "approvals/eb/rotate-db-password-7f3a/alice@example.com",
            "approvals/00/rotate-db-password-7f3a/alice@example.com.toml",
            "approvals/eb/rotate-db-password-7f3a/..toml/x", "approvals/eb/../alice.toml",
            "approvals/eb/rotate-db-password-7f3a/request.toml.sig", "approvals/eb/rotate-db-password-7f3a/a b.toml",
            "approvals/_governance/\(hex.uppercased())/alice.toml", "approvals/_governance/abc/alice.toml",
            "approvals/_governance/\(hex)/request.toml.sig", "approvals/_governance/\(hex)/x/alice.toml",
            // .next.sig exists only next to a governance record.
            "approvals/eb/rotate-db-password-7f3a/alice@example.com.toml.next.sig",
            "approvals/_governance/\(hex)/request.toml.next.sig", "approvals/_governance/\(hex)/alice.next.sig",
            "approvals/_governance/\(hex)/alice.toml.next", "approvals/_governance/\(hex)/alice.toml.sig.next.sig",
            "approvals/_governance/\(hex)/alice.toml.next.sig.sig", "approvals/_governance/\(hex)/.toml.next.sig",
            "join-requests/a/b.toml", "join-requests/a b.toml",
        ] {
            #expect(GovernancePath(bad) == nil, "\(bad)")
        }
    }

    @Test func governanceDigestFollowsTheSpecFormula() throws {
        let policy = Array("schema = 1\n".utf8)
        let signers = Array("alice@example.com ssh-ed25519 AAAA\n".utf8)
        let policyHex = try RecordFixtures.run("/usr/bin/sha256sum", [], stdin: policy).prefix(64)
        let signersHex = try RecordFixtures.run("/usr/bin/sha256sum", [], stdin: signers).prefix(64)
        let text = "policy.toml\n\(policyHex)\nallowed_signers\n\(signersHex)\n"
        let witness = try RecordFixtures.run("/usr/bin/sha256sum", [], stdin: Array(text.utf8)).prefix(64)
        #expect(GovernanceDigest.compute(policy: policy, allowedSigners: signers).hex == String(witness))
    }

    @Test func digestSpelling() {
        let digest = ContentDigest.sha256(of: Array("".utf8))
        #expect(digest.description == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentDigest(parsing: digest.description) == digest)
        #expect(ContentDigest(parsing: digest.description.uppercased()) == nil)
        #expect(ContentDigest(parsing: "SHA256:" + digest.hex) == nil)
        #expect(ContentDigest(parsing: "sha512:" + digest.hex) == nil)
        #expect(ContentDigest(parsing: digest.description + "0") == nil)
    }

    @Test func timestamps() throws {
        let zulu = try #require(Timestamp(rfc3339: "2026-11-22T01:00:00Z"))
        #expect(zulu.rfc3339 == "2026-11-22T01:00:00Z")
        #expect(zulu.secondsSinceEpoch == 1_795_309_200)
        // A numeric offset is the same instant, written back in UTC.
        #expect(Timestamp(rfc3339: "2026-11-22T02:30:00+01:30") == zulu)
        #expect(Timestamp(rfc3339: "2026-11-21T20:00:00-05:00") == zulu)
        #expect(Timestamp(rfc3339: "2026-11-22T01:00:00.5Z")?.rfc3339 == "2026-11-22T01:00:00.5Z")
        #expect(Timestamp(rfc3339: "2026-11-22T01:00:00.123456789Z")?.nanoseconds == 123_456_789)
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp(rfc3339: "1970-01-01T00:00:00Z")?.secondsSinceEpoch == 0)
        #expect(Timestamp(rfc3339: "1969-12-31T23:59:59Z")?.rfc3339 == "1969-12-31T23:59:59Z")
        for bad in [
            "", "2026-11-22", "2026-11-22T01:00:00", "2026-11-22t01:00:00Z", "2026-11-22T01:00:00z",
            "2026-11-22 01:00:00Z", "2026-11-22T01:00Z", "2026-11-22T01:00:00.Z", "2026-11-22T01:00:00.1234567890Z",
            "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-22T24:00:00Z",
            "2026-11-22T01:60:00Z", "2026-11-22T01:00:60Z", "2026-11-22T01:00:00+0100", "2026-11-22T01:00:00+24:00",
            "2026-11-22T01:00:00Z ", " 2026-11-22T01:00:00Z", "+2026-11-22T01:00:00Z", "２026-11-22T01:00:00Z",
        ] {
            #expect(Timestamp(rfc3339: bad) == nil, "\(bad)")
        }
        // The formatter agrees with an independent witness across a range of instants.
        for seconds: Int64 in [0, 951_782_400, 1_795_309_200, 4_102_444_799, 253_402_300_799] {
            let witness = try RecordFixtures.run("/usr/bin/date", ["-u", "-d", "@\(seconds)", "+%Y-%m-%dT%H:%M:%SZ"])
            let stamp = Timestamp(secondsSinceEpoch: seconds)
            #expect(stamp.rfc3339 + "\n" == witness)
            #expect(Timestamp(rfc3339: stamp.rfc3339) == stamp)
        }
    }
}
