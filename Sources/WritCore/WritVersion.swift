/// The version `writ --version` prints: one constant, so that the binary,
/// the man page and release notes cannot disagree.
public enum WritVersion {
    /// Semantic version of this build.
    public static let current = "0.8.0"
}
