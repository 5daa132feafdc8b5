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

# A prefix that is the start of another (nightly, nightly_x): each rotation judges its own files only.
old_stamp=$(date -d '-40 days' +%Y%m%d_%H%M%S)
cp "${dir}/${nightly}" "${dir}/nightly_x_${old_stamp}.sql.gz"
cp "${dir}/${nightly}" "${dir}/nightly_${old_stamp}.sql.gz"
run ifn --prefix nightly verify
run ifn --prefix nightly rotate --retention-days 7 --min-keep 1
expect_exit "rotate --prefix nightly with an old nightly_ and an old nightly_x_ file" 0
check "it removed its own old backup" test ! -e "${dir}/nightly_${old_stamp}.sql.gz"
check "it left nightly_x's file alone" test -f "${dir}/nightly_x_${old_stamp}.sql.gz"
run ifn --prefix nightly_x list
expect_contains "list --prefix nightly_x sees its file" "nightly_x_${old_stamp}.sql.gz" "${CLI_LAST_OUT}"
expect_not_contains "and not nightly's" "${nightly}" "${CLI_LAST_OUT}"

# A drill of nightly's backup proves nothing of nightly_x's: check --prefix nightly_x does not count it.
run ifn --prefix nightly drill
expect_exit "drill --prefix nightly" 0
expect_contains "it drilled nightly's backup" "drill ok: ${nightly}" "${CLI_LAST_ERR}"
run ifn --prefix nightly check
expect_contains "check --prefix nightly counts that drill" "drill_age=" "${CLI_LAST_OUT}"
run ifn --prefix nightly_x check
expect_not_contains "check --prefix nightly_x does not" "drill_age=" "${CLI_LAST_OUT}"

# Prefixes that cannot name backups of their own are refused by every command, from any source, with
# nothing written: the safety snapshots' prefix (rotated as safety snapshots by any prefix's rotation),
# empty, hidden ('.'), read as an option ('-'), a '/', a control character, more than 200 bytes.
files_before=$(find "${dir}" -name '*.sql.gz*' | wc -l)
long=$(printf 'p%.0s' $(seq 1 201))
for bad in pre_restore_safety "" .hidden .. -x a/b $'tab\there' "${long}"; do
    for command in "backup --no-rotate" list "rotate --dry-run" "verify latest" status; do
        # shellcheck disable=SC2086 # the command's words
        run ifn --prefix "${bad}" ${command}
        expect_exit "--prefix '${bad:0:20}' for ${command%% *}: refused" 2
    done
    expect_contains "--prefix '${bad:0:20}': an error line about --prefix" "invalid --prefix" "${CLI_LAST_ERR}"
    expect_contains "--prefix '${bad:0:20}': a hint" "hint: give a plain name" "${CLI_LAST_ERR}"
done
run env IFNBACKUP_PREFIX=pre_restore_safety "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" \
    --database "${db}" --backup-dir "${dir}" backup --no-rotate
expect_exit "IFNBACKUP_PREFIX=pre_restore_safety: refused" 2
expect_eq "no file written by the refused prefixes" "${files_before}" "$(find "${dir}" -name '*.sql.gz*' | wc -l)"
# Unusual but plain prefixes work: spaces, non-ASCII letters, 200 bytes.
for good in "my backup" "été" "${long:1}"; do
    run ifn --prefix "${good}" backup --no-rotate --no-schema-check
    expect_exit "backup --prefix '${good:0:20}'" 0
    run ifn --prefix "${good}" verify latest
    expect_exit "verify latest --prefix '${good:0:20}'" 0
    expect_contains "it is that prefix's backup" "${good}_" "${CLI_LAST_OUT}"
done

cli_finish
