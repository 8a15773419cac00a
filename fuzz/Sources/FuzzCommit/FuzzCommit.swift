// Signature extraction from raw commit objects: a signed commit's payload
// holds no gpgsig header, and putting the signature back as one header
// before the message gives a commit that reads as the same signature over
// the same payload.
import Foundation
import FuzzSupport

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let raw = Data(data)
    guard case .signed(let armored, let payload) = CommitSignature.parse(rawCommit: raw) else { return }
    fuzzCheck(payload.count < raw.count, "the payload is not shorter than the commit")
    let bytes = [UInt8](payload)
    // The payload's headers end at its first empty line.
    var bodyStart: Int?
    var position = 0
    while position < bytes.count {
        if bytes[position] == UInt8(ascii: "\n") {
            bodyStart = position
            break
        }
        let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.count
        fuzzCheck(!bytes[position..<end].starts(with: "gpgsig".utf8), "the payload holds a gpgsig header")
        position = end
    }
    guard let bodyStart else { fuzzFailure("a signed payload has no message") }
    // Split on the byte: as Characters, "\r\n" is one and never equals "\n".
    var lines = armored.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    fuzzCheck(armored.isEmpty || lines.last == "", "the signature does not end in a newline")
    lines.removeLast()
    // An empty value was written as a bare `gpgsig` line.
    let header = Array((armored.isEmpty ? "gpgsig\n" : "gpgsig " + lines.joined(separator: "\n ") + "\n").utf8)
    var rebuilt = Array(bytes[..<bodyStart])
    rebuilt += header
    rebuilt += bytes[bodyStart...]
    fuzzCheck(
        CommitSignature.parse(rawCommit: Data(rebuilt)) == .signed(armored: armored, payload: payload),
        "the rebuilt commit reads differently")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

@main enum Main {
    static func main() { runLibFuzzer(fuzzerTestOneInput) }
}
