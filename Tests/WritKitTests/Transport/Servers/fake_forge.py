#!/usr/bin/env python3
"""A fake forge on 127.0.0.1 for writ's transport tests: the subset of
GitHub's REST API and Forgejo/Gitea's API v1 that writ's built-in executors
use, over real HTTP with real JSON.

  fake_forge.py FLAVOR TOKEN LEDGER_GIT_DIR PORTFILE LOGFILE CONTROLFILE

FLAVOR is github (paths at /) or forgejo (paths under /api/v1). Every
request needs `Authorization: Bearer TOKEN` (github) or `token TOKEN`
(forgejo), else 401. Each request is appended to LOGFILE as one JSON line:
method, path, query, body, and, for every write, the projection events on
the ledger of LEDGER_GIT_DIR at that moment (the server checks the ledger
when it receives the request). CONTROLFILE, read on every request, may hold
{"rules": [{"method", "path" (regex), "status", "times", "headers",
"hang", "delay", "body", "after", "size"}]} to inject replies ("after": the
request is carried out, then its reply replaced, as a reply lost after the
write; "size": a body of that many bytes, streamed), and "login" (the account
the token belongs to; default ACCOUNT's). GET /_state (no auth) returns
everything the forge holds; POST /_seed adds comments to an issue (optionally
with a "body" and the author "login"), a pull request or comment by any
account ("pull", "comment"), sets the commits list of a pull request
("commits_of" with "commits"), or sets a repository's default branch.

The token belongs to that account (GET /user); what writ creates is authored
by it, pull requests from the repository itself.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATE = {"repos": {}}
USED = {}
ACCOUNT = {"login": "writ-bot", "id": 7}


def repo_state(path):
    repos = STATE["repos"]
    if path not in repos:
        repos[path] = {
            "pulls": [],
            "comments": [],
            "issue_labels": {},
            "labels": [{"id": 1, "name": "bug"}, {"id": 2, "name": "triage"}, {"id": 3, "name": "ready"}],
            "statuses": [],
            "default_branch": "main",
            "next_number": 1,
            "next_id": 1000,
            "pull_commits": {},
        }
    return repos[path]


class Forge(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    flavor = "github"
    token = ""
    ledger = ""
    logfile = ""
    control = ""

    def log_message(self, fmt, *args):
        pass

    @property
    def prefix(self):
        return "/api/v1" if self.flavor == "forgejo" else ""

    override = None

    def reply(self, status, payload=None, headers=None):
        if self.override is not None:
            status, payload = self.override
            self.override = None
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)

    def projections(self):
        try:
            out = subprocess.run(
                ["git", "--git-dir", self.ledger, "ls-tree", "-r", "--name-only", "writ/ledger", "audit/"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False,
            ).stdout.decode()
        except OSError:
            return []
        return [line for line in out.splitlines() if line.endswith("-projection.json")]

    def allows_state(self):
        """Whether this forge lets a PATCH close a pull request: on for the
        check-pr action's tests (the workflow's token may close), off for
        writ's transport, which must never send a state."""
        try:
            with open(self.control) as f:
                return bool(json.load(f).get("allow_state"))
        except (OSError, ValueError):
            return False

    def account(self):
        """The account the token belongs to: ACCOUNT, or the control file's "login"."""
        login = self.login()
        return dict(ACCOUNT) if login is None else {"login": login, "id": 8}

    def login(self):
        """The control file's "login", if any."""
        try:
            with open(self.control) as f:
                return json.load(f).get("login")
        except (OSError, ValueError):
            return None

    def rule(self, method, path):
        try:
            with open(self.control) as f:
                rules = json.load(f).get("rules", [])
        except (OSError, ValueError):
            return None
        for index, rule in enumerate(rules):
            if rule.get("method", method) != method or not re.search(rule.get("path", ""), path):
                continue
            # A rule injected again later, or another rule in its place, is new.
            key = "%s:%d:%s" % (self.control, index, json.dumps(rule, sort_keys=True))
            times = rule.get("times", 1)
            if USED.get(key, 0) >= times:
                continue
            USED[key] = USED.get(key, 0) + 1
            return rule
        return None

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length", "0") or "0")
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path == "/_state":
            with LOCK:
                return self.reply(200, STATE)
        if path == "/_seed" and method == "POST":
            seed = json.loads(raw)
            with LOCK:
                repo = repo_state(seed["repo"])
                if "default_branch" in seed:
                    repo["default_branch"] = seed["default_branch"]
                if "pull" in seed:
                    given = seed["pull"]
                    number = repo["next_number"]
                    repo["next_number"] += 1
                    repo["pulls"].append({
                        "number": number, "id": 5000 + number, "title": given.get("title", "seeded"),
                        "body": given.get("body", ""), "state": given.get("state", "open"),
                        "user": {"login": given.get("user", ACCOUNT["login"]), "id": given.get("user_id", 99)},
                        "head": {"ref": given["head"], "repo": {"full_name": given.get("head_repo", seed["repo"])}},
                        "base": {"ref": given.get("base", "main"), "repo": {"full_name": seed["repo"]}},
                        "html_url": "https://forge.test/%s/pull/%d" % (seed["repo"], number),
                    })
                    return self.reply(200, {"number": number})
                if "comment" in seed:
                    given = seed["comment"]
                    repo["next_id"] += 1
                    repo["comments"].append({
                        "id": repo["next_id"], "issue": int(given["issue"]), "body": given["body"],
                        "user": {"login": given.get("user", ACCOUNT["login"]), "id": given.get("user_id", 99)},
                    })
                    return self.reply(200, {"id": repo["next_id"]})
                for index in range(seed.get("comments", 0)):
                    repo["next_id"] += 1
                    repo["comments"].append(
                        {"id": repo["next_id"], "issue": int(seed["issue"]),
                         "body": seed.get("body", "noise %d" % index),
                         "user": {"login": seed.get("login", "someone"), "id": 41}}
                    )
                if "commits_of" in seed:
                    repo["pull_commits"][str(seed["commits_of"])] = seed.get("commits", [])
            return self.reply(200, {})
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"unparsable": raw.decode("latin-1")}
        entry = {"method": method, "path": path, "query": url.query, "body": body, "time": time.time()}
        if method != "GET":
            entry["projections"] = self.projections()
        entry["authorized"] = self.headers.get("Authorization") == (
            ("Bearer " if self.flavor == "github" else "token ") + self.token
        )
        entry["user_agent"] = self.headers.get("User-Agent", "")
        with LOCK:
            with open(self.logfile, "a") as f:
                f.write(json.dumps(entry) + "\n")
        rule = self.rule(method, path)
        if rule:
            if rule.get("hang"):
                time.sleep(3600)
            time.sleep(rule.get("delay", 0))
            if "size" in rule:
                return self.stream(rule.get("status", 200), int(rule["size"]), rule.get("headers"))
            if "status" in rule and rule.get("after"):
                self.override = (rule["status"], rule.get("body", {"message": "injected"}))
            elif "status" in rule:
                return self.reply(rule["status"], rule.get("body", {"message": "injected"}), rule.get("headers"))
        if not entry["authorized"]:
            return self.reply(401, {"message": "Bad credentials"})
        if path == self.prefix + "/user" and method == "GET":
            return self.reply(200, self.account())
        if not path.startswith(self.prefix + "/repos/"):
            return self.reply(404, {"message": "Not Found"})
        parts = path[len(self.prefix + "/repos/"):].split("/")
        if len(parts) == 2 and method == "GET":
            with LOCK:
                slug = parts[0] + "/" + parts[1]
                return self.reply(200, {"full_name": slug, "default_branch": repo_state(slug)["default_branch"]})
        if len(parts) < 3:
            return self.reply(404, {"message": "Not Found"})
        slug = parts[0] + "/" + parts[1]
        rest = parts[2:]
        with LOCK:
            return self.route(method, slug, rest, query, body or {})

    def stream(self, status, size, headers=None):
        """A JSON list of one object of `size` bytes, sent in chunks without
        building it."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value).replace("{port}", str(self.server.server_address[1])))
        self.end_headers()
        chunk = 1 << 16
        try:
            self.wfile.write(b'[{"b":"')
            left = size - 10
            while left > 0:
                self.wfile.write(b"x" * min(chunk, left))
                left -= chunk
            self.wfile.write(b'"}]')
        except (BrokenPipeError, ConnectionResetError):
            pass

    def page(self, items, query, base):
        size_key = "limit" if self.flavor == "forgejo" else "per_page"
        size = int(query.get(size_key, ["30"])[0])
        number = int(query.get("page", ["1"])[0])
        chunk = items[(number - 1) * size : number * size]
        headers = {}
        if number * size < len(items):
            params = {k: v[0] for k, v in query.items()}
            params["page"] = str(number + 1)
            link = "http://%s%s?%s" % (
                self.headers.get("Host"), base, "&".join("%s=%s" % (k, v) for k, v in params.items())
            )
            headers["Link"] = '<%s>; rel="next"' % link
        return self.reply(200, chunk, headers)

    def route(self, method, slug, rest, query, body):
        repo = repo_state(slug)
        base = self.prefix + "/repos/" + slug + "/" + "/".join(rest)
        web = "https://forge.test/" + slug
        if rest == ["pulls"] and method == "GET":
            pulls = repo["pulls"]
            state = query.get("state", ["open"])[0]
            if state != "all":
                pulls = [p for p in pulls if p["state"] == state]
            if self.flavor == "github" and "head" in query:
                owner, _, branch = query["head"][0].partition(":")
                pulls = [p for p in pulls if p["head"]["ref"] == branch
                         and p["head"]["repo"]["full_name"].split("/")[0].lower() == owner.lower()]
            return self.page(pulls, query, base)
        if rest == ["pulls"] and method == "POST":
            if any(p["head"]["ref"] == body.get("head") and p["head"]["repo"]["full_name"] == slug
                   and p["base"]["ref"] == body.get("base") and p["state"] == "open" for p in repo["pulls"]):
                return self.reply(422, {"message": "Validation Failed",
                                        "errors": [{"message": "A pull request already exists"}]})
            number = repo["next_number"]
            repo["next_number"] += 1
            pull = {"number": number, "id": 5000 + number, "title": body.get("title"), "body": body.get("body"),
                    "head": {"ref": body.get("head"), "repo": {"full_name": slug}},
                    "base": {"ref": body.get("base"), "repo": {"full_name": slug}}, "state": "open",
                    "user": self.account(), "html_url": "%s/pull/%d" % (web, number)}
            repo["pulls"].append(pull)
            return self.reply(201, pull)
        if len(rest) == 2 and rest[0] == "pulls" and method == "PATCH":
            if set(body) - {"title", "body"} and not self.allows_state():
                return self.reply(422, {"message": "writ must only change title and body"})
            for pull in repo["pulls"]:
                if str(pull["number"]) == rest[1]:
                    pull.update(body)
                    return self.reply(200, pull)
            return self.reply(404, {"message": "Not Found"})
        if len(rest) == 3 and rest[0] == "pulls" and rest[2] == "commits" and method == "GET":
            return self.page(repo["pull_commits"].get(rest[1], []), query, base)
        if len(rest) == 3 and rest[0] == "issues" and rest[2] == "comments":
            number = int(rest[1])
            if method == "GET":
                return self.page([c for c in repo["comments"] if c["issue"] == number], query, base)
            if method == "POST":
                if len(body.get("body") or "") > 65536:
                    # As GitHub answers a comment over its limit.
                    return self.reply(422, {"message": "Validation Failed",
                                            "errors": [{"message": "body is too long (maximum is 65536 characters)"}]})
                repo["next_id"] += 1
                comment = {"id": repo["next_id"], "issue": number, "body": body.get("body"), "user": self.account(),
                           "html_url": "%s/issues/%d#issuecomment-%d" % (web, number, repo["next_id"])}
                repo["comments"].append(comment)
                return self.reply(201, comment)
        if len(rest) == 3 and rest[:2] == ["issues", "comments"] and method == "PATCH":
            if len(body.get("body") or "") > 65536:
                return self.reply(422, {"message": "Validation Failed"})
            for comment in repo["comments"]:
                if str(comment["id"]) == rest[2]:
                    comment["body"] = body.get("body")
                    return self.reply(200, comment)
            return self.reply(404, {"message": "Not Found"})
        if len(rest) >= 3 and rest[0] == "issues" and rest[2] == "labels":
            number = rest[1]
            on_issue = repo["issue_labels"].setdefault(number, [])
            by_id = {l["id"]: l["name"] for l in repo["labels"]}
            if method == "POST" and len(rest) == 3:
                for label in body.get("labels", []):
                    name = by_id.get(label) if self.flavor == "forgejo" else label
                    if name is None:
                        return self.reply(422, {"message": "unknown label %r" % label})
                    if name not in on_issue:
                        on_issue.append(name)
                return self.reply(200, [{"name": n} for n in on_issue])
            if method == "DELETE" and len(rest) == 4:
                name = by_id.get(int(rest[3])) if self.flavor == "forgejo" else rest[3]
                if name not in on_issue:
                    return self.reply(404, {"message": "Label does not exist"})
                on_issue.remove(name)
                return self.reply(204 if self.flavor == "forgejo" else 200, None if self.flavor == "forgejo" else [])
        if rest == ["labels"] and method == "GET":
            return self.page(repo["labels"], query, base)
        if len(rest) == 2 and rest[0] == "statuses" and method == "POST":
            repo["next_id"] += 1
            status = dict(body, id=repo["next_id"], sha=rest[1], url="%s/commit/%s" % (web, rest[1]))
            repo["statuses"].append(status)
            return self.reply(201, status)
        return self.reply(404, {"message": "Not Found"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    flavor, token, ledger, portfile, logfile, control = sys.argv[1:7]
    Forge.flavor, Forge.token, Forge.ledger = flavor, token, ledger
    Forge.logfile, Forge.control = logfile, control
    server = ThreadingHTTPServer(("127.0.0.1", 0), Forge)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
