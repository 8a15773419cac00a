import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

@Suite struct AllowedSignersTests {
    static let keyA = SSHEd25519PrivateKey.generate()
    static let keyB = SSHEd25519PrivateKey.generate()
    static var a: String { keyA.publicKey.openSSHLine }
    static var b: String { keyB.publicKey.openSSHLine }
    static let utc = TimeZone(identifier: "UTC") ?? .current
    static func at(_ text: String) -> Date { AllowedSigners.parseTime(text, timeZone: utc) ?? .distantPast }

    @Test func parsesCommentsBlankLinesOptionsAndComments() throws {
        let text = """
            # comment

               \t
            alice@example.com \(Self.a) alice's laptop
            bob@example.com,carol@example.com NAMESPACES="writ-approval,writ-intent",valid-after="20300101Z" \(Self.b)
            "dave@example.com" valid-before="20301231235959z" \(Self.a)
            """
        let signers = try AllowedSigners(parsing: text, timeZone: Self.utc)
        #expect(signers.entries.map(\.line) == [4, 5, 6])
        let bob = signers.entries[1]
        #expect(bob.namespaces == "writ-approval,writ-intent")
        #expect(bob.validAfter == Self.at("20300101Z"))
        #expect(bob.literalPrincipals == ["bob@example.com", "carol@example.com"])
        #expect(signers.entries[2].principals == "dave@example.com")
        #expect(signers.entries[2].validBefore == Self.at("20301231235959Z"))
    }

    @Test func lookupGivesPreciseFailures() throws {
        let text = """
            alice@example.com namespaces="writ-approval" \(Self.a)
            *@ops.example.com,!eve@ops.example.com \(Self.b)
            old@example.com valid-after="20200101Z",valid-before="20250101Z" \(Self.a)
            new@example.com valid-after="20400101Z" \(Self.a)
            """
        let s = try AllowedSigners(parsing: text, timeZone: Self.utc)
        let now = Self.at("20300615Z")
        let a = Self.keyA.publicKey
        let b = Self.keyB.publicKey
        #expect(
            try s.lookup(principal: "alice@example.com", key: a, namespace: "writ-approval", at: now).get().line == 1)
        #expect(
            s.lookup(principal: "alice@example.com", key: a, namespace: "writ-intent", at: now)
                == .failure(.namespaceNotPermitted(namespace: "writ-intent", line: 1)))
        #expect(
            s.lookup(principal: "alice@example.com", key: b, namespace: "writ-approval", at: now)
                == .failure(
                    .keyNotListed(
                        principal: "alice@example.com", key: b.fingerprint,
                        listedFor: ["*@ops.example.com,!eve@ops.example.com"])))
        #expect(try s.lookup(principal: "bob@ops.example.com", key: b, namespace: "x", at: now).get().line == 2)
        #expect(
            s.lookup(principal: "eve@ops.example.com", key: b, namespace: "x", at: now)
                == .failure(
                    .keyNotListed(
                        principal: "eve@ops.example.com", key: b.fingerprint,
                        listedFor: ["*@ops.example.com,!eve@ops.example.com"])))
        #expect(s.lookup(principal: "old@example.com", key: a, namespace: "x", at: now) == .failure(.expired(line: 3)))
        #expect(
            try s.lookup(principal: "old@example.com", key: a, namespace: "x", at: Self.at("20250101Z")).get().line == 3
        )
        #expect(
            s.lookup(principal: "new@example.com", key: a, namespace: "x", at: now) == .failure(.notYetValid(line: 4)))
        #expect(
            try s.lookup(principal: "new@example.com", key: a, namespace: "x", at: Self.at("20400101Z")).get().line == 4
        )
        // Signer problems map to signer_unknown; signature problems by namespace.
        #expect(SignatureFailure.expired(line: 3).reasonCode(namespace: "writ-intent") == .signerUnknown)
        #expect(SignatureFailure.badSignature.reasonCode(namespace: "writ-intent") == .intentSignatureInvalid)
        #expect(SignatureFailure.badSignature.reasonCode(namespace: "writ-approval") == .approvalSignatureInvalid)
        #expect(
            SignatureFailure.wrongNamespace(expected: "a", found: "b").reasonCode(namespace: "writ-governance")
                == .approvalSignatureInvalid)
    }

    @Test func patternListsFollowTheReference() {
        #expect(SSHPattern.matchList("alice@example.com", list: "*@example.com") == .match)
        #expect(SSHPattern.matchList("alice@example.com", list: "al?ce@*") == .match)
        #expect(SSHPattern.matchList("alice@example.com", list: "!alice@*,*") == .negated)
        #expect(SSHPattern.matchList("alice@example.com", list: "*,!alice@*") == .negated)
        #expect(SSHPattern.matchList("alice@example.com", list: "!bob@*") == .noMatch)
        #expect(SSHPattern.matchList("Alice@example.com", list: "alice@example.com") == .noMatch)
        #expect(SSHPattern.matchList("", list: "a,") == .noMatch)
        #expect(SSHPattern.matchList("", list: ",a") == .match)
        #expect(SSHPattern.matchList("abc", list: "a**c") == .match)
        #expect(SSHPattern.matchList("abc", list: "a?") == .noMatch)
    }

    @Test func malformedLinesFailWithTheirLineNumber() {
        let cases: [(String, Int, String)] = [
            ("ok@x \(Self.a)\n*@x cert-authority \(Self.a)", 2, "cert-authority"),
            ("a@x Cert-Authority,namespaces=\"x\" \(Self.a)", 1, "cert-authority"),
            ("\n\na@x unknown=\"1\" \(Self.a)", 3, "unknown option"),
            ("a@x no-touch-required \(Self.a)", 1, "unknown option"),
            ("a@x namespaces=x \(Self.a)", 1, "not quoted"),
            ("a@x namespaces=\"x \(Self.a)", 1, "unterminated"),
            ("a@x namespaces=\"x\",namespaces=\"y\" \(Self.a)", 1, "multiple"),
            ("a@x namespaces=\"x\", \(Self.a)", 1, "comma"),
            ("a@x valid-after=\"2030\" \(Self.a)", 1, "valid-after"),
            ("a@x valid-after=\"20301301\" \(Self.a)", 1, "valid-after"),
            ("a@x valid-after=\"20300230\" \(Self.a)", 1, "valid-after"),
            ("a@x valid-before=\"19700101Z\" \(Self.a)", 1, "valid-before"),
            ("a@x valid-after=\"20300101Z\",valid-before=\"20300101Z\" \(Self.a)", 1, "not after"),
            ("a@x valid-after=\"20300102Z\",valid-before=\"20300101Z\" \(Self.a)", 1, "not after"),
            ("a@x", 1, "missing key"),
            ("a@x namespaces=\"x\"", 1, "missing key"),
            ("a@x ssh-ed25519", 1, "missing key"),
            ("a@x ssh-ed25519 AAAA!!!", 1, "base64"),
            ("a@x ssh-rsa " + (Self.a.split(separator: " ").last.map(String.init) ?? ""), 1, "ssh-ed25519"),
            ("a@x ssh-dss AAAAB3NzaC1kc3MAAACBAP", 1, "unsupported key type"),
            ("a@x ssh-ed25519-cert-v01@openssh.com AAAA", 1, "unsupported key type"),
            ("a\"b@x \(Self.a)", 1, "quote"),
        ]
        for (text, line, fragment) in cases {
            do {
                _ = try AllowedSigners(parsing: text, timeZone: Self.utc)
                Issue.record("parsed but should fail: \(text)")
            } catch {
                #expect(error.line == line, "\(text)")
                #expect(error.reason.contains(fragment), "\(text): \(error.reason)")
                #expect(error.writError.reason == .policyMalformed)
            }
        }
    }

    @Test func timesAreLocalUnlessMarkedUTC() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let local = try #require(AllowedSigners.parseTime("203006151200", timeZone: tokyo))
        let utc = try #require(AllowedSigners.parseTime("203006151200Z", timeZone: tokyo))
        #expect(utc.timeIntervalSince(local) == 9 * 3600)
        #expect(AllowedSigners.parseTime("20300615120000utc", timeZone: tokyo) == utc)
        #expect(AllowedSigners.parseTime("2030061512", timeZone: tokyo) == nil)
        #expect(AllowedSigners.parseTime("20300615126000", timeZone: tokyo) == nil)
        #expect(AllowedSigners.parseTime("+0300615", timeZone: tokyo) == nil)
    }

    @Test func signersOfAValidSignatureAreFound() throws {
        let message = Data("record".utf8)
        let armored = Array(try Self.keyA.sign(message: message, namespace: "writ-approval").utf8)
        let text = """
            alice@example.com \(Self.a)
            bob@example.com \(Self.b)
            admins@example.com,*@ops.example.com namespaces="writ-*" \(Self.a)
            git@example.com namespaces="git" \(Self.a)
            """
        let s = try AllowedSigners(parsing: text)
        let found = try SignatureVerifier.signers(
            armored: armored, message: message, namespace: "writ-approval", allowedSigners: s, at: Date())
        #expect(found.entries.map(\.line) == [1, 3])
        #expect(found.principals == ["admins@example.com", "alice@example.com"])
        #expect(found.entries[1].matches(principal: "x@ops.example.com"))
        #expect(throws: SignatureFailure.badSignature) {
            try SignatureVerifier.signers(
                armored: armored, message: Data("other".utf8), namespace: "writ-approval", allowedSigners: s, at: Date()
            )
        }
        let only = try AllowedSigners(parsing: "bob@example.com \(Self.b)\n")
        #expect(
            throws: SignatureFailure.keyNotListed(principal: "*", key: Self.keyA.publicKey.fingerprint, listedFor: [])
        ) {
            try SignatureVerifier.signers(
                armored: armored, message: message, namespace: "writ-approval", allowedSigners: only, at: Date())
        }
        do {
            _ = try SignatureVerifier.verifyOrWritError(
                armored: armored, message: message, principal: "bob@example.com", namespace: "writ-approval",
                allowedSigners: s, at: Date())
            Issue.record("bob is not alice")
        } catch {
            #expect(error.reason == .signerUnknown)
        }
    }

    @Test func base64FollowsTheReferenceDecoder() {
        #expect(SSHBase64.decode(Array("QUJD".utf8)) == Array("ABC".utf8))
        #expect(SSHBase64.decode(Array(" Q U\nJ\tD \r\n".utf8)) == Array("ABC".utf8))
        #expect(SSHBase64.decode(Array("QUI=".utf8)) == Array("AB".utf8))
        #expect(SSHBase64.decode(Array("QQ==".utf8)) == Array("A".utf8))
        #expect(SSHBase64.decode(Array("QQ= =\n".utf8)) == Array("A".utf8))
        #expect(SSHBase64.decode(Array("QUI".utf8)) == nil)  // padding required
        #expect(SSHBase64.decode(Array("QUJ=".utf8)) == nil)  // non-zero spare bits
        #expect(SSHBase64.decode(Array("QR==".utf8)) == nil)
        #expect(SSHBase64.decode(Array("QQ==QQ==".utf8)) == nil)
        #expect(SSHBase64.decode(Array("Q===".utf8)) == nil)
        #expect(SSHBase64.decode(Array("QU-D".utf8)) == nil)
        #expect(SSHBase64.encode(Array("AB".utf8)) == "QUI=")
    }
}
