import Foundation
import WritCore
import WritSystem

/// `[transport]` in dispatcher.toml (SPEC §7): whether and where built-in
/// executors may write to a forge.
///
/// Off unless said otherwise. Parsed strictly: an unknown key, a forge
/// writ does not speak, an `api_url` that is plain http to anything but
/// this machine, or a repo that is not `HOST/OWNER/NAME` is refused when
/// the config loads.
package struct TransportConfig: Sendable, Equatable {
    package enum Mode: String, Sendable, Equatable {
        /// No remote write: a built-in executor is blocked with `transport_disabled`.
        case off
        /// The `projection` event is recorded; nothing is sent.
        case record
        /// The write is made.
        case live
    }

    package enum Forge: String, Sendable, Equatable {
        case github
        /// Forgejo, and Gitea (the same API v1).
        case forgejo
    }

    package var mode: Mode = .off
    package var forge: Forge = .github
    package var apiURL: String = "https://api.github.com"
    package var tokenSecret: String?
    package var allowRepos: [RepoSlug] = []
    package var sandboxRepos: [RepoSlug] = []
    package var approvalPRs = false
    package var opsRepoSlug: RepoSlug?
    package var caFile: String?

    package init() {}

    package static let keys: Set<String> = [
        "mode", "forge", "api_url", "token_secret", "allow_repos", "sandbox_repos", "approval_prs", "ops_repo_slug",
        "ca_file",
    ]

    package static func parse(_ table: TOMLRecordReader?) throws -> TransportConfig {
        var config = TransportConfig()
        guard let table else { return config }
        try table.rejectUnknownKeys(allowing: keys)
        if let text = try table.string("mode") {
            guard let mode = Mode(rawValue: text) else {
                throw table.fail("mode", "must be \"off\", \"record\" or \"live\", got \(quoted: text)")
            }
            config.mode = mode
        }
        if let text = try table.string("forge") {
            guard let forge = Forge(rawValue: text) else {
                throw table.fail("forge", "must be \"github\" or \"forgejo\" (also for Gitea), got \(quoted: text)")
            }
            config.forge = forge
        }
        if let url = try table.string("api_url") {
            guard Self.isAcceptableAPIURL(url) else {
                throw table.fail(
                    "api_url", "must be an https URL (plain http only to 127.0.0.1, ::1 or localhost), got \(url)")
            }
            config.apiURL = url
        } else if config.forge == .forgejo {
            throw table.fail("api_url", "is required for forge = \"forgejo\" (e.g. https://forgejo.example/api/v1)")
        }
        if let name = try table.string("token_secret") {
            guard EnvironmentName.isValid(name) else {
                throw table.fail("token_secret", "must name an environment variable, got \(name)")
            }
            config.tokenSecret = name
        }
        func slugs(_ key: String) throws -> [RepoSlug] {
            try (table.stringArray(key) ?? []).map { text in
                guard let slug = RepoSlug(text) else {
                    throw table.fail(key, "holds \(quoted: text), which is not HOST/OWNER/NAME")
                }
                return slug
            }
        }
        config.allowRepos = try slugs("allow_repos")
        config.sandboxRepos = try slugs("sandbox_repos")
        config.approvalPRs = try table.bool("approval_prs") ?? false
        if let text = try table.string("ops_repo_slug") {
            guard let slug = RepoSlug(text) else {
                throw table.fail("ops_repo_slug", "must be HOST/OWNER/NAME, got \(quoted: text)")
            }
            config.opsRepoSlug = slug
        }
        if config.approvalPRs, config.opsRepoSlug == nil {
            throw table.fail("approval_prs", "needs ops_repo_slug, the repository approval PRs are opened on")
        }
        config.caFile = try table.string("ca_file")
        if config.mode == .live, config.tokenSecret == nil {
            throw table.fail("token_secret", "is required for mode = \"live\"")
        }
        return config
    }

    /// https anywhere; http only to this machine (a test forge).
    static func isAcceptableAPIURL(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased(), !host.isEmpty,
            components.user == nil, components.password == nil, components.query == nil
        else { return false }
        switch components.scheme?.lowercased() {
        case "https": return true
        case "http": return ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host)
        default: return false
        }
    }
}
