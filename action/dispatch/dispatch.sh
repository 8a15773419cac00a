#!/usr/bin/env bash
# The steps of action/dispatch (action.yml runs `dispatch.sh STEP`):
#   prepare  mask every secret, check the inputs and secrets, write the
#            secrets to files under RUNNER_TEMP (umask 077), say where the
#            state dir is and under which cache key it is saved;
#   clone    clone the ops repository (ssh with the pinned host key, https
#            with the token through a credential helper, or a local path);
#   run      write dispatcher.toml, run `writ dispatch --once`, pass its
#            exit code on, write the job summary;
#   cleanup  remove the secrets, the clone and the config (always runs).
# A secret is never printed, never put in a URL, an argument or a config
# file: the key files hold the keys, the token stays in the environment.
set -euo pipefail
umask 077

fail() {
    printf '::error::%s\n' "$1"
    exit 1
}

# `::add-mask::` for every line of a value (a runner masks one line per
# command, so a multi-line key is masked line by line), through a pipe so
# that the value never lands in a temporary file.
mask() {
    printf '%s\n' "$1" | while IFS= read -r line || [ -n "$line" ]; do
        line="${line%$'\r'}"
        [ -n "$line" ] || continue
        line="${line//%/%25}"
        printf '::add-mask::%s\n' "$line"
    done
}

# A TOML basic string.
toml() {
    local value="$1"
    value="${value//\\/\\\\}"
    value="${value//\"/\\\"}"
    printf '"%s"' "$value"
}

# Writes a secret value to a file only its owner may read.
write_secret() { # VALUE FILE
    printf '%s\n' "$1" | tr -d '\r' > "$2"
    chmod 600 "$2"
}

output() { printf '%s=%s\n' "$1" "$2" >> "${GITHUB_OUTPUT:?}"; }

prepare() {
    # First, before anything else could print them.
    for name in WRIT_DISPATCH_KEY WRIT_DEPLOY_KEY WRIT_REMOTE_TOKEN; do
        if [ -n "${!name:-}" ]; then mask "${!name}"; fi
    done

    [ -n "${RUNNER_TEMP:-}" ] && [ -d "$RUNNER_TEMP" ] || fail "RUNNER_TEMP is not a directory: this action runs on a runner"
    command -v writ > /dev/null 2>&1 || fail "writ is not on the PATH: run action/setup-writ before this action"
    command -v git > /dev/null 2>&1 || fail "git is not on the PATH"
    command -v python3 > /dev/null 2>&1 || fail "python3 is not on the PATH (it writes the job summary)"

    local name
    for name in WRIT_IN_OPS_REPO WRIT_IN_TRUST_ROOT WRIT_IN_IDENTITY WRIT_IN_EXECUTORS WRIT_IN_GOVERNANCE_REF \
        WRIT_IN_LEDGER_REF WRIT_IN_PROFILE WRIT_IN_CACHE WRIT_IN_CACHE_KEY; do
        local input
        input="$(printf '%s' "${name#WRIT_IN_}" | tr 'A-Z_' 'a-z-')"
        [ -n "${!name:-}" ] || fail "the input $input is empty"
    done
    for name in WRIT_IN_OPS_REPO WRIT_IN_TRUST_ROOT WRIT_IN_IDENTITY WRIT_IN_GOVERNANCE_REF WRIT_IN_LEDGER_REF \
        WRIT_IN_CLONE_ROOT WRIT_IN_STATE_DIR WRIT_IN_CA_FILE WRIT_IN_HTTPS_USERNAME; do
        if [[ "${!name:-}" =~ [[:cntrl:]] ]]; then
            fail "the input $(printf '%s' "${name#WRIT_IN_}" | tr 'A-Z_' 'a-z-') holds a control character"
        fi
    done
    [[ "$WRIT_IN_TRUST_ROOT" =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]] || fail "trust-root must be a full commit id (lowercase hex)"
    [[ "$WRIT_IN_PROFILE" =~ ^[A-Za-z0-9._-]+$ ]] || fail "profile may hold only letters, digits, '.', '_' and '-'"
    [[ "$WRIT_IN_CACHE_KEY" =~ ^[A-Za-z0-9._-]+$ ]] || fail "cache-key may hold only letters, digits, '.', '_' and '-'"
    case "$WRIT_IN_CACHE" in true | false) ;; *) fail "cache must be true or false" ;; esac

    # The dispatcher's own key: without it nothing it writes would count.
    [ -n "${WRIT_DISPATCH_KEY:-}" ] || fail "the secret WRIT_DISPATCH_KEY (the dispatcher's OpenSSH private key) is not set: pass it in the step's env, WRIT_DISPATCH_KEY: \${{ secrets.WRIT_DISPATCH_KEY }}"

    local url="$WRIT_IN_OPS_REPO" scheme
    case "$url" in
        https://*)
            scheme=https
            local authority="${url#https://}"
            authority="${authority%%/*}"
            # Never echo the URL here: what precedes '@' may be a secret.
            case "$authority" in *@*) fail "ops-repo must not hold a user or a token: the token comes from WRIT_REMOTE_TOKEN" ;; esac
            ;;
        http://*) fail "ops-repo over plain http is refused: use https" ;;
        ssh://*) scheme=ssh ;;
        git://*) scheme=git ;;
        file://* | /*) scheme=local ;;
        *://*) fail "ops-repo: unsupported scheme" ;;
        *@*:*) scheme=ssh ;;
        *) fail "ops-repo must be an ssh, https or git:// URL or an absolute path" ;;
    esac
    case "$scheme" in
        ssh)
            [ -n "$WRIT_IN_KNOWN_HOSTS" ] || fail "known-hosts is empty: an ssh remote needs its host key pinned (a known_hosts line)"
            [ -n "${WRIT_DEPLOY_KEY:-}" ] || fail "the secret WRIT_DEPLOY_KEY (an OpenSSH private key with write access to the ops repository) is not set: an ssh remote needs it"
            ;;
        https)
            [ -n "${WRIT_REMOTE_TOKEN:-}" ] || fail "the secret WRIT_REMOTE_TOKEN (a token with write access to the ops repository) is not set: an https remote needs it"
            if [ -n "$WRIT_IN_CA_FILE" ] && [ ! -f "$WRIT_IN_CA_FILE" ]; then fail "ca-file is not a file"; fi
            ;;
    esac

    local executors="$WRIT_IN_EXECUTORS" executors_file=""
    if [[ "$executors" != *$'\n'* && "$executors" != \[* ]]; then
        executors_file="$executors"
        case "$executors_file" in /*) ;; *) executors_file="${GITHUB_WORKSPACE:-$PWD}/$executors_file" ;; esac
        [ -f "$executors_file" ] || fail "executors: no file $executors (a path is read relative to the workspace; check the repository out first)"
    fi

    local work
    work="$(mktemp -d "$RUNNER_TEMP/writ-dispatch.XXXXXX")"
    output work "$work"
    local state_dir="${WRIT_IN_STATE_DIR:-$RUNNER_TEMP/writ-dispatch-state}"
    local clone_root="${WRIT_IN_CLONE_ROOT:-$RUNNER_TEMP/writ-dispatch-clones}"
    mkdir -p "$state_dir" "$clone_root"

    write_secret "$WRIT_DISPATCH_KEY" "$work/dispatch_key"
    if [ "$scheme" = ssh ]; then
        write_secret "$WRIT_DEPLOY_KEY" "$work/deploy_key"
        printf '%s\n' "$WRIT_IN_KNOWN_HOSTS" | tr -d '\r' > "$work/known_hosts"
    fi
    if [ -n "$executors_file" ]; then cat "$executors_file" > "$work/executors.toml"; else printf '%s\n' "$executors" > "$work/executors.toml"; fi

    {
        printf 'scheme=%q\n' "$scheme"
        printf 'url=%q\n' "$url"
        printf 'state_dir=%q\n' "$state_dir"
        printf 'clone_root=%q\n' "$clone_root"
        printf 'ca_file=%q\n' "$WRIT_IN_CA_FILE"
        printf 'https_username=%q\n' "$WRIT_IN_HTTPS_USERNAME"
        printf 'governance_ref=%q\n' "$WRIT_IN_GOVERNANCE_REF"
        printf 'ledger_ref=%q\n' "$WRIT_IN_LEDGER_REF"
        printf 'trust_root=%q\n' "$WRIT_IN_TRUST_ROOT"
        printf 'identity=%q\n' "$WRIT_IN_IDENTITY"
        printf 'profile=%q\n' "$WRIT_IN_PROFILE"
    } > "$work/settings"

    # One cache line per profile: every run saves a new entry (a key is
    # written once), the next restores the newest entry under the prefix.
    local prefix="writ-dispatch-state-$WRIT_IN_PROFILE-$WRIT_IN_CACHE_KEY-"
    local run="${GITHUB_RUN_ID:-$(date +%s)}-${GITHUB_RUN_ATTEMPT:-1}"
    output state-dir "$state_dir"
    output cache "$WRIT_IN_CACHE"
    output cache-prefix "$prefix"
    output cache-key "$prefix$run"
    echo "ops repository: $url ($scheme); profile $WRIT_IN_PROFILE; state dir $state_dir (cache: $WRIT_IN_CACHE)"
}

load() {
    [ -n "${WRIT_WORK:-}" ] && [ -f "$WRIT_WORK/settings" ] || fail "the prepare step did not run"
    work="$WRIT_WORK"
    # shellcheck disable=SC1091
    source "$work/settings"
}

clone() {
    load
    local -a git=(env -u WRIT_DISPATCH_KEY -u WRIT_DEPLOY_KEY GIT_TERMINAL_PROMPT=0 git)
    case "$scheme" in
        ssh)
            # The pinned key and nothing else: no agent, no user config, no
            # key learnt on first use.
            export GIT_SSH_COMMAND="ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none \
-o IdentityFile='$work/deploy_key' -o StrictHostKeyChecking=yes -o UserKnownHostsFile='$work/known_hosts' \
-o GlobalKnownHostsFile=/dev/null -o UpdateHostKeys=no"
            ;;
        https)
            # The token reaches git through a credential helper that reads
            # it from the environment: it is in no URL, argument or file.
            export WRIT_GIT_USERNAME="$https_username"
            git+=(-c credential.helper= -c 'credential.helper=!f() { test "$1" = get || exit 0; echo "username=$WRIT_GIT_USERNAME"; echo "password=$WRIT_REMOTE_TOKEN"; }; f')
            if [ -n "$ca_file" ]; then git+=(-c "http.sslCAInfo=$ca_file"); fi
            ;;
    esac
    if ! "${git[@]}" clone --bare --quiet -- "$url" "$work/ops.git"; then
        fail "could not clone the ops repository (a host key not in known-hosts, a key or token refused, or no answer)"
    fi
    local ref
    for ref in "$governance_ref" "$ledger_ref"; do
        git -C "$work/ops.git" rev-parse --verify --quiet "refs/heads/$ref^{commit}" > /dev/null \
            || fail "the ops repository has no branch $ref"
    done
    echo "cloned: $(git -C "$work/ops.git" rev-parse "refs/heads/$governance_ref") ($governance_ref)," \
        "$(git -C "$work/ops.git" rev-parse "refs/heads/$ledger_ref") ($ledger_ref)"
}

run() {
    load
    # A lock restored with the state belongs to a job that has ended (the
    # concurrency group runs one job at a time, and this copy of the state
    # is this job's own): left, it would hold the profile for lock_ttl.
    rm -f -- "$state_dir/writ.$profile.lock"
    local config="$work/dispatcher.toml"
    {
        printf 'ops_repo = %s\n' "$(toml "$work/ops.git")"
        printf 'governance_ref = %s\n' "$(toml "$governance_ref")"
        printf 'ledger_ref = %s\n' "$(toml "$ledger_ref")"
        printf 'identity = %s\n' "$(toml "$identity")"
        printf 'signing_key = %s\n' "$(toml "$work/dispatch_key")"
        printf 'state_dir = %s\n' "$(toml "$state_dir")"
        printf 'profile = %s\n' "$(toml "$profile")"
        printf 'trust_root = %s\n' "$(toml "$trust_root")"
        printf 'clone_root = %s\n' "$(toml "$clone_root")"
        printf '\n'
        cat "$work/executors.toml"
        printf '\n[remote]\nname = "origin"\n'
        case "$scheme" in
            ssh)
                printf 'known_hosts = %s\n' "$(toml "$work/known_hosts")"
                printf 'ssh_key = %s\n' "$(toml "$work/deploy_key")"
                ;;
            https)
                printf 'username = %s\n' "$(toml "$https_username")"
                printf 'token_secret = "WRIT_REMOTE_TOKEN"\n'
                if [ -n "$ca_file" ]; then printf 'ca_file = %s\n' "$(toml "$ca_file")"; fi
                ;;
        esac
    } > "$config"
    output ran true
    local code=0
    env -u WRIT_DISPATCH_KEY -u WRIT_DEPLOY_KEY writ dispatch --once --json --config "$config" > "$work/report.json" || code=$?
    cat "$work/report.json"
    output exit-code "$code"
    local run_id
    run_id="$(python3 "$(dirname "$0")/summary.py" "$work/report.json" "$code" "$profile" "${GITHUB_STEP_SUMMARY:-/dev/null}")"
    output run-id "$run_id"
    if [ "$code" -ne 0 ]; then printf '::error::writ dispatch exited %s (see the job summary)\n' "$code"; fi
    exit "$code"
}

cleanup() {
    local work="${WRIT_WORK:-}"
    [ -n "$work" ] || exit 0
    case "$work" in
        "${RUNNER_TEMP:?}"/writ-dispatch.*) rm -rf -- "$work" ;;
        *) fail "refusing to remove $work: not this action's directory" ;;
    esac
    echo "removed the keys, the config and the clone"
}

case "${1:-}" in
    prepare) prepare ;;
    clone) clone ;;
    run) run ;;
    cleanup) cleanup ;;
    *) fail "dispatch.sh: unknown step '${1:-}'" ;;
esac
