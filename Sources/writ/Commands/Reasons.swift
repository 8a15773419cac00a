import ArgumentParser
import WritCore

struct Reasons: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the closed vocabulary of reason codes.")

    @Flag(help: "Print JSON Lines: one {\"code\", \"summary\"} object per reason code (docs/json.md).")
    var json = false

    func run() throws {
        if json {
            let entries = ReasonCode.allCases.map { ["code": $0.rawValue, "summary": $0.summary] }
            try Output.printJSONLines(entries)
        } else {
            let width = ReasonCode.allCases.map(\.rawValue.count).max() ?? 0
            for code in ReasonCode.allCases {
                print(code.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + code.summary)
            }
        }
    }
}
