import ArgumentParser
import Foundation
import WritOps

/// `--trust` and `--force` of the writing commands: the record is checked
/// under the trusted governance before it is written (docs/decisions.md,
/// "Before writing").
struct WriteCheckOptions: ParsableArguments {
    @Option(
        help: """
            The pinned governance commit (trust_root) the record is checked under before it is written: a commit \
            id or 7 or more of its leading hex digits (default: trust_root in the operator config).
            """)
    var trust: String?

    @Flag(help: "Write the record even when the check says it would not count (a warning names the reason).")
    var force = false

    /// The guard the writer runs, checking under `--trust` or the operator
    /// config's `trust_root`; warnings go to standard error.
    func writeGuard(_ settings: OperatorConfig?, in ops: OpsRepo) throws -> WriteGuard {
        let trustRoot = try TrustOptions.trustRoot(
            trust ?? settings?.trustRoot, named: trust != nil ? "--trust" : "trust_root", in: ops.repository)
        return WriteGuard(trustRoot: trustRoot, force: force) { line in Output.printError("writ: " + line) }
    }
}
