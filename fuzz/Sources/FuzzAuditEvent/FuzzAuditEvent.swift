// The audit-event readers: the one-pass scanner never accepts what the full
// reader (StrictJSON, then the decoder) refuses, and reads the same event;
// an event that parses writes canonical JSON that parses back equal and
// writes the same bytes again.
import FuzzSupport

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let bytes = Array(data)
    _ = try? StrictJSON.check(bytes)
    if let text = try? RecordBytes.text(bytes, reason: .ledgerViolation, record: "audit event") {
        var copy = text
        let scanned = copy.withUTF8 { AuditEventScanner.event($0) }
        let full = try? AuditEvent.decodeThoroughly(text)
        if let scanned {
            fuzzCheck(full != nil, "the scanner accepts an event the full reader refuses")
            fuzzCheck(full == scanned, "the scanner and the full reader read different events")
        }
    }
    guard let event = try? AuditEvent.parse(bytes) else { return }
    let json = event.canonicalJSON()
    let again: AuditEvent
    do {
        again = try AuditEvent.parse(json)
    } catch {
        fuzzFailure("canonical JSON does not parse: \(error)\n\(String(decoding: json, as: UTF8.self))")
    }
    fuzzCheck(again == event, "canonical JSON reads back differently")
    fuzzCheck(again.canonicalJSON() == json, "canonical JSON is not stable")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

@main enum Main {
    static func main() { runLibFuzzer(fuzzerTestOneInput) }
}
