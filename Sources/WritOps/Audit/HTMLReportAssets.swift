/// The report page's one style sheet and one script, inline so that the
/// page loads nothing; the Content-Security-Policy allows them by hash.
extension HTMLReportRenderer {
    /// The page's one style sheet: system fonts, no external resource.
    static let style = """
        :root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--soft:#f6f8fa;\
        --ok:#1a7f37;--okbg:#dafbe1;--bad:#cf222e;--badbg:#ffebe9;--warn:#9a6700;--warnbg:#fff8c5;\
        --info:#0969da;--infobg:#ddf4ff;--violet:#8250df;--violetbg:#fbefff}
        *{box-sizing:border-box}
        body{margin:0;padding:24px 32px 48px;color:var(--fg);background:var(--bg);\
        font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);\
        padding-bottom:4px}h3{font-size:14px;margin:0 0 8px}h4{font-size:13px;margin:0 0 4px;color:var(--muted)}
        code,pre{font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
        code{background:var(--soft);padding:1px 4px;border-radius:4px;word-break:break-all}
        .meta,.note,.where,footer{color:var(--muted)}.note{font-size:13px}
        footer{margin-top:32px;font-size:12px}
        .banners{display:flex;flex-direction:column;gap:6px;margin:16px 0}
        .banner{padding:8px 12px;border-radius:6px;border:1px solid var(--line)}
        .banner.ok{background:var(--okbg);border-color:#aceebb}.banner.bad{background:var(--badbg);border-color:#ffcecb}
        .banner .detail{color:var(--muted)}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}
        .card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:var(--bg)}
        .big{font-size:28px;font-weight:600;margin:4px 0}
        table{border-collapse:collapse}td,th{padding:3px 8px;text-align:left;vertical-align:top}
        th{color:var(--muted);font-weight:600;font-size:12px}.num{text-align:right;font-variant-numeric:tabular-nums}
        .counts td{padding:2px 6px}
        .badge{display:inline-block;min-width:74px;text-align:center;padding:1px 8px;border-radius:999px;\
        font-size:12px;font-weight:600;border:1px solid transparent}
        .state-ready{background:var(--infobg);color:var(--info);border-color:#b6e3ff}
        .state-blocked{background:var(--warnbg);color:var(--warn);border-color:#f5e0a0}
        .state-claimed{background:var(--violetbg);color:var(--violet);border-color:#ecd8ff}
        .state-succeeded{background:var(--okbg);color:var(--ok);border-color:#aceebb}
        .state-failed{background:var(--badbg);color:var(--bad);border-color:#ffcecb}
        .state-in_doubt{background:#fff1e5;color:#bc4c00;border-color:#ffd8b5}
        .state-withdrawn{background:#f6f8fa;color:#59636e;border-color:#d1d9e0}
        .tier{display:inline-block;min-width:60px;font-size:12px;color:var(--muted);text-transform:uppercase;\
        letter-spacing:.04em}.tier-high{color:var(--bad)}.tier-medium{color:var(--warn)}
        code.reason{color:var(--bad);background:var(--badbg);margin-left:6px}
        .filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;padding:10px 12px;background:var(--soft);\
        border:1px solid var(--line);border-radius:8px;margin-bottom:10px}
        .filters label{font-size:13px;color:var(--muted)}select{font:inherit;padding:2px 4px}
        #shown-count{margin-left:auto;font-size:13px;color:var(--muted)}
        .intent{border:1px solid var(--line);border-radius:8px;margin:6px 0;background:var(--bg)}
        .intent.flagged{border-color:var(--bad);box-shadow:inset 4px 0 0 var(--bad)}
        .intent>summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
        .intent>summary .id{font-weight:600;min-width:170px}.intent>summary .kind{min-width:70px;color:var(--muted)}
        .intent>summary .what{flex:1;min-width:160px}.intent>summary .approvals{color:var(--muted)}
        .flag{color:#fff;background:var(--bad);border-radius:999px;padding:1px 8px;font-size:12px;font-weight:600}
        .intent .body{padding:4px 16px 14px;border-top:1px solid var(--line)}
        .timeline{list-style:none;margin:10px 0;padding:0 0 0 14px;border-left:2px solid var(--line)}
        .step{position:relative;margin:0 0 12px;padding-left:12px}
        .step::before{content:"";position:absolute;left:-21px;top:4px;width:10px;height:10px;border-radius:50%;\
        background:var(--bg);border:2px solid var(--muted)}
        .step ul{margin:0;padding-left:18px}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:0}dt{color:var(--muted)}dd{margin:0}
        li.ok strong{color:var(--ok)}li.bad strong{color:var(--bad)}li.discarded{color:var(--muted)}
        .params{margin-top:6px;border:1px solid var(--line)}.params td{border-top:1px solid var(--line)}
        .events{width:100%;font-size:13px}.events td{border-top:1px solid var(--line)}.events tr.ignored{background:var(--badbg)}
        .finding{color:var(--bad)}.findings{padding-left:18px}.findings li{margin:6px 0}
        .change{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:8px 0}
        .change.pending{border-color:#f5e0a0}.quorums{margin:6px 0}.quorums tr.bad td{color:var(--bad)}
        .diff{background:var(--soft);padding:8px;border-radius:6px;overflow-x:auto;margin:4px 0}
        .diff .add{color:var(--ok)}.diff .del{color:var(--bad)}.file{margin:6px 0 0;font-weight:600}
        [hidden]{display:none!important}
        """

    /// The page's one script: the filters, over data attributes. It reads
    /// only what the page holds and writes only `hidden` and one count.
    static let script = """
        (function () {
          "use strict";
          var selects = document.querySelectorAll("select[data-filter]");
          var rows = document.querySelectorAll("[data-intent]");
          var count = document.getElementById("shown-count");
          function apply() {
            var want = {};
            selects.forEach(function (s) { want[s.getAttribute("data-filter")] = s.value; });
            var shown = 0;
            rows.forEach(function (row) {
              var principals = " " + (row.getAttribute("data-principals") || "") + " ";
              var ok = (!want.state || row.getAttribute("data-state") === want.state) &&
                (!want.tier || row.getAttribute("data-tier") === want.tier) &&
                (!want.kind || row.getAttribute("data-kind") === want.kind) &&
                (!want.principal || principals.indexOf(" " + want.principal + " ") >= 0);
              row.hidden = !ok;
              if (ok) { shown += 1; }
            });
            count.textContent = shown + " of " + rows.length + " shown";
          }
          selects.forEach(function (s) { s.addEventListener("change", apply); });
          apply();
        })();
        """
}
