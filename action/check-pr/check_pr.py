#!/usr/bin/env python3
"""The step of the check-pr composite action.

Fetches the pull request's commits list from the forge, runs
`writ check-pr --event $GITHUB_EVENT_PATH --commits LIST --json` on the
checked-out base, sets the `status` output, writes a job summary table, and
unless dry-run: posts or updates one comment carrying the writ marker (only
a comment of the token's own account is ever edited), then closes the pull
request when auto-close is on and writ recommends closing. Exits 1 when the
pull request is blocked, so the check fails.

Everything shown comes from the pull request (logins, paths, messages that
quote them): it is escaped as writ escapes untrusted text for Markdown
views (UntrustedText.markdown), and the comment is capped so that the
forge always takes it.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

# The account GitHub's workflow token (GITHUB_TOKEN) writes as; that token
# may not ask `GET /user` who it is.
WORKFLOW_TOKEN_LOGIN = "github-actions[bot]"
# GitHub takes a comment of at most 65,536 characters; the summary stays
# well under it (and under the job summary's 1 MiB).
MAX_BODY = 60000
MAX_ROWS = 50
MAX_FIELD = 300
# GitHub lists at most 250 commits of a pull request; writ then finds the
# commits the list misses and blocks (who made them is not known).
MAX_COMMIT_PAGES = 10
MAX_COMMENT_PAGES = 100


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


def _is_bidi_control(code):
    return 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F, 0x061C)


def _escape(text, in_code):
    """writ's UntrustedText escaping, character for character: ASCII
    punctuation as numeric references, `@` broken (outside code), line
    breaks as a visible mark, every control and bidi control as `\\u{hex}`."""
    out = []
    for char in text:
        code = ord(char)
        if char in "\n\r":
            out.append("\u2424")
        elif char == "@":
            out.append("&#64;" if in_code else "&#64;&#8203;")
        elif char == " ":
            out.append(char)
        elif code < 0x20 or 0x7F <= code <= 0x9F or _is_bidi_control(code):
            out.append("&#92;u&#123;%x&#125;" % code)
        elif code < 0x80 and not ("a" <= char <= "z" or "A" <= char <= "Z" or "0" <= char <= "9"):
            out.append("&#%d;" % code)
        else:
            out.append(char)
    return "".join(out)


def markdown(text):
    """Untrusted text for a Markdown view (a table cell, a list item)."""
    return _escape(str(text), False)


def markdown_code(text):
    """Untrusted text, monospace: inside tags of our own, never the text's."""
    return "<code>" + _escape(str(text), True) + "</code>"


def clip(text, limit=MAX_FIELD):
    """At most `limit` characters of `text`, marked when cut (before escaping,
    so an escape is never cut in half)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "\u2026"


def reason_cell(reason):
    # Reason codes are writ's closed vocabulary; anything else is escaped.
    return "`%s`" % reason if re.fullmatch(r"[a-z_]+", str(reason)) else markdown_code(clip(reason))


def summary(report, max_rows=MAX_ROWS, max_chars=MAX_BODY):
    """The job summary and comment body for writ's `--json` report, capped:
    at most `max_rows` findings and `max_chars` characters, then how many
    more there are."""
    status = report.get("status")
    findings = report.get("findings") or []
    lines = [
        "### writ check-pr: %s" % markdown(clip(status, 20)),
        "",
        "Judged as %s (%s). %s" % (
            markdown_code(clip(report.get("actor", ""))), markdown(clip(report.get("role", ""), 20)),
            "Closing is recommended." if report.get("close_recommended") else ""),
        "",
    ]
    actors = report.get("actors") or []
    if len(actors) > 1:
        shown = ["%s (%s: %s)" % (
            markdown_code(clip(actor.get("login", ""))), markdown(clip(actor.get("role", ""), 20)),
            markdown(clip(", ".join(actor.get("as") or []), 100))) for actor in actors[:20]]
        more = " and %d more" % (len(actors) - 20) if len(actors) > 20 else ""
        lines += ["Every account that touched it is judged: %s%s." % (", ".join(shown), more), ""]
    base = report.get("base") or {}
    if base.get("commit"):
        lines += ["Judged by governance version %s at base %s." % (
            markdown(clip(base.get("version"), 20)), markdown_code(clip(base.get("commit"), 64))), ""]
    if findings:
        lines += ["| reason | path | actor | what is needed |", "|---|---|---|---|"]
    else:
        lines.append("Nothing to fix: every change is one these accounts may make.")
    used = sum(len(line) + 1 for line in lines)
    # Room for the "and K more" line and the marker the comment adds.
    budget = max_chars - 400
    shown_rows = 0
    for finding in findings:
        path = finding.get("path") or ""
        actor = finding.get("actor")
        row = "| %s | %s | %s | %s |" % (
            reason_cell(finding.get("reason", "")),
            markdown_code(clip(path)) if path else "",
            markdown_code(clip(actor)) if actor else "",
            markdown(clip(finding.get("message", ""))))
        if shown_rows >= max_rows or used + len(row) + 1 > budget:
            break
        lines.append(row)
        used += len(row) + 1
        shown_rows += 1
    if shown_rows < len(findings):
        lines += ["", "\u2026 and %d more findings (the job log of this check lists every one)." % (
            len(findings) - shown_rows)]
    return "\n".join(lines) + "\n"


def own_login():
    """The account the token writes as: the `comment-author` input, else
    what `GET /user` answers, else (the workflow's GITHUB_TOKEN, which may
    not ask) `github-actions[bot]`."""
    explicit = env("WRIT_COMMENT_AUTHOR").strip()
    if explicit:
        return explicit
    try:
        user = api("GET", "/user")
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            return WORKFLOW_TOKEN_LOGIN
        raise
    login = (user or {}).get("login")
    if not isinstance(login, str) or not login:
        raise RuntimeError("the forge did not say who the token is")
    return login


def same_login(one, other):
    # Forge logins compare without case, ASCII only.
    return isinstance(one, str) and isinstance(other, str) and one.isascii() and other.isascii() \
        and one.lower() == other.lower()


def own_comment(comments, login, marker):
    """The first comment carrying the marker that the token's own account
    wrote; a comment anyone else wrote is never adopted, whatever it holds."""
    for comment in comments:
        author = (comment.get("user") or {}).get("login")
        if same_login(author, login) and marker in (comment.get("body") or ""):
            return comment
    return None


def paged(path, max_pages):
    items, page = [], 1
    separator = "&" if "?" in path else "?"
    while True:
        batch = api("GET", "%s%sper_page=100&page=%d" % (path, separator, page)) or []
        items += batch
        if len(batch) < 100 or page >= max_pages:
            return items
        page += 1


def main():
    event_path = env("GITHUB_EVENT_PATH")
    with open(event_path) as f:
        event = json.load(f)
    number = env("WRIT_PR_NUMBER") or str(event.get("pull_request", {}).get("number", event.get("number", "")))
    repository = env("GITHUB_REPOSITORY")
    command = ["writ", "check-pr", "--repo", env("WRIT_REPO", "."), "--event", event_path, "--json"]
    commits_file = None
    if number and env("WRIT_COMMITS", "true") == "true":
        # Every commit's author and committer is judged; writ blocks a
        # commit the list misses.
        commits = paged("/repos/%s/pulls/%s/commits" % (repository, number), MAX_COMMIT_PAGES)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(commits, f)
            commits_file = f.name
        command += ["--commits", commits_file]
    try:
        run = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    finally:
        if commits_file:
            os.unlink(commits_file)
    if run.returncode not in (0, 1) or not run.stdout.strip():
        sys.stderr.write(run.stderr)
        print("::error::writ check-pr could not judge the pull request (exit %d)" % run.returncode)
        return 3
    report = json.loads(run.stdout.strip().splitlines()[-1])
    status = report["status"]
    # The whole report in the job log, whatever the summary leaves out.
    sys.stderr.write(json.dumps(report, indent=1) + "\n")
    with open(env("GITHUB_OUTPUT"), "a") as f:
        f.write("status=%s\n" % status)

    text = summary(report)
    if env("GITHUB_STEP_SUMMARY"):
        with open(env("GITHUB_STEP_SUMMARY"), "a") as f:
            f.write(text)

    dry_run = env("WRIT_DRY_RUN") == "true"
    if not dry_run and env("WRIT_COMMENT", "true") == "true" and number:
        marker = '<!-- writ {"schema":1,"intent":"check-pr-%s","key":"check-pr"} -->' % number
        body = text + "\n" + marker
        login = own_login()
        comments = paged("/repos/%s/issues/%s/comments" % (repository, number), MAX_COMMENT_PAGES)
        ours = own_comment(comments, login, marker)
        if ours:
            api("PATCH", "/repos/%s/issues/comments/%s" % (repository, ours["id"]), {"body": body})
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
    except (OSError, ValueError, RuntimeError) as error:
        # Never a pass, never "blocked": the check could not run.
        print("::error::%s" % markdown(clip(error)))
        sys.exit(3)
