import ArgumentParser
import Foundation
import WritKit

/// `--trust` and `--force` of the writing commands: the record is checked
/// under the trusted governance before it is written (docs/decisions.md,
/// "Before writing").
struct WriteCheckOptions: ParsableArguments {
    @Option(help: "The pinned governance commit (trust_root) the record is checked under before it is written.")
    var trust: String?

    @Flag(help: "Write the record even when the check says it would not count (a warning names the reason).")
    var force = false

    /// The guard the writer runs; warnings go to standard error.
    func writeGuard() throws -> WriteGuard {
        var trustRoot: ObjectID?
        if let trust {
            guard let id = ObjectID(hex: trust) else {
                throw WritError(.trustRootMissing, "--trust must be a full 40-hex commit id, got \(trust)")
            }
            trustRoot = id
        }
        return WriteGuard(trustRoot: trustRoot, force: force) { line in Output.printError("writ: " + line) }
    }
}
