import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// How a key is signed with is decided when it is loaded, and no way of
/// signing can hang: malformed keys fail at once, encrypted keys go through
/// an agent or fail with a clear message, and `ssh-keygen` runs detached
/// and with a timeout.
@Suite(.serialized) struct SSHSigningKeyTests {
    static let encryptedMessage = "the key is encrypted: add it to ssh-agent"

    @Test func malformedKeyFilesFailToLoadNamingThePath() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try SigTest.makeKey(dir, name: "k", type: "ed25519")
        let text = try String(contentsOfFile: good, encoding: .utf8)
        // The check integers differ: the file parses as openssh-key-v1 but
        // is not a usable ed25519 key. This once fell back to ssh-keygen.
        var lines = text.split(separator: "\n").map(String.init)
        let body = lines.dropFirst().dropLast().joined()
        var blob = try #require(SSHBase64.decode(Array(body.utf8)))
        var reader = SSHWireReader(blob)
        _ = try reader.readBytes(15)
        for _ in 0..<3 { _ = try reader.readString() }
        _ = try reader.readUInt32()
        _ = try reader.readString()
        blob[reader.offset + 4] ^= 0xFF
        lines = [
            "-----BEGIN OPENSSH PRIVATE KEY-----", SSHBase64.encodeWrapped(blob), "-----END OPENSSH PRIVATE KEY-----",
        ]
        let cases: [(String, String)] = [
            ("garbled", lines.joined(separator: "\n") + "\n"),
            ("not a key", "hello\n"),
            ("truncated", String(text.prefix(text.count / 2))),
            ("dsa", "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n"),
        ]
        for (name, contents) in cases {
            let path = dir.appendingPathComponent(name).path
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
            do {
                _ = try SSHSigningKey.load(path: path, agent: nil, terminal: false)
                Issue.record("\(name) loaded")
            } catch {
                #expect(error.description.contains(path), "\(name): \(error)")
                switch error {
                case .malformedKey, .unsupportedKey: break
                default: Issue.record("\(name): \(error)")
                }
            }
            #expect(throws: WritError.self, "\(name)") {
                try SigningIdentity(principal: #require(Principal("dispatch-1")), keyPath: path)
            }
        }
        #expect(throws: SSHSignerError.unreadableKey(path: dir.path + "/missing", "no such file")) {
            try SSHSigningKey.load(path: dir.path + "/missing", agent: nil, terminal: false)
        }
    }

    @Test func encryptedKeyWithoutAgentOrTerminalFailsAtOnce() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encrypted = try SigTest.makeKey(dir, name: "enc", type: "ed25519", passphrase: "correct horse")
        // Refused as encrypted with no terminal to ask on: nothing waits for a passphrase.
        #expect(throws: SSHSignerError.encrypted(path: encrypted)) {
            try SSHSigningKey.load(path: encrypted, agent: nil, terminal: false)
        }
        #expect(SSHSignerError.encrypted(path: encrypted).description.contains(Self.encryptedMessage))
        #expect(SSHSignerError.encrypted(path: encrypted).writError.detail.contains(encrypted))

        // End to end: `writ sig sign` with stdin not a terminal and no agent.
        let file = dir.appendingPathComponent("record.toml")
        try Data("schema = 1\n".utf8).write(to: file)
        var environment = ProcessInfo.processInfo.environment
        environment["SSH_AUTH_SOCK"] = nil
        // The runner's own timeout is the deadline: a command waiting for a
        // passphrase would be killed and this would throw, not return.
        let out = try Subprocess.run(
            CLI.binary, ["sig", "sign", "--key", encrypted, "--namespace", "writ-approval", file.path],
            environment: environment)
        #expect(out.status != 0)
        let said = String(decoding: out.stdout + out.stderr, as: UTF8.self)
        #expect(said.contains(Self.encryptedMessage) && said.contains(encrypted), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: file.path + ".sig"))
    }

    /// A real ssh-agent on a private socket, stopped when the test ends.
    final class Agent {
        let socket: String
        private let process: Process

        init(_ dir: URL) throws {
            // A Unix socket path holds at most 107 bytes; a scratch directory
            // named after a long test name does not fit, so the socket gets
            // a short directory of its own.
            let short = URL(fileURLWithPath: "/tmp/writ-agent-\(UInt32.random(in: .min ... .max))")
            try FileManager.default.createDirectory(at: short, withIntermediateDirectories: true)
            socket = short.appendingPathComponent("s").path
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
            process.arguments = ["-D", "-a", socket]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The socket file appears at bind(), before the agent listens:
            // poll until it answers (a deadline, not a guess at how long
            // a loaded machine takes).
            let deadline = ContinuousClock.now + .seconds(30)
            while !Self.answers(socket), ContinuousClock.now < deadline {
                usleep(10_000)
            }
        }

        /// Whether an agent answers on `socket` (`ssh-add -l` exits 2 when it cannot connect).
        static func answers(_ socket: String) -> Bool {
            guard FileManager.default.fileExists(atPath: socket) else { return false }
            var environment = ProcessInfo.processInfo.environment
            environment["SSH_AUTH_SOCK"] = socket
            guard let out = try? Subprocess.run("/usr/bin/ssh-add", ["-l"], environment: environment) else {
                return false
            }
            return out.status != 2
        }

        func add(_ keyPath: String) throws {
            var environment = ProcessInfo.processInfo.environment
            environment["SSH_AUTH_SOCK"] = socket
            let out = try Subprocess.run("/usr/bin/ssh-add", ["-q", keyPath], environment: environment)
            #expect(out.status == 0, "ssh-add: \(String(decoding: out.stderr, as: UTF8.self))")
        }

        var client: SSHAgentClient { SSHAgentClient(socketPath: socket) }

        deinit {
            // SIGKILL: the agent inherits the test thread's blocked signals,
            // SIGTERM among them.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: (socket as NSString).deletingLastPathComponent)
        }
    }

    @Test func encryptedKeysAndPublicKeysSignThroughARealAgent() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let agent = try Agent(dir)
        let message = Data("approve intent 42\n".utf8)
        for (type, bits) in [("ed25519", nil), ("ecdsa", 256), ("rsa", 2048)] as [(String, Int?)] {
            let plain = try SigTest.makeKey(dir, name: type, type: type, bits: bits)
            let encrypted = plain + "-enc"
            try FileManager.default.copyItem(atPath: plain, toPath: encrypted)
            try FileManager.default.copyItem(atPath: plain + ".pub", toPath: encrypted + ".pub")
            let reencrypt = try SigTest.keygen(["-q", "-p", "-P", "", "-N", "correct horse", "-f", encrypted])
            #expect(reencrypt.status == 0)
            // Not in the agent yet: fails at once, even with an agent.
            #expect(throws: SSHSignerError.encrypted(path: encrypted)) {
                try SSHSigningKey.load(path: encrypted, agent: agent.client, terminal: false)
            }
            #expect(throws: SSHSignerError.notInAgent(path: encrypted + ".pub")) {
                try SSHSigningKey.load(path: encrypted + ".pub", agent: agent.client, terminal: false)
            }
            try agent.add(plain)
            let signers = "alice@example.com \(try SigTest.publicLine(plain))\n"
            for path in [encrypted, encrypted + ".pub"] {
                let key = try SSHSigningKey.load(path: path, agent: agent.client, terminal: false)
                #expect(key.description.contains("ssh-agent"))
                let armored = try key.sign(message: message, namespace: "writ-approval")
                #expect(
                    try SigTest.refVerify(
                        dir: dir, signature: Array(armored.utf8), message: message, principal: "alice@example.com",
                        namespace: "writ-approval", signers: signers, verifyTime: "20300101Z"), "\(type) via \(path)")
                let verified = try SignatureVerifier.verify(
                    armored: Array(armored.utf8), message: message, principal: "alice@example.com",
                    namespace: "writ-approval", allowedSigners: AllowedSigners(parsing: signers), at: Date())
                #expect(verified.entry.line == 1)
            }
        }
    }

    @Test func detachedChildrenAreKilledAtTheirTimeout() throws {
        // The error names the 300 ms timeout: the runner ended the 30 s sleep.
        #expect(throws: SubprocessError.timedOut(path: "/bin/sleep", after: .milliseconds(300))) {
            try Subprocess.run("/bin/sleep", ["30"], session: .detached(timeout: .milliseconds(300)))
        }
        // A detached child has no controlling terminal to prompt on.
        let tty = try Subprocess.run(
            "/bin/sh", ["-c", "(exec 3</dev/tty) 2>/dev/null && echo attached || echo detached"])
        #expect(String(decoding: tty.stdout, as: UTF8.self).contains("detached"))
        // Input is delivered and output drained, larger than a pipe holds.
        let big = Data(repeating: 0x61, count: 1_000_000)
        let cat = try Subprocess.run("/bin/cat", [], stdin: big)
        #expect(cat.status == 0 && cat.stdout == big)
    }

    /// The signing tools' runner hardens its children as the executors'
    /// does (SpawnHardening): a descriptor this process left inheritable
    /// does not reach the child, in either session, and a signal this
    /// process ignores is at its default there.
    @Test func signingToolsGetTheExecutorsHardening() throws {
        let leaked = open("/dev/null", O_RDONLY)
        #expect(leaked > 2)
        defer { close(leaked) }
        #expect(fcntl(leaked, F_GETFD) & FD_CLOEXEC == 0, "inheritable, as a careless library might leave one")
        let probe = "test -e /proc/$$/fd/\(leaked) && echo open || echo closed; grep '^SigIgn:' /proc/$$/status"
        for session in [Subprocess.Session.detached(timeout: .seconds(30)), .terminal] {
            let out = try Subprocess.run("/bin/sh", ["-c", probe], session: session)
            let said = String(decoding: out.stdout, as: UTF8.self)
            #expect(said.hasPrefix("closed\n"), "\(said)")
            // Signals 1 to 31 (the C library keeps 32 and 33 for itself).
            let ignored = said.split(separator: "\n").last.flatMap {
                UInt64($0.split(separator: "\t").last ?? "", radix: 16)
            }
            #expect(ignored.map { $0 & 0x7fff_ffff } == 0, "\(said)")
        }
    }
}
