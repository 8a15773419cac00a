import Foundation
import Testing

@testable import WritCore
@testable import WritGit
@testable import WritOps
@testable import WritSystem
@testable import WritTestSupport

/// `writ report --html`: the demo's history (with a dispatcher run, a
/// governance change, a hostile intent and a forged outcome) rendered to one
/// self-contained page, loaded by headless Chromium as an auditor's browser
/// would, with every expected count computed from `writ status`, `writ show`
/// and `git` instead of from the report.
@Suite struct HTMLReportTests {
    static let hostileID = "dev-hostile-1"
    static let hostileSummary = #"Ship <script>window.__pwned=true;document.title="pwned"</script> & "quotes" 'too'"#
    static let hostileParams = [
        "note": #"</pre><img src=x onerror="window.__pwned=true">"#,
        "link": "https://evil.example/x.js?a=1&b=2",
    ]
    /// The intent whose outcome a stranger's key forges: the one verify finding.
    static let forgedID = "release-app-2-1-0"

    /// The demo tour, one dispatcher poll, then an adopted governance change,
    /// an intent whose text is hostile markup, and a forged `succeeded` event.
    struct History {
        let directory: URL
        let sandbox: OpsSandbox
        let config: String
        var ops: String { sandbox.ops.repository.gitDirectory }

        init(in directory: URL) throws {
            self.directory = directory
            let tour = try DemoTour(directory: directory.appendingPathComponent("demo")).run { _ in }
            sandbox = tour.sandbox
            let dispatch = DemoDispatch(sandbox: sandbox)
            config = try dispatch.writeConfig()
            let ran = try dispatch.poll(configPath: config)
            try #require(ran.intents.filter { $0.result == .succeeded }.count == 3)

            var request = Proposer.Request(
                kind: "dev", target: Intent.Target(repo: "github.com/example/app", branch: "main"))
            let hostile: IntentID = try #require(IntentID(HTMLReportTests.hostileID))
            request.id = hostile
            request.summary = HTMLReportTests.hostileSummary
            request.params = HTMLReportTests.hostileParams
            try sandbox.propose(request, as: AuditTestSupport.agent)

            try Self.addKind(sandbox)

            let forged = try #require(IntentID(HTMLReportTests.forgedID))
            let (digest, path) = try AuditTestSupport.next(sandbox, forged, .succeeded)
            try sandbox.appendToLedger(
                [path: Data(try AuditTestSupport.succeeded(forged, digest: digest, at: Date()).canonicalJSON())],
                as: AuditTestSupport.stranger, message: "forged\n")
        }

        /// A governance change adding the kind `docs`, with records by both
        /// admins: the quorum of the trusted policy and of the new one.
        static func addKind(_ sandbox: OpsSandbox) throws {
            let repository = sandbox.ops.repository
            let policy = try #require(try repository.blob(at: "policy.toml", in: "refs/heads/main"))
            let signers = try #require(try repository.blob(at: "allowed_signers", in: "refs/heads/main"))
            let replaces = GovernanceDigest.compute(policy: policy, allowedSigners: signers)
            let text = String(decoding: policy, as: UTF8.self)
            try #require(text.contains("triage = \"low\"\n"))
            let changed = Data(
                withGovernanceVersion(
                    try Policy.parse(policy).governanceVersion + 1,
                    text.replacingOccurrences(of: "triage = \"low\"\n", with: "triage = \"low\"\ndocs = \"low\"\n")
                ).utf8)
            let digest = GovernanceDigest.compute(policy: changed, allowedSigners: signers)
            var files: [String: Data] = ["policy.toml": changed, "allowed_signers": signers]
            for approver in ["alice@example.com", "carol@example.com"] {
                let record = try GovernanceRecord(
                    governanceDigest: digest, replaces: replaces, decision: .approve,
                    approver: try #require(Principal(approver)), createdAt: Timestamp(Date()))
                let bytes = Data(record.canonicalBytes())
                files[record.path.path] = bytes
                files[record.signaturePath.path] = Data(
                    try sandbox.identity(approver).sign(bytes, namespace: GovernanceRecord.signatureNamespace).utf8)
            }
            let alice = try sandbox.identity("alice@example.com")
            try BranchAppender(repository: repository).append(
                files, to: "governance/add-docs", message: "governance: add the docs kind\n", signer: alice, at: Date(),
                createBranchFrom: try sandbox.ops.governanceHead(), overwrite: true)
            _ = try GovernanceMerger(ops: sandbox.ops).merge(branch: "governance/add-docs", as: alice, now: Date())
        }

        /// `writ status --json`'s intent lines.
        func statusIntents() throws -> [[String: Any]] {
            let status = try CLI.run("status", "--config", config, "--json")
            try #require(status.status == 0, "\(status.stderr)")
            return try status.jsonLines().filter { $0["type"] as? String == "intent" }
        }

        /// Per intent, who the principal filter should match: the proposer
        /// (`writ show`) and every principal with an approval or denial
        /// record for it on the governance branch (`git ls-tree`).
        func principals(of ids: [String]) throws -> [String: Set<String>] {
            var result: [String: Set<String>] = [:]
            for id in ids {
                let shown = try CLI.run("show", id, "--config", config, "--json").jsonObject()
                result[id] = Set([shown["proposer"] as? String].compactMap { $0 })
            }
            let listed = try GitTestSupport.run(
                "/usr/bin/git", ["--git-dir", ops, "ls-tree", "-r", "--name-only", "main", "approvals/"])
            for path in listed.stdout.split(separator: "\n") {
                let parts = path.split(separator: "/").map(String.init)
                guard parts.count == 4, parts[1] != "_governance", parts[3].hasSuffix(".toml"),
                    parts[3] != "request.toml"
                else { continue }
                result[parts[2], default: []].insert(String(parts[3].dropLast(".toml".count)))
            }
            return result
        }
    }

    /// Runs `writ report --html` and returns the page and the JSON line.
    static func report(_ history: History, to page: URL, _ extra: String...) throws -> (String, [String: Any]) {
        let written = try CLI.runArgs(
            ["report", "--html", page.path, "--config", history.config, "--json"] + extra)
        try #require(written.status == 0, "\(written.stdout)\(written.stderr)")
        return (try String(contentsOf: page, encoding: .utf8), try written.jsonObject())
    }

    /// Collects every error, unhandled rejection and CSP violation of the
    /// page into `window.__errors`; placed right after the page's CSP.
    static let capture = """
        window.__errors = [];
        window.addEventListener("error", function (e) { window.__errors.push("error: " + e.message); });
        window.addEventListener("unhandledrejection", function (e) { window.__errors.push("rejection: " + e.reason); });
        document.addEventListener("securitypolicyviolation", function (e) {
          window.__errors.push("csp: " + e.violatedDirective + " " + e.sample);
        });
        """

    /// Drives the page: every option of every filter in turn (dispatching
    /// `change`, as a user picking it does), counting the intents the
    /// browser actually lays out, then one combined filter; writes the
    /// results as base64 JSON into `<pre id="test-results">`.
    static let driver = """
        (function () {
          function visible() {
            return [].filter.call(document.querySelectorAll("[data-intent]"), function (r) {
              return r.getClientRects().length > 0;
            });
          }
          function pick(name, value) {
            var s = document.getElementById("filter-" + name);
            s.value = value;
            s.dispatchEvent(new Event("change"));
          }
          var out = { errors: window.__errors.slice(), title: document.title, pwned: window.__pwned === true };
          out.scripts = document.querySelectorAll("script").length;
          out.images = document.querySelectorAll("img").length;
          out.rows = [].map.call(document.querySelectorAll("[data-intent]"), function (r) {
            return { id: r.getAttribute("data-intent"), state: r.getAttribute("data-state"),
              badge: r.querySelector("summary .badge").textContent, findings: r.getAttribute("data-findings"),
              flagged: r.classList.contains("flagged") };
          });
          out.initiallyVisible = visible().length;
          out.filters = {};
          document.querySelectorAll("select[data-filter]").forEach(function (s) {
            var name = s.getAttribute("data-filter");
            out.filters[name] = {};
            [].forEach.call(s.options, function (o) {
              if (!o.value) { return; }
              pick(name, o.value);
              out.filters[name][o.value] = visible().length;
            });
            pick(name, "");
          });
          pick("state", "blocked");
          pick("tier", "high");
          out.blockedHigh = visible().map(function (r) { return r.getAttribute("data-intent"); });
          out.shownText = document.getElementById("shown-count").textContent;
          pick("state", "");
          pick("tier", "");
          out.afterReset = visible().length;
          out.byState = {};
          document.querySelectorAll("#count-by-state tr").forEach(function (tr) {
            out.byState[tr.getAttribute("data-state")] = Number(tr.lastChild.textContent);
          });
          out.pending = {};
          document.querySelectorAll("#pending-by-approver tr").forEach(function (tr) {
            out.pending[tr.getAttribute("data-principal")] = Number(tr.lastChild.textContent);
          });
          out.findings = [].map.call(document.querySelectorAll("#findings li"), function (li) {
            return li.getAttribute("data-reason");
          });
          out.changes = [].map.call(document.querySelectorAll("#governance article.change"), function (a) {
            return { adopted: a.classList.contains("adopted"),
              quorums: [].map.call(a.querySelectorAll(".quorums tr.ok, .quorums tr.bad"), function (tr) {
                return tr.className; }) };
          });
          var hostile = document.getElementById("intent-\(hostileID)");
          out.hostile = { summary: hostile.querySelector("summary .what").textContent,
            params: [].map.call(hostile.querySelectorAll(".params td"), function (td) { return td.textContent; }) };
          var pre = document.createElement("pre");
          pre.id = "test-results";
          pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify(out))));
          document.body.appendChild(pre);
        })();
        """

    /// A copy of `page` with extra inline scripts: `capture` right after the
    /// CSP meta, `body` scripts before `</body>`; those in `allowed` are
    /// added to the CSP by their hashes, the others stay forbidden.
    static func instrumented(_ page: String, body: [String], allowed: [String]) throws -> String {
        var copy = page
        let anchor = "<meta name=\"referrer\" content=\"no-referrer\">\n"
        try #require(copy.contains(anchor))
        copy = copy.replacingOccurrences(of: anchor, with: anchor + "<script>\(capture)</script>\n")
        let hashes = try ([capture] + allowed).map { "'\(try HeadlessChromium.hashSource($0))'" }
        try #require(copy.contains("script-src '"))
        copy = copy.replacingOccurrences(of: "script-src '", with: "script-src \(hashes.joined(separator: " ")) '")
        copy = copy.replacingOccurrences(
            of: "</body>", with: body.map { "<script>\($0)</script>\n" }.joined() + "</body>")
        return copy
    }

    /// The results the driver wrote into the dumped DOM.
    static func results(_ dom: String) throws -> [String: Any] {
        let start = try #require(
            dom.range(of: "<pre id=\"test-results\">"), "no results in the DOM: \(dom.suffix(2000))")
        let end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        let encoded = String(dom[start.upperBound..<end.lowerBound])
        let data = try #require(Data(base64Encoded: encoded))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(.timeLimit(.minutes(5)))
    func theDemoReportLoadsCleanlyShowsEveryIntentAndItsFiltersWork() throws {
        try HeadlessChromium.require()
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let history = try History(in: directory)
        let page = directory.appendingPathComponent("out/report.html")
        let (html, line) = try Self.report(history, to: page)

        // What writ status says, independently of the report.
        let status = try history.statusIntents()
        let ids = status.compactMap { $0["id"] as? String }
        #expect(ids.count == 10 && ids.contains(Self.hostileID) && ids.contains("rotate-secret-9"))
        func count(_ key: String, _ value: String) -> Int {
            status.filter { (($0[key] as? String) ?? "unknown") == value }.count
        }
        let principals = try history.principals(of: ids)

        // The JSON line.
        #expect(line["report"] as? String == page.path)
        #expect(line["intents"] as? Int == ids.count)
        #expect(line["total_intents"] as? Int == ids.count)
        #expect(line["findings"] as? Int == 1)
        #expect(line["governance_changes"] as? Int == 1)
        #expect(line["since"] is NSNull)
        #expect(line["governance_trusted"] as? Bool == true && line["ledger_ok"] as? Bool == true)

        // One file that loads nothing: no external reference, its one style
        // sheet and one script allowed by their hashes (computed by openssl).
        #expect(html.components(separatedBy: "<script>").count == 2)
        #expect(html.components(separatedBy: "<style>").count == 2)
        #expect(!html.contains("<script src") && !html.contains("<link") && !html.contains("@import"))
        #expect(!html.contains("url("))
        #expect(html.range(of: #"(src|href|action)\s*=\s*["']?\s*(https?:)?//"#, options: .regularExpression) == nil)
        let style = try #require(html.slice(from: "<style>", to: "</style>"))
        let script = try #require(html.slice(from: "<script>", to: "</script>"))
        let policy = try #require(html.slice(from: "http-equiv=\"Content-Security-Policy\" content=\"", to: "\""))
        #expect(policy.hasPrefix("default-src 'none'; "))
        #expect(policy.contains("script-src '\(try HeadlessChromium.hashSource(script))';"))
        #expect(policy.contains("style-src '\(try HeadlessChromium.hashSource(style))';"))
        #expect(!policy.contains("unsafe"))

        // Record text is escaped; output tails are not in the page (the demo's
        // release executor printed "releasing 2.0.0 of ...").
        #expect(!html.contains("<script>window.__pwned"))
        #expect(!html.contains("<img"))
        #expect(html.contains(HTMLReportRenderer.escape(Self.hostileSummary)))
        #expect(
            html.contains(
                "Ship &lt;script&gt;window.__pwned=true;document.title=&quot;pwned&quot;&lt;/script&gt; &amp; "))
        #expect(!html.contains("releasing 2.0.0"))

        // A screenshot: the page renders, with no console message at all.
        let png = directory.appendingPathComponent("report.png")
        let shot = try HeadlessChromium.run(
            ["--screenshot=\(png.path)", "--window-size=1280,2000"], page: page, scratch: directory)
        #expect(!shot.timedOut && shot.status == 0, "\(shot.stderr.suffix(2000))")
        #expect(shot.consoleLines.isEmpty, "\(shot.consoleLines)")
        let image = try Data(contentsOf: png)
        let info = try PNGInfo(image)
        #expect(info.width == 1280 && info.height == 2000)
        #expect(image.count > 30_000, "a blank page would compress to a few KB: \(image.count) bytes")
        if let keep = ProcessInfo.processInfo.environment["WRIT_REPORT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: png.path, toPath: keep)
        }

        // The page driven in the browser.
        let driven = directory.appendingPathComponent("out/driven.html")
        try Data(try Self.instrumented(html, body: [Self.driver], allowed: [Self.driver]).utf8).write(to: driven)
        let run = try HeadlessChromium.run(["--dump-dom"], page: driven, scratch: directory)
        #expect(!run.timedOut && run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(run.consoleLines.isEmpty, "\(run.consoleLines)")
        let out = try Self.results(run.stdout)
        #expect((out["errors"] as? [String]) == [], "\(out["errors"] ?? "")")
        #expect(out["title"] as? String == "writ audit report")
        #expect(out["pwned"] as? Bool == false)
        #expect(out["scripts"] as? Int == 3, "capture, the page's, the driver's: no script from a record")
        #expect(out["images"] as? Int == 0)

        // Every intent, with its state as writ status has it.
        let rows = try #require(out["rows"] as? [[String: Any]])
        #expect(rows.compactMap { $0["id"] as? String } == ids)
        for (row, expected) in zip(rows, status) {
            #expect(row["state"] as? String == expected["state"] as? String, "\(row)")
            #expect(row["badge"] as? String == expected["state"] as? String, "\(row)")
        }
        #expect(out["initiallyVisible"] as? Int == ids.count)
        #expect(out["afterReset"] as? Int == ids.count)

        // Each filter option shows exactly the intents status and show say it should.
        let filters = try #require(out["filters"] as? [String: [String: Int]])
        #expect(Set(filters.keys) == ["state", "tier", "kind", "principal"])
        for state in ["ready", "blocked", "claimed", "succeeded", "failed", "in_doubt"] {
            #expect(filters["state"]?[state] == count("state", state), "state \(state)")
        }
        #expect(filters["state"]?["succeeded"] == 3 && filters["state"]?["blocked"] == 7)
        for tier in ["low", "medium", "high", "unknown"] {
            #expect(filters["tier"]?[tier] == count("tier", tier), "tier \(tier)")
        }
        let kinds = Set(status.map { ($0["kind"] as? String) ?? "unknown" })
        #expect(Set(filters["kind"]?.keys.map { $0 } ?? []) == kinds)
        for kind in kinds { #expect(filters["kind"]?[kind] == count("kind", kind), "kind \(kind)") }
        let everyone = principals.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(Set(filters["principal"]?.keys.map { $0 } ?? []) == everyone)
        #expect(
            everyone.isSuperset(of: [
                "agent-1@example.com", "alice@example.com", "bob@example.com", "carol@example.com",
            ]))
        for principal in everyone {
            let expected = ids.filter { principals[$0]?.contains(principal) == true }.count
            #expect(filters["principal"]?[principal] == expected, "principal \(principal)")
        }
        let blockedHigh = status.filter { $0["state"] as? String == "blocked" && $0["tier"] as? String == "high" }
        #expect(out["blockedHigh"] as? [String] == blockedHigh.compactMap { $0["id"] as? String })
        #expect(out["shownText"] as? String == "\(blockedHigh.count) of \(ids.count) shown")

        // The summary: counts by state, and pending by approver as
        // `writ status --waiting-for` lists it.
        let byState = try #require(out["byState"] as? [String: Int])
        for (state, shown) in byState { #expect(shown == count("state", state), "summary \(state)") }
        let pending = try #require(out["pending"] as? [String: Int])
        #expect(Set(pending.keys) == ["alice@example.com", "bob@example.com", "carol@example.com"])
        for (principal, shown) in pending {
            let waiting = try CLI.run("status", "--config", history.config, "--waiting-for", principal, "--json")
            #expect(waiting.status == 0, "\(waiting.stderr)")
            let lines = try waiting.jsonLines().filter { $0["type"] as? String == "intent" }
            #expect(shown == lines.count, "pending for \(principal)")
        }
        #expect(pending["bob@example.com"] == 1, "bob may approve the hostile dev intent")
        #expect(!html.contains("id=\"median-time\">n/a<"), "two intents were approved and ran")

        // The finding, highlighted, on the intent it concerns.
        #expect(out["findings"] as? [String] == ["ledger_violation"])
        for row in rows {
            let forged = row["id"] as? String == Self.forgedID
            #expect(row["findings"] as? String == (forged ? "1" : "0"), "\(row)")
            #expect(row["flagged"] as? Bool == forged, "\(row)")
        }
        // The governance change, adopted with both quorums met.
        let changes = try #require(out["changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["adopted"] as? Bool == true)
        #expect(changes.first?["quorums"] as? [String] == ["ok", "ok"])

        // The hostile text reads back as the literal text it is.
        let hostile = try #require(out["hostile"] as? [String: Any])
        #expect(hostile["summary"] as? String == Self.hostileSummary)
        let params = Self.hostileParams.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
        #expect(hostile["params"] as? [String] == params)
    }

    @Test(.timeLimit(.minutes(3)))
    func theContentSecurityPolicyStopsAnyOtherScript() throws {
        try HeadlessChromium.require()
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory.appendingPathComponent("ops"))
        try AuditTestSupport.propose(sandbox, "dev", "dev-one")
        let report = try AuditReport.build(ops: sandbox.ops, trustRoot: sandbox.trustRoot, since: nil, now: Date())
        let html = HTMLReportRenderer.render(report)
        // A script that escaped escaping, as a record could smuggle one in,
        // and a reporter that is allowed: only the reporter may run.
        let smuggled = "window.__smuggled = true; document.title = \"smuggled\";"
        // On load: the browser reports a violation as an event queued after the parse.
        let reporter = """
            window.addEventListener("load", function () {
              var pre = document.createElement("pre"); pre.id = "test-results";
              pre.textContent = btoa(JSON.stringify({ smuggled: window.__smuggled === true, title: document.title,
                errors: window.__errors.slice() }));
              document.body.appendChild(pre);
            });
            """
        let page = directory.appendingPathComponent("csp.html")
        try Data(try Self.instrumented(html, body: [smuggled, reporter], allowed: [reporter]).utf8).write(to: page)
        let run = try HeadlessChromium.run(["--dump-dom"], page: page, scratch: directory)
        #expect(!run.timedOut && run.status == 0, "\(run.stderr.suffix(2000))")
        let out = try Self.results(run.stdout)
        #expect(out["smuggled"] as? Bool == false)
        #expect(out["title"] as? String == "writ audit report")
        // The browser logs the blocked script at once; its violation event
        // may arrive after load, so the captured list holds it or nothing.
        let errors = try #require(out["errors"] as? [String])
        #expect(errors.count <= 1 && errors.allSatisfy { $0.hasPrefix("csp: script-src") }, "\(errors)")
        #expect(run.consoleLines.count == 1, "the browser reports the one blocked script: \(run.consoleLines)")
        #expect(run.consoleLines.first?.contains("Content Security Policy") == true, "\(run.consoleLines)")
    }

    @Test func sinceLimitsTheIntentsShownAndBadInputIsAUsageError() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let sandbox = try AuditTestSupport.sandbox(directory.appendingPathComponent("ops"))
        let now = Date()
        try AuditTestSupport.propose(sandbox, "dev", "dev-old", at: now.addingTimeInterval(-10 * 86_400))
        try AuditTestSupport.propose(sandbox, "dev", "dev-new", at: now.addingTimeInterval(-3600))
        let ops = sandbox.ops.repository.gitDirectory
        let page = directory.appendingPathComponent("report.html")
        func report(_ extra: String...) throws -> GitTestSupport.Output {
            try CLI.runArgs(["report", "--html", page.path, "--repo", ops, "--trust", sandbox.trustRoot.hex] + extra)
        }

        let all = try report("--json")
        #expect(all.status == 0, "\(all.stderr)")
        #expect(try all.jsonObject()["intents"] as? Int == 2)
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("data-intent=\"dev-old\"") && html.contains("data-intent=\"dev-new\""))
        #expect(html.contains("All intents on the ledger: 2."))

        let week = try report("--since", "7d", "--json")
        #expect(week.status == 0, "\(week.stderr)")
        let line = try week.jsonObject()
        #expect(line["intents"] as? Int == 1 && line["total_intents"] as? Int == 2)
        let since = try #require((line["since"] as? String).flatMap { Timestamp(rfc3339: $0) })
        #expect(abs(since.date.timeIntervalSince(now.addingTimeInterval(-7 * 86_400))) < 120)
        let windowed = try String(contentsOf: page, encoding: .utf8)
        #expect(!windowed.contains("data-intent=\"dev-old\"") && windowed.contains("data-intent=\"dev-new\""))
        #expect(windowed.contains("Intents proposed at or after \(since.rfc3339)"))
        #expect(windowed.contains(": 1 of 2."))

        let future = try report("--since", "2099-01-01T00:00:00Z", "--json")
        #expect(future.status == 0)
        #expect(try future.jsonObject()["intents"] as? Int == 0)
        let empty = try String(contentsOf: page, encoding: .utf8)
        #expect(empty.contains("No intents in this window."))
        #expect(empty.contains("id=\"median-time\">n/a<"))

        for bad in ["yesterday", "7", "-1d", "2026-13-01T00:00:00Z", ""] {
            let refused = try report("--since", bad)
            #expect(refused.status == 2, "--since \(bad): \(refused.stderr)")
            #expect(refused.stderr.contains("--since"), "\(refused.stderr)")
        }
        // A refused run leaves the last report as it was.
        #expect(try String(contentsOf: page, encoding: .utf8) == empty)

        let untrusted = try CLI.run("report", "--html", page.path, "--repo", ops, "--json")
        #expect(untrusted.status == 3)
        #expect(try untrusted.jsonObject()["reason"] as? String == "trust_root_missing")
    }

    @Test func theFileIsReplacedWholeAndAFailureNamesHTML() throws {
        let directory = try GitTestSupport.scratch()
        defer { GitTestSupport.remove(directory) }
        let page = directory.appendingPathComponent("report.html")
        try Data("old".utf8).write(to: page)
        try ReportFile.write("<!DOCTYPE html>new", to: page.path)
        #expect(try String(contentsOf: page, encoding: .utf8) == "<!DOCTYPE html>new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.html"])

        // A directory where the file should be: nothing is half-written.
        let blocked = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        let failure = #expect(throws: RuntimeError.self) {
            try ReportFile.write("x", to: blocked.path)
        }
        #expect(failure?.fix == "--html", "\(String(describing: failure))")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["report.html", "taken"])
    }
}

extension String {
    /// The text between the first `start` and the next `end`.
    fileprivate func slice(from start: String, to end: String) -> String? {
        guard let lower = range(of: start), let upper = range(of: end, range: lower.upperBound..<endIndex) else {
            return nil
        }
        return String(self[lower.upperBound..<upper.lowerBound])
    }
}
