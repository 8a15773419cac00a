import Foundation
import WritCore
import WritGit
import WritSystem

/// An operator's `.writ.toml`: the settings everyday commands would
/// otherwise need as flags (docs/operators.md).
///
/// Named with `--config`, else found by ``OperatorConfigLocation``: in the
/// git directory (`writ.toml`), the legacy `.writ.toml` at the top of the
/// work tree when git tracks no file there, or the per-user file. Parsed strictly: an
/// unknown key or a wrong type is a `RuntimeError` naming it, so a typo
/// never silently falls back to a default. Command-line flags override it.
package struct OperatorConfig: Sendable, Equatable {
    /// The legacy file name at the top of the work tree (read only when git
    /// tracks no file by that name; see ``OperatorConfigLocation``).
    package static let fileName = ".writ.toml"
    /// The largest file read.
    package static let limit = 64 * 1024

    /// The pinned governance commit, as written: a full or abbreviated
    /// (7 or more hex digits) commit id, resolved against the repository.
    package var trustRoot: String?
    package var principal: Principal?
    /// The private key file, relative paths taken from the config's directory.
    package var key: String?
    /// The remote's name, from `remote = "NAME"` or `[remote] name`.
    package var remote: String? { remoteSettings?.name }
    /// `[remote]`: how to reach the remote over ssh or https (SPEC §11).
    package var remoteSettings: RemoteSettings?
    /// Where `[remote]`'s secrets may come from besides the environment.
    package var envFile: String?
    package var governanceRef: String?
    package var ledgerRef: String?
    /// The file this config was read from, for messages; nil when parsed
    /// from bytes.
    package var source: String?

    package init() {}

    /// Parses the bytes of a `.writ.toml`; relative key paths are taken
    /// from `directory`. `path` names the file in errors.
    package static func parse(_ bytes: some Collection<UInt8>, path: String, directory: String) throws -> OperatorConfig
    {
        do {
            let reader = try TOMLRecordReader.parse(
                bytes, reason: .policyMalformed, record: path, locating: true, hostConfig: true)
            try reader.rejectUnknownKeys(allowing: [
                "trust_root", "principal", "key", "remote", "governance_ref", "ledger_ref", "env_file",
            ])
            var config = OperatorConfig()
            config.trustRoot = try reader.string("trust_root")
            if let text = try reader.string("principal") {
                guard let principal = Principal(text) else {
                    throw reader.fail("principal", "is not a valid principal")
                }
                config.principal = principal
            }
            config.key = try reader.string("key").map { HomePath.resolve($0, from: directory) }
            config.remoteSettings = try RemoteSettings.parse(reader, directory: directory)
            config.envFile = try reader.string("env_file").map { HomePath.resolve($0, from: directory) }
            config.governanceRef = try reader.string("governance_ref")
            config.ledgerRef = try reader.string("ledger_ref")
            for (key, value) in [
                ("trust_root", config.trustRoot), ("key", config.key), ("env_file", config.envFile),
                ("governance_ref", config.governanceRef), ("ledger_ref", config.ledgerRef),
            ] where value?.isEmpty == true {
                throw reader.fail(key, "is empty")
            }
            return config
        } catch let error as WritError {
            throw RuntimeError(error.detail, fix: path)
        }
    }

    /// Reads and parses the file at `path` (a file named with `--config`:
    /// symlinks are followed, relative paths are taken from its directory).
    package static func load(_ path: String) throws -> OperatorConfig {
        let bytes = try read(path)
        var config = try parse(bytes, path: path, directory: (path as NSString).deletingLastPathComponent)
        config.source = path
        return config
    }

    /// Reads and parses the config found at `location`, opened safely
    /// (``OperatorConfigLocation/read()``).
    package static func load(_ location: OperatorConfigLocation) throws -> OperatorConfig {
        var config = try parse(location.read(), path: location.path, directory: location.base)
        config.source = location.path
        return config
    }

    /// True when `path` holds a dispatcher host config (it sets
    /// `ops_repo`, which no operator config has); the read-only commands
    /// accept either kind through one `--config`.
    package static func isDispatcherConfig(_ path: String) throws -> Bool {
        let bytes = try read(path)
        // Bytes that do not parse are no dispatcher config; the caller then
        // reads them as an operator config, whose parse reports the error.
        guard let reader = try? TOMLRecordReader.parse(bytes, reason: .policyMalformed, record: path, hostConfig: true)
        else {
            return false
        }
        return reader.keys.contains("ops_repo")
    }

    private static func read(_ path: String) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RuntimeError("cannot read the config file \(path)", fix: "--config (\(path))")
        }
        // Closing a file only read from loses nothing.
        defer { try? handle.close() }
        // A read that fails (a directory, an I/O error) is an error, never
        // an empty config that would silently drop every setting.
        let bytes: Data
        do {
            bytes = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw RuntimeError(
                "cannot read the config file \(path): \(StateFiles.describe(error))", fix: "--config (\(path))")
        }
        guard bytes.count <= limit else {
            throw RuntimeError("the config file \(path) is larger than \(limit) bytes", fix: "--config (\(path))")
        }
        return bytes
    }
}
