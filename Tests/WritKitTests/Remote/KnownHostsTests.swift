import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// known_hosts as OpenSSH writes and reads it, with `ssh-keygen` as the
/// independent witness for hashing and fingerprints.
struct KnownHostsTests {
    /// A fresh ed25519 key: its `type base64` line and its blob.
    private func hostKey(_ directory: URL, _ name: String) throws -> (line: String, blob: [UInt8]) {
        let path = try CLI.makeKey(in: directory, name: name)
        let line = try CLI.publicKey(path)
        let base64 = line.split(separator: " ")[1]
        return (line, try #require(SSHBase64.decode(Array(base64.utf8))))
    }

    private func load(_ text: String) -> KnownHosts { KnownHosts(text, path: "/etc/writ/known_hosts") }

    @Test func plainAndBracketedPortEntriesPinTheirHostOnly() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let key = try hostKey(directory, "host")
        let file = load("# pinned\n[127.0.0.1]:2222 \(key.line)\ngit.example.com \(key.line) comment\n")
        #expect(file.check(name: "[127.0.0.1]:2222", key: key.blob) == .trusted)
        #expect(file.check(name: "git.example.com", key: key.blob) == .trusted)
        #expect(file.check(name: "GIT.example.com", key: key.blob) == .trusted)
        // The port is part of the name: the same host on 22 or another port is unknown.
        for name in ["127.0.0.1", "[127.0.0.1]:2223"] {
            guard case .refused(_, .unknownHost) = file.check(name: name, key: key.blob) else {
                Issue.record("\(name) should be unknown")
                continue
            }
        }
    }

    @Test func fingerprintIsWhatSSHKeygenPrints() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        for type in ["ed25519", "ecdsa", "rsa"] {
            let path = try CLI.makeKey(in: directory, name: "fp-\(type)", type: type)
            let witness = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", path + ".pub"])
            let expected = String(witness.stdout.split(separator: " ")[1])
            let base64 = try CLI.publicKey(path).split(separator: " ")[1]
            let blob = try #require(SSHBase64.decode(Array(base64.utf8)))
            #expect(KnownHosts.fingerprint(blob) == expected, "\(type)")
        }
    }

    @Test func hashedEntriesWrittenBySSHKeygenMatch() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let key = try hostKey(directory, "host")
        let path = directory.appendingPathComponent("known_hosts")
        try Data("[127.0.0.1]:2222 \(key.line)\ngit.example.com \(key.line)\n".utf8).write(to: path)
        let hashed = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-H", "-f", path.path])
        try #require(hashed.status == 0, "\(hashed.stderr)")
        let text = try String(contentsOf: path, encoding: .utf8)
        #expect(text.hasPrefix("|1|") && !text.contains("127.0.0.1") && !text.contains("example"))
        let file = try KnownHosts.load(path.path)
        #expect(file.check(name: "[127.0.0.1]:2222", key: key.blob) == .trusted)
        #expect(file.check(name: "git.example.com", key: key.blob) == .trusted)
        guard case .refused(_, .unknownHost) = file.check(name: "[127.0.0.1]:2223", key: key.blob) else {
            Issue.record("another port must not match a hashed entry")
            return
        }
    }

    @Test func aChangedKeyIsRefusedWithBothFingerprintsAndThePinLine() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let pinned = try hostKey(directory, "old")
        let offered = try hostKey(directory, "new")
        let file = load("[127.0.0.1]:2222 \(pinned.line)\n")
        let verdict = file.check(name: "[127.0.0.1]:2222", key: offered.blob)
        guard case .refused(_, .changed(_, _, let keys)) = verdict else {
            Issue.record("expected changed, got \(verdict)")
            return
        }
        #expect(keys.map(\.line) == [1])
        let message = try #require(verdict.message(for: "[127.0.0.1]:2222"))
        #expect(message.contains(KnownHosts.fingerprint(offered.blob)))
        #expect(message.contains(KnownHosts.fingerprint(pinned.blob)))
        #expect(message.contains("[127.0.0.1]:2222 \(offered.line)"))
    }

    @Test func unknownHostMessageSaysHowToPin() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let key = try hostKey(directory, "host")
        let verdict = load("").check(name: "[127.0.0.1]:2222", key: key.blob)
        let message = try #require(verdict.message(for: "[127.0.0.1]:2222"))
        #expect(message.contains(KnownHosts.fingerprint(key.blob)))
        #expect(message.contains("never trusts a host on first use"))
        #expect(message.contains("add this line to /etc/writ/known_hosts: [127.0.0.1]:2222 \(key.line)"))
    }

    @Test func patternsWildcardsAndNegation() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let key = try hostKey(directory, "host")
        let file = load("*.example.com,!bad.example.com \(key.line)\n")
        #expect(file.check(name: "git.example.com", key: key.blob) == .trusted)
        #expect(file.check(name: "bad.example.com", key: key.blob) != .trusted)
        #expect(file.check(name: "example.org", key: key.blob) != .trusted)
    }

    @Test func revokedKeysCertAuthoritiesAndMalformedLines() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let key = try hostKey(directory, "host")
        // A revocation beats a pin.
        let revoked = load("git.example.com \(key.line)\n@revoked * \(key.line)\n")
        guard case .refused(_, .revoked(_, 2)) = revoked.check(name: "git.example.com", key: key.blob) else {
            Issue.record("a revoked key must be refused")
            return
        }
        // A CA line never vouches: certificates are not checked here.
        #expect(load("@cert-authority * \(key.line)\n").check(name: "git.example.com", key: key.blob) != .trusted)
        // Malformed lines pin nothing but do not stop the others.
        let type = key.line.split(separator: " ")[0]
        let mixed = load(
            "garbage\ngit.example.com \(type) !!!\ngit.example.com ssh-rsa \(key.line.split(separator: " ")[1])\n"
                + "git.example.com \(key.line)\n")
        #expect(mixed.check(name: "git.example.com", key: key.blob) == .trusted)
        // A revocation that cannot be read refuses everything.
        let broken = load("git.example.com \(key.line)\n@revoked * \(type) not-base64\n")
        guard case .refused(_, .unreadableRevocation(_, 2)) = broken.check(name: "git.example.com", key: key.blob)
        else {
            Issue.record("an unreadable @revoked line must refuse every key")
            return
        }
    }
}
