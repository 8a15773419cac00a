internal import Clibgit2

extension Repository {
    /// The value of the git configuration key `name` (e.g.
    /// `writ.governanceRef`) as this repository sees it (its own config,
    /// then the global and system files), or nil when it is not set.
    package func configString(_ name: String) throws(GitError) -> String? {
        var config: OpaquePointer?
        try check(git_repository_config_snapshot(&config, raw), "git_repository_config_snapshot")
        let snapshot = try handle(config, "git_repository_config_snapshot", release: git_config_free)
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let result = git_config_get_string_buf(&buffer, snapshot.raw, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "git_config_get_string_buf")
        guard let pointer = buffer.ptr else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: buffer.size), as: UTF8.self)
    }
}
