/// Why a signature was not accepted, precisely.
///
/// Internal detail for logs and tests; users see it through
/// ``reasonCode(namespace:)`` and ``writError(namespace:)``.
public enum SignatureFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The armour lines or the base64 body are wrong.
    case malformedArmor(String)
    /// The SSHSIG blob, its key or its signature field does not parse.
    case malformedSignature(String)
    /// A key type, hash or signature algorithm writ does not verify.
    case unsupportedAlgorithm(String)
    /// The signature does not verify over the message.
    case badSignature
    /// An sk signature without the user-presence flag.
    case userPresenceMissing
    /// The signature was made for another namespace.
    case wrongNamespace(expected: String, found: String)
    /// No allowed_signers line lists this key for this principal. `key` is
    /// the key's `SHA256:` fingerprint (as `ssh-keygen -lf` prints it) and
    /// `listedFor` the principals fields of the lines that do list the key
    /// (for other principals), in file order, so a person can tell a key
    /// that is nobody's from one filed under another name.
    case keyNotListed(principal: String, key: String, listedFor: [String])
    /// The matching line's `namespaces=` excludes this namespace.
    case namespaceNotPermitted(namespace: String, line: Int)
    /// The matching line's `valid-after` is later than the clock.
    case notYetValid(line: Int)
    /// The matching line's `valid-before` is earlier than the clock.
    case expired(line: Int)

    /// True when the problem is who signed (trust), false when it is the
    /// signature itself (format or cryptography).
    var isSignerProblem: Bool {
        switch self {
        case .keyNotListed, .namespaceNotPermitted, .notYetValid, .expired: true
        default: false
        }
    }

    /// The contract's reason code: signer problems are `signer_unknown`;
    /// format and cryptographic problems are `intent_signature_invalid`
    /// under the `writ-intent` namespace and `approval_signature_invalid`
    /// otherwise.
    func reasonCode(namespace: String) -> ReasonCode {
        if isSignerProblem { return .signerUnknown }
        return namespace == SignatureNamespace.intent ? .intentSignatureInvalid : .approvalSignatureInvalid
    }

    /// The failure as the error users see.
    package func writError(namespace: String) -> WritError {
        WritError(reasonCode(namespace: namespace), description)
    }

    public var description: String {
        switch self {
        case .malformedArmor(let why): "malformed signature armour: \(why)"
        case .malformedSignature(let why): "malformed signature: \(why)"
        case .unsupportedAlgorithm(let what): "unsupported \(what)"
        case .badSignature: "signature does not verify"
        case .userPresenceMissing: "security-key signature lacks the user-presence flag"
        case .wrongNamespace(let expected, let found): "signature namespace \"\(found)\" is not \"\(expected)\""
        case .keyNotListed(let principal, let key, let listedFor):
            "key \(key) is not listed for \(quoted: principal) in allowed_signers"
                + (listedFor.isEmpty
                    ? " (no line lists that key)"
                    : " (it is listed for " + listedFor.map { "\(quoted: $0)" }.joined(separator: ", ") + ")")
        case .namespaceNotPermitted(let namespace, let line):
            "allowed_signers line \(line) does not permit namespace \"\(namespace)\""
        case .notYetValid(let line): "allowed_signers line \(line): key is not yet valid"
        case .expired(let line): "allowed_signers line \(line): key has expired"
        }
    }
}
