import Foundation
import WritCore
import WritGit

/// Who committed a governance commit and whether that commit is signed,
/// as an auditor asks of every governance merge: the committer's name and
/// email as recorded (chosen by the committer, so untrusted), and the
/// commit's SSH signature read strictly (`CommitSignature`) and checked
/// against the allowed_signers trusted around it.
package struct CommitAttestation: Sendable, Equatable, Encodable {
    /// How the commit is signed.
    package enum Signature: Sendable, Equatable {
        /// Signed by a key the trusted allowed_signers lists for namespace
        /// `git`: the principals its lines name.
        case trusted(principals: [Principal], fingerprint: String)
        /// A signature that verifies, by a key no trusted line lists.
        case unknownKey(fingerprint: String)
        /// A signature header that does not verify (or cannot be read).
        case invalid(detail: String)
        /// No signature, or one git would not take for one.
        case unsigned(CommitSignature.UnsignedReason)
    }

    package let commit: ObjectID
    package let committerName: String
    package let committerEmail: String
    package let committedAt: Timestamp
    package let signature: Signature

    /// Reads `commit`, checking its signature against each of `signers` in
    /// turn (the state trusted before the commit, then the one after): the
    /// first that lists the key decides. `cache` is the run's
    /// ``VerificationCache``, nil for none.
    package static func read(
        _ commit: ObjectID, in repository: Repository, signers: [AllowedSigners], cache: VerificationCache? = nil
    ) throws -> CommitAttestation {
        let info = try repository.commit(commit)
        let signature: Signature
        switch CommitSignature.parse(rawCommit: info.raw) {
        case .unsigned(let reason):
            signature = .unsigned(reason)
        case .signed(let armored, let payload):
            signature = judge(
                armored: armored, payload: payload, signers: signers, at: info.committer.date, cache: cache)
        }
        return CommitAttestation(
            commit: commit, committerName: info.committer.name, committerEmail: info.committer.email,
            committedAt: Timestamp(info.committer.date), signature: signature)
    }

    private static func judge(
        armored: String, payload: Data, signers: [AllowedSigners], at date: Date, cache: VerificationCache?
    ) -> Signature {
        let parsed: SSHSignature
        do {
            parsed = try SSHSignature(armored: armored)
            try parsed.verifyCryptographically(message: payload, namespace: SignatureNamespace.commit, cache: cache)
        } catch {
            return .invalid(detail: "\(error)")
        }
        for allowed in signers {
            let entries = allowed.entries(for: parsed.publicKey, namespace: SignatureNamespace.commit, at: date)
            guard !entries.isEmpty else { continue }
            let principals = Set(entries.flatMap(\.literalPrincipals)).compactMap(Principal.init).sorted()
            return .trusted(principals: principals, fingerprint: parsed.publicKey.fingerprint)
        }
        return .unknownKey(fingerprint: parsed.publicKey.fingerprint)
    }

    /// `Alice Admin <alice@example.com>`, escaped for a terminal.
    package var committer: String {
        "\(TerminalText.escape(committerName)) <\(TerminalText.escape(committerEmail))>"
    }

    /// One phrase: "signed by alice@example.com (SHA256:…)", "signed by a
    /// key not in the trusted allowed_signers (SHA256:…)", "signature does
    /// not verify", "unsigned".
    package var signatureText: String {
        switch signature {
        case .trusted(let principals, let fingerprint):
            let who = principals.isEmpty ? "a trusted key" : principals.map(\.rawValue).joined(separator: ", ")
            return "signed by \(TerminalText.escape(who)) (\(fingerprint))"
        case .unknownKey(let fingerprint):
            return "signed by a key not in the trusted allowed_signers (\(fingerprint))"
        case .invalid:
            return "signature does not verify"
        case .unsigned(let reason):
            return reason == .noSignatureHeader ? "unsigned" : "unsigned (\(reason.rawValue))"
        }
    }

    private enum Keys: String, CodingKey {
        case commit, name, email, signed, signers
        case committedAt = "committed_at"
        case keyFingerprint = "key_fingerprint"
        case unsignedReason = "unsigned_reason"
    }

    /// `{commit, name, email, committed_at, signed, signers, key_fingerprint, unsigned_reason}`,
    /// `signed` one of `trusted`, `unknown_key`, `invalid`, `unsigned`.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(commit, forKey: .commit)
        try container.encode(committerName, forKey: .name)
        try container.encode(committerEmail, forKey: .email)
        try container.encode(committedAt, forKey: .committedAt)
        var signers: [Principal] = []
        var fingerprint: String?
        var unsigned: String?
        let signed: String
        switch signature {
        case .trusted(let principals, let key):
            signed = "trusted"
            signers = principals
            fingerprint = key
        case .unknownKey(let key):
            signed = "unknown_key"
            fingerprint = key
        case .invalid:
            signed = "invalid"
        case .unsigned(let reason):
            signed = "unsigned"
            unsigned = reason.rawValue
        }
        try container.encode(signed, forKey: .signed)
        try container.encode(signers, forKey: .signers)
        try container.encode(fingerprint, forKey: .keyFingerprint)
        try container.encode(unsigned, forKey: .unsignedReason)
    }
}
