#!/usr/bin/env bash
# Issue 14: --prefix is honoured by every command that resolves or lists names. A folder holds a
# backup under the prefix `nightly` and one under the default prefix: with --prefix nightly, list,
# verify (all and latest), rotate, status and check see the nightly one and leave the other alone
# (a file under another prefix is foreign to them: never verified, rotated or removed). restore and
# drill are covered in test_databases.sh.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init
cli_use_server

db=$(cli_unique_db prefix)
cli_create_db "${db}" || cli_skip "cannot create a database"
sql "${db}" -e "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2)"
dir="${CLI_WORK}/backups"
ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" "$@"
}
run ifn --prefix nightly backup --no-rotate
expect_exit "backup --prefix nightly" 0
nightly=$(cd "${dir}" && ls nightly_*.sql.gz)
expect_contains "the file has the prefix" "nightly_" "${nightly}"
other="ifn_connect_backup_$(date -d '-3 days' +%Y%m%d_%H%M%S).sql.gz"
cp "${dir}/${nightly}" "${dir}/${other}"

run ifn --prefix nightly list
expect_exit "list --prefix nightly" 0
expect_contains "lists the nightly backup" "${nightly}" "${CLI_LAST_OUT}"
expect_not_contains "not the default-prefix one" "${other}" "${CLI_LAST_OUT}"
expect_contains "which it counts as another file" "1 other file(s)" "${CLI_LAST_OUT}"

run ifn --prefix nightly verify
expect_exit "verify --prefix nightly (every file)" 0
expect_contains "verifies the nightly backup" "OK          ${nightly}" "${CLI_LAST_OUT}"
expect_contains "and only it" "1 file(s): 1 ok" "${CLI_LAST_OUT}"
run ifn --prefix nightly verify latest
expect_exit "verify --prefix nightly latest" 0
expect_contains "latest is the nightly backup" "${nightly}" "${CLI_LAST_OUT}"

run ifn --prefix nightly rotate --dry-run --retention-days 1 --min-keep 1
expect_exit "rotate --prefix nightly --dry-run" 0
expect_contains "keeps the nightly backup" "${nightly}" "${CLI_LAST_OUT}"
expect_not_contains "never judges the other prefix's file" "${other}" "${CLI_LAST_OUT}"
run ifn --prefix nightly rotate --retention-days 1 --min-keep 1
expect_exit "rotate --prefix nightly" 0
expect_eq "the other prefix's file is still there" "yes" "$([[ -f "${dir}/${other}" ]] && echo yes)"

run ifn --prefix nightly status --json
expect_exit "status --prefix nightly" 0
expect_contains "its last good backup is the nightly one" "${nightly}" "${CLI_LAST_OUT}"
# check: no drill in the journal is a WARNING (exit 1) whatever the prefix; the backups are what differ.
run ifn --prefix nightly check
expect_exit "check --prefix nightly: a warning (no drill yet), no critical" 1
expect_contains "one backup seen, good" "backups=1;" "${CLI_LAST_OUT}"
expect_not_contains "nothing critical" "CRITICAL" "${CLI_LAST_OUT}"
run ifn check
expect_exit "check without the prefix: critical" 2
expect_contains "it sees only the default-prefix file, never verified" "no good backup among 1" "${CLI_LAST_OUT}"

cli_finish
