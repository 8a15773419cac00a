import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// Run reports older than `report_retention` (default 14d) are deleted at
/// the end of a poll; younger ones, the poll's own and files writ did not
/// write are kept.
@Suite struct ReportRetentionTests {
    @Test func retentionDefaultsToFourteenDaysAndIsADuration() throws {
        let base = DispatcherConfigTests.base
        #expect(try DispatcherConfig.parse(Data(base.utf8)).reportRetentionSeconds == 14 * 86_400)
        let oneDay = try DispatcherConfig.parse(Data((base + "report_retention = \"36h\"\n").utf8))
        #expect(oneDay.reportRetentionSeconds == 36 * 3600)
        let error = try #require(throws: RuntimeError.self) {
            try DispatcherConfig.parse(Data((base + "report_retention = \"forever\"\n").utf8))
        }
        #expect(error.detail.contains("report_retention"))
    }

    @Test func oldReportsArePrunedAtTheEndOfAPoll() throws {
        let fixture = try DispatchFixture()
        defer { fixture.remove() }
        let now = Date()
        let runs = fixture.directory.appendingPathComponent("state/default/runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        func plant(_ name: String, modified: Date = Date()) throws -> String {
            let path = runs.appendingPathComponent(name).path
            try Data("{}\n".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
            return name
        }
        let day: TimeInterval = 86_400
        let seconds = { (age: TimeInterval) in Int(now.addingTimeInterval(-age).timeIntervalSince1970) }
        // Aged by the start time in the run id, whatever the file's mtime
        // (a restored backup makes every file young).
        let oldByID = try plant("run-\(seconds(15 * day))-0badc0de.json")
        let oldTemporary = try plant("run-\(seconds(20 * day))-0badc0de.json.tmp.4242")
        let youngByID = try plant("run-\(seconds(13 * day))-00c0ffee.json", modified: now.addingTimeInterval(-30 * day))
        // A name without a readable time is aged by its mtime.
        let oldByMtime = try plant("run-handmade.json", modified: now.addingTimeInterval(-15 * day))
        let youngByMtime = try plant("run-handmade-2.json")
        // Not writ's: never touched.
        let foreign = try plant("notes.txt", modified: now.addingTimeInterval(-400 * day))

        let report = try fixture.dispatcher().poll()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: runs.path))
        #expect(left == [youngByID, youngByMtime, foreign, report.runID + ".json"])
        for gone in [oldByID, oldTemporary, oldByMtime] { #expect(!left.contains(gone)) }

        // A shorter retention takes the 13-day-old report at the next poll.
        let text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try Data(("report_retention = \"7d\"\n" + text).utf8).write(to: URL(fileURLWithPath: fixture.configPath))
        let next = try fixture.dispatcher().poll()
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: runs.path))
        #expect(after == [youngByMtime, foreign, report.runID + ".json", next.runID + ".json"])
    }
}
