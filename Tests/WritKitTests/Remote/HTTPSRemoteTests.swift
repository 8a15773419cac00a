import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// The dispatcher over a real https git server (`git http-backend` behind
/// TLS with a test CA, basic auth required), and over servers that never
/// answer (SPEC §11).
@Suite(.serialized) struct HTTPSRemoteTests {
    static let token = "wrt-test-token-7f3a9c1e5b"
    static let readOnlyToken = "wrt-readonly-token-2d8e4f6a"

    struct Setup {
        let scratch: URL
        let ca: TestCA
        let server: BackgroundServer
        let fixture: DispatchFixture
        let lanes: RemoteLanes

        var url: String { "https://127.0.0.1:\(server.port)/\(lanes.remote.lastPathComponent)" }

        init(_ name: String = #function) throws {
            scratch = try GitTestSupport.scratch(name + "-tls")
            ca = try TestCA.make(in: scratch, name: "trusted")
            fixture = try DispatchFixture(name)
            try fixture.proposeLow("triage-0001")
            try fixture.proposeLow("triage-0002")
            lanes = try RemoteLanes(fixture)
            server = try PythonServers.https(
                root: lanes.remote.deletingLastPathComponent(), ca: ca, user: "x-access-token",
                token: HTTPSRemoteTests.token,
                readOnlyToken: HTTPSRemoteTests.readOnlyToken, in: scratch)
        }

        /// A lane whose `[remote]` sends the token in `WRIT_REMOTE_TOKEN`.
        func lane(ca file: String? = nil) throws -> String {
            try lanes.lane(
                0, url: url,
                remoteTable:
                    "token_secret = \"WRIT_REMOTE_TOKEN\"\nca_file = \"\(file ?? ca.certificate)\"\ntimeout = \"20s\"")
        }

        func remove() {
            server.stop()
            fixture.remove()
            GitTestSupport.remove(scratch)
        }
    }

    @Test func theRightTokenDispatchesAndAppearsNowhere() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let config = try setup.lane()
        let run = try IsolatedCLI.run(
            ["dispatch", "--config", config, "--once", "--log-level", "trace"],
            environment: ["WRIT_REMOTE_TOKEN": Self.token])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(setup.fixture.runs().sorted() == ["triage-0001", "triage-0002"])
        #expect(try setup.lanes.claimsOnRemote().count == 2)
        let status = try IsolatedCLI.run(
            ["status", "--fetch", "--config", config, "--json"], environment: ["WRIT_REMOTE_TOKEN": Self.token])
        #expect(status.status == 0, "\(status.stderr)")

        // The token in no output, no object (decompressed), no file of the
        // clone, the served repository or the state dir, nor the server's log.
        for text in [run.stdout, run.stderr, status.stdout, status.stderr, setup.server.logText] {
            #expect(!text.contains(Self.token))
        }
        for repository in [setup.lanes.base.appendingPathComponent("lane-0.git"), setup.lanes.remote] {
            let objects = try GitTestSupport.run(
                "/usr/bin/git", ["-C", repository.path, "cat-file", "--batch-all-objects", "--batch"])
            #expect(objects.status == 0 && !objects.stdout.isEmpty)
            #expect(!objects.stdout.contains(Self.token), "an object of \(repository.path) holds the token")
        }
        let grep = try GitTestSupport.run(
            "/bin/grep",
            [
                "-r", "-a", "-l", "-F", Self.token, setup.lanes.base.path,
                setup.fixture.directory.appendingPathComponent("state-0").path,
            ])
        #expect(grep.status == 1, "the token is in: \(grep.stdout)")
    }

    @Test func aWrongTokenIsAuthInsufficientAndARefusedPushRecordsNothing() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let config = try setup.lane()
        let before = try setup.lanes.remoteLedger()
        let wrong = try IsolatedCLI.run(
            ["dispatch", "--config", config, "--once"], environment: ["WRIT_REMOTE_TOKEN": "not-the-token"])
        #expect(wrong.status == 3, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("auth_insufficient"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("not-the-token"))

        // A token that may read but not push: the fetch works, the claim's
        // push is refused (403), and nothing runs or is recorded as done.
        let readOnly = try IsolatedCLI.run(
            ["dispatch", "--config", config, "--once"], environment: ["WRIT_REMOTE_TOKEN": Self.readOnlyToken])
        #expect(readOnly.status == 3, "\(readOnly.stderr)")
        #expect(readOnly.stderr.contains("auth_insufficient"), "\(readOnly.stderr)")
        #expect(setup.server.logText.contains("push refused for a read-only token"))
        #expect(try setup.lanes.remoteLedger() == before)
        #expect(setup.fixture.runs().isEmpty)

        // With the right token the same lane then runs both, once.
        let right = try IsolatedCLI.run(
            ["dispatch", "--config", config, "--once"], environment: ["WRIT_REMOTE_TOKEN": Self.token])
        #expect(right.status == 0, "\(right.stderr)")
        #expect(setup.fixture.runs().sorted() == ["triage-0001", "triage-0002"])
    }

    @Test func aCertificateFromAnotherCAIsRemoteMismatch() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let other = try TestCA.make(in: setup.scratch, name: "other")
        let config = try setup.lane(ca: other.certificate)
        let before = try setup.lanes.remoteLedger()
        let run = try IsolatedCLI.run(
            ["dispatch", "--config", config, "--once"], environment: ["WRIT_REMOTE_TOKEN": Self.token])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("remote_mismatch"), "\(run.stderr)")
        #expect(run.stderr.contains("TLS"), "\(run.stderr)")
        #expect(!setup.server.logText.contains("GET /"), "a request was sent over an unverified connection")
        #expect(try setup.lanes.remoteLedger() == before)
        #expect(setup.fixture.runs().isEmpty)
        // Without ca_file only the system CAs count, and they do not know the test CA.
        let system = try setup.lanes.lane(0, url: setup.url, remoteTable: "token_secret = \"WRIT_REMOTE_TOKEN\"")
        let untrusted = try IsolatedCLI.run(
            ["dispatch", "--config", system, "--once"],
            environment: [
                "WRIT_REMOTE_TOKEN": Self.token, "SSL_CERT_FILE": setup.ca.certificate,
                "GIT_SSL_CAINFO": setup.ca.certificate,
            ])
        #expect(untrusted.status == 3 && untrusted.stderr.contains("remote_mismatch"), "\(untrusted.stderr)")
    }

    /// A server that accepts the connection and never answers: the
    /// dispatcher gives up with `timeout` within the configured time, and
    /// the profile lock is free again at once.
    @Test(arguments: ["ssh", "https"])
    func aSilentServerTimesOutAndReleasesTheLock(scheme: String) throws {
        let fixture = try DispatchFixture("silent-\(scheme)")
        defer { fixture.remove() }
        try fixture.proposeLow("triage-0001")
        let lanes = try RemoteLanes(fixture)
        let silent = try PythonServers.silent(in: fixture.directory)
        defer { silent.stop() }
        let url =
            scheme == "ssh"
            ? "ssh://git@127.0.0.1:\(silent.port)/ops.git" : "https://127.0.0.1:\(silent.port)/ops.git"
        let knownHosts = fixture.directory.appendingPathComponent("known_hosts").path
        FileManager.default.createFile(atPath: knownHosts, contents: Data())
        let config = try lanes.lane(
            0, url: url, remoteTable: "known_hosts = \"\(knownHosts)\"\ntimeout = \"2s\"\ntoken_secret = \"T\"")
        for attempt in 1...2 {
            let run = try IsolatedCLI.run(["dispatch", "--config", config, "--once"], environment: ["T": "token"])
            #expect(run.status == 3, "attempt \(attempt): \(run.stderr)")
            #expect(run.stderr.contains("timeout"), "attempt \(attempt): \(run.stderr)")
            #expect(!run.stderr.contains("lock_contended"), "attempt \(attempt): the lock was not released")
            // The configured 2 s ended the attempt, not a longer default.
            #expect(run.stderr.contains("within 2s"), "attempt \(attempt): \(run.stderr)")
        }
        #expect(fixture.runs().isEmpty)
    }
}
