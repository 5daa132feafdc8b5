# Shared bash helpers for the scripts in this folder. Source it; it defines functions only.
# shellcheck shell=bash

# Messages go to stderr so that stdout stays usable for machine output (testdb start prints exports).
ifn_log() {
    printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

ifn_die() {
    printf 'error: %s\n' "$1" >&2
    if [[ $# -gt 1 ]]; then
        printf 'hint: %s\n' "$2" >&2
    fi
    exit 1
}

# ifn_phase NAME COMMAND...: runs COMMAND, logs its duration, returns its status.
ifn_phase() {
    local name=$1
    shift
    local start=$SECONDS status=0
    ifn_log "== ${name}"
    "$@" || status=$?
    ifn_log "== ${name}: $((SECONDS - start)) s (status ${status})"
    return "${status}"
}

# The repository root, whatever the caller's working directory.
ifn_repo_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    dirname "${here}"
}
