import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Remote URLs as teams write them, and `[remote]` in the host configs.
struct RemoteEndpointTests {
    @Test(
        arguments: [
            ("git@github.com:acme/ops.git", RemoteEndpoint.Scheme.ssh, "git", "github.com", 22, "github.com"),
            (
                "ssh://deploy@git.example.com:2222/srv/ops.git", .ssh, "deploy", "git.example.com", 2222,
                "[git.example.com]:2222"
            ),
            ("ssh://git@GitHub.com/acme/ops.git", .ssh, "git", "github.com", 22, "github.com"),
            ("git+ssh://git@[::1]:2200/ops.git", .ssh, "git", "::1", 2200, "[::1]:2200"),
            ("[git@::1]:ops.git", .ssh, "git", "::1", 22, "::1"),
            ("https://github.com/acme/ops.git", .https, nil, "github.com", 443, "[github.com]:443"),
            (
                "https://bot@forgejo.example:3000/acme/ops", .https, "bot", "forgejo.example", 3000,
                "[forgejo.example]:3000"
            ),
            ("git://127.0.0.1:9418/ops.git", .git, nil, "127.0.0.1", 9418, "[127.0.0.1]:9418"),
        ] as [(String, RemoteEndpoint.Scheme, String?, String, Int, String)])
    func parses(url: String, scheme: RemoteEndpoint.Scheme, user: String?, host: String, port: Int, name: String)
        throws
    {
        let endpoint = try RemoteEndpoint.parse(url)
        #expect(endpoint.scheme == scheme)
        #expect(endpoint.user == user)
        #expect(endpoint.host == host)
        #expect(endpoint.effectivePort == port)
        #expect(endpoint.knownHostsName == name)
    }

    @Test func aTokenInTheURLIsRefusedAndNeverRepeated() throws {
        #expect(throws: RemoteEndpoint.Problem.embeddedPassword) {
            try RemoteEndpoint.parse("https://x-access-token:ghp_SECRET@github.com/acme/ops.git")
        }
        let shown = RemoteEndpoint.redactingUserInfo("https://x-access-token:ghp_SECRET@github.com/acme/ops.git")
        #expect(shown == "https://[redacted]@github.com/acme/ops.git")
    }

    /// `https://TOKEN@host`: a token given as the user is refused like a
    /// password, and never repeated; a login as the user is fine.
    @Test(arguments: [
        "https://ghp_0123456789abcdefABCDEF0123456789abcd@github.com/acme/ops.git",
        "https://github_pat_11ABCDEFG0123456789_abcdefghijklmnop@github.com/acme/ops.git",
        "http://glpat-xxxxxxxxxxxxxxxxxxxx@127.0.0.1:8080/acme/ops.git",
        "https://0123456789abcdef0123456789abcdef01234567@forgejo.example/acme/ops.git",
    ])
    func aTokenAsTheUserIsRefused(url: String) {
        #expect(throws: RemoteEndpoint.Problem.embeddedPassword) { try RemoteEndpoint.parse(url) }
        #expect(RemoteEndpoint.redactingUserInfo(url).contains("[redacted]@"))
    }

    @Test func aLoginAsTheUserIsKept() throws {
        #expect(try RemoteEndpoint.parse("https://x-access-token@github.com/acme/ops.git").user == "x-access-token")
        #expect(
            try RemoteEndpoint.parse("https://writ-dispatch-bot@forgejo.example/acme/ops").user == "writ-dispatch-bot")
    }

    /// A token crosses plain http only to this machine: a server at another
    /// address (127.0.0.2 stands for one: it is not 127.0.0.1, ::1 or
    /// localhost) that asks for a login gets no Authorization header, and
    /// the fetch is refused as `auth_insufficient`.
    @Test func theTokenIsNeverSentOverPlainHTTPToAnotherHost() throws {
        let dir = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(dir) }
        let log = dir.appendingPathComponent("requests.log")
        let portFile = dir.appendingPathComponent("port")
        let script = """
            import http.server, sys
            log = open(sys.argv[2], "a")
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    log.write(("AUTH " if self.headers.get("Authorization") else "NOAUTH ") + self.path + "\\n")
                    log.flush()
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(("127.0.0.2", 0), Handler)
            open(sys.argv[1], "w").write(str(server.server_address[1]))
            server.serve_forever()
            """
        let server = try BackgroundServer.launch(
            try PythonServers.python(), ["-c", script, portFile.path, log.path],
            log: dir.appendingPathComponent("server.log"), portFile: portFile)
        defer { server.stop() }
        let repo = try Repository.create(at: dir.appendingPathComponent("clone").path, bare: true)
        try GitTestSupport.git(
            dir.appendingPathComponent("clone"), "remote", "add", "origin", "http://127.0.0.2:\(server.port)/ops.git")
        let secret = "wrt-plain-http-token-5e1f0c"
        repo.remoteAccess = RemoteAccess(token: secret, timeout: .seconds(20))
        #expect {
            try repo.fetch(remote: "origin", refs: ["main"])
        } throws: { error in
            guard let error = error as? WritError else { return false }
            return error.reason == .authInsufficient && error.detail.contains("plain http")
                && !error.detail.contains(secret)
        }
        let requests = try String(contentsOf: log, encoding: .utf8)
        #expect(requests.contains("NOAUTH"), "the server was asked: \(requests)")
        #expect(
            !requests.split(separator: "\n").contains { $0.hasPrefix("AUTH ") },
            "a token crossed plain http: \(requests)")
    }

    @Test func localPathsAreNotNetworkEndpoints() {
        #expect(throws: RemoteEndpoint.Problem.notNetwork) { try RemoteEndpoint.parse("/srv/ops.git") }
        #expect(throws: RemoteEndpoint.Problem.notNetwork) { try RemoteEndpoint.parse("./a/b:c") }
        #expect(throws: RemoteEndpoint.Problem.notNetwork) { try RemoteEndpoint.parse("file:///srv/ops.git") }
    }
}

struct RemoteSettingsTests {
    private func parse(_ extra: String) throws -> DispatcherConfig {
        try DispatcherConfigTests.parse(extra, directory: "/etc/writ")
    }

    @Test func shortFormAndTable() throws {
        #expect(try parse("remote = \"upstream\"\n").remoteSettings == RemoteSettings(name: "upstream"))
        #expect(try parse("").remoteSettings == nil)
        let config = try parse(
            """
            env_file = "/etc/writ/env"
            [remote]
            known_hosts = "known_hosts"
            ssh_key = "/etc/writ/deploy"
            ssh_key_passphrase_secret = "WRIT_SSH_PASSPHRASE"
            username = "bot"
            token_secret = "WRIT_REMOTE_TOKEN"
            ca_file = "ca.pem"
            timeout = "5s"
            """)
        let settings = try #require(config.remoteSettings)
        #expect(settings.name == "origin")
        #expect(settings.knownHosts == "/etc/writ/known_hosts")
        #expect(settings.caFile == "/etc/writ/ca.pem")
        #expect(settings.timeoutSeconds == 5)
        #expect(settings.tokenSecret == "WRIT_REMOTE_TOKEN")
        #expect(config.envFile == "/etc/writ/env")
        #expect(config.remote == "origin")
    }

    @Test(arguments: [
        ("[remote]\nverify_tls = false\n", "verify_tls"),
        ("[remote]\ntimeout = \"soon\"\n", "timeout"),
        ("[remote]\ntoken_secret = \"not a name\"\n", "token_secret"),
        ("[remote]\nssh_key_passphrase_secret = \"P\"\n", "ssh_key_passphrase_secret"),
        ("[remote]\nusername = \"a:b\"\n", "username"),
        ("remote = \"\"\n", "remote"),
    ])
    func refusesWhatCannotWork(extra: String, setting: String) {
        do {
            _ = try parse(extra)
            Issue.record("accepted \(extra)")
        } catch let error as RuntimeError {
            #expect(error.detail.contains(setting), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func secretsComeFromTheEnvironmentThenTheEnvFileAndAreNeverDescribed() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let envFile = directory.appendingPathComponent("env").path
        try Data("WRIT_REMOTE_TOKEN=from-file-token\n".utf8).write(to: URL(fileURLWithPath: envFile))
        var settings = RemoteSettings(name: "origin")
        settings.tokenSecret = "WRIT_REMOTE_TOKEN"
        let fromEnvironment = try settings.access(
            environment: ["WRIT_REMOTE_TOKEN": "from-env-token", "HOME": "/root"], envFile: envFile, helper: nil,
            config: "dispatcher.toml")
        #expect(fromEnvironment.credentials.token == "from-env-token")
        let fromFile = try settings.access(
            environment: ["HOME": "/root"], envFile: envFile, helper: nil, config: "dispatcher.toml")
        #expect(fromFile.credentials.token == "from-file-token")
        #expect(fromFile.credentials.knownHostsPath == "/root/.ssh/known_hosts")
        #expect(fromFile.credentials.username == "x-access-token")
        // Neither the description nor reflection shows a secret.
        var dumped = ""
        dump(fromFile, to: &dumped)
        for text in ["\(fromFile)", String(describing: fromFile), String(reflecting: fromFile), dumped] {
            #expect(!text.contains("from-file-token"), "\(text)")
        }
        // A missing secret makes the access unusable, naming the setting.
        let missing = try settings.access(environment: [:], envFile: nil, helper: nil, config: "dispatcher.toml")
        #expect(missing.unavailable?.fix == "token_secret in [remote] of dispatcher.toml")
    }
}
