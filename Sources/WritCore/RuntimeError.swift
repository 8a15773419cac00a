/// A failure of the host rather than a decision about an intent: a setting
/// that is wrong, a file or directory that cannot be read or written, a
/// repository that cannot be opened, a key that cannot sign, a branch that
/// kept moving.
///
/// Reason codes (`ReasonCode`, SPEC §10) say why an intent may not run; they
/// are never used for these, so a broken state dir can never pass for
/// `lock_contended` (which a service manager may treat as "someone else is
/// working") or a missing key for `signer_unknown`. Every runtime error
/// names what to fix, and every command exits 3 on one (SPEC §8).
public struct RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for humans.
    public let detail: String
    /// The setting, file or directory to look at: `lock_ttl in dispatcher.toml`,
    /// `state_dir /var/lib/writ`.
    public let fix: String

    public init(_ detail: String, fix: String) {
        self.detail = detail
        self.fix = fix
    }

    public var description: String { "\(detail) (check \(fix))" }
}

extension RuntimeError {
    /// A state-dir failure: without its state a dispatcher cannot keep its
    /// at-most-once promise, so this stops the poll.
    package static func stateDir(_ detail: String, path: String) -> RuntimeError {
        RuntimeError("state dir: \(detail)", fix: "state_dir (\(path))")
    }

    /// A dispatcher.toml setting that cannot work; `file` is the config as
    /// named (`located` adds its line: `FILE:LINE`).
    package static func setting(
        _ key: String, _ detail: String, file: String = "dispatcher.toml", located: String? = nil
    ) -> RuntimeError {
        RuntimeError("\(located ?? file): \(key) \(detail)", fix: "\(key) in \(file)")
    }

    /// A branch that kept moving under compare-and-swap: other writers are
    /// busy (or stuck); nothing was written.
    package static func contention(_ detail: String, branch: String) -> RuntimeError {
        RuntimeError(detail, fix: "the writers of branch '\(branch)' (a stuck process, or a remote refusing updates)")
    }
}
