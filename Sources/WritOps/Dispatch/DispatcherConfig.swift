import Foundation
import WritCore
import WritGit
import WritSystem

/// The dispatcher's host config, `dispatcher.toml` (SPEC §6).
///
/// Parsed strictly like every record: unknown keys, wrong types, bad
/// durations, a trust root that is not a commit id, or a `lock_ttl` that
/// would let a second dispatcher take the lock while an executor still runs
/// are refused with a `RuntimeError` naming the setting (a host problem, not
/// a decision about an intent), except a missing or empty `trust_root`,
/// which is the contract's `trust_root_missing`.
package struct DispatcherConfig: Sendable, Equatable {
    package let opsRepo: String
    /// The remote to fetch from and push to, and how to reach it
    /// (`remote = "origin"` or `[remote]`, SPEC §11); nil works locally.
    package let remoteSettings: RemoteSettings?
    /// The top-level `env_file`, where `[remote]`'s secrets may come from.
    package let envFile: String?
    package let governanceRef: String
    package let ledgerRef: String
    package let identity: Principal
    let signingKey: String
    let stateDir: String
    let profile: String
    package let trustRoot: ObjectID
    package let cloneRoot: String
    package let lockTTLSeconds: Int64
    package let claimLeaseSeconds: Int64
    /// How long run reports are kept in `{state_dir}/{profile}/runs/`
    /// (`report_retention`, default 14d); older ones are deleted at the end
    /// of a poll.
    package let reportRetentionSeconds: Int64
    /// How many executors may run at once (`max_parallel`, 1...64, default
    /// 1). Claims and ledger writes stay serial on the poll's thread; only
    /// the executors themselves run side by side (docs/dispatch.md).
    package let maxParallel: Int
    package let executors: [String: ExecutorConfig]
    /// `[transport]`: whether built-in executors may write to a forge (SPEC §7).
    package let transport: TransportConfig

    /// Whether any executor is a built-in remote write.
    var hasBuiltins: Bool { executors.values.contains { $0.builtin != nil } }

    /// The name of the remote, nil without one.
    package var remote: String? { remoteSettings?.name }

    /// How much longer than the longest executor timeout the profile lock
    /// must live: time to fetch, claim, publish the outcome and renew.
    static let lockMarginSeconds: Int64 = 60
    /// The lock TTL when none is configured, unless executors need more.
    static let defaultLockTTLSeconds: Int64 = 15 * 60
    /// The range `max_parallel` accepts.
    static let maxParallelRange = 1...64

    /// Parses the bytes of a dispatcher.toml; relative paths in `[remote]`
    /// are taken from `directory`. `path` names the file in errors, with the
    /// line of the setting when it can be found.
    package static func parse(
        _ bytes: some Collection<UInt8>, directory: String = "/", path: String = "dispatcher.toml"
    ) throws -> DispatcherConfig {
        do {
            return try parseFields(bytes, directory: directory, path: path)
        } catch let error as WritError where error.reason != .trustRootMissing && error.reason != .forbiddenOperation {
            throw RuntimeError(error.detail, fix: path)
        }
    }

    private static func parseFields(_ bytes: some Collection<UInt8>, directory: String, path: String) throws
        -> DispatcherConfig
    {
        let reader = try TOMLRecordReader.parse(
            bytes, reason: .policyMalformed, record: path, locating: true, hostConfig: true)
        try reader.rejectUnknownKeys(allowing: [
            "ops_repo", "remote", "governance_ref", "ledger_ref", "identity", "signing_key", "state_dir", "profile",
            "trust_root", "clone_root", "lock_ttl", "claim_lease", "report_retention", "max_parallel", "executors",
            "transport", "env_file",
        ])
        guard let trustText = try reader.string("trust_root"), !trustText.isEmpty else {
            throw WritError(.trustRootMissing, "dispatcher.toml: trust_root is not set")
        }
        guard let trustRoot = ObjectID(hex: trustText) else {
            throw reader.fail("trust_root", "must be a 40-hex governance commit id")
        }
        guard let identity = Principal(try reader.requiredString("identity")) else {
            throw reader.fail("identity", "is not a valid principal")
        }
        let profile = try reader.string("profile") ?? "default"
        guard RecordName.isValid(profile) else { throw reader.fail("profile", "must be a simple name") }

        func duration(_ key: String, default fallback: String) throws -> Int64 {
            let text = try reader.string(key) ?? fallback
            guard let seconds = DurationText.seconds(text), seconds > 0 else {
                throw reader.fail(key, "must be a positive duration such as 15m, got \(text)")
            }
            return seconds
        }

        let maxParallel = try reader.int("max_parallel") ?? 1
        guard maxParallelRange.contains(maxParallel) else {
            throw reader.fail(
                "max_parallel",
                "must be an integer from \(maxParallelRange.lowerBound) to \(maxParallelRange.upperBound), got \(maxParallel)"
            )
        }

        var executors: [String: ExecutorConfig] = [:]
        if let table = try reader.table("executors") {
            for kind in table.keys {
                guard RecordName.isValid(kind) else { throw table.fail(kind, "is not a valid kind name") }
                guard let entry = try table.table(kind) else { throw table.fail(kind, "must be a table") }
                executors[kind] = try executor(kind: kind, entry)
            }
        }
        let transport = try TransportConfig.parse(try reader.table("transport"))
        return DispatcherConfig(
            opsRepo: try nonEmpty(reader, "ops_repo"),
            remoteSettings: try RemoteSettings.parse(reader, directory: directory),
            envFile: try reader.string("env_file"),
            governanceRef: try reader.string("governance_ref") ?? OpsRepoDefaults.governanceRef,
            ledgerRef: try reader.string("ledger_ref") ?? OpsRepoDefaults.ledgerRef,
            identity: identity,
            signingKey: try nonEmpty(reader, "signing_key"),
            stateDir: try nonEmpty(reader, "state_dir"),
            profile: profile,
            trustRoot: trustRoot,
            cloneRoot: try nonEmpty(reader, "clone_root"),
            lockTTLSeconds: try lockTTL(reader, executors: executors),
            claimLeaseSeconds: try duration("claim_lease", default: "30m"),
            reportRetentionSeconds: try duration("report_retention", default: "14d"),
            maxParallel: maxParallel, executors: executors, transport: transport)
    }

    /// `lock_ttl`, which must outlive the longest executor run: the lock is
    /// renewed before each execution, and on another host only its TTL
    /// tells a live holder from a dead one. Unset, it is 15m or the longest
    /// timeout plus the margin, whichever is longer.
    private static func lockTTL(_ reader: TOMLRecordReader, executors: [String: ExecutorConfig]) throws -> Int64 {
        let longest = executors.values.max { $0.timeoutSeconds < $1.timeoutSeconds }
        let needed = (longest?.timeoutSeconds ?? 0) + lockMarginSeconds
        guard let text = try reader.string("lock_ttl") else { return max(defaultLockTTLSeconds, needed) }
        guard let seconds = DurationText.seconds(text), seconds > 0 else {
            throw reader.fail("lock_ttl", "must be a positive duration such as 15m, got \(text)")
        }
        if let longest, seconds < needed {
            throw RuntimeError.setting(
                "lock_ttl",
                "(\(text)) must exceed the longest executor timeout (\(longest.timeoutSeconds)s, executor "
                    + "\(quoted: longest.kind)) by at least \(lockMarginSeconds)s, or another dispatcher could take the "
                    + "lock while that executor runs; set lock_ttl to at least \(needed)s",
                file: reader.record, located: reader.located("lock_ttl"))
        }
        return seconds
    }

    private static func nonEmpty(_ reader: TOMLRecordReader, _ key: String) throws -> String {
        let text = try reader.requiredString(key)
        guard !text.isEmpty else { throw reader.fail(key, "must not be empty") }
        return text
    }

    private static func executor(kind: String, _ table: TOMLRecordReader) throws -> ExecutorConfig {
        if let name = try table.string("builtin") {
            return try builtin(kind: kind, name: name, table)
        }
        try table.rejectUnknownKeys(allowing: [
            "command", "timeout", "workdir", "env_allowlist", "required_env_vars", "secrets", "env_file",
            "supported_platforms", "idempotent",
        ])
        guard let command = try table.stringArray("command"), let program = command.first, !program.isEmpty else {
            throw table.fail("command", "must be a non-empty array of strings (argv; no shell)")
        }
        for element in command {
            if let problem = CommandPlaceholders.problem(element) {
                throw table.fail("command", "holds \(problem); \(CommandPlaceholders.validList)")
            }
        }
        let workdir = try table.string("workdir")
        if let workdir, let problem = CommandPlaceholders.problem(workdir) {
            throw table.fail("workdir", "holds \(problem); \(CommandPlaceholders.validList)")
        }
        let timeoutText = try table.string("timeout") ?? "15m"
        guard let timeout = DurationText.seconds(timeoutText), timeout > 0 else {
            throw table.fail("timeout", "must be a positive duration such as 5m, got \(timeoutText)")
        }
        let names = { (key: String) throws -> [String] in
            let values = try table.stringArray(key) ?? []
            for name in values where !EnvironmentName.isValid(name) {
                throw table.fail(key, "holds \(name), which is not an environment variable name")
            }
            return values
        }
        return ExecutorConfig(
            kind: kind, command: command, timeoutSeconds: timeout, workdir: workdir,
            envAllowlist: try names("env_allowlist"), requiredEnvVars: try names("required_env_vars"),
            secrets: try names("secrets"), envFile: try table.string("env_file"),
            supportedPlatforms: try table.stringArray("supported_platforms") ?? [],
            idempotent: try table.bool("idempotent") ?? false)
    }
}

extension DispatcherConfig {
    /// `builtin = "forge.…"` (SPEC §7): a remote write instead of a
    /// command. A name asking for a forbidden operation (merge, close,
    /// delete, force push, state moves) is `forbidden_operation`; it takes
    /// only `builtin` and `timeout` (its inputs are the intent's params).
    fileprivate static func builtin(kind: String, name: String, _ table: TOMLRecordReader) throws -> ExecutorConfig {
        guard let operation = try ForgeOperation.named(name) else {
            throw table.fail(
                "builtin", "names no built-in executor: \(quoted: name) (one of \(ForgeOperation.validList))")
        }
        for key in table.keys where key != "builtin" && key != "timeout" {
            throw table.fail(key, "does not apply to a built-in executor (only builtin and timeout do)")
        }
        let timeoutText = try table.string("timeout") ?? "2m"
        guard let timeout = DurationText.seconds(timeoutText), timeout > 0 else {
            throw table.fail("timeout", "must be a positive duration such as 2m, got \(timeoutText)")
        }
        // Idempotent by their marker: a claim left in doubt is retried
        // through the adopt flow.
        return ExecutorConfig(kind: kind, command: [], builtin: operation, timeoutSeconds: timeout, idempotent: true)
    }
}
