import Foundation
import WritCore
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Everything checked before an intent may be claimed (SPEC §6). It is pure
/// except for reading the executor's `env_file` and stat-ing the clone and
/// the program, so a refusal costs nothing and leaves no trace on the ledger.
enum ExecutorPreflight {
    /// Checks that `executor` can run `intent` here and builds the plan.
    ///
    /// The checks run in this order; the first failure is returned, with
    /// exactly one reason code:
    /// 1. `executor_missing`: `executor` is nil, is for another kind, or has
    ///    an empty command.
    /// 2. `env_mismatch`: `platform` is not in a non-empty
    ///    `supported_platforms`; a `required_env_vars` name is absent from
    ///    `environment` (present but empty counts as set).
    /// 3. `registry_auth_missing`: the declared `env_file` cannot be read or
    ///    parsed (it is read whenever declared); a declared secret is absent
    ///    or empty in both `environment` and the env file. `environment`
    ///    takes precedence; only declared secrets are taken from the file.
    /// 4. `clone_missing`: `cloneRoot` is not absolute or does not resolve;
    ///    `target.repo` is not made of safe path components (none empty, `.`,
    ///    `..`, none holding NUL; no leading `/`); below the real path of
    ///    `cloneRoot`, a component of `target.repo` is missing, not a
    ///    directory, or a symbolic link (a link could lead the executor
    ///    anywhere, `/etc` included); the last one has no `.git`, so it is
    ///    not a clone's work tree root (a folder above or inside a clone is
    ///    not a clone). writ never clones.
    /// 5. `env_mismatch`: a placeholder in the command or workdir cannot be
    ///    filled: an unknown `{name}`, a `{param.NAME}` the intent lacks, or
    ///    `{target.branch}` with no branch; an argv element or variable
    ///    holding NUL; a workdir that is not absolute after expansion; a
    ///    non-positive timeout. The command's shape is the host's, so a gap
    ///    between it and the intent is treated as the environment not
    ///    matching, not as a missing executor.
    /// 6. `executor_missing`: the program (`argv[0]`) cannot be started: an
    ///    absolute path, or a relative one taken from the working directory,
    ///    that is not an executable regular file; a bare name that is not one
    ///    in any absolute directory of the PATH the executor gets (the
    ///    allowlisted `PATH`; none allowlisted: only paths work). Checked
    ///    here so that a claim is never spent on a run that cannot start.
    ///
    /// Placeholders (`{intent.id}`, `{target.repo}`, `{target.branch}`,
    /// `{param.NAME}`, `{clone}`) are replaced only when a whole argv
    /// element (or the whole workdir) is the placeholder; `x{intent.id}` is
    /// passed literally. An element is a placeholder when it is `{`, one or
    /// more of `[A-Za-z0-9._-]`, `}`, so a JSON argument is never taken for
    /// one. Nothing is ever given to a shell. `{clone}` and a `{clone}`
    /// workdir are the clone's confined real path.
    ///
    /// The plan's environment is exactly: the `env_allowlist` names present
    /// in `environment`, then the declared secrets, then `WRIT_INTENT_ID`,
    /// `WRIT_IDEMPOTENCY_KEY` and `WRIT_TIER` (later entries win).
    ///
    /// - Parameter defaultWorkdir: the working directory when the executor
    ///   declares none (the dispatcher passes its state dir).
    static func plan(
        intent: Intent, tier: Tier, executor: ExecutorConfig?, cloneRoot: String,
        environment: [String: String],
        platform: String = "linux", defaultWorkdir: String? = nil
    ) -> Result<ExecutionPlan, WritError> {
        Result { () throws(WritError) in
            try build(
                intent: intent, tier: tier, executor: executor, cloneRoot: cloneRoot,
                environment: environment,
                platform: platform, defaultWorkdir: defaultWorkdir)
        }
    }

    private static func build(
        intent: Intent, tier: Tier, executor: ExecutorConfig?, cloneRoot: String,
        environment: [String: String],
        platform: String, defaultWorkdir: String?
    ) throws(WritError) -> ExecutionPlan {
        // 1. Executor.
        guard let executor else {
            throw WritError(
                .executorMissing, "the dispatcher has no executor for kind \(quoted: intent.kind)")
        }
        guard executor.kind == intent.kind else {
            throw WritError(
                .executorMissing,
                "executor for kind \(quoted: executor.kind) was given an intent of kind \(quoted: intent.kind)"
            )
        }
        guard !executor.command.isEmpty else {
            throw WritError(
                .executorMissing, "executor for kind \(quoted: intent.kind) has an empty command")
        }

        // 2. Platform and required variables.
        if !executor.supportedPlatforms.isEmpty, !executor.supportedPlatforms.contains(platform) {
            throw WritError(
                .envMismatch,
                "executor for kind \(quoted: intent.kind) supports \(executor.supportedPlatforms.joined(separator: ", ")), not \(platform)"
            )
        }
        for name in executor.requiredEnvVars where environment[name] == nil {
            throw WritError(.envMismatch, "required environment variable \(name) is not set")
        }

        // 3. Secrets.
        var fileValues: [String: String] = [:]
        if let envFile = executor.envFile {
            fileValues = try readEnvFile(envFile)
        }
        var secretEnvironment: [String: String] = [:]
        for name in executor.secrets {
            if let value = environment[name], !value.isEmpty {
                secretEnvironment[name] = value
            } else if let value = fileValues[name], !value.isEmpty {
                secretEnvironment[name] = value
            } else {
                let sources =
                    executor.envFile.map { "the environment or env_file \($0)" } ?? "the environment"
                throw WritError(
                    .registryAuthMissing, "secret \(name) is not set (or is empty) in \(sources)")
            }
        }

        // 4. Clone.
        let clone = try clonePath(root: cloneRoot, repo: intent.target.repo)

        // 5. Placeholders and the final shape.
        guard executor.timeoutSeconds > 0 else {
            throw WritError(
                .envMismatch, "executor for kind \(quoted: intent.kind) has a non-positive timeout")
        }
        var argv: [String] = []
        for (position, element) in executor.command.enumerated() {
            let value = try expand(element, intent: intent, clone: clone, field: "command[\(position)]")
            guard !value.unicodeScalars.contains("\0") else {
                throw WritError(
                    .envMismatch, "command[\(position)] contains a NUL character after expansion")
            }
            argv.append(value)
        }
        var workdir = defaultWorkdir
        if let declared = executor.workdir {
            workdir = try expand(declared, intent: intent, clone: clone, field: "workdir")
        }
        if let workdir {
            guard workdir.hasPrefix("/"), !workdir.unicodeScalars.contains("\0") else {
                throw WritError(.envMismatch, "workdir \(quoted: workdir) is not an absolute path")
            }
        }

        var childEnvironment: [String: String] = [:]
        for name in executor.envAllowlist {
            if let value = environment[name] { childEnvironment[name] = value }
        }
        childEnvironment.merge(secretEnvironment) { _, secret in secret }
        childEnvironment["WRIT_INTENT_ID"] = intent.id.rawValue
        childEnvironment["WRIT_IDEMPOTENCY_KEY"] = intent.effectiveIdempotencyKey
        childEnvironment["WRIT_TIER"] = tier.rawValue
        for (name, value) in childEnvironment
        where name.isEmpty || name.contains("=") || name.unicodeScalars.contains("\0")
            || value.unicodeScalars.contains("\0")
        {
            throw WritError(
                .envMismatch, "environment variable \(quoted: name) cannot be passed to a process")
        }

        // 6. The program, found where the child would find it; the runner
        // starts exactly this file.
        let executable: String
        switch ExecutableLookup.locate(argv[0], path: childEnvironment["PATH"], workdir: workdir) {
        case .success(let path):
            executable = path
        case .failure(let problem):
            throw WritError(.executorMissing, "executor for kind \(quoted: intent.kind): \(problem)")
        }

        return ExecutionPlan(
            argv: argv, workdir: workdir, environment: childEnvironment,
            secretValues: executor.secrets.compactMap { secretEnvironment[$0] },
            timeoutSeconds: executor.timeoutSeconds, executable: executable)
    }

    private static func readEnvFile(_ path: String) throws(WritError) -> [String: String] {
        do {
            return try EnvFile.load(path)
        } catch {
            throw WritError(.registryAuthMissing, error.description)
        }
    }

    /// The clone of `repo` under `root`, as a real path with no symbolic
    /// link below the real `root`, and only when it is a clone's work tree
    /// root (it holds `.git`).
    ///
    /// The executor's working directory and `{clone}` come from here, so a
    /// link planted in the clone tree (`github.com/org/app/docs -> /etc`, or
    /// `github.com -> /`) must not be followed: each component is `lstat`ed
    /// below `realpath(root)`. The root itself may be a link (the host chose
    /// it). A folder that merely contains clones (`github.com/org`) or lies
    /// inside one has no `.git` of its own and is refused.
    static func clonePath(root: String, repo: String) throws(WritError) -> String {
        guard root.hasPrefix("/"), !root.unicodeScalars.contains("\0") else {
            throw WritError(.cloneMissing, "clone_root \(quoted: root) is not an absolute path")
        }
        guard !repo.unicodeScalars.contains("\0") else {
            throw WritError(.cloneMissing, "target.repo contains a NUL character")
        }
        guard !repo.hasPrefix("/") else {
            throw WritError(
                .cloneMissing,
                "target.repo \(quoted: repo) must be relative to clone_root, not start with /")
        }
        let components = repo.split(separator: "/", omittingEmptySubsequences: false)
        for component in components where component.isEmpty || component == "." || component == ".." {
            throw WritError(
                .cloneMissing,
                "target.repo \(quoted: repo) has an empty, '.' or '..' path component; it must stay under clone_root"
            )
        }
        guard let realRoot = realPath(root) else {
            throw WritError(.cloneMissing, "clone_root \(root) does not exist or cannot be resolved")
        }
        var path = realRoot == "/" ? "" : realRoot
        for component in components {
            path += "/" + component
            var info = stat()
            guard lstat(path, &info) == 0 else {
                throw WritError(.cloneMissing, "no clone of \(quoted: repo) at \(path); writ never clones")
            }
            guard info.st_mode & S_IFMT != S_IFLNK else {
                throw WritError(
                    .cloneMissing,
                    "\(path) is a symbolic link; the clone of \(quoted: repo) must lie under clone_root \(realRoot) with no link on the way"
                )
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw WritError(.cloneMissing, "clone path \(path) for \(quoted: repo) is not a directory")
            }
        }
        var gitInfo = stat()
        guard lstat(path + "/.git", &gitInfo) == 0 else {
            throw WritError(
                .cloneMissing,
                "\(path) has no .git: it is not the root of a clone of \(quoted: repo) (a folder above or inside a clone is not one)"
            )
        }
        // Each component was checked to be no link, so this holds unless the
        // tree changed under us; then refuse rather than guess.
        guard realPath(path) == path else {
            throw WritError(.cloneMissing, "clone path \(path) changed while it was being checked")
        }
        return path
    }

    /// `realpath(3)` of `path`, or nil when it does not resolve.
    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Replaces `text` when the whole of it is a placeholder.
    private static func expand(_ text: String, intent: Intent, clone: String, field: String)
        throws(WritError) -> String
    {
        guard let name = placeholderName(text) else { return text }
        switch name {
        case "intent.id":
            return intent.id.rawValue
        case "target.repo":
            return intent.target.repo
        case "target.branch":
            guard let branch = intent.target.branch else {
                throw WritError(
                    .envMismatch,
                    "\(field) needs {target.branch} but intent \(intent.id) names no target.branch")
            }
            return branch
        case "clone":
            return clone
        default:
            if name.hasPrefix("param.") {
                let param = String(name.dropFirst("param.".count))
                guard let value = intent.params[param] else {
                    throw WritError(
                        .envMismatch,
                        "\(field) needs {param.\(param)} but intent \(intent.id) has no such parameter")
                }
                return value
            }
            throw WritError(.envMismatch, "\(field) uses unknown placeholder \(text)")
        }
    }

    /// The name inside `{name}` when `text` is exactly a placeholder.
    private static func placeholderName(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else {
            return nil
        }
        let inner = bytes[1..<(bytes.count - 1)]
        let allowed = inner.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed ? String(decoding: inner, as: UTF8.self) : nil
    }
}
