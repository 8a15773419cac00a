import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The dispatcher and the operator commands over a real OpenSSH server
/// (SPEC §11): credentials in their order, host keys checked against the
/// configured known_hosts and nothing else, and at most once under a race.
@Suite(.serialized) struct SSHRemoteTests {
    static let passphrase = "correct horse battery staple"

    /// The keys a test offers: a plain key file, a passphrase-protected
    /// one, one that only an agent holds, and one the server does not know.
    struct Keys {
        let plain: String
        let encrypted: String
        let agentOnly: String
        let stranger: String

        init(in directory: URL) throws {
            plain = try CLI.makeKey(in: directory, name: "deploy_plain")
            agentOnly = try CLI.makeKey(in: directory, name: "deploy_agent")
            stranger = try CLI.makeKey(in: directory, name: "stranger")
            encrypted = directory.appendingPathComponent("deploy_encrypted").path
            let made = try GitTestSupport.run(
                "/usr/bin/ssh-keygen",
                ["-q", "-t", "ed25519", "-N", SSHRemoteTests.passphrase, "-C", "enc", "-f", encrypted])
            try #require(made.status == 0, "\(made.stderr)")
        }

        var authorized: [String] {
            get throws { try [plain, encrypted, agentOnly].map { try CLI.publicKey($0) } }
        }
    }

    /// A scratch directory, the keys, an sshd that knows them, and a
    /// known_hosts file pinning its host key.
    struct Rig {
        let scratch: URL
        let keys: Keys
        let server: SSHServer
        let pinned: String

        init(_ name: String = #function) throws {
            scratch = try GitTestSupport.scratch(name)
            keys = try Keys(in: scratch)
            server = try SSHServer.start(
                in: scratch.appendingPathComponent("sshd"), authorizedKeys: try keys.authorized)
            pinned = try SSHRemoteTests.knownHosts([server.knownHostsLine], in: scratch)
        }

        func remove() {
            server.stop()
            GitTestSupport.remove(scratch)
        }
    }

    static func knownHosts(_ lines: [String], in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("known_hosts-\(UUID().uuidString)").path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aKeyFileAPassphraseKeyAndAnAgentIdentityEachAuthenticate() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let (scratch, keys, server) = (rig.scratch, rig.keys, rig.server)
        let pinned = rig.pinned
        let agent = try SSHSigningKeyTests.Agent(scratch)
        try agent.add(keys.agentOnly)
        let envFile = scratch.appendingPathComponent("env")
        try Data("WRIT_SSH_PASSPHRASE=\"\(Self.passphrase)\"\n".utf8).write(to: envFile)

        let modes: [(name: String, table: String, topLevel: String, environment: [String: String])] = [
            ("key file", "known_hosts = \"\(pinned)\"\nssh_key = \"\(keys.plain)\"", "", [:]),
            (
                "passphrase key",
                "known_hosts = \"\(pinned)\"\nssh_key = \"\(keys.encrypted)\"\n"
                    + "ssh_key_passphrase_secret = \"WRIT_SSH_PASSPHRASE\"",
                "env_file = \"\(envFile.path)\"", [:]
            ),
            ("ssh-agent", "known_hosts = \"\(pinned)\"", "", ["SSH_AUTH_SOCK": agent.socket]),
        ]
        for mode in modes {
            let fixture = try DispatchFixture("auth-\(mode.name.filter(\.isLetter))")
            defer { fixture.remove() }
            try fixture.proposeLow("triage-0001")
            try fixture.proposeLow("triage-0002")
            let lanes = try RemoteLanes(fixture)
            let config = try lanes.lane(
                0, url: server.url(lanes.remote.path), remoteTable: mode.table, topLevel: mode.topLevel)
            let run = try IsolatedCLI.run(["dispatch", "--config", config, "--once"], environment: mode.environment)
            #expect(run.status == 0, "\(mode.name): \(run.stderr)")
            #expect(fixture.runs().sorted() == ["triage-0001", "triage-0002"], "\(mode.name)")
            #expect(try lanes.claimsOnRemote().count == 2, "\(mode.name)")
            #expect(!(run.stdout + run.stderr).contains(Self.passphrase))
        }

        // A key the server does not know: refused, exit 3, nothing written.
        let fixture = try DispatchFixture("auth-stranger")
        defer { fixture.remove() }
        try fixture.proposeLow("triage-0001")
        let lanes = try RemoteLanes(fixture)
        let before = try lanes.remoteLedger()
        let config = try lanes.lane(
            0, url: server.url(lanes.remote.path),
            remoteTable: "known_hosts = \"\(pinned)\"\nssh_key = \"\(keys.stranger)\"")
        let refused = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("auth_insufficient"), "\(refused.stderr)")
        #expect(try lanes.remoteLedger() == before)
        #expect(fixture.runs().isEmpty)
    }

    @Test func unknownAndChangedHostKeysStopBeforeAnyWriteAndNameTheFingerprint() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let (scratch, keys, server) = (rig.scratch, rig.keys, rig.server)
        let fingerprint = try GitTestSupport.run(
            "/usr/bin/ssh-keygen",
            ["-l", "-E", "sha256", "-f", server.directory.appendingPathComponent("ssh_host_ed25519_key.pub").path]
        ).stdout.split(separator: " ")[1]
        let impostor = try CLI.publicKey(try CLI.makeKey(in: scratch, name: "impostor_host"))
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-0001")
        let lanes = try RemoteLanes(fixture)

        for (name, lines) in [
            ("unknown", ["[127.0.0.1]:\(server.port + 1) \(try CLI.publicKey(keys.plain))"]),
            ("changed", ["[127.0.0.1]:\(server.port) \(impostor)"]),
        ] {
            let pinned = try Self.knownHosts(lines, in: scratch)
            let config = try lanes.lane(
                0, url: server.url(lanes.remote.path),
                remoteTable: "known_hosts = \"\(pinned)\"\nssh_key = \"\(keys.plain)\"")
            let before = try lanes.remoteLedger()
            let laneBefore = try GitTestSupport.git(base(lanes, 0), "for-each-ref")
            let run = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
            #expect(run.status == 3, "\(name): \(run.stderr)")
            #expect(run.stderr.contains("remote_mismatch"), "\(name): \(run.stderr)")
            #expect(run.stderr.contains(String(fingerprint)), "\(name): \(run.stderr)")
            #expect(run.stderr.contains(server.knownHostsLine), "\(name): the pin line: \(run.stderr)")
            #expect(try lanes.remoteLedger() == before, "\(name)")
            #expect(try GitTestSupport.git(base(lanes, 0), "for-each-ref") == laneBefore, "\(name)")
            #expect(fixture.runs().isEmpty, "\(name)")
            // The server saw no login, let alone a command.
            #expect(!server.server.logText.contains("Accepted publickey"), "\(name)")
        }
        // libgit2's own ~/.ssh/known_hosts check is not what decides.
        #expect(!server.server.logText.contains("Accepted"))
    }

    private func base(_ lanes: RemoteLanes, _ index: Int) -> URL {
        lanes.base.appendingPathComponent("lane-\(index).git")
    }

    @Test func aHashedKnownHostsEntryIsAccepted() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let (keys, server) = (rig.keys, rig.server)
        let pinned = rig.pinned
        let hashed = try GitTestSupport.run("/usr/bin/ssh-keygen", ["-H", "-f", pinned])
        try #require(hashed.status == 0, "\(hashed.stderr)")
        #expect(try String(contentsOfFile: pinned, encoding: .utf8).hasPrefix("|1|"))
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        try fixture.proposeLow("triage-0001")
        let lanes = try RemoteLanes(fixture)
        let config = try lanes.lane(
            0, url: server.url(lanes.remote.path),
            remoteTable: "known_hosts = \"\(pinned)\"\nssh_key = \"\(keys.plain)\"")
        let run = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(fixture.runs() == ["triage-0001"])
        // status --fetch over the same settings reads the outcome.
        let status = try IsolatedCLI.run(["status", "--fetch", "--config", config, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"succeeded\""), "\(status.stdout)")
    }

    /// Two dispatchers, each with its own clone and state, race over one
    /// ssh remote: 100 approved intents, each run exactly once.
    @Test func twoDispatchersRacingOverSSHRunEachIntentOnce() throws {
        let rig = try Rig()
        defer { rig.remove() }
        let (keys, server) = (rig.keys, rig.server)
        let pinned = rig.pinned
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let intents = 100
        for index in 0..<intents {
            if index % 25 == 0 {
                try fixture.proposeApprovedHigh(String(format: "release-%04d", index))
            } else {
                try fixture.proposeLow(String(format: "triage-%04d", index))
            }
        }
        let lanes = try RemoteLanes(fixture)
        let configs = try (0..<2).map { lane in
            try lanes.lane(
                lane, url: server.url(lanes.remote.path),
                remoteTable: "known_hosts = \"\(pinned)\"\nssh_key = \"\(keys.plain)\"")
        }
        let started = Date()
        let processes = try configs.map { config -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "-i", "PATH=/usr/bin:/bin", "HOME=\(ProcessInfo.processInfo.environment["HOME"] ?? "/root")", "/bin/sh",
                "-c", "for i in 1 2 3; do \"$0\" dispatch --config \"$1\" --once >/dev/null 2>>\"$1.err\"; done",
                CLI.binary, config,
            ]
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        for config in configs {
            let last = try IsolatedCLI.run(["dispatch", "--config", config, "--once"])
            #expect(last.status == 0, "\(last.stderr)")
        }
        let elapsed = Date().timeIntervalSince(started)
        let counts = Dictionary(fixture.runs().map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.values.allSatisfy { $0 == 1 }, "ran twice: \(counts.filter { $0.value > 1 }.keys.sorted())")
        #expect(counts.count == intents, "ran \(counts.count) of \(intents)")
        #expect(try lanes.claimsOnRemote().count == intents)
        let audit = try LedgerVerifier(ops: try OpsRepo(path: lanes.remote.path)).verify(
            trustRoot: fixture.sandbox.trustRoot, now: Date())
        #expect(audit.findings.isEmpty, "\(audit.findings.prefix(5))")
        print("[race] \(intents) intents, 2 dispatchers over ssh: \(String(format: "%.1f", elapsed)) s")
    }

    /// Operators propose and approve with --push from two clones at once,
    /// over ssh: every record lands, none is lost to a lost race.
    @Test func proposeAndApprovePushFromTwoClonesOverSSHLoseNoRecord() throws {
        let team = try TeamFlowTests.Team()
        defer { team.remove() }
        let keys = try Keys(in: team.root)
        let server = try SSHServer.start(
            in: team.root.appendingPathComponent("sshd"), authorizedKeys: try keys.authorized)
        defer { server.stop() }
        let pinned = try Self.knownHosts([server.knownHostsLine], in: team.root)
        func clone(_ name: String, as principal: String) throws -> URL {
            let directory = try team.clone(name, as: principal)
            try GitTestSupport.git(directory, "remote", "set-url", "origin", server.url(team.central.path))
            let config = TeamFlowTests.Team.config(of: directory)
            let text =
                try String(contentsOf: config, encoding: .utf8)
                .replacingOccurrences(of: "remote = \"origin\"\n", with: "")
                + "[remote]\nname = \"origin\"\nknown_hosts = \"\(pinned)\"\nssh_key = \"\(keys.plain)\"\n"
            try Data(text.utf8).write(to: config)
            return directory
        }
        let agent = try clone("agent", as: TeamFlowTests.agent)
        let alice = try clone("alice", as: TeamFlowTests.alice)
        let carol = try clone("carol", as: TeamFlowTests.carol)
        let second = try clone("agent-2", as: TeamFlowTests.agent)

        // Two proposers at once, several rounds.
        let rounds = 4
        for round in 0..<rounds {
            let results = TeamFlowTests.concurrently([
                (
                    agent,
                    ["propose", "--kind", "release", "--target", "example/app", "--id", "rel-a\(round)", "--push"]
                ),
                (
                    second,
                    ["propose", "--kind", "release", "--target", "example/app", "--id", "rel-b\(round)", "--push"]
                ),
            ])
            for output in results {
                let output = try #require(output)
                #expect(output.status == 0, "propose: \(output.stderr)")
            }
        }
        let intents = try GitTestSupport.git(team.central, "ls-tree", "-r", "--name-only", "writ/ledger", "intents/")
        for round in 0..<rounds {
            for id in ["rel-a\(round)", "rel-b\(round)"] {
                #expect(intents.contains("/\(id).toml"), "\(id) lost: \(intents)")
            }
        }
        // Two approvers at once on each intent of the first round.
        for id in ["rel-a0", "rel-b0"] {
            let results = TeamFlowTests.concurrently([
                (alice, ["approve", id, "--push"]), (carol, ["approve", id, "--push"]),
            ])
            for output in results {
                let output = try #require(output)
                #expect(output.status == 0, "approve: \(output.stderr)")
            }
            let branch = try GitTestSupport.git(team.central, "ls-tree", "-r", "--name-only", "approval/\(id)")
            for principal in [TeamFlowTests.alice, TeamFlowTests.carol] {
                #expect(branch.contains("/\(id)/\(principal).toml"), "\(principal) on \(id) lost: \(branch)")
                #expect(branch.contains("/\(id)/\(principal).toml.sig"), "\(principal)'s signature on \(id) lost")
            }
        }
    }
}
