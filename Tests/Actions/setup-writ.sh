#!/usr/bin/env bash
# Runs action/setup-writ's steps as a runner would (with the runner
# environment a job has: RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH,
# GITHUB_STEP_SUMMARY) and checks what it leaves: one writ on the PATH that
# runs, the outputs, the cache key, and the refusals. It builds in the
# repository's .build (the directory the action caches), so it runs after
# `swift test` has released that directory's lock; scripts/test runs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runner_py="$root/Tests/WritKitTests/Transport/Servers/run_action.py"
python=/usr/bin/python3
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# One job: a fresh runner directory each time, PATH as the job starts.
run_job() { # NAME PATH INPUTS_JSON
    local job="$work/$1"
    mkdir -p "$job/temp" "$job/workspace"
    : > "$job/path"; : > "$job/summary"; : > "$job/output"
    set +e
    env -i HOME="${HOME:-/root}" PATH="$2" RUNNER_TEMP="$job/temp" GITHUB_PATH="$job/path" \
        GITHUB_OUTPUT="$job/output" GITHUB_STEP_SUMMARY="$job/summary" GITHUB_WORKSPACE="$job/workspace" \
        "$python" "$runner_py" "$root/action/setup-writ" "$3" "$job/workspace" > "$job/stdout" 2> "$job/stderr"
    echo $? > "$job/status"
    set -e
}
output() { "$python" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$work/$1/stdout" "$2"; }

swift_dir="$(dirname "$(command -v swift)")"
job_path="$swift_dir:/usr/local/bin:/usr/bin:/bin"

# 1. A runner with Swift and libgit2: the Swift and libgit2 steps are
#    skipped, the cache is consulted (a miss here), writ is built and only
#    it is put on the PATH.
run_job first "$job_path" '{"configuration": "debug"}'
[ "$(cat "$work/first/status")" = 0 ] || fail "setup-writ failed: $(cat "$work/first/stderr")"
installed="$(output first path)"
version="$(output first version)"
[ "$installed" = "$work/first/temp/writ-bin/writ" ] || fail "path output is '$installed'"
[ -x "$installed" ] || fail "no executable writ at '$installed'"
[ "$(cat "$work/first/path")" = "$work/first/temp/writ-bin" ] || fail "GITHUB_PATH holds '$(cat "$work/first/path")'"
[ "$(ls "$work/first/temp/writ-bin")" = writ ] || fail "the PATH directory holds more than writ"
built="$(cd "$root" && swift build -c debug --show-bin-path)/writ"
[ "$version" = "$("$built" --version)" ] || fail "version output '$version' is not the built writ's"
[ "$(PATH="$(cat "$work/first/path"):/usr/bin:/bin" writ --version)" = "$version" ] || fail "writ on the job's PATH does not run"
grep -q "skipped (if: steps.probe.outputs.swift == 'missing'): Install Swift" "$work/first/stderr" || fail "the Swift install was not skipped"
grep -q "skipped (if: steps.probe.outputs.libgit2 == 'missing'): Install libgit2" "$work/first/stderr" || fail "the libgit2 install was not skipped"
key="$(sed -n 's/^cache miss: //p' "$work/first/stderr" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["key"])')"
case "$key" in writ-Linux-*-debug-????????????????????????????????) ;; *) fail "cache key '$key'" ;; esac
cache_path="$(sed -n 's/^cache miss: //p' "$work/first/stderr" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["path"])')"
[ "$cache_path" = "$root/.build" ] || fail "the cache path is '$cache_path'"

# 2. The same sources give the same key; a release and a debug build do not share one.
run_job again "$job_path" '{"configuration": "debug"}'
[ "$(sed -n 's/^cache miss: //p' "$work/again/stderr" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["key"])')" = "$key" ] \
    || fail "the cache key changed between two runs over the same sources"

# 3. A configuration that is neither release nor debug is refused before anything is built.
run_job bad "$job_path" '{"configuration": "fast"}'
[ "$(cat "$work/bad/status")" != 0 ] || fail "configuration 'fast' was accepted"
grep -q "::error::configuration must be release or debug" "$work/bad/stdout" || fail "no error for configuration 'fast'"
[ ! -s "$work/bad/path" ] || fail "a refused run added to the PATH"

# 4. A runner with no Swift gets the toolchain step (the emulator cannot run
#    remote actions offline, so it stops there, naming it) and nothing else.
run_job noswift "/usr/bin:/bin" '{"configuration": "debug"}'
[ "$(cat "$work/noswift/status")" != 0 ] || fail "a runner without Swift did not reach the toolchain step"
grep -q "cannot run offline: uses: swift-actions/setup-swift@v2" "$work/noswift/stderr" || fail "the toolchain step did not run: $(cat "$work/noswift/stderr")"
[ ! -s "$work/noswift/path" ] || fail "a run without Swift added to the PATH"

if [ "$failures" -ne 0 ]; then
    echo "setup-writ: $failures check(s) failed" >&2
    exit 1
fi
echo "setup-writ: all checks passed ($version)"
