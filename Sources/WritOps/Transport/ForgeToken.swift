import Foundation
import WritSystem

/// The forge token of `[transport]`: the secret `token_secret` names, from
/// the environment or the top-level env_file, read once and then kept for
/// the rest of the poll.
///
/// Invariant: the token is only ever held in memory; an empty value counts
/// as unset.
struct ForgeToken {
    let secretName: String?
    package let environment: [String: String]
    package let envFile: String?
    /// The token once read; nil before.
    private var cached: String??

    init(secretName: String?, environment: [String: String], envFile: String?) {
        self.secretName = secretName
        self.environment = environment
        self.envFile = envFile
    }

    /// The token, nil when it is not set.
    package mutating func value() -> String? {
        if let cached { return cached }
        var token: String?
        if let name = secretName {
            if let value = environment[name], !value.isEmpty {
                token = value
            } else if let file = envFile, let values = try? EnvFile.load(file), let value = values[name],
                !value.isEmpty
            {
                token = value
            }
        }
        cached = .some(token)
        return token
    }
}
