#!/usr/bin/env python3
"""Writes the job summary of one `writ dispatch --once --json` run:
`summary.py REPORT EXIT_CODE PROFILE SUMMARY_FILE`. Prints the run id (or
nothing) on stdout. Every value from the report is escaped for Markdown:
a report names intents and reasons, and the summary is rendered as HTML."""
import json
import sys


def escaped(value):
    """Markdown-inert text: anything but letters, digits, space, '-', '_'
    and '.' as a character reference."""
    text = "" if value is None else str(value)
    return "".join(c if (c.isascii() and (c.isalnum() or c in " -_.")) else "&#%d;" % ord(c) for c in text)


def main():
    report_path, code, profile, summary_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    report, error = None, None
    with open(report_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict) and "run_id" in value:
                report = value
            elif isinstance(value, dict) and "error" in value:
                error = value
    meaning = {0: "nothing needs a person", 1: "attention needed", 3: "error", 4: "lock_contended"}
    lines = ["### writ dispatch: exit %d (%s)" % (code, meaning.get(code, "failed")), ""]
    if report is not None:
        intents = report.get("intents") or []
        lines.append("Profile `%s`, run `%s`." % (escaped(profile), escaped(report.get("run_id"))))
        lines.append("")
        if not intents:
            lines.append("Nothing to do: no intent was acted on.")
        else:
            lines += ["| intent | tier | result | reason | ms |", "|---|---|---|---|---|"]
            for entry in intents:
                lines.append("| %s |" % " | ".join(
                    escaped(entry.get(name)) for name in ("id", "tier", "result", "reason", "duration_ms")))
    elif error is not None:
        lines.append("writ: %s (reason: %s)" % (escaped(error.get("error")), escaped(error.get("reason"))))
    else:
        lines.append("writ printed no report; its messages are in the job log.")
    with open(summary_path, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if report is not None and report.get("run_id"):
        print(report["run_id"])


if __name__ == "__main__":
    main()
