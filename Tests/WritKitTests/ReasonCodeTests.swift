import Testing
@testable import WritKit

@Suite struct ReasonCodeTests {
    @Test func vocabularyIsClosedAndSnakeCase() {
        for code in ReasonCode.allCases {
            #expect(code.rawValue.allSatisfy { $0.isLowercase || $0 == "_" })
            #expect(!code.summary.isEmpty)
        }
        #expect(Set(ReasonCode.allCases.map(\.rawValue)).count == ReasonCode.allCases.count)
    }
}
