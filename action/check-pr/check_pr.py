#!/usr/bin/env python3
"""The step of the check-pr composite action.

Runs `writ check-pr --event $GITHUB_EVENT_PATH --json` on the checked-out
base, sets the `status` output, writes a job summary table, and unless
dry-run: posts or updates one comment carrying the writ marker, then closes
the pull request when auto-close is on and writ recommends closing. Exits 1
when the pull request is blocked, so the check fails.
"""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request


def env(name, default=""):
    return os.environ.get(name, default)


def api(method, path, body=None):
    url = env("GITHUB_API_URL", "https://api.github.com").rstrip("/") + path
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", "Bearer " + env("WRIT_TOKEN"))
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("User-Agent", "writ-check-pr-action")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as reply:
        text = reply.read()
        return json.loads(text) if text else None


def main():
    event_path = env("GITHUB_EVENT_PATH")
    with open(event_path) as f:
        event = json.load(f)
    number = env("WRIT_PR_NUMBER") or str(event.get("pull_request", {}).get("number", event.get("number", "")))
    run = subprocess.run(
        ["writ", "check-pr", "--repo", env("WRIT_REPO", "."), "--event", event_path, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False,
    )
    if run.returncode not in (0, 1) or not run.stdout.strip():
        sys.stderr.write(run.stderr)
        print("::error::writ check-pr could not judge the pull request (exit %d)" % run.returncode)
        return 3
    report = json.loads(run.stdout.strip().splitlines()[-1])
    status = report["status"]
    findings = report.get("findings", [])
    with open(env("GITHUB_OUTPUT"), "a") as f:
        f.write("status=%s\n" % status)

    lines = [
        "### writ check-pr: %s" % status,
        "",
        "Author `%s` (%s). %s" % (
            report.get("actor"), report.get("role"),
            "Closing is recommended." if report.get("close_recommended") else ""),
        "",
    ]
    if findings:
        lines += ["| reason | path | what is needed |", "|---|---|---|"]
        for finding in findings:
            lines.append("| `%s` | `%s` | %s |" % (
                finding["reason"], finding.get("path", ""), finding["message"].replace("|", "\\|")))
    else:
        lines.append("Nothing to fix: every change is one this author may make.")
    summary = "\n".join(lines) + "\n"
    if env("GITHUB_STEP_SUMMARY"):
        with open(env("GITHUB_STEP_SUMMARY"), "a") as f:
            f.write(summary)

    dry_run = env("WRIT_DRY_RUN") == "true"
    repository = env("GITHUB_REPOSITORY")
    if not dry_run and env("WRIT_COMMENT", "true") == "true" and number:
        marker = '<!-- writ {"schema":1,"intent":"check-pr-%s","key":"check-pr"} -->' % number
        body = summary + "\n" + marker
        comments, page = [], 1
        while True:
            batch = api("GET", "/repos/%s/issues/%s/comments?per_page=100&page=%d" % (repository, number, page))
            comments += batch or []
            if not batch or len(batch) < 100:
                break
            page += 1
        ours = [c for c in comments if marker in (c.get("body") or "")]
        if ours:
            api("PATCH", "/repos/%s/issues/comments/%s" % (repository, ours[0]["id"]), {"body": body})
        else:
            api("POST", "/repos/%s/issues/%s/comments" % (repository, number), {"body": body})
    if not dry_run and env("WRIT_AUTO_CLOSE") == "true" and report.get("close_recommended") and number:
        # Only on a deterministic denial, and only after the explanation.
        api("PATCH", "/repos/%s/pulls/%s" % (repository, number), {"state": "closed"})
    return 1 if status == "blocked" else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except urllib.error.HTTPError as error:
        print("::error::the forge answered %d" % error.code)
        sys.exit(3)
