/// How the host runs one kind (SPEC §6): the ops repo decides whether an
/// intent runs, this decides how. It lives only in the dispatcher's host
/// config, never in the ops repo.
package struct ExecutorConfig: Sendable, Equatable {
    /// The kind this executor runs.
    package let kind: String
    /// argv; `{intent.id}`, `{target.repo}`, `{target.branch}`,
    /// `{param.NAME}` and `{clone}` are replaced only as whole elements.
    package let command: [String]
    /// A built-in remote write (`builtin = "forge.comment"`, SPEC §7)
    /// instead of a command; its inputs come from the intent's params.
    let builtin: ForgeOperation?
    let timeoutSeconds: Int64
    /// The working directory (may be `{clone}`); nil: the state dir.
    let workdir: String?
    /// Variables copied from the dispatcher's environment.
    let envAllowlist: [String]
    /// Variables that must be set in the dispatcher's environment (`env_mismatch`).
    let requiredEnvVars: [String]
    /// Secret names, from the environment or `envFile` (`registry_auth_missing`); never logged.
    let secrets: [String]
    package let envFile: String?
    /// Platforms the executor runs on (`env_mismatch` elsewhere); empty: any.
    let supportedPlatforms: [String]
    /// Whether a claim left in doubt may be run again.
    package let idempotent: Bool

    init(
        kind: String, command: [String], builtin: ForgeOperation? = nil, timeoutSeconds: Int64, workdir: String? = nil,
        envAllowlist: [String] = [],
        requiredEnvVars: [String] = [], secrets: [String] = [], envFile: String? = nil,
        supportedPlatforms: [String] = [], idempotent: Bool = false
    ) {
        self.kind = kind
        self.command = command
        self.builtin = builtin
        self.timeoutSeconds = timeoutSeconds
        self.workdir = workdir
        self.envAllowlist = envAllowlist
        self.requiredEnvVars = requiredEnvVars
        self.secrets = secrets
        self.envFile = envFile
        self.supportedPlatforms = supportedPlatforms
        self.idempotent = idempotent
    }
}
