// The TOML parser: any document it accepts, written out again by an
// independent writer (tables as headers, everything else inline), parses
// back to the same value, and writing that value again gives the same text.
import FuzzSupport

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let text = String(decoding: data, as: UTF8.self)
    guard let table = try? TOMLParser.parse(text) else { return }
    let written = TOMLDocument.write(table)
    let again: TOMLTable
    do {
        again = try TOMLParser.parse(written)
    } catch {
        fuzzFailure("the written document does not parse: \(error)\n--- written:\n\(written)")
    }
    fuzzCheck(TOMLDocument.same(table, again), "the round trip changed the value\n--- written:\n\(written)")
    fuzzCheck(TOMLDocument.write(again) == written, "writing is not stable\n--- written:\n\(written)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

@main enum Main {
    static func main() { runLibFuzzer(fuzzerTestOneInput) }
}
