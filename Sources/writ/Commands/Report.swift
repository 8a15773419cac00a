import ArgumentParser
import Foundation
import WritCore
import WritOps

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML audit report: every intent's timeline, governance changes, findings.",
        discussion: """
            One file with inline style and script only (a Content-Security-Policy allows nothing else), for \
            auditors: each intent from proposal through its verified approvals, the governance merges that \
            brought them in, claim and outcome; every governance change with its quorums; the findings of writ \
            verify, highlighted; filters by state, tier, kind and principal; and a summary. Output tails are never \
            included. Exits 0 once the report is written, findings or not (the report shows them); 3, still \
            writing it, when governance is not trusted or the ledger is violated, as writ status does.
            """)

    @Option(help: ArgumentHelp("The file to write the report to (replaced atomically).", valueName: "file"))
    var html: String

    @Option(
        help: ArgumentHelp(
            "Show only the intents proposed at or after WHEN: an RFC 3339 time, or a duration before now (7d, 24h).",
            valueName: "when"))
    var since: String?

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var trustOptions: TrustOptions

    @Flag(help: "Print JSON: one line saying what was written (docs/json.md).")
    var json = false

    func run() throws {
        let now = Date()
        let window = try since.map { try Self.since($0, now: now) }
        let (ops, trustRoot) = try trustOptions.resolve(repoOptions)
        guard let trustRoot else {
            throw WritError(.trustRootMissing, "no trust root given (--trust or trust_root in the config)")
        }
        let idempotentKinds =
            try repoOptions.dispatcherConfig().map { config in
                Set(config.executors.values.filter(\.idempotent).map(\.kind))
            } ?? []
        let report = try AuditReport.build(
            ops: ops, trustRoot: trustRoot, since: window, now: now, idempotentKinds: idempotentKinds)
        try ReportFile.write(HTMLReportRenderer.render(report), to: html)
        let written = Written(report: report, path: html)
        if json {
            try Output.printJSON(written)
        } else {
            print(
                "wrote \(html): \(written.intents) intent(s), \(written.findings) finding(s), "
                    + "\(written.governanceChanges) governance change(s)")
        }
        if !report.isHealthy { throw ExitCode(ExitStatus.runtime) }
    }

    /// `--since`: an RFC 3339 instant, or a duration counted back from `now`.
    static func since(_ text: String, now: Date) throws -> Timestamp {
        if let instant = Timestamp(rfc3339: text) { return instant }
        if let seconds = DurationText.seconds(text) { return Timestamp(now).adding(seconds: -seconds) }
        throw ValidationError(
            "--since must be an RFC 3339 time (2026-01-31T00:00:00Z) or a duration such as 7d or 24h, got \(text)")
    }
}

/// The one line `writ report --json` prints.
private struct Written: Encodable {
    let report: String
    let intents: Int
    let totalIntents: Int
    let findings: Int
    let governanceChanges: Int
    let since: Timestamp?
    let generatedAt: Timestamp
    let governanceTrusted: Bool
    let ledgerOK: Bool
    let verified: Bool

    init(report built: AuditReport, path: String) {
        report = path
        intents = built.intents.count
        totalIntents = built.totalIntents
        findings = built.verification.findings.count
        governanceChanges = built.governanceChanges.count
        since = built.window.since
        generatedAt = built.window.generatedAt
        governanceTrusted = built.governance.trusted
        ledgerOK = built.ledger.ok
        verified = built.verification.report != nil
    }

    enum CodingKeys: String, CodingKey {
        case report, intents, findings, since, verified
        case totalIntents = "total_intents"
        case governanceChanges = "governance_changes"
        case generatedAt = "generated_at"
        case governanceTrusted = "governance_trusted"
        case ledgerOK = "ledger_ok"
    }

    // Explicit, so that an absent `since` is `null` (docs/json.md).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(report, forKey: .report)
        try container.encode(intents, forKey: .intents)
        try container.encode(totalIntents, forKey: .totalIntents)
        try container.encode(findings, forKey: .findings)
        try container.encode(governanceChanges, forKey: .governanceChanges)
        try container.encode(since, forKey: .since)
        try container.encode(generatedAt, forKey: .generatedAt)
        try container.encode(governanceTrusted, forKey: .governanceTrusted)
        try container.encode(ledgerOK, forKey: .ledgerOK)
        try container.encode(verified, forKey: .verified)
    }
}
