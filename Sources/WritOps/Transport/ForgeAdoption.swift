import Foundation
import WritCore

/// The forge account a token belongs to, as the forge itself says
/// (`GET /user` on GitHub, `GET /api/v1/user` on Forgejo and Gitea).
struct ForgeAccount: Sendable, Equatable {
    package let login: String
    /// The forge's numeric id of the account, when it gave one.
    package let id: Int?

    /// The account a forge's user object names (`{"login": …, "id": …}`);
    /// nil when it names none.
    init?(_ user: Any?) {
        guard let user = user as? ForgeClient.Object, let login = user["login"] as? String, !login.isEmpty else {
            return nil
        }
        self.login = login
        id = user["id"] as? Int
    }

    init(login: String, id: Int?) {
        self.login = login
        self.id = id
    }

    /// Whether `other` is this account: the same login, compared as forges
    /// compare logins (ASCII letters without case), and the same id when
    /// both carry one (a login can be renamed and taken by someone else;
    /// an id cannot).
    func isSame(as other: ForgeAccount) -> Bool {
        guard Self.equalIgnoringASCIICase(login, other.login) else { return false }
        if let id, let otherID = other.id { return id == otherID }
        return true
    }

    /// Byte equality with only A-Z folded to a-z: no Unicode case mapping,
    /// so a look-alike (the Kelvin sign for `k`) never equals a letter.
    static func equalIgnoringASCIICase(_ left: String, _ right: String) -> Bool {
        func fold(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
        return left.utf8.count == right.utf8.count
            && zip(left.utf8, right.utf8).allSatisfy { fold($0) == fold($1) }
    }
}

/// Which forge objects writ adopts (SPEC §7, docs/transport.md "Adoption"):
/// only what writ itself made. Anyone with access to a repository can open
/// a pull request from a branch of the same name (from a fork), or write a
/// comment holding a copy of writ's marker, so neither a branch name nor a
/// marker alone says who made an object. An object is adopted only when:
/// - its author is the account the token belongs to (asked of the forge);
/// - its body carries the marker naming this intent and this key;
/// - for a pull request: its head is the branch asked, in the target
///   repository itself (not a fork), it is open, and its base is the base
///   asked.
/// Anything else is left alone; a pull request is then opened anew.
enum ForgeAdoption {
    /// Whether `pull` is writ's own pull request for this write.
    static func adopts(
        pull: ForgeClient.Object, by account: ForgeAccount, repo: RepoSlug, head: String, base: String,
        intent: IntentID, key: String
    ) -> Bool {
        guard let author = ForgeAccount(pull["user"]), author.isSame(as: account),
            pull["state"] as? String == "open",
            let headObject = pull["head"] as? ForgeClient.Object, headObject["ref"] as? String == head,
            let headRepo = (headObject["repo"] as? ForgeClient.Object)?["full_name"] as? String,
            sameRepository(headRepo, repo),
            (pull["base"] as? ForgeClient.Object)?["ref"] as? String == base
        else { return false }
        return ForgeWriter.carries(pull["body"] as? String ?? "", intent: intent, key: key)
    }

    /// Whether `comment` is writ's own comment for this write.
    static func adopts(comment: ForgeClient.Object, by account: ForgeAccount, intent: IntentID, key: String) -> Bool {
        guard let author = ForgeAccount(comment["user"]), author.isSame(as: account) else { return false }
        return ForgeWriter.carries(comment["body"] as? String ?? "", intent: intent, key: key)
    }

    /// Whether a forge's `OWNER/NAME` is `repo` (forges compare both without
    /// case).
    static func sameRepository(_ fullName: String, _ repo: RepoSlug) -> Bool {
        ForgeAccount.equalIgnoringASCIICase(fullName, repo.apiPath)
    }
}
