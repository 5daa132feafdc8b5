#!/usr/bin/env bash
# Issue 14: a table rebuilt during the nightly backup (a migration's ALTER TABLE ... FORCE on a table
# not dumped yet) failed the backup with error 1412 "Table definition has changed". The dump now starts
# again with a fresh snapshot (--retries, default 2), logged as a warning; --retries 0 keeps the failure.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init
cli_use_server

db=$(cli_unique_db schemachange)
cli_create_db "${db}" || cli_skip "cannot create a database"
# aa_big is dumped first (name order) and long enough to catch; zz_small comes after it.
sql "${db}" -e "CREATE TABLE aa_big (id INT PRIMARY KEY, pad VARCHAR(200) NOT NULL);
                INSERT INTO aa_big SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_400000;
                CREATE TABLE zz_small (id INT PRIMARY KEY, name VARCHAR(20));
                INSERT INTO zz_small VALUES (1, 'un'), (2, 'deux')"

# backup_while_rebuilding DIR ARGS...: starts a backup, rebuilds zz_small once the dump reads aa_big
# (runs ${change}, by default ALTER TABLE zz_small FORCE), waits; sets CLI_LAST_EXIT and REBUILT
# (yes/no: the change happened while the dump read aa_big).
change="ALTER TABLE zz_small FORCE"
backup_while_rebuilding() {
    local dir=$1
    shift
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir}" \
        --threads 1 --compress-level 9 backup --no-rotate --no-schema-check "$@" \
        >"${CLI_WORK}/out.txt" 2>"${CLI_WORK}/err.txt" &
    local pid=$! seen=""
    for _ in $(seq 1 300); do
        seen=$(sql -e "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '${db}' AND INFO LIKE '%aa_big%'
                       AND INFO NOT LIKE '%PROCESSLIST%' LIMIT 1")
        [[ -n ${seen} ]] && break
        kill -0 "${pid}" 2>/dev/null || break
        sleep 0.05
    done
    REBUILT=no
    if [[ -n ${seen} ]]; then
        sql "${db}" -e "${change}"
        # Still reading aa_big after the rebuild: the dump meets zz_small's new definition.
        [[ -n $(sql -e "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ${seen} AND INFO LIKE '%aa_big%'") ]] &&
            REBUILT=yes
    fi
    wait "${pid}"
    CLI_LAST_EXIT=$?
    CLI_LAST_ERR=$(cat "${CLI_WORK}/err.txt")
}

# met_by_dump DIR ERROR ARGS...: backup_while_rebuilding into DIR (emptied first) until the change
# happened under the dump and the dump met it (the server's ERROR in its messages), at most 3 times.
# Now and then the change lands while the dump still reads aa_big and yet no error comes (seen in full
# suite runs, cause not found: holding the dump with LOCK TABLES instead made it so every time on the
# suite's shared server): such a run must still end in a complete, verified backup, and is tried again.
# CLI_LAST_* and REBUILT are the last backup's.
met_by_dump() {
    local dir=$1 error=$2 attempt file
    shift 2
    for attempt in 1 2 3; do
        rm -rf "${dir}"
        # zz_small as the suite made it, when a dropping attempt is tried again
        sql "${db}" -e "CREATE TABLE IF NOT EXISTS zz_small (id INT PRIMARY KEY, name VARCHAR(20));
                        INSERT IGNORE INTO zz_small VALUES (1, 'un'), (2, 'deux')"
        backup_while_rebuilding "${dir}" "$@"
        if [[ ${REBUILT} == yes ]] && grep -q "${error}" <<<"${CLI_LAST_ERR}"; then
            return 0
        fi
        if [[ ${CLI_LAST_EXIT} -ne 0 ]]; then
            return 0  # failed otherwise: the checks after say how
        fi
        file="${dir}/$(final_backups "${dir}" | head -n 1)"
        check "attempt ${attempt}, the change not met by the dump: its backup still verifies" \
            "${CLI_BIN}" --backup-dir "${dir}" -q verify "${file}"
    done
}

dir="${CLI_WORK}/backups"
met_by_dump "${dir}" 1412
[[ ${REBUILT} == yes ]] || cli_skip "the dump of aa_big ended before the rebuild could happen under it"
expect_exit "backup while zz_small is rebuilt" 0
expect_contains "it says the schema changed and it started again" \
    "the schema changed during the backup" "${CLI_LAST_ERR}"
expect_contains "naming the server's error" "1412" "${CLI_LAST_ERR}"
expect_contains "the completion line says so" "started 1 more time(s) after a schema change" "${CLI_LAST_ERR}"
expect_contains "the journal's backup line records the retry" '"retries":1}' "$(tail -n 1 "${dir}/journal.jsonl")"
file="${dir}/$(final_backups "${dir}" | head -n 1)"
run "${CLI_BIN}" --backup-dir "${dir}" verify "${file}"
expect_exit "the backup verifies" 0
expect_eq "one backup, no partial file left" "1" "$(find "${dir}" -name '*.sql.gz*' | wc -l | tr -d ' ')"

dir0="${CLI_WORK}/backups0"
met_by_dump "${dir0}" 1412 --retries 0
if [[ ${REBUILT} == yes ]]; then
    expect_exit "with --retries 0 the same rebuild fails the backup (server error)" 7
    expect_contains "naming error 1412" "1412" "${CLI_LAST_ERR}"
    expect_eq "no file left" "0" "$(find "${dir0}" -name '*.sql.gz*' 2>/dev/null | wc -l | tr -d ' ')"
else
    cli_log "note: the second dump of aa_big ended before the rebuild: the --retries 0 case was not run"
fi

# A migration that rebuilds zz_small again and again: every fresh snapshot meets a change, --retries is
# spent. The backup fails (exit 7) with a hint, no file is left, and the journal counts the restarts.
dir_busy="${CLI_WORK}/backups_busy"
touch "${CLI_WORK}/rebuilding"
(
    while [[ -f "${CLI_WORK}/rebuilding" ]]; do
        sql "${db}" -e "ALTER TABLE zz_small FORCE" 2>/dev/null
        sleep 0.1
    done
) &
rebuilder=$!
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${dir_busy}" \
    --threads 1 --compress-level 9 backup --no-rotate --no-schema-check --retries 1
rm -f "${CLI_WORK}/rebuilding"
wait "${rebuilder}"
if [[ ${CLI_LAST_EXIT} -ne 0 ]] && grep -q "starting again with a fresh snapshot (1 of 1)" <<<"${CLI_LAST_ERR}"; then
    expect_exit "every snapshot met a rebuild: the backup fails (server error)" 7
    expect_contains "the error says how many times the schema changed" \
        "the schema changed during the backup, 2 time(s) in a row" "${CLI_LAST_ERR}"
    expect_contains "the hint says to run it after the migration or raise --retries" "raise --retries (now 1" \
        "${CLI_LAST_ERR}"
    expect_contains "the journal's backup line counts the restart" '"retries":1' \
        "$(grep '"command":"backup"' "${dir_busy}/journal.jsonl" | tail -n 1)"
    expect_eq "no file left" "0" "$(find "${dir_busy}" -name '*.sql.gz*' | wc -l | tr -d ' ')"
else
    cli_log "note: a snapshot missed every rebuild (exit ${CLI_LAST_EXIT}): the spent --retries case was not run"
fi

# Issue 20: the dump reads every table's columns at once, before any table: a table dropped after
# that (zz_small, listed and not dumped yet) fails its SHOW CREATE TABLE with 1146 and the dump
# starts again without it.
change="DROP TABLE zz_small"
dir_drop="${CLI_WORK}/backups_drop"
met_by_dump "${dir_drop}" 1146
if [[ ${REBUILT} == yes ]]; then
    expect_exit "backup while zz_small is dropped" 0
    expect_contains "it started again" "the schema changed during the backup" "${CLI_LAST_ERR}"
    expect_contains "naming error 1146" "1146" "${CLI_LAST_ERR}"
    file="${dir_drop}/$(final_backups "${dir_drop}" | head -n 1)"
    expect_not_contains "the new snapshot has no zz_small" "zz_small" "$(gunzip -c "${file}")"
    run "${CLI_BIN}" --backup-dir "${dir_drop}" verify "${file}"
    expect_exit "the backup verifies" 0
else
    cli_log "note: the dump of aa_big ended before the drop: the dropped-table case was not run"
fi

cli_finish
