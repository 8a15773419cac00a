import Foundation
import WritCore
import WritGit
import WritSystem

/// The `[remote]` table of `dispatcher.toml` and the operator config (SPEC §11):
/// which remote of the ops repo to use and how to reach it. Credentials and
/// trust come from here, the host's config, never from the ops repo.
///
/// Secrets are named, not written: `token_secret` and
/// `ssh_key_passphrase_secret` name variables read from the environment or
/// from the config's top-level `env_file` when the access is built.
package struct RemoteSettings: Sendable, Equatable {
    package var name: String
    package var knownHosts: String?
    package var sshKey: String?
    package var sshKeyPassphraseSecret: String?
    package var username: String?
    package var tokenSecret: String?
    package var caFile: String?
    package var timeoutSeconds: Int64

    package static let defaultTimeoutSeconds: Int64 = 60

    package init(name: String) {
        self.name = name
        timeoutSeconds = Self.defaultTimeoutSeconds
    }

    package static let keys: Set<String> = [
        "name", "known_hosts", "ssh_key", "ssh_key_passphrase_secret", "username", "token_secret", "ca_file",
        "timeout",
    ]

    /// Reads `remote` from `reader`: the short form `remote = "origin"`, the
    /// table, or nothing (nil). Relative paths are taken from `directory`.
    package static func parse(_ reader: TOMLRecordReader, directory: String) throws -> RemoteSettings? {
        guard reader.holdsTable("remote") else {
            return try reader.string("remote").map { name in
                guard !name.isEmpty else { throw reader.fail("remote", "must not be empty") }
                return RemoteSettings(name: name)
            }
        }
        let table = try reader.requiredTable("remote")
        try table.rejectUnknownKeys(allowing: keys)
        var settings = RemoteSettings(name: try table.string("name") ?? "origin")
        guard !settings.name.isEmpty else { throw table.fail("name", "must not be empty") }
        func path(_ key: String) throws -> String? {
            guard let text = try table.string(key) else { return nil }
            guard !text.isEmpty else { throw table.fail(key, "must not be empty") }
            return HomePath.resolve(text, from: directory)
        }
        func secretName(_ key: String) throws -> String? {
            guard let name = try table.string(key) else { return nil }
            guard EnvironmentName.isValid(name) else {
                throw table.fail(key, "must name an environment variable ([A-Za-z_][A-Za-z0-9_]*), got \(name)")
            }
            return name
        }
        settings.knownHosts = try path("known_hosts")
        settings.sshKey = try path("ssh_key")
        settings.sshKeyPassphraseSecret = try secretName("ssh_key_passphrase_secret")
        settings.username = try table.string("username")
        if let username = settings.username {
            guard !username.isEmpty, !username.contains(":"),
                !username.unicodeScalars.contains(where: { $0.value < 0x20 })
            else {
                throw table.fail("username", "must be a non-empty basic-auth user without ':' or control characters")
            }
        }
        settings.tokenSecret = try secretName("token_secret")
        settings.caFile = try path("ca_file")
        if let text = try table.string("timeout") {
            guard let seconds = DurationText.seconds(text), seconds > 0 else {
                throw table.fail("timeout", "must be a positive duration such as 60s, got \(text)")
            }
            settings.timeoutSeconds = seconds
        }
        if settings.sshKeyPassphraseSecret != nil, settings.sshKey == nil {
            throw table.fail("ssh_key_passphrase_secret", "is set but ssh_key is not")
        }
        return settings
    }

    /// The access these settings describe, with the secrets read from
    /// `environment`, else from `envFile`; `config` names the file in
    /// errors. A declared secret found nowhere, or a key file that cannot
    /// be read, makes the access unusable (`RemoteAccess.unavailable`): the
    /// first network fetch or push then stops with a `RuntimeError` naming
    /// the setting, while commands that never reach the remote still work.
    package func access(
        environment: [String: String] = ProcessInfo.processInfo.environment, envFile: String?, helper: String?,
        config: String
    ) throws -> RemoteAccess {
        var fileValues: [String: String]?
        var problem: RuntimeError?
        func secret(_ name: String?, setting: String) throws -> String? {
            guard let name else { return nil }
            if let value = environment[name], !value.isEmpty { return value }
            if let envFile {
                if fileValues == nil { fileValues = try Self.readEnvFile(envFile, config: config) }
                if let value = fileValues?[name], !value.isEmpty { return value }
            }
            let sources = envFile.map { "the environment or env_file \($0)" } ?? "the environment"
            problem =
                problem
                ?? RuntimeError(
                    "\(config): \(setting) names \(name), which is not set (or is empty) in \(sources)",
                    fix: "\(setting) in [remote] of \(config)")
            return nil
        }
        if let sshKey, !FileManager.default.isReadableFile(atPath: sshKey) {
            problem = RuntimeError(
                "\(config): ssh_key \(sshKey) cannot be read", fix: "ssh_key in [remote] of \(config)")
        }
        var access = RemoteAccess(
            knownHostsPath: knownHosts, sshKeyPath: sshKey,
            sshKeyPassphrase: try secret(sshKeyPassphraseSecret, setting: "ssh_key_passphrase_secret"),
            username: username, token: try secret(tokenSecret, setting: "token_secret"), caFile: caFile,
            timeout: .seconds(timeoutSeconds), helper: helper, environment: environment)
        access.unavailable = problem
        return access
    }

    private static func readEnvFile(_ path: String, config: String) throws -> [String: String] {
        do {
            return try EnvFile.load(path)
        } catch {
            throw RuntimeError("\(config): \(error.description)", fix: "env_file in \(config)")
        }
    }
}
