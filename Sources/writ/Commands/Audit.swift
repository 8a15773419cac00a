import ArgumentParser
import Foundation
import WritCore
import WritOps

/// The trust root and host hints both audit commands need.
private struct AuditTarget {
    let ops: OpsRepo
    let trustRoot: ObjectID
    /// Kinds whose executor is idempotent, known only from --config.
    let idempotentKinds: Set<String>

    init(_ repoOptions: RepoOptions, _ trustOptions: TrustOptions) throws {
        let (ops, trustRoot) = try trustOptions.resolve(repoOptions)
        guard let trustRoot else {
            throw WritError(.trustRootMissing, "no trust root given (--trust or trust_root in the config)")
        }
        self.ops = ops
        self.trustRoot = trustRoot
        self.idempotentKinds =
            try repoOptions.dispatcherConfig().map { config in
                Set(config.executors.values.filter(\.idempotent).map(\.kind))
            } ?? []
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every ledger event, newest first, with its commit, verified signers and whether it counts.",
        discussion: """
            Each commit's signature is checked against the allowed_signers trusted when it was committed; \
            an event counts only when that signer may write it (SPEC §3). With --all, the timeline also holds \
            proposals (intent files as the ledger received them), approval and denial records with the governance \
            merge that brought each in (its committer and signature), and governance adoptions. \
            Exit 3 when governance is not trusted.
            """)

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var trustOptions: TrustOptions

    @Flag(help: "Print JSON Lines: one object per event, newest first (docs/json.md).")
    var json = false

    @Flag(help: "Add proposals, approval records (with the merge that brought each in) and governance adoptions.")
    var all = false

    func run() throws {
        let target = try AuditTarget(repoOptions, trustOptions)
        let audit = try LedgerAudit(ops: target.ops, trustRoot: target.trustRoot, now: Date())
        if all {
            let entries = try AuditTimeline.entries(audit: audit, ops: target.ops)
            var output = BufferedOutput()
            for entry in entries {
                if json {
                    try entry.encode { output.write(try Output.jsonLine($0, type: entry.type)) }
                } else {
                    output.write(Data("\(entry.commit.hex.prefix(12))  \(entry.time)  \(entry.text)\n".utf8))
                    if case .event(let event) = entry, let why = event.whyNot {
                        output.write(Data("    \(TerminalText.escape(why))\n".utf8))
                    }
                }
            }
            output.flush()
            return
        }
        if json {
            try Output.printJSONLines(audit.newestFirst)
            return
        }
        for event in audit.newestFirst {
            let signers =
                event.signers.isEmpty ? event.signature.rawValue : event.signers.map(\.rawValue).joined(separator: ",")
            let counts = event.counts ? "counts" : "IGNORED"
            print(
                "\(event.commit.hex.prefix(12))  \(event.commitTime)  \(TerminalText.escape(signers))  \(counts)  "
                    + TerminalText.escape(event.summary))
            if let why = event.whyNot { print("    \(TerminalText.escape(why))") }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the whole ledger and governance history and prove it was honest.",
        discussion: """
            Proves: the ledger was append-only; every event was signed by a principal entitled to it under the \
            governance trusted at the time; every claim was ready when made; no intent ran twice. \
            Exit 0 when clean, 1 with findings, 3 on a contract error (trust missing, governance not trusted).
            """)

    @OptionGroup var repoOptions: RepoOptions
    @OptionGroup var trustOptions: TrustOptions

    @Flag(help: "Print JSON Lines: one object per finding and note, then a summary (docs/json.md).")
    var json = false

    func run() throws {
        let target = try AuditTarget(repoOptions, trustOptions)
        let report = try LedgerVerifier(ops: target.ops, idempotentKinds: target.idempotentKinds)
            .verify(trustRoot: target.trustRoot, now: Date())
        if json {
            try Output.printJSONLines(report.findings, type: "finding")
            try Output.printJSONLines(report.notes, type: "note")
            try Output.printJSON(VerifySummary(report), type: "summary")
        } else if report.isClean {
            print(report.summaryLine)
            for line in report.noteLines { print(TerminalText.escape(line)) }
        } else {
            for finding in report.findings {
                // Details quote record text (a break-glass reason): escaped.
                print(
                    "\(finding.reason.rawValue)  \(finding.commit?.hex ?? "-")  "
                        + TerminalText.escape("\(finding.path ?? "-")  \(finding.detail)"))
            }
            for line in report.noteLines { print(TerminalText.escape(line)) }
            print(
                "\(report.findings.count) finding(s) in \(report.commits) commits, \(report.events) events, \(report.claims) claims"
            )
        }
        if !report.isClean { throw ExitCode(ExitStatus.findings) }
    }
}

/// The last line of `writ verify --json`: the report without its findings,
/// which precede it one per line, and their count.
private struct VerifySummary: Encodable {
    let ok: Bool
    let ledgerHead: ObjectID
    let governanceHead: ObjectID
    let commits: Int
    let governanceCommits: Int
    let events: Int
    let claims: Int
    let findings: Int
    let notes: Int
    /// Where each intent stands after the replay, by id.
    let intentStates: [VerifyReport.IntentLine]

    init(_ report: VerifyReport) {
        ok = report.isClean
        ledgerHead = report.ledgerHead
        governanceHead = report.governanceHead
        commits = report.commits
        governanceCommits = report.governanceCommits
        events = report.events
        claims = report.claims
        findings = report.findings.count
        notes = report.notes.count
        intentStates = report.intents
    }

    enum CodingKeys: String, CodingKey {
        case ok, commits, events, claims, findings, notes
        case ledgerHead = "ledger_head"
        case governanceHead = "governance_head"
        case governanceCommits = "governance_commits"
        case intentStates = "intent_states"
    }
}
