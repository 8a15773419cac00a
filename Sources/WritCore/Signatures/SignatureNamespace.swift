/// The SSHSIG namespaces writ signs and verifies under. A signature made
/// for one can never be replayed as another: the namespace is inside the
/// signed data.
public enum SignatureNamespace {
    /// Intent files, signed by their proposer.
    public static let intent = "writ-intent"
    /// Approval and denial records.
    public static let approval = "writ-approval"
    /// Governance records approving a policy or signers change.
    public static let governance = "writ-governance"
    /// Commit signatures, as `git commit -S` with `gpg.format=ssh` makes them.
    package static let commit = "git"
}
