#!/usr/bin/env python3
"""Runs a composite action's steps as a GitHub or Forgejo runner would, for
the tests: `run_action.py ACTION_DIR INPUTS_JSON WORKDIR`.

Each step's `run` gets `${{ inputs.NAME }}` (the given value or the input's
default), `${{ github.action_path }}`, `${{ github.token }}` and
`${{ steps.ID.outputs.NAME }}` substituted, runs under `bash -e -o pipefail`
with the step's `env` added to this process's environment (GITHUB_OUTPUT
and the rest come from the caller), in WORKDIR or the step's
`working-directory`.

`if:` takes `&&` of `always()`, `success()`, `failure()`, `cancelled()` and
comparisons (`==`, `!=`) of `steps.ID.outputs.NAME` or `inputs.NAME` with a
quoted string; without a status function a step runs only while every step
before it succeeded, as on a runner. A step whose condition is false is
skipped. After a step fails only steps asking for `always()` or
`failure()` run.

What a step prints is the job log, passed on as a runner would log it (its
stdout to this process's stdout, its stderr to stderr): a `::add-mask::VALUE` line
registers VALUE as a secret and is not logged; every later line has each
registered value replaced by `***`. The last line of stderr counts them:
`masks: registered=N replaced=M` (M > 0 means the action printed a
secret and only the mask hid it). What the emulator itself reports (cache
misses, skipped steps, a failed step) goes to stderr.

A step with `uses:` cannot run offline. `actions/cache`,
`actions/cache/restore` and `actions/cache/save` are taken as a cache miss
(what a runner with a cold cache does, a save storing nothing) unless
WRIT_EMULATOR_CACHE_DIR names a directory: then it is the cache. A save
copies each `path` into a new entry under `key` (an existing key is kept,
as the service keeps the first); a restore copies back the entry whose key
is `key`, else, for each `restore-keys` prefix in order, the newest entry
whose key starts with it, and sets `cache-hit` (exact key only),
`cache-primary-key` and `cache-matched-key`. `actions/cache` restores at its
step and saves at the end of the action when the key did not hit. Any
other `uses:` that would run fails the action. Exits with the first failing
step's status; prints the action's outputs as JSON, the last line of stdout.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import yaml


class Log:
    """The job log: workflow commands consumed, registered secrets masked."""

    def __init__(self):
        self.masks = []
        self.replaced = 0
        self.lock = threading.Lock()

    def line(self, text, stream=None):
        with self.lock:
            self._line(text, stream or sys.stderr)

    def _line(self, text, stream):
        if text.startswith("::add-mask::"):
            value = text[len("::add-mask::"):].rstrip("\r\n")
            value = value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
            if value and value not in self.masks:
                self.masks.append(value)
            return
        for value in sorted(self.masks, key=len, reverse=True):
            count = text.count(value)
            if count:
                self.replaced += count
                text = text.replace(value, "***")
        stream.write(text)
        stream.flush()

    def note(self, text):
        self.line(text + "\n")


def entries(cache_dir):
    """The saved entries, oldest first: (number, key, directory)."""
    found = []
    for name in os.listdir(cache_dir):
        meta = os.path.join(cache_dir, name, "entry.json")
        if os.path.isfile(meta):
            with open(meta) as f:
                found.append((int(name), json.load(f)["key"], os.path.join(cache_dir, name)))
    return sorted(found)


def paths_of(given):
    return [line.strip() for line in given.get("path", "").splitlines() if line.strip()]


def cache_restore(given, log):
    key = given.get("key", "")
    outputs = {"cache-hit": "false", "cache-primary-key": key, "cache-matched-key": ""}
    cache_dir = os.environ.get("WRIT_EMULATOR_CACHE_DIR")
    if not cache_dir:
        log.note("cache miss: %s" % json.dumps(given, sort_keys=True))
        return outputs
    saved = entries(cache_dir)
    match = next((entry for entry in reversed(saved) if entry[1] == key), None)
    if match is None:
        prefixes = [line.strip() for line in given.get("restore-keys", "").splitlines() if line.strip()]
        for prefix in prefixes:
            match = next((entry for entry in reversed(saved) if entry[1].startswith(prefix)), None)
            if match:
                break
    if match is None:
        log.note("cache miss: %s" % json.dumps(given, sort_keys=True))
        return outputs
    for index, path in enumerate(paths_of(given)):
        source = os.path.join(match[2], str(index))
        if os.path.isdir(source):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            shutil.copytree(source, path, symlinks=True, dirs_exist_ok=True)
    outputs["cache-matched-key"] = match[1]
    outputs["cache-hit"] = "true" if match[1] == key else "false"
    log.note("cache restored from key %s" % match[1])
    return outputs


def cache_save(given, log):
    key = given.get("key", "")
    cache_dir = os.environ.get("WRIT_EMULATOR_CACHE_DIR")
    if not cache_dir:
        log.note("cache not saved (no cache): %s" % key)
        return
    saved = entries(cache_dir)
    if any(entry[1] == key for entry in saved):
        log.note("cache not saved: key %s exists" % key)
        return
    paths = paths_of(given)
    if not any(os.path.exists(path) for path in paths):
        log.note("cache not saved: no path exists for %s" % key)
        return
    entry = os.path.join(cache_dir, str((saved[-1][0] + 1) if saved else 1))
    os.makedirs(entry)
    for index, path in enumerate(paths):
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(entry, str(index)), symlinks=True)
    with open(os.path.join(entry, "entry.json"), "w") as f:
        json.dump({"key": key, "paths": paths}, f)
    log.note("cache saved under key %s" % key)


def main():
    action_dir, given, workdir = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    with open(os.path.join(action_dir, "action.yml")) as f:
        action = yaml.safe_load(f)
    declared = action.get("inputs", {}) or {}
    unknown = set(given) - set(declared)
    if unknown:
        sys.exit("unknown inputs: %s" % sorted(unknown))
    inputs = {name: str(given.get(name, (spec or {}).get("default", ""))) for name, spec in declared.items()}
    step_outputs = {}
    log = Log()

    def expand(text):
        def value(match):
            expression = match.group(1).strip()
            if expression.startswith("inputs."):
                name = expression[len("inputs."):]
                if name not in inputs:
                    sys.exit("the action uses an undeclared input %s" % name)
                return inputs[name]
            if expression == "github.action_path":
                return action_dir
            if expression == "github.token":
                return os.environ.get("GITHUB_TOKEN", "")
            found = re.match(r"steps\.([\w-]+)\.outputs\.([\w-]+)$", expression)
            if found:
                return step_outputs.get(found.group(1), {}).get(found.group(2), "")
            sys.exit("unsupported expression %s" % expression)
        return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))

    inputs = {name: expand(value) for name, value in inputs.items()}

    def condition(text, failed):
        if text is None:
            return not failed
        body = str(text).strip()
        found = re.match(r"^\$\{\{(.*)\}\}$", body)
        if found:
            body = found.group(1)
        status_function = False
        result = True
        for term in body.split("&&"):
            term = term.strip()
            if term in ("always()", "success()", "failure()", "cancelled()", "!cancelled()"):
                status_function = True
                result = result and {
                    "always()": True, "success()": not failed, "failure()": failed,
                    "cancelled()": False, "!cancelled()": True}[term]
                continue
            found = re.match(r"^(steps\.([\w-]+)\.outputs\.([\w-]+)|inputs\.([\w-]+))\s*(==|!=)\s*'([^']*)'$", term)
            if not found:
                sys.exit("unsupported if: %s" % text)
            if found.group(4):
                if found.group(4) not in inputs:
                    sys.exit("the action uses an undeclared input %s" % found.group(4))
                value = inputs[found.group(4)]
            else:
                value = step_outputs.get(found.group(2), {}).get(found.group(3), "")
            result = result and ((value == found.group(6)) == (found.group(5) == "=="))
        return result if status_function else (result and not failed)

    status = 0
    post_saves = []
    for step in action["runs"]["steps"]:
        if not condition(step.get("if"), status != 0):
            log.note("skipped (if: %s): %s" % (step.get("if", "success()"), step.get("name", "")))
            continue
        if "uses" in step:
            uses = step["uses"].split("@")[0]
            given_with = {name: expand(value) for name, value in (step.get("with") or {}).items()}
            if uses in ("actions/cache", "actions/cache/restore"):
                outputs = cache_restore(given_with, log)
                if "id" in step:
                    step_outputs[step["id"]] = outputs
                if uses == "actions/cache" and outputs["cache-hit"] != "true":
                    post_saves.append(given_with)
                continue
            if uses == "actions/cache/save":
                cache_save(given_with, log)
                continue
            log.note("cannot run offline: uses: %s" % step["uses"])
            status = status or 1
            continue
        output = tempfile.NamedTemporaryFile(delete=False)
        output.close()
        environment = dict(os.environ)
        environment.pop("WRIT_EMULATOR_CACHE_DIR", None)
        environment.update({name: expand(value) for name, value in (step.get("env") or {}).items()})
        environment["GITHUB_OUTPUT"] = output.name
        cwd = expand(step.get("working-directory", workdir))
        shell = step.get("shell", "bash")
        arguments = [shell, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c"] if shell == "bash" else [shell, "-e", "-c"]
        process = subprocess.Popen(
            arguments + [expand(step["run"])], cwd=cwd, env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)

        def pump(pipe, stream):
            for raw in pipe:
                log.line(raw.decode("utf-8", "replace"), stream)

        readers = [threading.Thread(target=pump, args=(process.stdout, sys.stdout)),
                   threading.Thread(target=pump, args=(process.stderr, sys.stderr))]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        returncode = process.wait()
        values = {}
        with open(output.name) as f:
            for line in f:
                if "=" in line:
                    key, _, value = line.rstrip("\n").partition("=")
                    values[key] = value
        os.unlink(output.name)
        if "id" in step:
            step_outputs[step["id"]] = values
        if returncode != 0:
            log.note("step failed (exit %d): %s" % (returncode, step.get("name", "")))
            status = status or returncode
    if status == 0:
        for given_with in post_saves:
            cache_save(given_with, log)
    outputs = {name: expand(spec.get("value", "")) for name, spec in (action.get("outputs") or {}).items()}
    print(json.dumps(outputs))
    sys.stderr.write("masks: registered=%d replaced=%d\n" % (len(log.masks), log.replaced))
    sys.exit(status)


if __name__ == "__main__":
    main()
