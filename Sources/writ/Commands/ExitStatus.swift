import WritCore

/// The exit codes of SPEC §8.
enum ExitStatus {
    static let done: Int32 = 0
    static let findings: Int32 = 1
    static let usage: Int32 = 2
    static let runtime: Int32 = 3
    static let lockContended: Int32 = 4

    static func code(for reason: ReasonCode) -> Int32 {
        reason == .lockContended ? lockContended : runtime
    }
}
