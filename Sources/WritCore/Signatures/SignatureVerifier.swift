import Foundation

/// Verifies SSHSIG signatures against an allowed_signers file, in process.
///
/// The checks, in order: the armour and blob parse; the signature's
/// namespace is the expected one; the signature verifies over the message
/// (signed data rebuilt from the expected namespace); then the key must be
/// listed for the principal, permitted the namespace, and valid at the
/// verifier's clock.
///
/// The cryptographic step consults the ``VerificationCache`` the caller
/// passes, never one of its own: a verification is a function of its
/// arguments, and the cache's trust boundary is the call site that made it.
public enum SignatureVerifier {
    /// A signature that passed every check.
    public struct Verified: Sendable, Hashable {
        /// The key that signed.
        public let key: SSHPublicKey
        /// The allowed_signers line that trusts it.
        package let entry: AllowedSigners.Entry
        /// The parsed signature.
        package let signature: SSHSignature
    }

    /// Verifies that `armored` is `principal`'s signature over `message`
    /// in `namespace`, trusted by `allowedSigners` at `date`. A
    /// cryptographic success already in `cache` is not computed again, and
    /// a new one is recorded there; nil verifies without a cache.
    public static func verify(
        armored: some Collection<UInt8>,
        message: some DataProtocol,
        principal: String,
        namespace: String,
        allowedSigners: AllowedSigners,
        at date: Date,
        cache: VerificationCache? = nil
    ) throws(SignatureFailure) -> Verified {
        let signature = try SSHSignature(armored: armored)
        try signature.verifyCryptographically(message: message, namespace: namespace, cache: cache)
        switch allowedSigners.lookup(principal: principal, key: signature.publicKey, namespace: namespace, at: date) {
        case .success(let entry): return Verified(key: signature.publicKey, entry: entry, signature: signature)
        case .failure(let failure): throw failure
        }
    }

    /// Like ``verify(armored:message:principal:namespace:allowedSigners:at:cache:)``
    /// but failing with the contract's ``WritError``.
    public static func verifyOrWritError(
        armored: some Collection<UInt8>,
        message: some DataProtocol,
        principal: String,
        namespace: String,
        allowedSigners: AllowedSigners,
        at date: Date,
        cache: VerificationCache? = nil
    ) throws(WritError) -> Verified {
        do {
            return try verify(
                armored: armored, message: message, principal: principal, namespace: namespace,
                allowedSigners: allowedSigners, at: date, cache: cache)
        } catch {
            throw error.writError(namespace: namespace)
        }
    }

    /// Which allowed_signers lines a valid signature belongs to.
    package struct Signers: Sendable, Hashable {
        /// The key that signed.
        package let key: SSHPublicKey
        /// Every line listing the key that permits the namespace at the
        /// clock, in file order (non-empty).
        package let entries: [AllowedSigners.Entry]

        /// The principals those lines name literally, sorted, without
        /// duplicates. Pattern principals are left out: use
        /// ``AllowedSigners/Entry/matches(principal:)`` to test a given one.
        package var principals: [String] {
            Array(Set(entries.flatMap(\.literalPrincipals))).sorted()
        }
    }

    /// Verifies the signature cryptographically, then finds whose it is:
    /// every allowed_signers line trusting its key for `namespace` at
    /// `date`. Fails with `keyNotListed` (principal `*`) when there is none.
    package static func signers(
        armored: some Collection<UInt8>,
        message: some DataProtocol,
        namespace: String,
        allowedSigners: AllowedSigners,
        at date: Date,
        cache: VerificationCache? = nil
    ) throws(SignatureFailure) -> Signers {
        let signature = try SSHSignature(armored: armored)
        try signature.verifyCryptographically(message: message, namespace: namespace, cache: cache)
        let entries = allowedSigners.entries(for: signature.publicKey, namespace: namespace, at: date)
        guard !entries.isEmpty else {
            throw .keyNotListed(
                principal: "*", key: signature.publicKey.fingerprint,
                listedFor: allowedSigners.principals(listing: signature.publicKey))
        }
        return Signers(key: signature.publicKey, entries: entries)
    }
}
