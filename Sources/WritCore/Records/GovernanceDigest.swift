import Crypto

/// The digest that names a governance state (SPEC §5): sha256 of
/// `"policy.toml\n" + hex(sha256(policy)) + "\nallowed_signers\n" + hex(sha256(signers)) + "\n"`,
/// hex in lower case. Governance records approve this digest, and it names
/// their directory `approvals/_governance/<digest-hex>/`.
package enum GovernanceDigest {
    /// The governance digest of a `policy.toml` and `allowed_signers` pair, as exact bytes.
    package static func compute(policy: some Collection<UInt8>, allowedSigners: some Collection<UInt8>) -> ContentDigest
    {
        compute(fileDigests: ContentDigest.sha256(of: policy), ContentDigest.sha256(of: allowedSigners))
    }

    /// The governance digest from the two files' own sha256 digests (what a
    /// governance request states), by the same formula.
    package static func compute(fileDigests policy: ContentDigest, _ allowedSigners: ContentDigest) -> ContentDigest {
        let text = "policy.toml\n" + policy.hex + "\nallowed_signers\n" + allowedSigners.hex + "\n"
        return ContentDigest.sha256(of: Array(text.utf8))
    }
}
