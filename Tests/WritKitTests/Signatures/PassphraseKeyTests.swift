import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// A passphrase-protected key as people keep it, through the built binary:
/// on a terminal (a pty made by util-linux `script`) `ssh-keygen` asks for
/// the passphrase and the answer signs; with an agent holding the key there
/// is no prompt even on a terminal; with neither the command fails at once.
/// Every run has a deadline, so a hang fails the test instead of stalling it.
@Suite(.serialized) struct PassphraseKeyTests {
    static let passphrase = "correct horse"
    static let deadline: Duration = .seconds(60)

    /// A command run on a fresh pty by `script`, answering each passphrase
    /// prompt as it appears (typed ahead, it would be flushed: ssh-keygen
    /// sets the terminal with TCSAFLUSH).
    struct PTYRun {
        let status: Int32
        let output: String
        let prompts: Int
        let timedOut: Bool
    }

    static func onPTY(_ arguments: [String], environment: [String: String], answer: String?) throws -> PTYRun {
        let command = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            .joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // -q quiet, -f flush each write, -e the child's exit status; no typescript file.
        process.arguments = ["-qfec", command, "/dev/null"]
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        let collected = Collected()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()

        var prompts = 0
        var timedOut = false
        let end = ContinuousClock.now + deadline
        while process.isRunning {
            if ContinuousClock.now >= end {
                timedOut = true
                process.terminate()
                break
            }
            let seen = collected.text.components(separatedBy: "Enter passphrase").count - 1
            if seen > prompts, let answer {
                prompts = seen
                input.fileHandleForWriting.write(Data((answer + "\n").utf8))
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        try? input.fileHandleForWriting.close()
        let text = collected.text
        return PTYRun(
            status: process.terminationStatus, output: text,
            prompts: text.components(separatedBy: "Enter passphrase").count - 1, timedOut: timedOut)
    }

    /// Output gathered from the reading thread.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ more: Data) { lock.withLock { data.append(more) } }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    /// The environment without an agent.
    static var noAgent: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SSH_AUTH_SOCK"] = nil
        return environment
    }

    /// A sandbox whose bob signs with a passphrase-protected copy of his key.
    static func sandboxWithEncryptedKey(_ dir: URL) throws -> (OpsSandbox, String, IntentID) {
        let sandbox = try OpsSandbox(at: dir, policy: OpsSandbox.demoPolicy, principals: OpsSandbox.demoPrincipals)
        let encrypted = dir.appendingPathComponent("bob-encrypted").path
        try FileManager.default.copyItem(atPath: sandbox.keyPath("bob@example.com"), toPath: encrypted)
        let reencrypt = try SigTest.keygen(["-q", "-p", "-P", "", "-N", passphrase, "-f", encrypted])
        try #require(reencrypt.status == 0, "\(String(decoding: reencrypt.stderr, as: UTF8.self))")
        var request = Proposer.Request(kind: "dev", target: Intent.Target(repo: "github.com/example/app"))
        guard let id = IntentID("dev-passphrase") else { throw WritError(.intentMalformed, "dev-passphrase") }
        request.id = id
        try sandbox.propose(request, as: "agent-1@example.com")
        return (sandbox, encrypted, id)
    }

    @Test func sigSignOnATerminalPromptsAndTheAnswerSigns() throws {
        let dir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try SigTest.makeKey(dir, name: "enc", type: "ed25519", passphrase: Self.passphrase)
        let file = dir.appendingPathComponent("record.toml")
        let message = Data("schema = 1\n".utf8)
        try message.write(to: file)

        let run = try Self.onPTY(
            [CLI.binary, "sig", "sign", "--key", key, "--namespace", "writ-approval", file.path],
            environment: Self.noAgent, answer: Self.passphrase)
        #expect(!run.timedOut, "\(run.output)")
        #expect(run.status == 0, "\(run.output)")
        #expect(run.prompts == 1, "\(run.output)")
        let signature = try Data(contentsOf: URL(fileURLWithPath: file.path + ".sig"))
        let verified = try SignatureVerifier.verify(
            armored: Array(signature), message: message, principal: "alice@example.com", namespace: "writ-approval",
            allowedSigners: AllowedSigners(parsing: "alice@example.com \(try SigTest.publicLine(key))\n"), at: Date())
        #expect(verified.entry.line == 1)

        // A wrong answer is refused by ssh-keygen, and nothing is written.
        try FileManager.default.removeItem(atPath: file.path + ".sig")
        let wrong = try Self.onPTY(
            [CLI.binary, "sig", "sign", "--key", key, "--namespace", "writ-approval", file.path],
            environment: Self.noAgent, answer: "wrong horse")
        #expect(!wrong.timedOut, "\(wrong.output)")
        #expect(wrong.status != 0, "\(wrong.output)")
        #expect(!FileManager.default.fileExists(atPath: file.path + ".sig"))
    }

    @Test func approveOnATerminalPromptsForEachSignature() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let (sandbox, key, id) = try Self.sandboxWithEncryptedKey(dir)
        let repo = sandbox.ops.repository.gitDirectory
        let run = try Self.onPTY(
            [
                CLI.binary, "approve", id.rawValue, "--repo", repo, "--as", "bob@example.com", "--key", key, "--trust",
                sandbox.trustRoot.hex,
            ], environment: Self.noAgent, answer: Self.passphrase)
        #expect(!run.timedOut, "\(run.output)")
        #expect(run.status == 0, "\(run.output)")
        // The record's .sig and the signed commit on approval/<id>.
        #expect(run.prompts == 2, "\(run.output)")
        let record = "approval/\(id):approvals/\(id.fanOut)/\(id)/bob@example.com.toml.sig"
        #expect(try GitTestSupport.git(URL(fileURLWithPath: repo), "cat-file", "-t", record) == "blob")
    }

    @Test func approveWithTheKeyInAnAgentDoesNotPromptEvenOnATerminal() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let (sandbox, key, id) = try Self.sandboxWithEncryptedKey(dir)
        // A short directory: a unix socket path holds at most 108 bytes.
        let agentDir = try SigTest.scratch()
        defer { try? FileManager.default.removeItem(at: agentDir) }
        let agent = try SSHSigningKeyTests.Agent(agentDir)
        try agent.add(sandbox.keyPath("bob@example.com"))
        var environment = Self.noAgent
        environment["SSH_AUTH_SOCK"] = agent.socket
        let repo = sandbox.ops.repository.gitDirectory
        let run = try Self.onPTY(
            [
                CLI.binary, "approve", id.rawValue, "--repo", repo, "--as", "bob@example.com", "--key", key, "--trust",
                sandbox.trustRoot.hex, "--merge",
            ], environment: environment, answer: nil)
        #expect(!run.timedOut, "\(run.output)")
        #expect(run.status == 0, "\(run.output)")
        #expect(run.prompts == 0, "\(run.output)")
        #expect(try sandbox.status().intents.first { $0.id == id }?.state == .ready)
    }

    @Test func approveWithNeitherTerminalNorAgentFailsAtOnce() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let (sandbox, key, id) = try Self.sandboxWithEncryptedKey(dir)
        let repo = sandbox.ops.repository.gitDirectory
        // Not on a pty: stdin is a pipe, and no agent. The runner's own
        // timeout is the deadline: a prompt waiting for input would be
        // killed and this would throw, not return.
        let out = try Subprocess.run(
            CLI.binary,
            [
                "approve", id.rawValue, "--repo", repo, "--as", "bob@example.com", "--key", key, "--trust",
                sandbox.trustRoot.hex,
            ], environment: Self.noAgent)
        #expect(out.status == 3)
        let said = String(decoding: out.stderr, as: UTF8.self)
        #expect(said.contains("the key is encrypted: add it to ssh-agent") && said.contains(key), "\(said)")
        let branches = try GitTestSupport.git(URL(fileURLWithPath: repo), "branch", "--list", "approval/\(id)")
        let before = try GitTestSupport.git(URL(fileURLWithPath: repo), "rev-parse", "approval/\(id)")
        #expect(!branches.isEmpty)
        let records = try GitTestSupport.git(
            URL(fileURLWithPath: repo), "ls-tree", "-r", "--name-only", before)
        #expect(!records.contains("bob@example.com"), "nothing written: \(records)")
    }
}
