import WritCore

/// The linear way to merge an approval branch with stock git (SPEC §5,
/// docs/operators.md): start from the remote's governance tip, merge the
/// remote's approval branch with a merge commit, push; if the push is
/// refused, run it again from the top (never `git pull`, whose merge would
/// put the local commit first and take the old tip off the first-parent
/// chain).
package enum MergeRecipe {
    /// The one-line command that merges `approval/<id>` into
    /// `governanceRef` through `remote`; without a remote, the local merge.
    package static func command(_ id: IntentID, remote: String?, governanceRef: String) -> String {
        let branch = "approval/\(id.rawValue)"
        guard let remote else { return "git switch \(governanceRef) && git merge --no-ff \(branch)" }
        return "git fetch \(remote) && git switch -C \(governanceRef) \(remote)/\(governanceRef)"
            + " && git merge --no-ff \(remote)/\(branch) && git push \(remote) \(governanceRef)"
    }
}
