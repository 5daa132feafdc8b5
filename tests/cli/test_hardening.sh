#!/usr/bin/env bash
# Promises found weak in review: a world-readable option file is refused like a password file,
# and a backup file removed while restore waits for OUI stops the restore before anything is touched.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_init
cli_use_server

db=$(cli_unique_db hard)
cli_load_db "${db}" "${CLI_DATA_DIR}/sample.sql" || cli_skip "cannot load the sample database"
dir="${CLI_WORK}/backups"
opts=(--database "${db}" --backup-dir "${dir}")

# 1. --defaults-file readable by others: exit 3 (config), nothing written.
cp "${IFNBACKUP_TEST_DEFAULTS_FILE}" "${CLI_WORK}/loose.cnf"
chmod 644 "${CLI_WORK}/loose.cnf"
run "${CLI_BIN}" --defaults-file "${CLI_WORK}/loose.cnf" "${opts[@]}" backup
expect_exit "backup with a 0644 option file" 3
expect_contains "the message names the file and the fix" "chmod 600 ${CLI_WORK}/loose.cnf" "${CLI_LAST_ERR}"
expect_eq "no backup written" "" "$(final_backups "${dir}")"
chmod 600 "${CLI_WORK}/loose.cnf"
run "${CLI_BIN}" --defaults-file "${CLI_WORK}/loose.cnf" "${opts[@]}" backup --no-rotate
expect_exit "the same file at 0600" 0

# 2. The file disappears (a rotation) while restore waits for OUI: exit 15, nothing touched.
file=$(final_backups "${dir}" | head -1)
sql "${db}" -e "DELETE FROM transactions WHERE id <= 10"
before=$(sql "${db}" -e "SELECT COUNT(*) FROM transactions")
fifo="${CLI_WORK}/answer.fifo"
mkfifo "${fifo}"
"${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" "${opts[@]}" restore "${file}" \
    <"${fifo}" >"${CLI_WORK}/restore.out" 2>"${CLI_WORK}/restore.err" &
pid=$!
exec {answer}>"${fifo}"
check "restore reaches the question" wait_for 20 grep -q "Type OUI" "${CLI_WORK}/restore.err"
mv "${dir}/${file}" "${CLI_WORK}/moved-away.sql.gz"
printf 'OUI\n' >&"${answer}"
exec {answer}>&-
status=0
wait "${pid}" || status=$?
expect_eq "restore of a file removed during the question: exit 15" 15 "${status}"
expect_contains "the message says nothing was restored" "nothing was restored" "$(cat "${CLI_WORK}/restore.err")"
expect_eq "the database is untouched" "${before}" "$(sql "${db}" -e "SELECT COUNT(*) FROM transactions")"
expect_eq "no safety snapshot was written" "" "$(find "${dir}" -name 'pre_restore_safety_*' -printf '%f\n')"

# 3. A table whose default draws from a sequence, restored --into another database, draws from
#    that database's own sequence (SHOW CREATE TABLE names the source database; the dump drops it).
seqdb=$(cli_unique_db hardseq)
into=$(cli_unique_db hardinto)
cli_create_db "${seqdb}"
cli_on_exit "mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -e 'DROP DATABASE IF EXISTS \`${into}\`'"
sql "${seqdb}" -e "CREATE SEQUENCE s1 START WITH 100; CREATE TABLE t (id INT NOT NULL DEFAULT nextval(s1), v INT); INSERT INTO t (v) VALUES (1),(2)"
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${seqdb}" --backup-dir "${CLI_WORK}/seq" backup --no-rotate
expect_exit "backup of a table with a sequence default" 0
run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_DEFAULTS_FILE}" --database "${seqdb}" --backup-dir "${CLI_WORK}/seq" restore latest --yes --into "${into}"
expect_exit "restore --into of that backup" 0
# With the source gone, the copy's default must still work: it uses the copy's own sequence.
sql -e "DROP DATABASE \`${seqdb}\`"
run sql "${into}" -e "INSERT INTO t (v) VALUES (3); SELECT id FROM t WHERE v = 3"
expect_exit "insert into the copy after the source database is dropped" 0
check "the copy's new row took a value after the restored ones" test "${CLI_LAST_OUT:-0}" -ge 102
check "the copy's table default names no database" bash -c "! mariadb --defaults-file='${IFNBACKUP_TEST_DEFAULTS_FILE}' -N -e 'SHOW CREATE TABLE \`${into}\`.t' | grep -q '${seqdb}'"
# 3. --ssl-mode REQUIRED against a server that offers no TLS (the private test server has none):
# refused (exit 4), nothing written. MariaDB Connector/C 3.3 connected in plain text (issue 14).
if [[ -n ${IFNBACKUP_TEST_TCP_DEFAULTS_FILE:-} ]] &&
    [[ $(sql -e "SELECT @@have_ssl") != "YES" ]]; then
    tls_dir="${CLI_WORK}/tls_backups"
    for mode in REQUIRED required VERIFY_CA VERIFY_IDENTITY; do
        run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" --database "${db}" \
            --backup-dir "${tls_dir}" --ssl-mode "${mode}" backup
        expect_exit "backup --ssl-mode ${mode} over TCP to a server without TLS" 4
        if [[ ${mode} == REQUIRED ]]; then
            expect_contains "the message says TLS is required and missing" "TLS is required" "${CLI_LAST_ERR}"
        fi
    done
    expect_eq "no backup written" "" "$(final_backups "${tls_dir}" 2>/dev/null)"
    run "${CLI_BIN}" --defaults-file "${IFNBACKUP_TEST_TCP_DEFAULTS_FILE}" --database "${db}" \
        --backup-dir "${tls_dir}" --ssl-mode PREFERRED backup --no-rotate
    expect_exit "--ssl-mode PREFERRED still connects without TLS" 0
else
    cli_log "note: no TCP option file, or the server offers TLS: the --ssl-mode REQUIRED refusal is not run"
fi

cli_finish
