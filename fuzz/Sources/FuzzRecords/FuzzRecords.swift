// The strict record reader (TOMLRecordReader) under every TOML record: a
// record that parses writes its canonical TOML, which parses back to the
// same record and writes the same bytes again.
import FuzzSupport

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

func roundTrip<Record: Equatable>(
    _ name: String, _ bytes: [UInt8], parse: ([UInt8]) throws -> Record, write: (Record) -> [UInt8]
) {
    guard let record = try? parse(bytes) else { return }
    let canonical = write(record)
    let again: Record
    do {
        again = try parse(canonical)
    } catch {
        fuzzFailure(
            "\(name): the canonical TOML does not parse: \(error)\n\(String(decoding: canonical, as: UTF8.self))")
    }
    fuzzCheck(again == record, "\(name): the canonical TOML reads back differently")
    fuzzCheck(write(again) == canonical, "\(name): the canonical TOML is not stable")
}

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    roundTrip("intent", bytes, parse: { try Intent.parse($0) }, write: { $0.canonicalBytes() })
    roundTrip("approval", bytes, parse: { try ApprovalRecord.parse($0) }, write: { $0.canonicalBytes() })
    roundTrip("approval request", bytes, parse: { try ApprovalRequest.parse($0) }, write: { $0.canonicalBytes() })
    roundTrip("governance record", bytes, parse: { try GovernanceRecord.parse($0) }, write: { $0.canonicalBytes() })
    _ = try? GovernanceRequest.parse(bytes)
    _ = try? Policy.parse(bytes)
    _ = try? JoinRequest.parse(bytes)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

@main enum Main {
    static func main() { runLibFuzzer(fuzzerTestOneInput) }
}
