import Foundation
import WritCore

/// The intents section of the report: one entry per intent, its timeline
/// from proposal to outcome.
extension HTMLReportRenderer {
    package static func intents(_ report: AuditReport, _ html: inout Builder) {
        html.raw("<section id=\"intents\">\n<h2>Intents</h2>\n<form class=\"filters\" id=\"filters\">\n")
        filter("state", "State", IntentState.allCases.map(\.rawValue), &html)
        filter("tier", "Tier", Tier.allCases.map(\.rawValue) + ["unknown"], &html)
        filter("kind", "Kind", Set(report.intents.map { $0.kind ?? "unknown" }).sorted(), &html)
        filter(
            "principal", "Principal (proposer or approver)",
            Set(report.intents.flatMap(\.principals)).sorted().map(\.rawValue), &html)
        html.raw("<output id=\"shown-count\">\(report.intents.count) of \(report.intents.count) shown</output>\n")
        html.raw("</form>\n<div class=\"list\" id=\"intent-list\">\n")
        if report.intents.isEmpty {
            html.raw("<p class=\"note\">No intents in this window.</p>\n")
        }
        for entry in report.intents { intent(entry, &html) }
        html.raw("</div>\n</section>\n")
    }

    package static func filter(_ name: String, _ label: String, _ values: [String], _ html: inout Builder) {
        html.raw("<label>")
        html.text(label)
        html.raw(" <select data-filter=\"\(name)\" id=\"filter-\(name)\"><option value=\"\">all</option>")
        for value in values {
            html.raw("<option value=\"\(escape(value))\">")
            html.text(value)
            html.raw("</option>")
        }
        html.raw("</select></label>\n")
    }

    package static func intent(_ entry: AuditReport.IntentEntry, _ html: inout Builder) {
        let flagged = !entry.findings.isEmpty
        html.raw(
            "<details class=\"intent\(flagged ? " flagged" : "")\" id=\"\(anchor(entry.id))\" data-intent=\"\(escape(entry.id.rawValue))\""
        )
        html.raw(" data-state=\"\(entry.state.rawValue)\" data-tier=\"\(entry.tier?.rawValue ?? "unknown")\"")
        html.raw(" data-kind=\"\(escape(entry.kind ?? "unknown"))\"")
        html.raw(" data-principals=\"\(escape(entry.principals.map(\.rawValue).joined(separator: " ")))\"")
        // An intent with findings opens by itself: it is what an auditor looks at first.
        html.raw(" data-findings=\"\(entry.findings.count)\"\(flagged ? " open" : "")>\n<summary>")
        html.raw("<span class=\"id\">")
        html.text(entry.id.rawValue)
        html.raw("</span>")
        stateBadge(entry.state, &html)
        html.raw(
            "<span class=\"tier tier-\(entry.tier?.rawValue ?? "unknown")\">\(entry.tier?.rawValue ?? "unknown")</span>"
        )
        html.element("span", entry.kind ?? "unknown", class: "kind")
        html.element("span", entry.summary ?? "(unreadable intent)", class: "what")
        html.element("span", "\(entry.approvalsCounted)/\(entry.approvalsRequired)", class: "approvals")
        if let reason = entry.reason { reasonBadge(reason, &html) }
        if flagged { html.raw("<span class=\"flag\">\(entry.findings.count) finding(s)</span>") }
        if let run = entry.breakGlass {
            // A rejected or overdue review is what an auditor must not miss.
            let alarming = run.review == .rejected || run.review == .overdue
            html.raw("<span class=\"breakglass review-\(run.review.rawValue)\(alarming ? " flag" : "")\">")
            html.text("break-glass: review " + (run.review == .rejected ? "REJECTED" : run.review.rawValue))
            html.raw("</span>")
        }
        html.raw("</summary>\n<div class=\"body\">\n")

        html.raw("<p class=\"verdict\">")
        html.text("State \(entry.state.rawValue)" + (entry.reason.map { " (\($0.rawValue))" } ?? "") + ": ")
        html.text(entry.detail)
        html.raw("</p>\n")
        // SPEC §4.6: what holds a quorate intent back, marked apart from the detail.
        if let freeze = entry.freeze {
            html.raw("<p class=\"verdict frozen\" data-freeze=\"\(escape(freeze.name))\">Frozen by ")
            html.text("\(quoted: freeze.name) until \(freeze.end.rfc3339)")
            html.raw("</p>\n")
        }
        if let readyAt = entry.readyAt {
            let passed = entry.reason != .waitingPeriod
            html.raw("<p class=\"verdict wait\(passed ? "" : " waiting")\" data-ready-at=\"\(readyAt.rfc3339)\">")
            html.text((passed ? "Waiting period ended at " : "Waiting period until ") + readyAt.rfc3339)
            html.raw("</p>\n")
        }
        for finding in entry.findings {
            html.raw("<p class=\"finding\">")
            reasonBadge(finding.reason, &html)
            html.raw(" ")
            html.text(finding.detail)
            html.raw(" <span class=\"where\">commit ")
            code(finding.commit?.hex ?? "-", &html)
            html.raw("</span></p>\n")
        }

        html.raw("<ol class=\"timeline\">\n")
        proposed(entry, &html)
        approvals(entry, &html)
        breakGlass(entry, &html)
        claimAndOutcome(entry, &html)
        html.raw("</ol>\n")
        events(entry, &html)
        html.raw("</div>\n</details>\n")
    }

    /// The break-glass step: who broke glass and why (untrusted, escaped),
    /// when the review is due, and where it stands; `review_overdue` and a
    /// rejected review are marked.
    static func breakGlass(_ entry: AuditReport.IntentEntry, _ html: inout Builder) {
        guard let run = entry.breakGlass else { return }
        let alarming = run.review == .rejected || run.review == .overdue
        html.raw("<li class=\"step breakglass\(alarming ? " bad" : "")\"><h4>Break-glass</h4><dl>")
        term("by", run.approver.rawValue, &html)
        term("reason", run.reason, &html)
        term("merged", run.mergedAt?.rfc3339 ?? "unknown", &html)
        term("review due by", run.reviewBy?.rfc3339 ?? "unknown (treated as due)", &html)
        html.element("dt", "review")
        html.raw("<dd><strong>")
        html.text(run.review == .rejected ? "REJECTED" : run.review.rawValue)
        html.raw("</strong>")
        if let code = run.code {
            html.raw(" ")
            reasonBadge(code, &html)
        }
        html.text(" — \(run.ratifiedBy.count) of \(run.reviewApprovals) ratified")
        html.raw("</dd>")
        if !run.ratifiedBy.isEmpty {
            term("ratified by", run.ratifiedBy.map(\.rawValue).joined(separator: ", "), &html)
        }
        if !run.rejectedBy.isEmpty {
            term("rejected by", run.rejectedBy.map(\.rawValue).joined(separator: ", "), &html)
        }
        html.raw("</dl></li>\n")
    }

    static func proposed(_ entry: AuditReport.IntentEntry, _ html: inout Builder) {
        html.raw("<li class=\"step proposed\"><h4>Proposed</h4><dl>")
        term("by", entry.proposer?.rawValue ?? "unknown", &html)
        term("at", entry.proposedAt?.rfc3339 ?? "unknown", &html)
        term("kind", entry.kind ?? "unknown", &html)
        term("tier", entry.tier?.rawValue ?? "unknown", &html)
        if let target = entry.target {
            term("target", target.repo + (target.branch.map { " (branch \($0))" } ?? ""), &html)
        }
        term("summary", entry.summary ?? "(unreadable intent)", &html)
        term("expires", entry.expiresAt?.rfc3339 ?? "never", &html)
        html.raw("</dl>")
        if !entry.params.isEmpty {
            html.raw("<table class=\"params\"><tr><th>param</th><th>value</th></tr>")
            for (name, value) in entry.params.sorted(by: { $0.key < $1.key }) {
                html.raw("<tr><td>")
                html.text(name)
                html.raw("</td><td>")
                html.text(value)
                html.raw("</td></tr>")
            }
            html.raw("</table>")
        }
        html.raw("</li>\n")
    }

    package static func approvals(_ entry: AuditReport.IntentEntry, _ html: inout Builder) {
        html.raw("<li class=\"step approvals\"><h4>Approvals ")
        html.text(
            "\(entry.approvalsCounted) of \(entry.approvalsRequired)" + (entry.countedAtClaim ? " at the claim" : ""))
        html.raw("</h4><ul>")
        if entry.counted.isEmpty && entry.denials.isEmpty && entry.discarded.isEmpty {
            html.raw("<li class=\"note\">")
            html.text(entry.approvalsRequired == 0 ? "none needed" : "none yet")
            html.raw("</li>")
        }
        for approval in entry.counted { approvalLine("approved", "ok", approval, &html) }
        for denial in entry.denials { approvalLine("denied", "bad", denial, &html) }
        for record in entry.discarded {
            html.raw("<li class=\"discarded\">not counted ")
            reasonBadge(record.reason, &html)
            html.raw(" ")
            html.text("\(record.kind.rawValue) \(record.principal.map { "by \($0.rawValue) " } ?? "")")
            code(record.path, &html)
            html.raw(": ")
            html.text(record.detail)
            html.raw("</li>")
        }
        html.raw("</ul></li>\n")
    }

    static func approvalLine(
        _ verb: String, _ tone: String, _ approval: AuditReport.Approval, _ html: inout Builder
    ) {
        html.raw("<li class=\"\(tone)\"><strong>")
        html.text("\(verb) by \(approval.approver.rawValue)")
        html.raw("</strong> (signature verified) · merged in governance commit ")
        code(approval.commit.hex, &html)
        html.text(" at \(approval.mergedAt?.rfc3339 ?? "unknown")")
        if let merge = approval.merge {
            // Committer name and email are the committer's own words.
            html.raw(" by ")
            html.text("\(merge.committerName) <\(merge.committerEmail)> (\(merge.signatureText))")
        }
        if let digest = approval.recordDigest {
            html.raw(" · record ")
            code(digest.description, &html)
        }
        if let fingerprint = approval.keyFingerprint {
            html.raw(" · key ")
            code(fingerprint, &html)
        }
        if let note = approval.keyNote {
            html.raw(" · <span class=\"note\">")
            html.text(note)
            html.raw("</span>")
        }
        html.raw("</li>")
    }

    static func claimAndOutcome(_ entry: AuditReport.IntentEntry, _ html: inout Builder) {
        html.raw("<li class=\"step claim\"><h4>Claim</h4>")
        if let claim = entry.claim {
            html.raw("<p>")
            html.text("claimed by \(claim.dispatcher.rawValue) at \(claim.at.rfc3339), run \(claim.runID) · ")
            html.raw("ledger commit ")
            code(claim.commit.hex, &html)
            html.raw("</p>")
        } else {
            html.raw("<p class=\"note\">not claimed</p>")
        }
        html.raw("</li>\n<li class=\"step outcome\"><h4>Outcome</h4>")
        if let outcome = entry.outcome {
            html.raw("<p>")
            stateBadge(outcome.kind == .succeeded ? .succeeded : .failed, &html)
            html.text(
                " exit \(outcome.exitCode) in \(outcome.durationMs) ms at \(outcome.at.rfc3339), by \(outcome.actor.rawValue)"
            )
            if let reason = outcome.reason {
                html.raw(" ")
                reasonBadge(reason, &html)
            }
            html.raw(" · ledger commit ")
            code(outcome.commit.hex, &html)
            html.raw("</p>")
        } else if entry.state == .withdrawn {
            // Settled without a run: who took it back and why, escaped.
            html.raw("<p>")
            stateBadge(.withdrawn, &html)
            html.raw(" ")
            html.text("never run: \(entry.detail)")
            html.raw("</p>")
        } else if let recorded = entry.recorded {
            html.raw("<p class=\"note recorded\">")
            html.text(recorded)
            html.raw("</p>")
        } else {
            html.raw("<p class=\"note\">none yet</p>")
        }
        html.raw("</li>\n")
    }

    package static func events(_ entry: AuditReport.IntentEntry, _ html: inout Builder) {
        guard !entry.events.isEmpty else { return }
        html.raw("<h4>Ledger events</h4>\n<table class=\"events\"><tr><th>event</th><th>at</th><th>signed by</th>")
        html.raw("<th>commit</th><th>counts</th></tr>\n")
        for event in entry.events {
            html.raw("<tr class=\"\(event.counts ? "" : "ignored")\"><td>")
            html.text(event.summary)
            html.raw("</td><td>")
            html.text(event.at?.rfc3339 ?? "-")
            html.raw("</td><td>")
            html.text(
                event.signers.isEmpty ? "no trusted signature" : event.signers.map(\.rawValue).joined(separator: ", "))
            html.raw("</td><td>")
            code(String(event.commit.hex.prefix(12)), &html)
            html.raw("</td><td>\(event.counts ? "yes" : "<strong>no</strong>")</td></tr>\n")
        }
        html.raw("</table>\n")
    }
}
