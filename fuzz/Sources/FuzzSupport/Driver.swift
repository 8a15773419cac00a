import CLibFuzzer
import Foundation

/// Runs libFuzzer with the process's arguments, calling `body` on each
/// input, and exits with libFuzzer's status. With file arguments it runs
/// just those inputs: how a saved crash is replayed.
public func runLibFuzzer(_ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}
