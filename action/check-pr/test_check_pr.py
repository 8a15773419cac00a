#!/usr/bin/env python3
"""Unit tests of the check-pr action's step: `python3 -m unittest` in this
directory (a Swift test runs them, CheckPRActionTests)."""
import os
import sys
import unittest
import urllib.error

sys.dont_write_bytecode = True  # nothing left behind in the action's directory
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_pr  # noqa: E402

MARKER = '<!-- writ {"schema":1,"intent":"check-pr-3","key":"check-pr"} -->'


def report(findings, **fields):
    base = {"status": "blocked", "actor": "bob", "role": "member", "close_recommended": True,
            "base": {"commit": "ab" * 20, "version": 2}, "actors": [], "findings": findings}
    base.update(fields)
    return base


class Escaping(unittest.TestCase):
    def test_markdown_and_html_are_inert(self):
        text = check_pr.markdown("x](http://evil) | <img src=x onerror=alert(1)> `code` *em* @org/team")
        for raw in ["](", "|", "<", ">", "`", "*", "@org"]:
            self.assertNotIn(raw, text)
        self.assertIn("&#64;&#8203;org", text)
        self.assertEqual(check_pr.markdown("a b"), "a b")
        self.assertEqual(check_pr.markdown("é"), "é")

    def test_controls_and_line_breaks_are_visible(self):
        self.assertEqual(check_pr.markdown("a\nb\rc"), "a\u2424b\u2424c")
        self.assertEqual(check_pr.markdown("\x1b"), "&#92;u&#123;1b&#125;")
        self.assertEqual(check_pr.markdown("\u202e"), "&#92;u&#123;202e&#125;")
        self.assertEqual(check_pr.markdown("\x85"), "&#92;u&#123;85&#125;")

    def test_code_keeps_the_principal_readable(self):
        self.assertEqual(check_pr.markdown_code("a@b.c"), "<code>a&#64;b&#46;c</code>")

    def test_reason_codes_outside_the_vocabulary_shape_are_escaped(self):
        self.assertEqual(check_pr.reason_cell("path_admin_only"), "`path_admin_only`")
        self.assertEqual(check_pr.reason_cell("x` <b>"), "<code>x&#96; &#60;b&#62;</code>")


class Summary(unittest.TestCase):
    def test_paths_in_the_table_cannot_break_it(self):
        path = ".github/x | `y` \n| <script>\n[a](b) @admins"
        text = check_pr.summary(report([{"reason": "path_admin_only", "path": path, "actor": "bob",
                                          "message": "only an admin may change " + path}]))
        rows = [line for line in text.splitlines() if line.startswith("| `path_admin_only`")]
        self.assertEqual(len(rows), 1, text)
        self.assertEqual(rows[0].count("|"), 5, rows[0])
        self.assertNotIn("<script>", text)
        self.assertNotIn("@admins", text)

    def test_the_comment_is_capped(self):
        # Punctuation only: each character grows fivefold when escaped.
        findings = [{"reason": "path_admin_only", "path": "/" * 5000 + str(i), "actor": "bob",
                     "message": "(" * 5000} for i in range(3000)]
        text = check_pr.summary(report(findings))
        self.assertLess(len(text + "\n" + MARKER), check_pr.MAX_BODY)
        rows = [line for line in text.splitlines() if line.startswith("| `")]
        self.assertLessEqual(len(rows), check_pr.MAX_ROWS)
        self.assertIn("and %d more findings" % (3000 - len(rows)), text)

    def test_short_reports_are_whole(self):
        findings = [{"reason": "path_admin_only", "path": "p%d" % i, "actor": "bob", "message": "m"}
                    for i in range(3)]
        text = check_pr.summary(report(findings))
        self.assertEqual(len([l for l in text.splitlines() if l.startswith("| `")]), 3)
        self.assertNotIn("more findings", text)
        self.assertIn("Judged by governance version 2 at base <code>" + "ab" * 20 + "</code>", text)

    def test_every_actor_is_named(self):
        text = check_pr.summary(report([], status="pass", actors=[
            {"login": "writ-agent[bot]", "role": "member", "as": ["sender"]},
            {"login": "alice", "role": "admin", "as": ["pr_author"]}]))
        self.assertIn("<code>writ&#45;agent&#91;bot&#93;</code> (member: sender)", text)
        self.assertIn("<code>alice</code> (admin: pr&#95;author)", text)


class OwnComment(unittest.TestCase):
    def test_only_the_tokens_own_account_is_adopted(self):
        comments = [
            {"id": 1, "user": {"login": "mallory"}, "body": "pass! " + MARKER},
            {"id": 2, "user": None, "body": MARKER},
            {"id": 3, "user": {"login": "GitHub-Actions[bot]"}, "body": "old " + MARKER},
            {"id": 4, "user": {"login": "github-actions[bot]"}, "body": "old " + MARKER},
        ]
        self.assertEqual(check_pr.own_comment(comments, "github-actions[bot]", MARKER)["id"], 3)
        self.assertIsNone(check_pr.own_comment(comments[:2], "github-actions[bot]", MARKER))
        # Its own comment without the marker is someone else's business.
        self.assertIsNone(check_pr.own_comment(
            [{"id": 5, "user": {"login": "github-actions[bot]"}, "body": "hi"}], "github-actions[bot]", MARKER))
        # A look-alike login (the Kelvin sign) is not the account.
        self.assertIsNone(check_pr.own_comment(
            [{"id": 6, "user": {"login": "\u212aate"}, "body": MARKER}], "kate", MARKER))


class OwnLogin(unittest.TestCase):
    def setUp(self):
        self.saved_api, self.saved_env = check_pr.api, dict(os.environ)
        os.environ.pop("WRIT_COMMENT_AUTHOR", None)

    def tearDown(self):
        check_pr.api = self.saved_api
        os.environ.clear()
        os.environ.update(self.saved_env)

    def answer(self, status=None, login=None):
        def api(method, path, body=None):
            self.assertEqual((method, path), ("GET", "/user"))
            if status:
                raise urllib.error.HTTPError("u", status, "no", {}, None)
            return {"login": login}
        check_pr.api = api

    def test_the_forge_says_who_the_token_is(self):
        self.answer(login="writ-ops-bot")
        self.assertEqual(check_pr.own_login(), "writ-ops-bot")

    def test_the_workflow_token_may_not_ask_and_is_github_actions(self):
        self.answer(status=403)
        self.assertEqual(check_pr.own_login(), "github-actions[bot]")

    def test_an_explicit_login_wins_and_other_failures_stop(self):
        os.environ["WRIT_COMMENT_AUTHOR"] = "my-app[bot]"
        self.answer(status=500)
        self.assertEqual(check_pr.own_login(), "my-app[bot]")
        del os.environ["WRIT_COMMENT_AUTHOR"]
        with self.assertRaises(urllib.error.HTTPError):
            check_pr.own_login()
        self.answer(login="")
        with self.assertRaises(RuntimeError):
            check_pr.own_login()


if __name__ == "__main__":
    unittest.main()
