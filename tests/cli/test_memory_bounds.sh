#!/usr/bin/env bash
# Issue 18, item 7: memory bounded by the bytes held, whatever a file holds.
# - verify, and restore (which verifies first), of a 1 MB gzip that inflates to one 300 MB statement
#   (a quote that never ends), and verify of a 22 MB INSERT whose values are read token by token, under
#   `ulimit -v` 256 MiB: verify held the whole statement (and a vector of its tokens, some seventy
#   times its size) and died of bad_alloc (exit 1); it now reads a statement past 16 MiB in pieces.
# - verify of 300 MB of blanks where a DELIMITER command could start, of a 300 MB DELIMITER line
#   (refused at 64 KiB), and of an INSERT of tiny values just under verify's 16 MiB hold (the session
#   tracker tokenized it whole), under the same limit: the hostile review found each holding GBs.
# - restore of two rows of 40 MiB, each its own 80 MiB INSERT of hex (past verify's 16 MiB and the
#   loader's 64 MiB), peaks under twice one statement (getrusage of the process): the load held four
#   (the statement loading, its discarded LOAD DATA copy, the next one read, and its doubling copy).
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cli_init
W=${CLI_WORK}
# Far above what verify needs now (under 64 MiB of address space), far below what it held before.
limit_kib=$((256 * 1024))
# AddressSanitizer reserves terabytes of address space and doubles the heap: its builds run the same
# commands, without the limit and the peak check.
sanitized=false
if grep -qa __asan_init "${CLI_BIN}"; then
    sanitized=true
    cli_log "note: ${CLI_BIN} is built with AddressSanitizer: no address-space limit, no peak check"
fi
limited() {
    if [[ ${sanitized} == true ]]; then
        "$@"
    else
        bash -c 'ulimit -v "$1" && exec "${@:2}"' _ "${limit_kib}" "$@"
    fi
}
completed=$'\n-- Dump completed on 2026-11-30 12:00:00\n'

# --- a quote that never ends: the rest of the file is one 300 MB statement
{
    printf -- '-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\nINSERT INTO `t` VALUES (1,'"'"
    head -c 300000000 /dev/zero | tr '\0' 'a'
    printf '%s' "${completed}"
} | gzip -1 >"${W}/bomb.sql.gz"
run limited "${CLI_BIN}" --backup-dir "${W}" verify "${W}/bomb.sql.gz"
expect_exit "verify of a 300 MB statement under ulimit -v 256 MiB" 0
expect_contains "it is a legacy file, complete" "OK          bomb.sql.gz  (legacy: no content checksum)" \
    "${CLI_LAST_OUT}"
run limited "${CLI_BIN}" --backup-dir "${W}" --database bomb_target restore --yes "${W}/bomb.sql.gz"
expect_exit "restore of it under the same limit, refused before anything" 19
expect_contains "the statement named, with its line and why" \
    "first at line 3: an unterminated quote or comment: INSERT INTO \`t\` VALUES (1,'aaaa" "${CLI_LAST_ERR}"
expect_contains "nothing restored" "nothing was restored" "${CLI_LAST_ERR}"

# --- 2.5 million rows of b'1' (not the plain form): 17 million tokens, each read and let go
{
    printf -- "-- MariaDB dump 10.19\nINSERT INTO \`t\` VALUES (1,b'1')"
    awk 'BEGIN { for (i = 1; i < 2500000; i++) printf ",(1,b\0471\047)" }'
    printf ';%s' "${completed}"
} | gzip -1 >"${W}/tokens.sql.gz"
run limited "${CLI_BIN}" --backup-dir "${W}" verify "${W}/tokens.sql.gz"
expect_exit "verify of a 22 MB INSERT read token by token under ulimit -v 256 MiB" 0
expect_contains "it is a legacy file, complete" "OK          tokens.sql.gz  (legacy: no content checksum)" \
    "${CLI_LAST_OUT}"

# --- found by the hostile review: what the splitter held before a statement, and the session tracker
# --- 300 MB of blanks on one line between two statements (a DELIMITER command could have followed)
{
    printf -- '-- MariaDB dump 10.19\nSELECT 1;\n'
    head -c 300000000 /dev/zero | tr '\0' ' '
    printf 'SELECT 2;%s' "${completed}"
} | gzip -1 >"${W}/blanks.sql.gz"
run limited "${CLI_BIN}" --backup-dir "${W}" verify "${W}/blanks.sql.gz"
expect_exit "verify of 300 MB of blanks before a statement under ulimit -v 256 MiB" 0
# --- a DELIMITER line of 300 MB: refused at 64 KiB, never held (it was held whole: 3.3 GiB for 1.5 GB)
{
    printf -- '-- MariaDB dump 10.19\nSET @a = 1;\nDELIMITER '
    head -c 300000000 /dev/zero | tr '\0' 'd'
    printf '\nSET @b = 2;%s' "${completed}"
} | gzip -1 >"${W}/delimiter.sql.gz"
run limited "${CLI_BIN}" --backup-dir "${W}" verify "${W}/delimiter.sql.gz"
expect_exit "verify of a 300 MB DELIMITER line under ulimit -v 256 MiB (a whole gzip: OK as a legacy file)" 0
run limited "${CLI_BIN}" --backup-dir "${W}" --database bomb_target restore --yes "${W}/delimiter.sql.gz"
expect_exit "its restore under the same limit, refused before anything" 19
expect_contains "the line named" "line 3: a DELIMITER line longer than 64 KiB" "${CLI_LAST_ERR}"
# --- an INSERT just under verify's 16 MiB hold, of 5 million tiny tokens: the session tracker made
# --- a vector of all of them to see that it is no SET (1.2 GiB; bad_alloc under this limit)
{
    printf -- "-- MariaDB dump 10.19\nINSERT INTO \`t\` VALUES (0)"
    awk 'BEGIN { for (i = 1; i < 3900000; i++) printf ",(0)" }'
    printf ';%s' "${completed}"
} | gzip -1 >"${W}/tiny.sql.gz"
run limited "${CLI_BIN}" --backup-dir "${W}" verify "${W}/tiny.sql.gz"
expect_exit "verify of a 15.6 MB INSERT of tiny values under ulimit -v 256 MiB" 0

# --- huge rows through a real restore
cli_use_server
command -v python3 >/dev/null 2>&1 || cli_skip "python3 is needed to read the restore's peak memory"
db=$(cli_unique_db mem)
into="${db}_r"
cli_create_db "${db}" || cli_skip "cannot create a database"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${into}\`'"
row_mib=40
sql "${db}" -e "CREATE TABLE t (id INT PRIMARY KEY, v LONGBLOB);
                INSERT INTO t VALUES (1, REPEAT('x', ${row_mib} * 1048576));
                INSERT INTO t VALUES (2, REPEAT('y', ${row_mib} * 1048576));
                INSERT INTO t VALUES (3, 'z')"
dir="${W}/backups"
ifn=("${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}")
run "${ifn[@]}" -q backup --no-rotate
expect_exit "backup of two ${row_mib} MiB rows" 0
file="${dir}/$(final_backups "${dir}" | head -n 1)"
run limited "${ifn[@]}" --threads 1 verify "${file}"
expect_exit "verify of it under ulimit -v 256 MiB (two statements of 80 MiB)" 0

# Exit status and peak RSS (KiB) of a command run as a child, from getrusage.
peak_rss() {
    python3 - "$@" <<'EOF'
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}
read -r code peak_kib < <(peak_rss "${ifn[@]}" --threads 2 restore --yes --no-proof --into "${into}" "${file}")
expect_eq "restore of the two rows on 2 threads" 0 "${code}"
statement_kib=$((2 * row_mib * 1024))
ceiling_kib=$((2 * statement_kib + 32 * 1024))
if [[ ${sanitized} == true ]]; then
    cli_log "note: peak RSS $((peak_kib / 1024)) MiB under AddressSanitizer, not checked"
elif ((peak_kib < ceiling_kib)); then
    pass "its peak RSS, $((peak_kib / 1024)) MiB, is under twice one statement + 32 MiB ($((ceiling_kib / 1024)) MiB)"
else
    fail "its peak RSS is under twice one statement + 32 MiB" \
        "peak $((peak_kib / 1024)) MiB, ceiling $((ceiling_kib / 1024)) MiB"
fi
expect_eq "the rows restored whole" "$(sql "${db}" -e "SELECT id, LENGTH(v), MD5(v) FROM t ORDER BY id")" \
    "$(sql "${into}" -e "SELECT id, LENGTH(v), MD5(v) FROM t ORDER BY id")"

# --- SIGINT while a loading thread runs one of those INSERTs: the watcher cancels the connections,
# --- the cancelled statement fails with "lost connection", and that was reported as a failed
# --- statement, and a rolled-back restore exits 13, where SIGINT's code is 8 (the hostile review)
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${into}_int\`'"
"${ifn[@]}" --threads 4 restore --yes --no-proof --into "${into}_int" "${file}" >"${W}/int.out" 2>"${W}/int.err" &
restore_pid=$!
running=$(running_statement "${restore_pid}" \
    "DB = '${into}_int' AND (INFO LIKE 'INSERT INTO%' OR INFO LIKE 'LOAD DATA%')")
if [[ -z ${running} ]]; then
    wait "${restore_pid}"
    cli_log "note: the load ended before a row statement was seen running; the SIGINT case was not exercised"
else
    kill -INT "${restore_pid}"
    wait "${restore_pid}"
    expect_eq "SIGINT during a threaded load: exit 8 (interrupted)" 8 "$?"
    expect_contains "it says it was interrupted" "interrupted" "$(cat "${W}/int.err")"
    expect_eq "the new database is gone (rolled back)" "" \
        "$(sql -N -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${into}_int'")"
fi

cli_finish
