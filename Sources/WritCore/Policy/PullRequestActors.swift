import Foundation

extension PullRequestCheck {
    /// How an account touched a pull request, as the forge reports it.
    package enum Touch: String, Sendable, Hashable, Encodable, Comparable {
        /// Named on the command line (`--actor`).
        case named
        /// The pull request's author (`pull_request.user`).
        case prAuthor = "pr_author"
        /// The account whose act sent the event (`sender`: the pusher of a
        /// `synchronize`, the opener, the editor, the one who reopened).
        case sender
        /// The forge account of a commit's author, in a commits list.
        case commitAuthor = "commit_author"
        /// The forge account of a commit's committer, in a commits list.
        case commitCommitter = "commit_committer"

        package static func < (lhs: Touch, rhs: Touch) -> Bool { lhs.order < rhs.order }

        private var order: Int {
            switch self {
            case .named: 0
            case .prAuthor: 1
            case .sender: 2
            case .commitAuthor: 3
            case .commitCommitter: 4
            }
        }
    }

    /// One account that touched the pull request, judged on its own: the
    /// verdict is the least privileged actor's (SPEC §9, docs/check-pr.md).
    package struct Actor: Sendable, Hashable {
        package let login: String
        package let touches: Set<Touch>

        package init(login: String, touches: Set<Touch>) {
            self.login = login
            self.touches = touches
        }

        /// `actors` with one entry per forge account (logins compare
        /// without case), in first-seen order, their touches joined.
        package static func merged(_ actors: [Actor]) -> [Actor] {
            var order: [String] = []
            var byKey: [String: Actor] = [:]
            for actor in actors {
                // A login no forge can hold is its own entry: it is nobody.
                let key = ForgeLogin.folded(actor.login) ?? "\u{0}" + actor.login
                if let seen = byKey[key] {
                    byKey[key] = Actor(login: seen.login, touches: seen.touches.union(actor.touches))
                } else {
                    order.append(key)
                    byKey[key] = actor
                }
            }
            return order.compactMap { byKey[$0] }
        }
    }

    /// One commit of a commits list: its id and the forge accounts of its
    /// author and committer, when the forge linked them to one.
    package struct ListedCommit: Sendable, Hashable {
        package let id: String
        package let author: String?
        package let committer: String?

        /// The account GitHub names as committer of every commit made in
        /// its web interface; the commit's author is the one who made it.
        static let webCommitter = "web-flow"

        /// The actors a commits list names: every linked author and
        /// committer login (GitHub's web committer aside).
        package static func actors(_ commits: [ListedCommit]) -> [Actor] {
            commits.flatMap { commit -> [Actor] in
                var actors: [Actor] = []
                if let author = commit.author { actors.append(Actor(login: author, touches: [.commitAuthor])) }
                if let committer = commit.committer, !ForgeLogin.same(committer, webCommitter) {
                    actors.append(Actor(login: committer, touches: [.commitCommitter]))
                }
                return actors
            }
        }

        /// Reads a commits list: a JSON array as the forge's "list the
        /// commits of a pull request" answers (GitHub and Forgejo: `sha`,
        /// `author.login`, `committer.login`), or as a push event carries
        /// it (`id`, `author.username`, `committer.username`). A commit
        /// the forge linked to no account has `null` there and names no
        /// actor. A list of any other shape is a `RuntimeError`: nothing can
        /// be judged from it, so nothing passes.
        package static func parse(_ value: Any, source: String) throws -> [ListedCommit] {
            guard let items = value as? [Any] else {
                throw RuntimeError("\(source) is not a JSON array of commits", fix: source)
            }
            return try items.map { item in
                guard let commit = item as? [String: Any],
                    let id = (commit["sha"] ?? commit["id"]) as? String,
                    id.count == 40 || id.count == 64, id.allSatisfy(\.isHexDigit)
                else {
                    throw RuntimeError("\(source) holds an entry without a full commit id (sha or id)", fix: source)
                }
                func login(_ key: String) throws -> String? {
                    guard let account = commit[key], !(account is NSNull) else { return nil }
                    guard let fields = account as? [String: Any] else {
                        throw RuntimeError("\(source): \(key) of commit \(id) is not an object", fix: source)
                    }
                    let name = fields["login"] ?? fields["username"]
                    guard let name, !(name is NSNull) else { return nil }
                    guard let text = name as? String, !text.isEmpty else {
                        throw RuntimeError("\(source): \(key) of commit \(id) has no login", fix: source)
                    }
                    return text
                }
                return ListedCommit(id: id.lowercased(), author: try login("author"), committer: try login("committer"))
            }
        }
    }
}
