import Crypto

/// The digest that names a governance state (SPEC §5): sha256 of
/// `"policy.toml\n" + hex(sha256(policy)) + "\nallowed_signers\n" + hex(sha256(signers)) + "\n"`,
/// hex in lower case. Governance records approve this digest, and it names
/// their directory `approvals/_governance/<digest-hex>/`.
public enum GovernanceDigest {
    /// The governance digest of a `policy.toml` and `allowed_signers` pair, as exact bytes.
    public static func compute(policy: some Collection<UInt8>, allowedSigners: some Collection<UInt8>) -> ContentDigest
    {
        let text =
            "policy.toml\n" + ContentDigest.sha256(of: policy).hex + "\nallowed_signers\n"
            + ContentDigest.sha256(of: allowedSigners).hex + "\n"
        return ContentDigest.sha256(of: Array(text.utf8))
    }
}
