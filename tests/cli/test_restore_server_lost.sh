#!/usr/bin/env bash
# Issue 14: the server lost in the middle of a restore. The private server is killed (SIGKILL) while the
# restore loads rows; the restore exits 14 (restore_failed: the roll-back could not run either) with a
# message naming the safety snapshot and the exact command that puts it back. With the server started
# again on the same data, that command, run as printed, gives back the database as it was before the
# restore: the same tables, views, triggers, routines, row counts and CHECKSUM TABLE.
set -uo pipefail
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init
# Its own server: this test kills it.
cli_start_own_server lost
server_dir=${IFNBACKUP_TEST_DIR}

db=$(cli_unique_db lost)
cli_create_db "${db}"
sql "${db}" -e "CREATE TABLE big1 (id INT PRIMARY KEY, pad VARCHAR(100) NOT NULL);
                INSERT INTO big1 SELECT seq, REPEAT(MD5(seq), 2) FROM seq_1_to_300000;
                CREATE TABLE big2 (id INT PRIMARY KEY, pad VARCHAR(100) NOT NULL, n BIGINT);
                INSERT INTO big2 SELECT seq, REPEAT(SHA1(seq), 2), seq * 7 FROM seq_1_to_300000;
                CREATE TABLE small (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20));
                INSERT INTO small (name) VALUES ('un'), ('deux');
                CREATE VIEW v_small AS SELECT name FROM small;
                CREATE TRIGGER tr_small BEFORE INSERT ON small FOR EACH ROW SET NEW.name = UPPER(NEW.name);
                CREATE PROCEDURE p_count() SELECT COUNT(*) FROM big1"
backups="${CLI_WORK}/backups"
ifn() {
    "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${db}" --backup-dir "${backups}" "$@"
}
run ifn backup --no-rotate --no-schema-check
expect_exit "backup of the database" 0

# The state before the restore differs from the backup's: the restore replaces it, the snapshot keeps it.
sql "${db}" -e "UPDATE big1 SET pad = 'after the backup' WHERE id % 1000 = 0; DELETE FROM big2 WHERE id > 299000;
                INSERT INTO small (name) VALUES ('trois'); CREATE TABLE only_before (x INT); INSERT INTO only_before VALUES (42);
                CREATE VIEW v_before AS SELECT x FROM only_before"
state() {
    local tables
    tables=$(sql -e "SELECT GROUP_CONCAT(CONCAT('\`', TABLE_NAME, '\`') ORDER BY TABLE_NAME) FROM information_schema.TABLES
                     WHERE TABLE_SCHEMA = '${db}' AND TABLE_TYPE = 'BASE TABLE'")
    sql -e "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' ORDER BY 1;
            SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${db}' ORDER BY 1;
            SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '${db}' ORDER BY 1;
            SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '${db}' ORDER BY 1"
    sql "${db}" -e "CHECKSUM TABLE ${tables}; SELECT COUNT(*) FROM big1; SELECT COUNT(*) FROM big2;
                    SELECT COUNT(*) FROM small; SELECT COUNT(*) FROM only_before"
}
before=$(state)

# The restore, and the server killed while it loads rows.
ifn --threads 2 restore latest --yes >"${CLI_WORK}/restore.out" 2>"${CLI_WORK}/restore.err" &
restore_pid=$!
loading=$(running_statement "${restore_pid}" "DB = '${db}' AND INFO LIKE 'LOAD DATA%'")
if [[ -z ${loading} ]]; then
    wait "${restore_pid}"
    cli_skip "the restore ended before its load could be caught (exit $?): nothing to kill under it"
fi
server_pid=$(<"${IFNBACKUP_TEST_PIDFILE}")
kill -KILL "${server_pid}"
CLI_LAST_EXIT=0
wait "${restore_pid}" || CLI_LAST_EXIT=$?
CLI_LAST_OUT=$(<"${CLI_WORK}/restore.out")
CLI_LAST_ERR=$(<"${CLI_WORK}/restore.err")
expect_exit "restore with the server killed during the load: restore_failed" 14
snapshot=$(find "${backups}" -name 'pre_restore_safety_*.sql.gz' -printf '%f\n' | head -n 1)
check "a safety snapshot was written before the load" test -n "${snapshot}"
error_line=$(grep -m1 'error: restore failed' <<<"${CLI_LAST_ERR}")
check "the error line says the connection to the server was lost" \
    grep -Eq 'Lost connection|gone away|Can.t connect' <<<"${error_line}"
hint=$(grep -m1 'hint: ' <<<"${CLI_LAST_ERR}")
expect_contains "the hint names the safety snapshot" "${backups}/${snapshot}" "${hint}"
expect_contains "the hint says what to do once the server is up" "once the server answers again" "${hint}"
command=${hint#*put it back with: }
check "the hint gives a command" test "${command}" != "${hint}"
expect_contains "that command restores the snapshot file" "restore ${backups}/${snapshot}" "${command}"

# The server again, on the same data; the printed command, as printed, answered OUI.
run "${CLI_TESTDB}" restart --dir "${server_dir}"
expect_exit "the server starts again on the same data" 0
run bash -c "printf 'OUI\n' | ${command}"
expect_exit "the printed command, run as printed" 0
after=$(state)
expect_eq "the database is as it was before the failed restore (objects, rows, checksums)" "${before}" "${after}"

cli_finish
