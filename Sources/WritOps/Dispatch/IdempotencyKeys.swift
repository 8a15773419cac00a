import Foundation
import WritCore

/// Idempotency keys are bound to the first intent that used them (SPEC §7,
/// docs/transport.md "Adoption"): the first intent on the ledger, in ledger
/// order, whose file parses and whose effective `idempotency_key` (its id
/// when absent) is a key owns that key. Any later intent with the same key
/// and another digest is `intent_malformed` when the dispatcher decides to
/// run it, so a low-tier intent cannot reuse a reviewed intent's key to
/// reach what that intent wrote (its marker, its `WRIT_IDEMPOTENCY_KEY`).
///
/// The binding is decided while the ledger is walked (`LedgerSync`, in
/// ledger order, whatever order the intents' ids sort in) and kept in the
/// state dir, one small file per key (`StateStore.keyBinding`): a poll reads
/// only the bindings of the intents it decides.
enum IdempotencyKeys {
    /// The intent a key is bound to.
    struct Binding: Codable, Sendable, Equatable {
        package let intent: IntentID
        package let digest: ContentDigest
    }

    /// The binding after an intent with `candidate` was seen: the one
    /// already there, else the candidate's. The first one always stays.
    static func bind(_ existing: Binding?, _ candidate: Binding) -> Binding { existing ?? candidate }

    /// Why `intent` (with `digest`) may not run under `key`'s binding; nil
    /// when the key is its own. A key with no binding yet (the walk has not
    /// reached the intent) is refused too: nothing runs on a key whose
    /// first user is unknown.
    package static func refusal(key: String, intent: IntentID, digest: ContentDigest, bound: Binding?) -> WritError? {
        guard let bound else {
            return WritError(
                .intentMalformed, "idempotency key \(quoted: key) of \(intent.rawValue) is not bound to any intent yet")
        }
        guard bound.intent != intent || bound.digest != digest else { return nil }
        return WritError(
            .intentMalformed,
            "idempotency key \(quoted: key) is bound to \(bound.intent.rawValue), the first intent that used it; "
                + "\(intent.rawValue) (digest \(digest)) may not reuse it (choose another idempotency_key)")
    }

    /// The binding a ledger intent file asks for: its effective key with
    /// its id and digest; nil when the file does not parse as an intent
    /// (such a file binds nothing and never runs).
    static func candidate(fileBytes bytes: Data, path: String) -> (key: String, binding: Binding)? {
        guard let intent = try? Intent.parse(bytes, expectedPath: path) else { return nil }
        return (
            intent.effectiveIdempotencyKey,
            Binding(intent: intent.id, digest: Intent.digest(ofFileBytes: bytes))
        )
    }
}
