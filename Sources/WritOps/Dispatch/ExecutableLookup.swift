import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the file an executor's `argv[0]` names, the way the child would,
/// so that preflight can refuse a program that cannot start before a claim
/// is spent on it, and the runner can start exactly the file preflight saw.
///
/// `posix_spawn` does not search PATH, so the answer is always an absolute
/// path:
/// - a name with a `/` is a path: absolute as is, relative to the working
///   directory the child gets (`workdir`, else this process's own);
/// - a bare name is looked up in `path` (the PATH the child gets, never the
///   dispatcher's own), skipping empty and relative entries: they would mean
///   "wherever the child happens to run", which is not the host's choice.
///
/// A candidate counts only when it is a regular file (after symlinks) that
/// this process may execute.
enum ExecutableLookup {
    /// The absolute path to execute, or a sentence saying why there is none.
    static func locate(_ program: String, path: String?, workdir: String?) -> Result<String, Problem> {
        guard !program.isEmpty else { return .failure(Problem("the program name is empty")) }
        if program.contains("/") {
            let candidate: String
            if program.hasPrefix("/") {
                candidate = program
            } else {
                let base = workdir ?? FileManager.default.currentDirectoryPath
                candidate = (base.hasSuffix("/") ? base : base + "/") + program
            }
            if let refusal = refusal(candidate) {
                return .failure(Problem("program \(quoted: program) \(refusal)"))
            }
            return .success(candidate)
        }
        guard let path else {
            return .failure(
                Problem(
                    "program \(quoted: program) is a bare name but the executor's environment has no PATH: "
                        + "list PATH in env_allowlist or give an absolute path"))
        }
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate =
                directory.hasSuffix("/") ? String(directory) + program : String(directory) + "/" + program
            if refusal(candidate) == nil { return .success(candidate) }
        }
        return .failure(
            Problem(
                "program \(quoted: program) is not an executable file in any absolute directory of the "
                    + "executor's PATH \(quoted: path)"))
    }

    /// Why `candidate` cannot be executed, or nil when it can.
    private static func refusal(_ candidate: String) -> String? {
        var info = stat()
        guard stat(candidate, &info) == 0 else { return "does not exist (\(candidate))" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "is not a regular file (\(candidate))" }
        guard access(candidate, X_OK) == 0 else { return "is not executable (\(candidate))" }
        return nil
    }

    /// Why no program was found; the text names the program and where it was looked for.
    struct Problem: Error, Sendable, CustomStringConvertible {
        package let description: String
        init(_ description: String) { self.description = description }
    }
}
