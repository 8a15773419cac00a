import Foundation
import WritCore
import WritGit
import WritSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Where an operator config comes from when `--config` is not given, and
/// the rules that keep it out of reach of anything others can commit
/// (docs/operators.md, "Where the operator config lives").
///
/// Tried in this order, the first that exists being read whole (files are
/// never merged):
/// 1. `<git dir>/writ.toml`: the repository's common git directory (the main
///    `.git`, shared by linked work trees; a bare repository's own
///    directory). No checkout, merge or fetch writes there.
/// 2. `.writ.toml` at the top of the work tree (the legacy place): read with
///    a warning, and only when git tracks no file by that path in the index,
///    `HEAD`, or any local or remote-tracking branch tip; a tracked one is
///    refused (`trust_root_missing`), since a branch could then choose the
///    trust root, the remote and which secret is sent. Never a symlink.
/// 3. `$XDG_CONFIG_HOME/writ/config.toml` (`~/.config/writ/config.toml` when
///    the variable is unset, empty or relative): the per-user fallback.
///
/// Each file must be a regular file owned by the user running writ (or by
/// root) and not writable by others.
package struct OperatorConfigLocation: Sendable, Equatable {
    /// Which of the places a config was found in.
    package enum Place: Sendable, Equatable {
        case gitDirectory, legacyWorkTree, user
    }

    /// The file to read, absolute.
    package let path: String
    package let place: Place
    /// The directory relative paths in the file are taken from.
    package let base: String
    /// Lines for standard error (without the `writ: ` prefix): the legacy
    /// place's warning, or a legacy file left unread.
    package let warnings: [String]

    /// The name of the config in the git directory.
    package static let gitDirectoryFileName = "writ.toml"

    /// The per-user config: `$XDG_CONFIG_HOME/writ/config.toml`, or
    /// `~/.config/writ/config.toml` when `XDG_CONFIG_HOME` is unset, empty
    /// or not absolute (as the XDG base directory rules say).
    package static func userConfigPath(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        let base: String
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = HomePath.expand("~/.config", environment: environment)
        }
        return ((base as NSString).appendingPathComponent("writ") as NSString).appendingPathComponent("config.toml")
    }

    /// Finds the operator config for the ops repo at `repositoryPath`, or
    /// nil when no place holds one. A repository that cannot be opened
    /// leaves only the per-user file (the command then reports the
    /// repository itself).
    ///
    /// Throws `WritError(.trustRootMissing)` for a legacy `.writ.toml` that
    /// git tracks, and a `RuntimeError` when the tracking cannot be checked.
    package static func find(
        inRepository repositoryPath: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> OperatorConfigLocation? {
        let top = URL(fileURLWithPath: repositoryPath).standardizedFileURL.path
        let user = userConfigPath(environment: environment)
        let userLocation = OperatorConfigLocation(path: user, place: .user, base: directory(of: user), warnings: [])
        guard let repository = try? Repository.open(at: repositoryPath) else {
            return exists(user) ? userLocation : nil
        }
        let inGitDirectory = (URL(fileURLWithPath: repository.commonDirectory).standardizedFileURL.path as NSString)
            .appendingPathComponent(gitDirectoryFileName)
        let legacy = (top as NSString).appendingPathComponent(OperatorConfig.fileName)
        if exists(inGitDirectory) {
            let warnings =
                exists(legacy)
                ? ["warning: not reading \(legacy): \(inGitDirectory) is the operator config; remove \(legacy)"] : []
            return OperatorConfigLocation(path: inGitDirectory, place: .gitDirectory, base: top, warnings: warnings)
        }
        if exists(legacy) {
            let tracked: String?
            do {
                tracked = try repository.placeTracking(OperatorConfig.fileName)
            } catch {
                throw RuntimeError(
                    "cannot tell whether git tracks \(legacy), so it is not read: \(error)",
                    fix: "move it to \(inGitDirectory)")
            }
            if let tracked {
                throw WritError(
                    .trustRootMissing,
                    "refusing the operator config \(legacy): git tracks \(OperatorConfig.fileName) (in \(UntrustedText.terminal(tracked))), "
                        + "so a branch can choose its trust root, remote and secrets; keep your settings in "
                        + "\(inGitDirectory), which no branch can write")
            }
            return OperatorConfigLocation(
                path: legacy, place: .legacyWorkTree, base: top,
                warnings: [
                    "warning: reading the operator config from \(legacy), in the work tree, where a checkout or "
                        + "merge could replace it; move it to the git directory: mv \(legacy) \(inGitDirectory)"
                ])
        }
        return exists(user) ? userLocation : nil
    }

    /// True when something (a symlink included, even a dangling one) is at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    package static func directory(of path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    /// The bytes of the config at this location, opened safely: the legacy
    /// file never through a symlink, and every place only a regular file
    /// owned by the user (or root) that others cannot write.
    package func read() throws -> Data {
        try Self.readSafely(path, followSymlink: place != .legacyWorkTree, limit: OperatorConfig.limit)
    }

    /// Opens `path` (refusing a symlink as its last component unless
    /// `followSymlink`), checks what was opened, and reads at most
    /// `limit` bytes.
    static func readSafely(_ path: String, followSymlink: Bool, limit: Int) throws -> Data {
        let fix = "the operator config \(path)"
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followSymlink ? 0 : O_NOFOLLOW)
        let descriptor = open(path, flags)
        guard descriptor >= 0 else {
            let problem = errno == ELOOP ? "is a symlink, which is not followed here" : String(cString: strerror(errno))
            throw RuntimeError("cannot read the config file \(path): \(problem)", fix: fix)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw RuntimeError("cannot read the config file \(path): \(String(cString: strerror(errno)))", fix: fix)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw RuntimeError("the config file \(path) is not a regular file", fix: fix)
        }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            throw RuntimeError(
                "the config file \(path) is owned by uid \(info.st_uid), not by this user (uid \(geteuid()))",
                fix: fix)
        }
        guard info.st_mode & S_IWOTH == 0 else {
            throw RuntimeError("the config file \(path) is writable by everyone", fix: "chmod o-w \(path)")
        }
        // A read that fails is an error, never an empty config.
        let bytes: Data
        do {
            bytes = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw RuntimeError("cannot read the config file \(path): \(StateFiles.describe(error))", fix: fix)
        }
        guard bytes.count <= limit else {
            throw RuntimeError("the config file \(path) is larger than \(limit) bytes", fix: fix)
        }
        return bytes
    }
}
