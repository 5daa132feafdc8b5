# Shared helpers for the cli suites (tests/cli/test_*.sh). Source it after `set -uo pipefail`.
# shellcheck shell=bash
#
# CTest passes IFNBACKUP_BIN, IFNBACKUP_TEST_DATA_DIR and IFNBACKUP_SOURCE_DIR. A suite:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   cli_init                      # work folder ${CLI_WORK}, cleanup trap
#   cli_use_server                # the server of scripts/test (IFNBACKUP_TEST_*), or an own one
#   cli_start_s3                  # the private S3 server (scripts/s3server) of the offsite suites; aws_cli
#   check "what" COMMAND...       # one assertion; expect_exit/expect_eq/... below
#   cli_finish                    # "N passed, M failed" and the exit status
# Exit 77 means skipped with a reason, never under CI=true (there a missing tool is a failure).

CLI_SOURCE_DIR=${IFNBACKUP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CLI_DATA_DIR=${IFNBACKUP_TEST_DATA_DIR:-${CLI_SOURCE_DIR}/tests/data}
CLI_TESTDB="${CLI_SOURCE_DIR}/scripts/testdb"
CLI_BIN=${IFNBACKUP_BIN:-}
CLI_WORK=""
CLI_PASSED=0
CLI_FAILED=0
CLI_SERVERS=()        # folders of the servers this suite started, stopped on exit
CLI_CLEANUPS=()       # extra commands run on exit (unmount, kill a helper)
CLI_LAST_EXIT=0
CLI_LAST_OUT=""
CLI_LAST_ERR=""

cli_log() {
    printf '%s\n' "$*" >&2
}

# Skip (exit 77) with a reason, or fail under CI=true.
cli_skip() {
    if [[ "${CI:-}" == "true" ]]; then
        cli_log "FAIL: $* (CI=true: skipping is not allowed)"
        exit 1
    fi
    cli_log "SKIP: $*"
    exit 77
}

cli_cleanup() {
    local i
    for ((i = ${#CLI_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${CLI_CLEANUPS[i]}" >/dev/null 2>&1 || true
    done
    for i in "${CLI_SERVERS[@]}"; do
        "${CLI_TESTDB}" stop --dir "${i}" >/dev/null 2>&1 || true
    done
    if [[ -n "${CLI_WORK}" && -d "${CLI_WORK}" ]]; then
        chmod -R u+rwx "${CLI_WORK}" 2>/dev/null || true
        rm -rf -- "${CLI_WORK}"
    fi
}

cli_on_exit() {
    CLI_CLEANUPS+=("$1")
}

cli_init() {
    if [[ -z "${CLI_BIN}" || ! -x "${CLI_BIN}" ]]; then
        cli_log "FAIL: IFNBACKUP_BIN='${CLI_BIN}' is not an executable (run the suite through ctest)"
        exit 1
    fi
    # Short path: a server started here puts its Unix socket under it (sun_path holds 107 bytes).
    CLI_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ifncli.XXXXXX")
    chmod 0755 "${CLI_WORK}"
    trap cli_cleanup EXIT
}

# cli_start_own_server [NAME [TZ [testdb start options...]]]: starts a private server in ${CLI_WORK}/<name>
# and exports its IFNBACKUP_TEST_* variables. Skips (or fails under CI) when the server cannot start.
cli_start_own_server() {
    local name=${1:-db} tz=${2:-SYSTEM} exports
    shift $(($# < 2 ? $# : 2))
    if ! command -v mariadbd >/dev/null 2>&1; then
        cli_skip "mariadbd is not installed; run scripts/install-deps"
    fi
    CLI_SERVERS+=("${CLI_WORK}/${name}")
    if ! exports=$("${CLI_TESTDB}" start --dir "${CLI_WORK}/${name}" --tz "${tz}" "$@" 2>"${CLI_WORK}/${name}.log"); then
        cat "${CLI_WORK}/${name}.log" >&2
        cli_skip "scripts/testdb could not start a private server"
    fi
    eval "${exports}"
}

# cli_start_s3server: the private S3 server (scripts/s3server) for this suite, stopped on exit; its
# IFNBACKUP_TEST_S3_* variables exported, and the AWS_* credentials of its keys (no profile, no file).
# Skips when node or the server cannot start.
cli_start_s3server() {
    command -v node >/dev/null 2>&1 || cli_skip "node is not installed (scripts/install-deps installs nodejs)"
    local s3server="${CLI_SOURCE_DIR}/scripts/s3server" s3dir="${CLI_WORK}/s3" s3env
    cli_on_exit "'${s3server}' stop --dir '${s3dir}'"
    if ! s3env=$("${s3server}" start --dir "${s3dir}" 2>"${CLI_WORK}/s3.log"); then
        cat "${CLI_WORK}/s3.log" >&2
        cli_skip "scripts/s3server could not start the S3 test server (npm install needs the registry once)"
    fi
    eval "${s3env}"
    unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_CA_BUNDLE
    export AWS_ACCESS_KEY_ID=${IFNBACKUP_TEST_S3_ACCESS_KEY} AWS_SECRET_ACCESS_KEY=${IFNBACKUP_TEST_S3_SECRET_KEY}
    export AWS_SHARED_CREDENTIALS_FILE="${CLI_WORK}/no-such-credentials"
}

# The shared server of scripts/test when its variables are set and it answers, else an own one.
cli_use_server() {
    if [[ -n "${IFNBACKUP_TEST_DEFAULTS_FILE:-}" ]] \
        && mariadb --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" -e 'SELECT 1' >/dev/null 2>&1; then
        return 0
    fi
    cli_log "note: no shared test server (IFNBACKUP_TEST_DEFAULTS_FILE); starting a private one"
    cli_start_own_server db
}

# cli_start_s3 [scripts/s3server start options...]: the private S3 server (scripts/s3server) in
# ${CLI_WORK}/s3, stopped on exit; exports its IFNBACKUP_TEST_S3_* variables, and the AWS_* variables the
# binary reads set to its keys alone (no profile, region, token or credentials file of the machine).
# Skips (or fails under CI) without node or when the server cannot start.
cli_start_s3() {
    local s3server="${CLI_SOURCE_DIR}/scripts/s3server" s3dir="${CLI_WORK}/s3" s3env
    command -v node >/dev/null 2>&1 || cli_skip "node is not installed (scripts/install-deps installs nodejs)"
    cli_on_exit "'${s3server}' stop --dir '${s3dir}'"
    if ! s3env=$("${s3server}" start --dir "${s3dir}" "$@" 2>"${CLI_WORK}/s3.log"); then
        cat "${CLI_WORK}/s3.log" >&2
        cli_skip "scripts/s3server could not start the S3 test server (npm install needs the registry once)"
    fi
    eval "${s3env}"
    unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_CA_BUNDLE
    export AWS_ACCESS_KEY_ID=${IFNBACKUP_TEST_S3_ACCESS_KEY} AWS_SECRET_ACCESS_KEY=${IFNBACKUP_TEST_S3_SECRET_KEY}
    export AWS_SHARED_CREDENTIALS_FILE="${CLI_WORK}/no-such-credentials"
}

# aws_cli ARGS...: the independent S3 client (/usr/bin/aws) on the server of cli_start_s3, with its keys in
# its own files (not the AWS_* variables the binary reads).
aws_cli() {
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_CONFIG_FILE="${IFNBACKUP_TEST_S3_AWS_CONFIG}" \
        AWS_SHARED_CREDENTIALS_FILE="${IFNBACKUP_TEST_S3_AWS_CREDENTIALS}" \
        /usr/bin/aws --endpoint-url "${IFNBACKUP_TEST_S3_ENDPOINT}" "$@"
}

# sql [mariadb args...]: the stock client as the test user, tab-separated, no headers.
sql() {
    mariadb --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" --default-character-set=utf8mb4 -N -B "$@"
}

# ifn ARGS...: the binary on the suite's ${db} in its folder ${dir}, as the test user (a suite that needs
# other options defines its own ifn).
ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" "$@"
}
# The same, as the process itself: `ifn_exec ... &` makes the background process ifnbackup (exec), so a
# signal sent to $! reaches it, not a subshell.
ifn_exec() {
    exec "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" "$@"
}
# count CONDITION: the rows of ${db}.orders (the point-in-time suites' table) after CONDITION ("WHERE ...",
# or "" for all).
count() {
    sql "${db}" -e "SELECT COUNT(*) FROM orders $1"
}

# binlog_mentions FILE POS TEXT: an event of the binary log after FILE:POS names TEXT (other suites
# write to the same server meanwhile: search for a name of one's own rather than compare positions).
binlog_mentions() {
    local start=$1 pos=$2 text=$3 name query
    for name in $(sql -e "SHOW BINARY LOGS" | awk -v s="${start}" '$1 >= s { print $1 }'); do
        query="SHOW BINLOG EVENTS IN '${name}'"
        [[ "${name}" == "${start}" ]] && query+=" FROM ${pos}"
        sql -e "${query}" | grep -qF "${text}" && return 0
    done
    return 1
}

# flip_byte FILE OFFSET: the byte at OFFSET of FILE changed in place (XOR 0xff: always a different byte,
# whatever it was; writing a fixed byte leaves the file as it was when that byte was already there).
flip_byte() {
    local byte
    byte=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
    [[ -n "${byte}" ]] || { echo "flip_byte: $1 has no byte at $2" >&2; return 1; }
    printf '%b' "\\x$(printf %02x $((byte ^ 0xff)))" | dd of="$1" bs=1 seek="$2" count=1 conv=notrunc status=none
}

# A database name no other suite or parallel run uses.
cli_unique_db() {
    printf '%s_%s_%s\n' "$1" "$$" "${RANDOM}"
}

# Creates a database on the current server and drops it on exit (on that server, whatever comes later).
cli_create_db() {
    local db=$1
    sql -e "CREATE DATABASE \`${db}\`" || return 1
    cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${db}\`'"
}

# Creates a database, loads a file into it, drops it on exit.
cli_load_db() {
    local db=$1 file=$2
    cli_create_db "${db}" || return 1
    sql "${db}" <"${file}"
}

# run COMMAND...: runs it, keeps its exit status, stdout and stderr in CLI_LAST_*.
run() {
    local out="${CLI_WORK}/.out" err="${CLI_WORK}/.err"
    CLI_LAST_EXIT=0
    "$@" >"${out}" 2>"${err}" || CLI_LAST_EXIT=$?
    CLI_LAST_OUT=$(<"${out}")
    CLI_LAST_ERR=$(<"${err}")
}

pass() {
    CLI_PASSED=$((CLI_PASSED + 1))
    printf 'ok: %s\n' "$1"
}

fail() {
    CLI_FAILED=$((CLI_FAILED + 1))
    printf 'FAIL: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do
        printf '      %s\n' "${line}" >&2
    done
}

# check WHAT COMMAND...: passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then
        pass "${what}"
    else
        fail "${what}" "command failed: $*"
    fi
}

expect_eq() {
    local what=$1 expected=$2 actual=$3
    if [[ "${expected}" == "${actual}" ]]; then
        pass "${what}"
    else
        fail "${what}" "expected: ${expected}" "actual:   ${actual}"
    fi
}

# expect_exit WHAT CODE: the exit status of the last `run`.
expect_exit() {
    local what=$1 expected=$2
    if [[ "${CLI_LAST_EXIT}" == "${expected}" ]]; then
        pass "${what}: exit ${expected}"
    else
        fail "${what}: exit ${expected}" "actual exit: ${CLI_LAST_EXIT}" "stdout: ${CLI_LAST_OUT}" \
            "stderr: ${CLI_LAST_ERR}"
    fi
}

expect_contains() {
    local what=$1 needle=$2 haystack=$3
    if [[ "${haystack}" == *"${needle}"* ]]; then
        pass "${what}"
    else
        fail "${what}" "expected to find: ${needle}" "in: ${haystack}"
    fi
}

expect_not_contains() {
    local what=$1 needle=$2 haystack=$3
    if [[ "${haystack}" != *"${needle}"* ]]; then
        pass "${what}"
    else
        fail "${what}" "must not contain: ${needle}"
    fi
}

# Backup files under a final name in a folder, one per line (the folder may not exist).
final_backups() {
    find "$1" -maxdepth 1 -name '*.sql.gz' -printf '%f\n' 2>/dev/null | sort
}

partial_files() {
    find "$1" -maxdepth 1 -name '*.partial' -printf '%f\n' 2>/dev/null | sort
}

has_partial() {
    [[ -n "$(partial_files "$1")" ]]
}

# A .partial with data in it: the dump has started writing.
partial_has_data() {
    [[ -n "$(find "$1" -maxdepth 1 -name '*.partial' -size +0 -print -quit 2>/dev/null)" ]]
}

# expect_no_backup WHAT DIR: a failed run left neither a final file nor a .partial.
expect_no_backup() {
    local what=$1 dir=$2 finals partials
    finals=$(final_backups "${dir}")
    partials=$(partial_files "${dir}")
    if [[ -z "${finals}" && -z "${partials}" ]]; then
        pass "${what}: no backup file and no .partial left"
    else
        fail "${what}: no backup file and no .partial left" "found: ${finals} ${partials}"
    fi
}

# wait_for TIMEOUT_S COMMAND...: polls every 50 ms; returns 1 on timeout.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        if ((SECONDS >= deadline)); then
            return 1
        fi
        sleep 0.05
    done
}

# running_statement PID CONDITION: polls the process list until a statement matching CONDITION (SQL on
# information_schema.PROCESSLIST, e.g. "DB = 'x' AND INFO LIKE 'LOAD DATA%'") runs and prints its id;
# returns 1, printing nothing, once PID has ended or after 60 s.
running_statement() {
    local pid=$1 condition=$2 id
    for _ in $(seq 1 600); do
        id=$(sql -e "SELECT ID FROM information_schema.PROCESSLIST WHERE (${condition})
                     AND INFO NOT LIKE '%PROCESSLIST%' LIMIT 1" 2>/dev/null)
        if [[ -n ${id} ]]; then
            echo "${id}"
            return 0
        fi
        kill -0 "${pid}" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# flock_held FILE: some process holds flock() on FILE (the folder lock of a running ifnbackup), read from
# /proc/locks: probing with flock(1) would take the lock for a moment, and the run it waits for could then
# find it held and give up.
flock_held() {
    local device inode
    read -r device inode < <(stat -c '%D %i' "$1" 2>/dev/null) || return 1
    device=$((16#${device}))
    # major(3) and minor(3) of the device, as /proc/locks shows them: "fe:00:<inode>".
    grep -q " FLOCK .* $(printf '%02x:%02x' $((((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff))) \
        $(((device & 0xff) | ((device >> 12) & ~0xff)))):${inode} " /proc/locks
}

# A session of the stock client that holds LOCK TABLES ... WRITE until lock_release:
# a dump reaching that table waits for it, so a backup stays "mid-dump" as long as we want.
CLI_LOCK_FD=""
lock_table() {
    local db=$1 table=$2 fifo="${CLI_WORK}/.lock.fifo" out="${CLI_WORK}/.lock.out"
    rm -f "${fifo}" "${out}"
    mkfifo "${fifo}"
    mariadb --defaults-file="${IFNBACKUP_TEST_DEFAULTS_FILE}" -n -N "${db}" <"${fifo}" >"${out}" 2>&1 &
    local client=$!
    cli_on_exit "kill ${client}"
    exec {CLI_LOCK_FD}>"${fifo}"
    printf 'LOCK TABLES `%s` WRITE;\nSELECT "locked";\n' "${table}" >&"${CLI_LOCK_FD}"
    wait_for 10 grep -q locked "${out}"
}

lock_release() {
    if [[ -n "${CLI_LOCK_FD}" ]]; then
        printf 'UNLOCK TABLES;\n' >&"${CLI_LOCK_FD}" 2>/dev/null || true
        exec {CLI_LOCK_FD}>&-
        CLI_LOCK_FD=""
    fi
}

cli_finish() {
    lock_release
    printf '%d passed, %d failed\n' "${CLI_PASSED}" "${CLI_FAILED}"
    if ((CLI_FAILED > 0 || CLI_PASSED == 0)); then
        exit 1
    fi
    exit 0
}
