import Foundation
import Testing

@testable import WritKit

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
        #expect(fromEnvironment.token == "from-env-token")
        let fromFile = try settings.access(
            environment: ["HOME": "/root"], envFile: envFile, helper: nil, config: "dispatcher.toml")
        #expect(fromFile.token == "from-file-token")
        #expect(fromFile.knownHostsPath == "/root/.ssh/known_hosts")
        #expect(fromFile.username == "x-access-token")
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
