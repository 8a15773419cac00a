// allowed_signers lines: a file that parses gives, line by line, the same
// entries; every key prints as a line that reads back as that key; every
// literal principal matches its own line. The linter never crashes.
import Foundation
import FuzzSupport

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem

let utc = TimeZone(identifier: "UTC")!
let epoch = Date(timeIntervalSince1970: 0)

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let text = String(decoding: data, as: UTF8.self)
    _ = AllowedSignersLint.lint(text, now: epoch, timeZone: utc)
    _ = AllowedSigners.parseTime(text, timeZone: utc)
    guard let signers = try? AllowedSigners(parsing: text, timeZone: utc) else { return }
    var lineByLine: [AllowedSigners.Entry] = []
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    for (index, line) in lines.enumerated() {
        guard let one = try? AllowedSigners(parsing: String(line), timeZone: utc) else {
            fuzzFailure("line \(index + 1) fails alone but the file parses")
        }
        lineByLine += one.entries.map {
            AllowedSigners.Entry(
                line: index + 1, principals: $0.principals, key: $0.key, namespaces: $0.namespaces,
                validAfter: $0.validAfter, validBefore: $0.validBefore)
        }
    }
    fuzzCheck(lineByLine == signers.entries, "the file and its lines give different entries")
    for entry in signers.entries {
        fuzzCheck((try? SSHPublicKey(line: entry.key.openSSHLine)) == entry.key, "a key's line reads differently")
        for principal in entry.literalPrincipals {
            fuzzCheck(entry.matches(principal: principal), "literal principal \(principal) does not match")
        }
        _ = signers.lookup(principal: entry.principals, key: entry.key, namespace: "writ", at: epoch)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

@main enum Main {
    static func main() { runLibFuzzer(fuzzerTestOneInput) }
}
