import Foundation

/// Stops the run with `message` when `condition` is false. A broken
/// invariant is a finding like a crash: libFuzzer saves the input that
/// caused it.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fuzzFailure(message()) }
}

/// Prints `message` to standard error and aborts.
public func fuzzFailure(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("invariant broken: " + message + "\n").utf8))
    abort()
}
