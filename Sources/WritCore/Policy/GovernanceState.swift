import Foundation

/// The trusted governance state: a governance commit's `policy.toml` and
/// `allowed_signers`, parsed, with the exact bytes they were parsed from.
///
/// Every decision reads policy and signers from here, never from the change
/// being judged (docs/decisions.md).
package struct GovernanceState: Sendable, Equatable {
    /// The governance commit these files were read from.
    package let commit: ObjectID
    package let policy: Policy
    package let signers: AllowedSigners
    package let policyBytes: Data
    package let signersBytes: Data
    /// The governance digest of the pair (SPEC §5), what governance records approve.
    package let digest: ContentDigest
    /// The policy's `[governance] version` (SPEC §5): the next adoptable change carries this + 1.
    package var governanceVersion: Int { policy.governanceVersion }

    /// The largest `allowed_signers` accepted (a file with thousands of keys
    /// fits many times over).
    package static let maximumSignersSize = 16 * 1024 * 1024

    /// Parses both files; either one malformed (or `allowed_signers` not
    /// UTF-8) ⇒ `WritError(.policyMalformed, ...)`.
    package init(commit: ObjectID, policyBytes: Data, signersBytes: Data) throws {
        let policy = try Policy.parse(policyBytes)
        guard signersBytes.count <= Self.maximumSignersSize else {
            throw WritError(
                .policyMalformed, "allowed_signers is larger than the \(Self.maximumSignersSize)-byte limit")
        }
        guard let text = String(validating: signersBytes, as: UTF8.self) else {
            throw WritError(.policyMalformed, "allowed_signers is not valid UTF-8")
        }
        let signers: AllowedSigners
        do {
            signers = try AllowedSigners(parsing: text)
        } catch {
            throw error.writError
        }
        self.commit = commit
        self.policy = policy
        self.signers = signers
        self.policyBytes = policyBytes
        self.signersBytes = signersBytes
        self.digest = GovernanceDigest.compute(policy: policyBytes, allowedSigners: signersBytes)
    }

    /// Whether `other` holds exactly the same files (the commit may differ).
    package func sameFiles(as other: GovernanceState) -> Bool {
        policyBytes == other.policyBytes && signersBytes == other.signersBytes
    }
}
