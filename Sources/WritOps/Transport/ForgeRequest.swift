import WritCore

/// One remote write, built from an intent's `[target] repo` and `[params]`
/// (SPEC §7), validated strictly: a missing or unknown param, or a value of
/// the wrong shape, is `intent_malformed`, and a pull request whose head is
/// its base `forbidden_operation`, before anything is claimed.
package struct ForgeRequest: Sendable, Hashable {
    package let operation: ForgeOperation
    package let repo: RepoSlug
    /// The idempotency key of the marker: the intent's `idempotency_key`,
    /// else its id.
    package let key: String
    package let params: [String: String]

    /// The commit status states a forge accepts.
    static let statusStates: Set<String> = ["pending", "success", "failure", "error"]

    package init(operation: ForgeOperation, intent: Intent) throws(WritError) {
        guard let repo = RepoSlug(intent.target.repo) else {
            throw WritError(
                .intentMalformed,
                "target.repo \(quoted: intent.target.repo) is not HOST/OWNER/NAME (e.g. github.com/acme/app), as "
                    + "\(operation.rawValue) needs")
        }
        let (required, optional) = operation.parameters
        let given = Set(intent.params.keys)
        if let unknown = given.subtracting(required).subtracting(optional).sorted().first {
            throw WritError(
                .intentMalformed,
                "\(operation.rawValue) takes no param \(quoted: unknown) (it takes "
                    + required.union(optional).sorted().joined(separator: ", ") + ")")
        }
        if let missing = required.subtracting(given).sorted().first {
            throw WritError(.intentMalformed, "\(operation.rawValue) needs param \(quoted: missing)")
        }
        let params = intent.params
        func nonEmpty(_ name: String) throws(WritError) {
            guard let value = params[name], !value.isEmpty else {
                throw WritError(.intentMalformed, "\(operation.rawValue): param \(quoted: name) must not be empty")
            }
        }
        switch operation {
        case .pullRequest:
            for name in ["head", "base", "title"] { try nonEmpty(name) }
            for name in ["head", "base"] {
                guard let branch = params[name], Self.isPlainBranch(branch) else {
                    throw WritError(
                        .intentMalformed, "forge.pull_request: param \(quoted: name) must be a plain branch name")
                }
            }
            // Pushing the head would move the base itself, without review
            // (the repository's default branch is checked before the push).
            guard params["head"] != params["base"] else {
                throw WritError(.forbiddenOperation, "forge.pull_request: head and base are the same branch")
            }
        case .comment:
            try Self.requireNumber(params["number"], operation)
            try nonEmpty("body")
        case .label:
            try Self.requireNumber(params["number"], operation)
            let names = Self.labels(params["add"] ?? "") + Self.labels(params["remove"] ?? "")
            guard !names.isEmpty else {
                throw WritError(.intentMalformed, "forge.label: add and remove are both empty")
            }
            // A label name is put into a URL path when it is removed: `.`
            // and `..` would name another endpoint there.
            if let dots = names.first(where: { $0 == "." || $0 == ".." }) {
                throw WritError(.intentMalformed, "forge.label: \(quoted: dots) is not a label name writ sends")
            }
        case .status:
            guard let sha = params["sha"], sha.count == 40 || sha.count == 64,
                sha.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            else {
                throw WritError(.intentMalformed, "forge.status: param \"sha\" must be a full lower-case commit id")
            }
            guard let state = params["state"], Self.statusStates.contains(state) else {
                throw WritError(
                    .intentMalformed, "forge.status: param \"state\" must be one of pending, success, failure, error")
            }
            try nonEmpty("context")
            if let url = params["target_url"], !url.isEmpty, !url.hasPrefix("https://"), !url.hasPrefix("http://") {
                throw WritError(.intentMalformed, "forge.status: param \"target_url\" must be an http(s) URL")
            }
        }
        self.operation = operation
        self.repo = repo
        key = intent.idempotencyKey ?? intent.id.rawValue
        self.params = params
    }

    /// The comma-separated label names of an `add` or `remove` param.
    static func labels(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func requireNumber(_ text: String?, _ operation: ForgeOperation) throws(WritError) {
        guard let text, let number = Int(text), number > 0, String(number) == text else {
            throw WritError(
                .intentMalformed, "\(operation.rawValue): param \"number\" must be a positive issue or PR number")
        }
    }

    /// A branch name with nothing a ref name forbids and no `refs/` prefix.
    static func isPlainBranch(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("refs/"), !name.hasPrefix("-"), !name.hasPrefix("/"),
            !name.hasSuffix("/"), !name.hasSuffix(".lock"), !name.hasSuffix("."), !name.contains(".."),
            !name.contains("//"), !name.contains("@{"), name != "@"
        else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && !"~^:?*[\\".unicodeScalars.contains(scalar)
        }
    }

    /// What the projection event names as the target: the repository
    /// and the object written, e.g. `github.com/acme/app#42`.
    var projectionTarget: String {
        switch operation {
        case .pullRequest: "\(repo):\(params["head"] ?? "")->\(params["base"] ?? "")"
        case .comment, .label: "\(repo)#\(params["number"] ?? "")"
        case .status: "\(repo)@\(params["sha"] ?? "")"
        }
    }
}
