#!/usr/bin/env python3
"""Runs a composite action's `run:` steps as a GitHub or Forgejo runner
would, for the tests: `run_action.py ACTION_DIR INPUTS_JSON WORKDIR`.

Each step's `run` gets `${{ inputs.NAME }}` (the given value or the input's
default), `${{ github.action_path }}`, `${{ github.token }}` and
`${{ steps.ID.outputs.NAME }}` substituted, runs under bash with the step's
`env` added to this process's environment (GITHUB_OUTPUT and the rest come
from the caller), in WORKDIR or the step's `working-directory`. A step
whose `if:` (`steps.ID.outputs.NAME == 'v'` or `!=`) is false is skipped,
as a runner skips it. A step with `uses:` cannot run offline: `actions/cache`
is taken as a cache miss (what a runner with a cold cache does) and is
reported; any other one that would run fails the action. Exits with the
first failing step's status; prints the action's outputs as JSON on stdout.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml


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
    def condition(text):
        if text is None:
            return True
        found = re.match(r"^\s*(?:\$\{\{)?\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'\s*(?:\}\})?\s*$", str(text))
        if not found:
            sys.exit("unsupported if: %s" % text)
        value = step_outputs.get(found.group(1), {}).get(found.group(2), "")
        return (value == found.group(4)) == (found.group(3) == "==")

    status = 0
    for step in action["runs"]["steps"]:
        if not condition(step.get("if")):
            sys.stderr.write("skipped (if: %s): %s\n" % (step["if"], step.get("name", "")))
            continue
        if "uses" in step:
            if step["uses"].split("@")[0] == "actions/cache":
                given_with = {name: expand(value) for name, value in (step.get("with") or {}).items()}
                sys.stderr.write("cache miss: %s\n" % json.dumps(given_with, sort_keys=True))
                continue
            sys.stderr.write("cannot run offline: uses: %s\n" % step["uses"])
            status = 1
            break
        output = tempfile.NamedTemporaryFile(delete=False)
        output.close()
        environment = dict(os.environ)
        environment.update({name: expand(value) for name, value in (step.get("env") or {}).items()})
        environment["GITHUB_OUTPUT"] = output.name
        cwd = expand(step.get("working-directory", workdir))
        result = subprocess.run([step.get("shell", "bash"), "-e", "-c", expand(step["run"])], cwd=cwd, env=environment)
        values = {}
        with open(output.name) as f:
            for line in f:
                if "=" in line:
                    key, _, value = line.rstrip("\n").partition("=")
                    values[key] = value
        os.unlink(output.name)
        if "id" in step:
            step_outputs[step["id"]] = values
        if result.returncode != 0:
            status = result.returncode
            break
    outputs = {name: expand(spec.get("value", "")) for name, spec in (action.get("outputs") or {}).items()}
    print(json.dumps(outputs))
    sys.exit(status)


if __name__ == "__main__":
    main()
