/// A remote operation refused before any network or file access.
package enum RemoteUsageError: Error, Sendable, Hashable {
    /// Not a valid remote name (`git_remote_name_is_valid`).
    case invalidRemoteName(String)
    /// Not a plain branch name usable under both `refs/heads/` and
    /// `refs/remotes/<remote>/` (full `refs/...` names are refused too).
    case invalidBranchName(String)
    /// The repository has no remote of this name.
    case unknownRemote(String)
    /// The remote URL names neither a supported network transport nor an
    /// existing local repository directory.
    case unsupportedURL(String)
    /// A network URL writ cannot use as it stands (no host, or a password
    /// in it); the URL is shown with any user info removed.
    case unusableURL(String, problem: String)
}
